//! What the consumer-health scenarios share: one tansu broker, one
//! `kafkascope serve` over it with a short evaluation window, background
//! librdkafka clients, and readings of a group as one snapshot shows it.

use std::io::Read;
use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use kafkascope_testkit::{Tansu, spawn_kafka_client, wait_for_ready};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{Metrics, Serve};

/// The cluster's name in the APIs and the `cluster` label.
pub const CLUSTER: &str = "tansu";
/// Samples in the evaluation window, one per one-second cycle, so a window
/// fills in about four seconds.
pub const WINDOW: usize = 4;
/// Lagging members without commit progress for this long look dead.
pub const DEAD_AFTER_SECONDS: f64 = 8.0;
/// The longest any wait may take. Generous for a loaded two-core machine:
/// a passing wait is over in seconds.
const PATIENCE: Duration = Duration::from_secs(45);

pub struct Cluster {
    pub tansu: Tansu,
    pub serve: Serve,
    _config: TempDir,
}

impl Cluster {
    pub fn start() -> Cluster {
        let tansu = Tansu::start().expect("starting tansu");
        let config = tempfile::tempdir().expect("a config directory");
        let path = config.path().join("kafkascope.toml");
        let toml = format!(
            "interval_seconds = 1\n\
             [[clusters]]\n\
             name = \"{CLUSTER}\"\n\
             bootstrap_servers = [\"{}\"]\n\
             [clusters.consumer_health]\n\
             intervals = {WINDOW}\n\
             min_distance_seconds = 1\n\
             dead_after_seconds = {DEAD_AFTER_SECONDS}\n",
            tansu.bootstrap()
        );
        std::fs::write(&path, toml).expect("writing the config");
        let serve = Serve::start(&["--config", path.to_str().expect("a UTF-8 path")]);
        Cluster {
            tansu,
            serve,
            _config: config,
        }
    }

    /// Runs a client command to completion; its JSON result. `args` are
    /// split at whitespace (no argument here needs a space).
    pub fn run(&self, command: &str, args: &str) -> Value {
        let split: Vec<&str> = args.split_whitespace().collect();
        let out = self
            .tansu
            .client(command, &split)
            .unwrap_or_else(|e| panic!("{command} {args}: {e:#}"));
        last_json_line(&out, command)
    }

    /// Starts a client command in the background; `args` as for [`Cluster::run`].
    pub fn spawn(&self, command: &str, args: &str) -> Background {
        let bootstrap = self.tansu.bootstrap();
        let mut full = vec![command, "--bootstrap", &bootstrap];
        full.extend(args.split_whitespace());
        let child = spawn_kafka_client(&full)
            .unwrap_or_else(|e| panic!("starting {command} {args}: {e:#}"));
        Background {
            child: Some(child),
            what: format!("{command} {args}"),
        }
    }

    /// Polls until `check` holds for the group; fails with the last reading.
    pub fn wait_for(
        &self,
        group: &str,
        what: &str,
        mut check: impl FnMut(&GroupView) -> bool,
    ) -> GroupView {
        let deadline = Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            if let Some(view) = self.group(group) {
                if check(&view) {
                    return view;
                }
                last = Some(view.json);
            }
            assert!(
                Instant::now() < deadline,
                "group {group}: no {what} within {PATIENCE:?}; last seen: {last:#?}"
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// The next `count` snapshots of the group after `after`, each checked
    /// as it arrives.
    pub fn observe(
        &self,
        group: &str,
        after: &GroupView,
        count: usize,
        check: impl Fn(&GroupView),
    ) -> Vec<GroupView> {
        let mut seen: Vec<GroupView> = Vec::new();
        for _ in 0..count {
            let previous = seen.last().map_or(after.at_ms, |v| v.at_ms);
            let view = self.wait_for(group, "a newer snapshot", |v| v.at_ms > previous);
            check(&view);
            seen.push(view);
        }
        seen
    }

    /// The group detail from one snapshot, with that snapshot's collection
    /// time: read between two equal readings of the time. `None` while the
    /// group is not listed.
    pub fn group(&self, group: &str) -> Option<GroupView> {
        loop {
            let before = self.collected_at_ms()?;
            let path = format!("/api/v1/clusters/{CLUSTER}/groups/{group}");
            let (status, body) = self.serve.get(&path)?;
            if status != 200 {
                return None;
            }
            if self.collected_at_ms()? == before {
                let json = serde_json::from_str(&body).expect("group JSON");
                return Some(GroupView {
                    at_ms: before,
                    json,
                });
            }
        }
    }

    fn collected_at_ms(&self) -> Option<i64> {
        let (status, body) = self.serve.get(&format!("/api/v1/clusters/{CLUSTER}"))?;
        let summary: Value = serde_json::from_str(&body).ok().filter(|_| status == 200)?;
        summary["collected_at_ms"].as_i64()
    }

    /// `/v3/kafka/{cluster}/consumer/{group}/{what}` (`status` or `lag`):
    /// the envelope's `status` object.
    pub fn burrow(&self, group: &str, what: &str) -> Value {
        let path = format!("/v3/kafka/{CLUSTER}/consumer/{group}/{what}");
        self.serve.json(&path)["status"].take()
    }

    pub fn metrics(&self) -> Metrics {
        self.serve.metrics()
    }
}

/// One group as one snapshot shows it in `/api/v1/clusters/{c}/groups/{g}`.
#[derive(Debug, Clone)]
pub struct GroupView {
    /// The snapshot's `collected_at_ms`: the `now` of its lag seconds.
    pub at_ms: i64,
    pub json: Value,
}

impl GroupView {
    pub fn status(&self) -> &str {
        self.json["status"].as_str().unwrap_or_default()
    }

    pub fn state(&self) -> &str {
        self.json["state"].as_str().unwrap_or_default()
    }

    pub fn members(&self) -> usize {
        self.json["members"].as_array().map_or(0, Vec::len)
    }

    pub fn complete(&self) -> bool {
        self.json["complete"].as_f64() == Some(1.0)
    }

    /// The offsets entry of `partition` (the test topics have one topic).
    pub fn partition(&self, partition: i64) -> &Value {
        self.json["offsets"]
            .as_array()
            .and_then(|all| all.iter().find(|o| o["partition"] == partition))
            .unwrap_or(&Value::Null)
    }

    pub fn partition_status(&self, partition: i64) -> &str {
        self.partition(partition)["status"]
            .as_str()
            .unwrap_or_default()
    }

    pub fn committed(&self, partition: i64) -> i64 {
        self.partition(partition)["committed_offset"]
            .as_i64()
            .unwrap_or(-1)
    }

    pub fn lag(&self, partition: i64) -> Option<i64> {
        self.partition(partition)["lag"].as_i64()
    }

    pub fn lag_seconds(&self, partition: i64) -> Option<f64> {
        self.partition(partition)["lag_seconds"].as_f64()
    }

    pub fn lag_seconds_source(&self, partition: i64) -> &str {
        self.partition(partition)["lag_seconds_source"]
            .as_str()
            .unwrap_or_default()
    }
}

/// A client running in the background, killed if still running when dropped.
pub struct Background {
    child: Option<Child>,
    what: String,
}

impl Background {
    /// Waits for `hold-member` to be assigned its partitions.
    pub fn wait_for_ready(&mut self) {
        let child = self.child.as_mut().expect("a running client");
        wait_for_ready(child, PATIENCE).unwrap_or_else(|e| panic!("{}: {e:#}", self.what));
    }

    /// SIGKILL: no LeaveGroup, no last commit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, which the client answers by leaving its group; waits for it.
    pub fn terminate(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGTERM to {}", self.what);
        let status = child.wait().expect("waiting for the client");
        assert!(status.success(), "{} exited with {status}", self.what);
    }

    /// Waits for the client to finish by itself; its JSON result.
    pub fn finish(mut self) -> Value {
        let mut child = self.child.take().expect("a running client");
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            stdout.read_to_string(&mut out).expect("client stdout");
        }
        let status = child.wait().expect("waiting for the client");
        assert!(status.success(), "{} exited with {status}", self.what);
        last_json_line(&out, &self.what)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.kill();
    }
}

fn last_json_line(out: &str, what: &str) -> Value {
    let line = out.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{what} printed {out:?}: {e}"))
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("a plausible clock")
}
