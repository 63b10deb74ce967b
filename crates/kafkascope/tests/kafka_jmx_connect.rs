//! A real Kafka Connect worker (`ConnectDistributed`) on the test bed with
//! the JMX exporter agent: a FileStream source connector reading a file and
//! a FileStream sink whose task cannot open its file. What kafkascope reads
//! of the worker must show both connectors, the source's task running with
//! its batches, and the sink's task failed.

mod common;

use std::time::Duration;

use common::{Serve, http_get, http_post_json};
use kafkascope_testkit::{KafkaCluster, free_loopback_ports};
use serde_json::Value;

const CLUSTER: &str = "connect";

#[test]
fn kafka_connect_worker_shows_its_connectors_tasks_by_state_and_batches() {
    let cluster = KafkaCluster::shared();
    let dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("kafkascope-connect-{nanos}");
    let [rest_port, jmx_port] = free_loopback_ports();
    let _worker = cluster
        .spawn_connect_worker(&name, rest_port, jmx_port, dir.path())
        .unwrap();
    let rest = format!("127.0.0.1:{rest_port}");

    let input = dir.path().join("input.txt");
    let lines: String = (0..50).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&input, lines).unwrap();
    let topic = format!("{name}-lines");
    let connectors = [
        serde_json::json!({"name": "files-in", "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "tasks.max": "1", "file": input.to_str().unwrap(), "topic": topic}}),
        // Its task cannot open its file: FAILED.
        serde_json::json!({"name": "files-out", "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "tasks.max": "1", "file": "/nonexistent-dir/out.txt", "topics": topic}}),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while http_get(&rest, "/connectors", None).is_none_or(|(status, _)| status != 200) {
        assert!(
            std::time::Instant::now() < deadline,
            "the Connect worker's REST API never answered"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for connector in &connectors {
        let (status, body) = http_post_json(&rest, "/connectors", &connector.to_string()).unwrap();
        assert_eq!(status, 201, "{body}");
    }

    let config = dir.path().join("kafkascope.toml");
    let bootstrap = cluster
        .bootstrap()
        .split(',')
        .map(|b| format!("\"{b}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &config,
        format!(
            "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [{bootstrap}]\ninterval_seconds = 2\n\n\
             [clusters.jmx_exporter]\n\n[[clusters.jmx_exporter.targets]]\n\
             url = \"http://127.0.0.1:{jmx_port}/metrics\"\n"
        ),
    )
    .unwrap();
    let serve = Serve::start(&["--config", config.to_str().unwrap()]);
    let path = format!("/api/v1/clusters/{CLUSTER}/jmx");
    let worker = |s: &Serve| -> Option<Value> {
        let (status, body) = s.get(&path)?;
        let poll: Value = serde_json::from_str(&body).ok().filter(|_| status == 200)?;
        let node = poll["figures"]["jmx"]["nodes"].get(0)?.clone();
        Some(node)
    };
    serve.wait_until(
        "the worker's connectors in their states",
        Duration::from_secs(90),
        |s| {
            worker(s).is_some_and(|n| {
                let c = &n["connect"]["by_connector"];
                c["files-in"]["running_tasks"] == 1.0
                    && c["files-out"]["failed_tasks"] == 1.0
                    && n["connect"]["by_connector"]["files-in"]["tasks"]["0"]["batch_size_max"]
                        .as_f64()
                        .is_some_and(|b| b >= 1.0)
            })
        },
    );
    let node = worker(&serve).unwrap();
    assert_eq!(node["role"], "connect");
    assert_eq!(node["connect"]["connectors"], 2.0);
    assert_eq!(node["connect"]["tasks"], 2.0);
    assert_eq!(
        node["connect"]["by_connector"]["files-in"]["failed_tasks"],
        0.0
    );
    assert_eq!(
        node["connect"]["by_connector"]["files-out"]["running_tasks"],
        0.0
    );

    let metrics = serve.metrics();
    let target = format!("http://127.0.0.1:{jmx_port}/metrics");
    let failed = metrics.get(
        "kafka_connect_connect_worker_metrics_connector_failed_task_count",
        &[
            ("cluster", CLUSTER),
            ("node", &target),
            ("connector", "files-out"),
        ],
    );
    assert_eq!(failed, Some(1.0));
}
