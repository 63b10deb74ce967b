//! Helpers of the tests on a real Apache Kafka cluster: drive it with the
//! librdkafka client script, and read kafkascope's answers in the shape of
//! Kafka's own tools to compare the two.

use kafkascope_testkit::{GroupToolRow, KafkaCluster};
use serde_json::Value;

use super::{kafkascope_json, kafkascope_ok};

/// `kafkascope topics --describe --topic TOPIC`, as the table Kafka's
/// `kafka-topics --describe` prints.
pub fn describe_topic_text(bootstrap: &str, topic: &str) -> String {
    kafkascope_ok(&describe_topic_args(bootstrap, topic))
}

/// The same description, as kafkascope's JSON.
pub fn describe_topic_json(bootstrap: &str, topic: &str) -> Value {
    kafkascope_json(&describe_topic_args(bootstrap, topic))
}

fn describe_topic_args<'a>(bootstrap: &'a str, topic: &'a str) -> [&'a str; 6] {
    [
        "topics",
        "--describe",
        "--topic",
        topic,
        "--bootstrap-server",
        bootstrap,
    ]
}

/// Runs `kafka_client.py <command>` on the cluster; its JSON answer.
pub fn run(cluster: &KafkaCluster, command: &str, args: &[&str]) -> Value {
    let out = cluster
        .client(command, args)
        .unwrap_or_else(|e| panic!("{command} {args:?}: {e:#}"));
    serde_json::from_str(out.trim()).expect("kafka_client.py prints one JSON object")
}

pub fn create_topic(cluster: &KafkaCluster, topic: &str, partitions: &str, rf: &str) {
    let args = [
        "--topic",
        topic,
        "--partitions",
        partitions,
        "--replication-factor",
        rf,
    ];
    run(cluster, "create-topic", &args);
}

/// `count` records to one partition from an idempotent producer, sharing
/// batches compressed with `codec`.
pub fn produce_batched(
    cluster: &KafkaCluster,
    topic: &str,
    partition: &str,
    count: &str,
    codec: &str,
) {
    let args = [
        "--topic",
        topic,
        "--partition",
        partition,
        "--count",
        count,
        "--batched",
        "--compression",
        codec,
        "--config",
        "enable.idempotence=true",
    ];
    let produced = run(cluster, "produce", &args);
    assert_eq!(produced["count"].as_i64().unwrap().to_string(), count);
}

/// A member of `group` reads `count` records of `topic`, commits and leaves.
pub fn consume(cluster: &KafkaCluster, group: &str, topic: &str, count: &str, extra: &[&str]) {
    let args = [
        &["--group", group, "--topic", topic, "--count", count][..],
        extra,
    ]
    .concat();
    run(cluster, "consume-commit", &args);
}

/// `<prefix>-orders`: 3 partitions (RF 3) with 25/7/0 records in lz4 and
/// zstd batches; `<prefix>-payments`: 1 partition (RF 1) with 4 records.
/// `<prefix>-billing` (classic) consumed all 27 orders then 5 more arrived
/// on partition 0; `<prefix>-kip848` (group.protocol=consumer) consumed 10
/// orders; `<prefix>-audit` consumed 1 payment.
pub fn seed(cluster: &KafkaCluster, prefix: &str) {
    let orders = format!("{prefix}-orders");
    let payments = format!("{prefix}-payments");
    create_topic(cluster, &orders, "3", "3");
    create_topic(cluster, &payments, "1", "1");
    produce_batched(cluster, &orders, "0", "20", "lz4");
    produce_batched(cluster, &orders, "1", "7", "zstd");
    produce_batched(cluster, &payments, "0", "4", "none");
    let group = |name: &str| format!("{prefix}-{name}");
    consume(cluster, &group("billing"), &orders, "27", &[]);
    let kip848 = ["--config", "group.protocol=consumer"];
    consume(cluster, &group("kip848"), &orders, "10", &kip848);
    consume(cluster, &group("audit"), &payments, "1", &[]);
    produce_batched(cluster, &orders, "0", "5", "lz4");
}

/// kafkascope's `groups --describe` of `group`, and its offsets in
/// kafka-consumer-groups' shape.
pub fn kafkascope_group_rows(bootstrap: &str, group: &str) -> (Value, Vec<GroupToolRow>) {
    let described = kafkascope_json(&[
        "groups",
        "--describe",
        "--group",
        group,
        "--bootstrap-server",
        bootstrap,
    ]);
    let rows = described[0]["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| GroupToolRow {
            topic: o["topic"].as_str().unwrap().to_string(),
            partition: o["partition"].as_i64().unwrap() as i32,
            current_offset: o["committed_offset"].as_i64(),
            log_end_offset: o["latest_offset"].as_i64(),
            lag: o["lag"].as_i64(),
            consumer_id: None,
        })
        .collect();
    (described[0].clone(), rows)
}

/// The value of `name` (e.g. `"Leader: "`) in one line of a kafka-topics
/// `--describe` table (kafkascope's or Kafka's); empty when absent.
pub fn describe_field(line: &str, name: &str) -> String {
    line.split('\t')
        .find_map(|f| f.trim().strip_prefix(name))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The partition lines of a kafka-topics `--describe` table.
pub fn partition_lines(table: &str) -> impl Iterator<Item = &str> {
    table.lines().filter(|line| line.contains("Partition: "))
}

/// `query`, percent-encoded for a URL.
pub fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
