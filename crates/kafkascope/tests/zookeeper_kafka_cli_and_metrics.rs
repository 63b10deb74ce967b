//! Against a real ZooKeeper-mode Apache Kafka cluster (one ZooKeeper node,
//! three Kafka 3.9 brokers, from `testbed/kafka-cluster.sh --mode
//! zookeeper`; shared by this file's tests, each with topics and groups of
//! its own), for users still on ZooKeeper: Kafka 3.9's own
//! `kafka-consumer-groups` and `kafka-topics` must agree with kafkascope,
//! and `/metrics` must name the controller ZooKeeper names and report that
//! such a cluster has no KRaft metadata quorum.

mod common;

use std::sync::OnceLock;

use common::kafka::{
    consume, create_topic, describe_topic_text, kafkascope_group_rows, produce_batched,
};
use common::{Serve, http_get};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

/// The cluster this file's tests share, killed when the test binary exits.
fn cluster() -> &'static KafkaCluster {
    static SHARED: OnceLock<KafkaCluster> = OnceLock::new();
    SHARED.get_or_init(|| {
        KafkaCluster::start_zookeeper_mode(3)
            .unwrap_or_else(|error| panic!("starting the ZooKeeper-mode cluster: {error:#}"))
    })
}

#[test]
fn zookeeper_kafka_groups_agree_with_kafka_consumer_groups_for_a_classic_group_with_lag() {
    let cluster = cluster();
    let bootstrap = cluster.bootstrap();
    // 20 lz4 and 7 zstd records consumed, then 5 more on partition 0;
    // partition 2 never had a record, so nothing was committed there.
    create_topic(cluster, "zk-orders", "3", "3");
    produce_batched(cluster, "zk-orders", "0", "20", "lz4");
    produce_batched(cluster, "zk-orders", "1", "7", "zstd");
    consume(cluster, "zk-billing", "zk-orders", "27", &[]);
    produce_batched(cluster, "zk-orders", "0", "5", "lz4");
    // One of 4 records consumed on a single-replica topic.
    create_topic(cluster, "zk-payments", "1", "1");
    produce_batched(cluster, "zk-payments", "0", "4", "none");
    consume(cluster, "zk-audit", "zk-payments", "1", &[]);

    let mut lags = Vec::new();
    for group in ["zk-billing", "zk-audit"] {
        let (json, ours) = kafkascope_group_rows(&bootstrap, group);
        let theirs = cluster.describe_group_with_kafka_tool(group).unwrap();
        assert_eq!(ours, theirs, "{group}: kafkascope vs kafka-consumer-groups");
        assert_eq!(json["group_type"], "classic", "{group}");
        assert_eq!(json["state"], "Empty", "{group}");
        assert_eq!(json["protocol_type"], "consumer", "{group}");
        lags.extend(ours.iter().map(|r| (r.topic.clone(), r.partition, r.lag)));
    }
    let expected = [
        ("zk-orders", 0, Some(5)),
        ("zk-orders", 1, Some(0)),
        ("zk-payments", 0, Some(3)),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|&(topic, partition, lag)| (topic.to_string(), partition, lag))
        .collect();
    assert_eq!(lags, expected);
}

/// `(partition, leader, replicas, isr)` of each partition line and
/// `(partition count, replication factor)` of the topic line in
/// kafka-topics' `--describe` layout (`Topic: t\tPartition: 0\t...`).
type Described = (Vec<(String, String, String, String)>, (String, String));

fn described_fields(table: &str) -> Described {
    let field = |line: &str, name: &str| {
        line.split('\t')
            .find_map(|f| f.trim().strip_prefix(name))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let partitions = table
        .lines()
        .filter(|line| line.contains("Partition: "))
        .map(|l| {
            let f = |name| field(l, name);
            (f("Partition: "), f("Leader: "), f("Replicas: "), f("Isr: "))
        })
        .collect();
    let topic = table
        .lines()
        .find(|line| line.contains("PartitionCount: "))
        .map(|l| {
            (
                field(l, "PartitionCount: "),
                field(l, "ReplicationFactor: "),
            )
        })
        .unwrap_or_default();
    (partitions, topic)
}

#[test]
fn zookeeper_kafka_topics_describe_agrees_with_kafka_topics() {
    let cluster = cluster();
    let bootstrap = cluster.bootstrap();
    create_topic(cluster, "zk-describe-wide", "6", "3");
    create_topic(cluster, "zk-describe-single", "2", "1");
    // The group makes the brokers create __consumer_offsets.
    produce_batched(cluster, "zk-describe-single", "0", "1", "none");
    consume(
        cluster,
        "zk-describe-reader",
        "zk-describe-single",
        "1",
        &[],
    );
    for topic in [
        "zk-describe-wide",
        "zk-describe-single",
        "__consumer_offsets",
    ] {
        let ours = describe_topic_text(&bootstrap, topic);
        let theirs = cluster
            .kafka_topics(&["--describe", "--topic", topic])
            .unwrap();
        let ours = described_fields(&ours);
        assert!(!ours.0.is_empty(), "{topic}");
        assert_eq!(ours, described_fields(&theirs), "{topic}");
    }
}

#[test]
fn zookeeper_kafka_metrics_name_the_zookeeper_controller_and_no_metadata_quorum() {
    let cluster = cluster();
    let serve = Serve::start(&[
        "--bootstrap-server",
        &cluster.bootstrap(),
        "--interval",
        "1",
    ]);
    let m = serve.metrics();
    let c = ("cluster", "default");
    assert_eq!(m.get("kafka_brokers", &[c]), Some(3.0));

    // The controller as ZooKeeper names it: the /controller znode.
    let znode: Value = serde_json::from_str(&cluster.zookeeper_get("/controller").unwrap())
        .expect("/controller holds JSON");
    let controller = znode["brokerid"].as_i64().expect("brokerid");
    assert_eq!(
        m.get("kafkascope_controller_id", &[c]),
        Some(controller as f64)
    );
    // The brokers agree: only the controller counts itself active.
    for (broker, url) in cluster.env("KAFKA_JMX_EXPORTER").split(',').enumerate() {
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/metrics");
        let (status, body) = http_get(address, "/metrics", None).expect("JMX exporter answers");
        assert_eq!(status, 200, "{url}");
        let active = common::Metrics::parse(&body).get(
            "kafka_controller_kafkacontroller_activecontrollercount",
            &[],
        );
        let expected = if broker as i64 == controller {
            1.0
        } else {
            0.0
        };
        assert_eq!(active, Some(expected), "broker {broker}");
    }

    // A ZooKeeper cluster has no metadata quorum: DescribeQuorum is
    // reported unsupported and no quorum figures are made up.
    let unsupported = [c, ("api", "DescribeQuorumRequest")];
    assert_eq!(m.get("kafkascope_unsupported_api", &unsupported), Some(1.0));
    assert_eq!(m.count("kafkascope_unsupported_api"), 1);
    for family in [
        "kafkascope_quorum_leader_epoch",
        "kafkascope_quorum_high_watermark",
        "kafkascope_quorum_replica_lag",
        "kafkascope_quorum_replica_last_fetch_age_seconds",
    ] {
        assert_eq!(m.count(family), 0, "{family}");
    }

    let brokers = serve.json("/api/v1/clusters/default/brokers");
    assert_eq!(brokers["controller"], controller);
    assert_eq!(brokers["quorum"], Value::Null);
    let roles: Vec<(i64, bool, Value)> = brokers["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let id = b["id"].as_i64().unwrap();
            (
                id,
                b["is_controller"].as_bool().unwrap(),
                b["quorum_role"].clone(),
            )
        })
        .collect();
    let expected: Vec<(i64, bool, Value)> = (0..3)
        .map(|id| (id, id == controller, Value::Null))
        .collect();
    assert_eq!(roles, expected);
}
