//! A broker's log files read by `kafkascope agent --broker-logs` on "its
//! host", and `serve` polling that agent: a real agent process follows a
//! file this test writes in Kafka's layout, and a real `serve` takes its
//! events into `/api/v1/clusters/{cluster}/events` and `/metrics` as if it
//! read the file itself. More lines give only the new events; `serve`
//! restarted on the same data dir takes nothing twice; the agent killed is
//! its target down with the reason, and `serve` still answers; the agent
//! restarted goes on with its numbering and reads nothing again. An event
//! the agent read while `serve` was down is still there after the agent is
//! killed and restarted, and `serve` takes it once.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::agents::{Running, start_agent_on};
use common::{Metrics, free_port, http_get};
use serde_json::{Value, json};

const CLUSTER: &str = "agent-logs";
const BROKER: &str = "2";
/// Kafka's Partition.maybeShrinkIsr wording, for `orders-<partition>`.
fn shrink_line(partition: u32) -> String {
    format!(
        "[2026-12-07 02:06:0{partition},357] INFO [Partition orders-{partition} broker=2] Shrinking ISR from 2,1,3 to 2,1. Leader: (highWatermark: 120, endOffset: 130). Out of sync replicas: (brokerId: 3, endOffset: 100, lastCaughtUpTimeMs: 1796612370000). (kafka.cluster.Partition)\n"
    )
}
const FENCED_LINE: &str = "[2026-12-07 02:06:30,327] INFO [QuorumController id=0] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 3: BrokerRegistrationChangeRecord(brokerId=3, brokerEpoch=18, fenced=1, inControlledShutdown=0, logDirs=[], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)\n";

fn wait_for(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn start_agent(logs: &Path, state: &Path, port: u16) -> Running {
    let logs = format!("{}/", logs.display());
    let state = state.display().to_string();
    start_agent_on(
        port,
        &[
            "--broker-logs",
            &logs,
            "--broker-id",
            BROKER,
            "--broker-logs-interval",
            "1",
            "--broker-logs-state",
            &state,
        ],
    )
}

/// `serve` with its stderr (debug for the sources: the targets' reasons)
/// in `log`, once it answers.
fn start_serve(config: &Path, data: &Path, log: &Path, addr: &str) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", addr])
        .env("KAFKASCOPE_LOG", "warn,kafkascope_sources=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start kafkascope serve");
    let running = Running(child);
    wait_for("serve", || http_get(addr, "/healthz", None).is_some());
    running
}

fn events(addr: &str) -> Vec<Value> {
    let path = format!("/api/v1/clusters/{CLUSTER}/events?limit=1000");
    let (status, body) = http_get(addr, &path, None).expect("GET events");
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let mut events = page["events"].as_array().unwrap().clone();
    events.sort_by_key(|e| e["id"].as_u64());
    events
}

/// The agent's own answer: its events after 0.
fn agent_page(port: u16) -> Value {
    let addr = format!("127.0.0.1:{port}");
    let (status, body) =
        http_get(&addr, "/broker-logs?after=0&limit=1000", None).expect("GET /broker-logs");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn metrics(addr: &str) -> Metrics {
    let (status, body) = http_get(addr, "/metrics", None).expect("GET /metrics");
    assert_eq!(status, 200);
    Metrics::parse(&body)
}

fn event_count(addr: &str, kind: &str) -> Option<f64> {
    metrics(addr).get(
        "kafkascope_broker_log_events_total",
        &[("cluster", CLUSTER), ("broker", BROKER), ("kind", kind)],
    )
}

/// (kind, broker, fields, file) of each event, in reading order.
fn summary(events: &[Value]) -> Vec<(String, Value, Value, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["broker"].clone(),
                e["fields"].clone(),
                e["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn shrink(partition: u32, file: &str) -> (String, Value, Value, String) {
    let fields = json!({"topic": "orders", "partition": partition, "old_isr": [2, 1, 3],
        "new_isr": [2, 1], "leader": 2});
    ("isr_shrink".into(), json!(2), fields, file.to_string())
}

#[test]
fn serve_takes_a_brokers_log_events_from_its_agent_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let server_log: PathBuf = logs.join("server.log");
    append(&server_log, &(shrink_line(0) + FENCED_LINE));
    let agent_port = free_port();
    let agent = start_agent(&logs, &dir.path().join("agent-state"), agent_port);

    let config = dir.path().join("kafkascope.toml");
    // No broker answers there: the logs do not need the cluster.
    let dead_bootstrap = format!("127.0.0.1:{}", free_port());
    std::fs::write(
        &config,
        format!(
            "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{dead_bootstrap}\"]\n\n\
             [clusters.broker_logs]\ninterval_seconds = 1\ntimeout_seconds = 2\n\n\
             [[clusters.broker_logs.brokers]]\nbroker = {BROKER}\nagent = \"http://127.0.0.1:{agent_port}\"\n"
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let addr = format!("127.0.0.1:{}", free_port());
    let serve = start_serve(&config, &data, &log, &addr);

    let file = server_log.display().to_string();
    wait_for("the first two events", || events(&addr).len() == 2);
    let fenced = (
        "broker_fenced".to_string(),
        json!(2),
        json!({"broker": 3, "broker_epoch": 18}),
        file.clone(),
    );
    assert_eq!(
        summary(&events(&addr)),
        vec![shrink(0, &file), fenced.clone()]
    );
    wait_for("the counts", || {
        event_count(&addr, "broker_fenced") == Some(1.0)
    });
    let m = metrics(&addr);
    assert_eq!(event_count(&addr, "isr_shrink"), Some(1.0));
    assert_eq!(event_count(&addr, "leader_election"), Some(0.0));
    let file_key = format!("127.0.0.1:{agent_port}:{file}");
    let lines = [
        ("cluster", CLUSTER),
        ("broker", BROKER),
        ("file", file_key.as_str()),
        ("level", "INFO"),
    ];
    assert_eq!(
        m.get("kafkascope_broker_log_lines_total", &lines),
        Some(2.0)
    );
    let agent_target = format!("http://127.0.0.1:{agent_port}/");
    let target = [
        ("cluster", CLUSTER),
        ("source", "broker_logs"),
        ("target", agent_target.as_str()),
    ];
    assert_eq!(m.get("kafkascope_source_target_up", &target), Some(1.0));

    // More lines: only the new event is added.
    append(&server_log, &shrink_line(1));
    wait_for("the third event", || events(&addr).len() == 3);
    assert_eq!(
        summary(&events(&addr)),
        vec![shrink(0, &file), fenced.clone(), shrink(1, &file)]
    );
    wait_for("the third count", || {
        event_count(&addr, "isr_shrink") == Some(2.0)
    });

    // serve restarted on the same data dir: nothing is taken twice, and
    // what is written meanwhile is taken once.
    drop(serve);
    append(&server_log, &shrink_line(2));
    let serve = start_serve(&config, &data, &log, &addr);
    wait_for("the fourth event", || events(&addr).len() >= 4);
    append(&server_log, &shrink_line(3));
    wait_for("the fifth event", || events(&addr).len() >= 5);
    let expected = vec![
        shrink(0, &file),
        fenced,
        shrink(1, &file),
        shrink(2, &file),
        shrink(3, &file),
    ];
    assert_eq!(summary(&events(&addr)), expected);
    wait_for("the fifth count", || {
        event_count(&addr, "isr_shrink") == Some(4.0)
    });
    assert_eq!(event_count(&addr, "broker_fenced"), Some(1.0));
    let lines_now = metrics(&addr).get("kafkascope_broker_log_lines_total", &lines);
    assert_eq!(lines_now, Some(5.0));

    // The agent gone: its target is down with the reason; serve answers.
    drop(agent);
    wait_for("the agent's target down", || {
        metrics(&addr).get("kafkascope_source_target_up", &target) == Some(0.0)
    });
    assert_eq!(summary(&events(&addr)), expected);
    wait_for("the reason in serve's log", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines().any(|line| {
            line.contains("target down")
                && line.contains(&agent_target)
                && line.contains("connect failed")
        })
    });

    // The agent back (its state kept): it reads nothing again and numbers
    // on; serve takes each event once.
    let agent = start_agent(&logs, &dir.path().join("agent-state"), agent_port);
    wait_for("the agent's target up", || {
        metrics(&addr).get("kafkascope_source_target_up", &target) == Some(1.0)
    });
    append(&server_log, &shrink_line(4));
    wait_for("the sixth event", || events(&addr).len() >= 6);
    let mut expected = expected;
    expected.push(shrink(4, &file));
    assert_eq!(summary(&events(&addr)), expected);
    wait_for("the sixth count", || {
        event_count(&addr, "isr_shrink") == Some(5.0)
    });
    let lines_now = metrics(&addr).get("kafkascope_broker_log_lines_total", &lines);
    assert_eq!(lines_now, Some(6.0));

    // serve down while the agent reads one more event, and the agent killed
    // before serve took it: restarted, the agent still has it under the
    // same numbering, and serve takes it once.
    drop(serve);
    let kept = agent_page(agent_port);
    assert_eq!(kept["events"].as_array().unwrap().len(), 6);
    append(&server_log, &shrink_line(5));
    wait_for("the agent to read it", || {
        agent_page(agent_port)["events"].as_array().unwrap().len() == 7
    });
    drop(agent);
    let _agent = start_agent(&logs, &dir.path().join("agent-state"), agent_port);
    let restarted = agent_page(agent_port);
    assert_eq!(restarted["agent_start_ms"], kept["agent_start_ms"]);
    assert_eq!(restarted["next"], 7);
    assert_eq!(restarted["events"][6]["fields"]["partition"], 5);
    let serve = start_serve(&config, &data, &log, &addr);
    wait_for("the seventh event", || events(&addr).len() >= 7);
    expected.push(shrink(5, &file));
    assert_eq!(summary(&events(&addr)), expected);
    wait_for("the seventh count", || {
        event_count(&addr, "isr_shrink") == Some(6.0)
    });
    let lines_now = metrics(&addr).get("kafkascope_broker_log_lines_total", &lines);
    assert_eq!(lines_now, Some(7.0));
    drop(serve);
}
