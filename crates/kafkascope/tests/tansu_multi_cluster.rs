//! Several clusters in one process, from a config file: each has its own
//! loop, and one cluster being unreachable does not touch the other's figures.

mod common;

use common::{Serve, free_port};
use kafkascope_testkit::Tansu;

#[test]
fn tansu_and_a_dead_cluster_are_collected_independently() {
    let tansu = Tansu::start().expect("starting tansu");
    tansu
        .client("create-topic", &["--topic", "orders", "--partitions", "1"])
        .unwrap();
    tansu
        .client(
            "produce",
            &["--topic", "orders", "--partition", "0", "--count", "3"],
        )
        .unwrap();
    let dead = format!("127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kafkascope.toml");
    std::fs::write(
        &config,
        format!(
            "interval_seconds = 1\n\n[[clusters]]\nname = \"live\"\nbootstrap_servers = [\"{}\"]\n\n[[clusters]]\nname = \"dead\"\nbootstrap_servers = [\"{dead}\"]\n",
            tansu.bootstrap()
        ),
    )
    .unwrap();
    let serve = Serve::start(&["--config", config.to_str().unwrap()]);
    let m = serve.metrics();
    let orders = [("cluster", "live"), ("topic", "orders"), ("partition", "0")];
    assert_eq!(
        m.get("kafka_topic_partition_current_offset", &orders),
        Some(3.0)
    );
    assert_eq!(
        m.get("kafkascope_snapshot_stale", &[("cluster", "live")]),
        Some(0.0)
    );
    assert_eq!(
        m.get("kafkascope_snapshot_stale", &[("cluster", "dead")]),
        Some(1.0)
    );
    assert_eq!(m.get("kafka_brokers", &[("cluster", "dead")]), Some(0.0));

    let clusters = serve.json("/api/v1/clusters");
    let names: Vec<&str> = clusters["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["dead", "live"]);
}
