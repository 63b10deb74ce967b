//! `serve` with `[clusters.node_exporter]` on this machine's real pages:
//! `kafkascope agent` describing broker 1's host and the Debian
//! `prometheus-node-exporter` broker 2's (under `CI=true` a missing
//! binary fails the test; otherwise it is skipped with a message). The
//! hosts API lists both with their broker, CPU count and memory as `/proc`
//! says, and each broker's log dir with the filesystem `df` says holds it.
//!
//! Then the disk alert on a log dir's own filesystem: a single-node
//! cluster of its own whose log dir is moved onto a 64 MiB tmpfs (needs
//! root: skipped without it unless `CI=true`), filled past 85 % →
//! `HostDiskAlmostFull` (its `for` shortened to 2s) fires for that broker
//! and log dir, from the history's record of
//! `kafkascope_broker_log_dir_filesystem_used_ratio`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::Serve;
use common::agents::{start_agent, start_node_exporter};
use common::rules::shortened_curated_rules;
use common::tmpfs::mount_tmpfs;
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const CLUSTER: &str = "hosts-watched";
const WAIT: Duration = Duration::from_secs(120);

/// `[[clusters.node_exporter.targets]]` for each (url, host name, broker).
fn config(bootstrap: &str, targets: &[(&str, &str, i32)], rules: Option<&Path>) -> String {
    let mut text = format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{bootstrap}\"]\ninterval_seconds = 1\n\n\
         [clusters.node_exporter]\ninterval_seconds = 1\ntimeout_seconds = 5\n"
    );
    for (url, host, broker) in targets {
        text.push_str(&format!(
            "[[clusters.node_exporter.targets]]\nurl = \"{url}\"\nhost = \"{host}\"\nbroker = {broker}\n"
        ));
    }
    if let Some(rules) = rules {
        text.push_str(&format!(
            "\n[alerts]\nrule_files = [\"{}\"]\n",
            rules.display()
        ));
    }
    text
}

fn start_serve(config_text: &str, dir: &Path) -> Serve {
    let path = dir.join("kafkascope.toml");
    std::fs::write(&path, config_text).unwrap();
    Serve::start(&["--config", path.to_str().unwrap()])
}

fn hosts_view(serve: &Serve) -> Option<Value> {
    let (status, body) = serve.get(&format!("/api/v1/clusters/{CLUSTER}/hosts"))?;
    (status == 200).then(|| serde_json::from_str(&body).ok())?
}

/// The CPUs `/proc/stat` lists, as node_exporter counts them.
fn proc_cpus() -> usize {
    std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count()
}

fn mem_total_bytes() -> f64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .unwrap();
    let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024.0
}

/// `df --output=target`: the mountpoint of the filesystem holding `dir`.
fn df_target(dir: &str) -> String {
    let out = Command::new("df")
        .args(["--output=target", dir])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn serve_lists_the_agents_and_node_exporters_hosts_with_their_brokers_log_dirs() {
    let cluster = KafkaCluster::shared();
    let Some((_node_exporter, node_exporter_url)) = start_node_exporter(&[]) else {
        return;
    };
    let (_agent, agent_url) = start_agent(&[]);
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = cluster.bootstrap();
    let bootstrap = bootstrap.split(',').next().unwrap();
    let targets = [
        (agent_url.as_str(), "agent-host", 1),
        (node_exporter_url.as_str(), "node-exporter-host", 2),
    ];
    let serve = start_serve(&config(bootstrap, &targets, None), dir.path());

    serve.wait_until("both hosts and every log dir", WAIT, |s| {
        hosts_view(s).is_some_and(|v| {
            let up = v["hosts"]
                .as_array()
                .is_some_and(|h| h.len() == 2 && h.iter().all(|h| h["up"] == true));
            let joined = v["log_dirs"].as_array().is_some_and(|dirs| {
                dirs.iter()
                    .filter(|d| d["broker"] != 0 && !d["mountpoint"].is_null())
                    .count()
                    == 2
            });
            up && joined
        })
    });
    let view = hosts_view(&serve).unwrap();
    let hosts: Vec<(String, Value, Value)> = view["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap().to_string(),
                h["broker"].clone(),
                h["brokers"].clone(),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        [
            (
                "agent-host".to_string(),
                Value::from(1),
                serde_json::json!([1])
            ),
            (
                "node-exporter-host".to_string(),
                Value::from(2),
                serde_json::json!([2])
            ),
        ]
    );
    for host in view["hosts"].as_array().unwrap() {
        assert_eq!(host["cpu"]["cpus"], proc_cpus(), "{}", host["host"]);
        assert_eq!(
            host["memory"]["total_bytes"].as_f64(),
            Some(mem_total_bytes()),
            "{}",
            host["host"]
        );
    }
    let log_dirs: Vec<(i64, String, Option<String>, Option<String>)> = view["log_dirs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["broker"].as_i64().unwrap(),
                d["log_dir"].as_str().unwrap().to_string(),
                d["host"].as_str().map(String::from),
                d["mountpoint"].as_str().map(String::from),
            )
        })
        .collect();
    let expected: Vec<(i64, String, Option<String>, Option<String>)> = (0..=2)
        .map(|id| {
            let log_dir = cluster.dir().join(format!("node-{id}/data"));
            let log_dir = log_dir.to_str().unwrap().to_string();
            let (host, mountpoint) = match id {
                1 => (Some("agent-host"), Some(df_target(&log_dir))),
                2 => (Some("node-exporter-host"), Some(df_target(&log_dir))),
                // No target describes broker 0's host.
                _ => (None, None),
            };
            (id, log_dir, host.map(String::from), mountpoint)
        })
        .collect();
    assert_eq!(log_dirs, expected);
    serve.stop();
}

/// Copies `from` into `to` (both folders), keeping sparse files sparse.
fn copy_folder(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .args(["-a", "--sparse=always"])
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success(), "cp {} {}", from.display(), to.display());
}

fn alerts_for(serve: &Serve, rule: &str) -> Vec<(String, String, String, String)> {
    serve.json("/api/v1/alerts")["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["alertname"] == rule)
        .map(|a| {
            let label = |name: &str| a["labels"][name].as_str().unwrap_or("").to_string();
            (
                label("broker"),
                label("log_dir"),
                label("mountpoint"),
                a["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_log_dir_filled_past_85_percent_fires_host_disk_almost_full_for_its_broker() {
    // Its own cluster: the log dir is moved while its node is stopped.
    let probe = tempfile::tempdir().unwrap();
    let Some(probe_mount) = mount_tmpfs(probe.path(), "1m") else {
        return;
    };
    drop(probe_mount);
    let cluster = KafkaCluster::start(1).unwrap_or_else(|e| panic!("cluster: {e:#}"));
    let log_dir = cluster.dir().join("node-0/data");
    let saved = tempfile::tempdir().unwrap();
    cluster.stop_node(0).unwrap();
    copy_folder(&log_dir, saved.path());
    let _tmpfs = mount_tmpfs(&log_dir, "64m").expect("mounted once already");
    copy_folder(saved.path(), &log_dir);
    cluster.start_node(0).unwrap();

    let (_agent, agent_url) = start_agent(&[]);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("shortened.yml");
    std::fs::write(
        &rules,
        shortened_curated_rules(&["HostDiskAlmostFull", "HostDiskFull"], "2s"),
    )
    .unwrap();
    let text = config(
        &cluster.bootstrap(),
        &[(agent_url.as_str(), "agent-host", 0)],
        Some(&rules),
    );
    let serve = start_serve(&text, dir.path());
    let log_dir_text = log_dir.to_str().unwrap().to_string();
    serve.wait_until("the log dir on its tmpfs", WAIT, |s| {
        hosts_view(s).is_some_and(|v| {
            v["log_dirs"][0]["mountpoint"] == log_dir_text.as_str()
                && v["log_dirs"][0]["fstype"] == "tmpfs"
        })
    });
    assert_eq!(alerts_for(&serve, "HostDiskAlmostFull"), []);

    // 57 MiB more of 64: past 85 %, short of 95 %.
    std::fs::write(log_dir.join("filler.bin"), vec![7u8; 57 << 20]).unwrap();
    let firing = (
        "0".to_string(),
        log_dir_text.clone(),
        log_dir_text.clone(),
        "firing".to_string(),
    );
    serve.wait_until("HostDiskAlmostFull firing", WAIT, |s| {
        alerts_for(s, "HostDiskAlmostFull") == [firing.clone()]
    });
    assert_eq!(alerts_for(&serve, "HostDiskFull"), []);
    let ratio = hosts_view(&serve).unwrap()["log_dirs"][0]["used_ratio"]
        .as_f64()
        .unwrap();
    assert!((0.85..0.95).contains(&ratio), "{ratio}");

    // Emptied again, it resolves.
    std::fs::remove_file(log_dir.join("filler.bin")).unwrap();
    serve.wait_until("HostDiskAlmostFull resolved", WAIT, |s| {
        alerts_for(s, "HostDiskAlmostFull").is_empty()
    });
    serve.stop();
    cluster.stop_node(0).unwrap();
}
