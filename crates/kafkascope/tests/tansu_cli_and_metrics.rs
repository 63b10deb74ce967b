//! Against the real tansu broker, driven by real librdkafka clients: known
//! records and known commits in, exact offsets, lag, members and states out,
//! from the CLI and from `/metrics` alike.

mod common;

use std::time::Duration;

use common::{Serve, kafkascope_json, kafkascope_ok};
use kafkascope_testkit::{Tansu, spawn_kafka_client, wait_for_ready};
use serde_json::json;

/// orders: 3 partitions with 7/3/0 records; payments: 1 partition with 4.
/// billing consumed orders up to 5/3 then 2 more arrived on partition 0;
/// audit consumed 1 of payments.
fn seeded_cluster() -> Tansu {
    let tansu = Tansu::start().expect("starting tansu");
    let ok = |cmd: &str, args: &[&str]| {
        tansu
            .client(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} {args:?}: {e:#}"));
    };
    ok("create-topic", &["--topic", "orders", "--partitions", "3"]);
    ok(
        "create-topic",
        &["--topic", "payments", "--partitions", "1"],
    );
    ok(
        "produce",
        &["--topic", "orders", "--partition", "0", "--count", "5"],
    );
    ok(
        "produce",
        &["--topic", "orders", "--partition", "1", "--count", "3"],
    );
    ok(
        "produce",
        &["--topic", "payments", "--partition", "0", "--count", "4"],
    );
    ok(
        "consume-commit",
        &["--group", "billing", "--topic", "orders", "--count", "8"],
    );
    ok(
        "consume-commit",
        &["--group", "audit", "--topic", "payments", "--count", "1"],
    );
    ok(
        "produce",
        &["--topic", "orders", "--partition", "0", "--count", "2"],
    );
    tansu
}

#[test]
fn tansu_cli_reports_exact_offsets_lag_and_groups() {
    let tansu = seeded_cluster();
    let bootstrap = tansu.bootstrap();
    let b = ["--bootstrap-server", bootstrap.as_str()];

    let topics =
        kafkascope_json(&[&["topics", "--describe", "--topic", "orders"], &b[..]].concat());
    let partitions: Vec<_> = topics[0]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partition"].as_i64().unwrap(),
                p["leader"].as_i64().unwrap(),
                p["earliest_offset"].as_i64().unwrap(),
                p["latest_offset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        partitions,
        vec![(0, 111, 0, 7), (1, 111, 0, 3), (2, 111, 0, 0)]
    );

    let table = kafkascope_ok(&[&["topics", "--describe", "--topic", "orders"], &b[..]].concat());
    let partition_lines: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(
        partition_lines,
        vec![
            "\tTopic: orders\tPartition: 0\tLeader: 111\tReplicas: 111\tIsr: 111\tLogStartOffset: 0\tLogEndOffset: 7",
            "\tTopic: orders\tPartition: 1\tLeader: 111\tReplicas: 111\tIsr: 111\tLogStartOffset: 0\tLogEndOffset: 3",
            "\tTopic: orders\tPartition: 2\tLeader: 111\tReplicas: 111\tIsr: 111\tLogStartOffset: 0\tLogEndOffset: 0",
        ]
    );
    assert!(
        table.starts_with("Topic: orders\tPartitionCount: 3\tReplicationFactor: 1\t"),
        "{table}"
    );

    let mut lag = kafkascope_json(&[&["lag"], &b[..]].concat());
    // The age of the oldest unconsumed record depends on when the test ran:
    // it was produced during this test, and read from its own timestamp.
    for group in lag.as_array_mut().unwrap() {
        let age = group["lag_seconds_max"].take().as_f64().unwrap();
        assert!(age > 0.0 && age < 300.0, "lag_seconds_max {age}");
    }
    let dead = json!([{"reason": "lag_without_members"}]);
    assert_eq!(
        lag,
        json!([
            {"group": "audit", "type": "classic", "state": "Empty", "members": 0, "partitions": 1, "lag_sum": 3, "lag_max": 3,
             "lag_seconds_max": null, "status": "NOT_ENOUGH_DATA", "trend": "dead: lag, no members",
             "dead_reasons": dead},
            {"group": "billing", "type": "classic", "state": "Empty", "members": 0, "partitions": 2, "lag_sum": 2, "lag_max": 2,
             "lag_seconds_max": null, "status": "NOT_ENOUGH_DATA", "trend": "dead: lag, no members",
             "dead_reasons": dead},
        ])
    );

    let groups =
        kafkascope_json(&[&["groups", "--describe", "--group", "billing"], &b[..]].concat());
    let offsets: Vec<_> = groups[0]["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["partition"].as_i64().unwrap(),
                o["committed_offset"].as_i64().unwrap(),
                o["lag"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(offsets, vec![(0, 5, 2), (1, 3, 0)]);

    let listed = kafkascope_ok(&[&["groups"], &b[..]].concat());
    assert_eq!(listed, "audit\nbilling\n");
}

#[test]
fn tansu_live_member_is_described_though_no_broker_lists_it() {
    let tansu = seeded_cluster();
    let bootstrap = tansu.bootstrap();
    let mut member = spawn_kafka_client(&[
        "hold-member",
        "--bootstrap",
        &bootstrap,
        "--group",
        "live",
        "--topic",
        "payments",
        "--seconds",
        "60",
    ])
    .unwrap();
    wait_for_ready(&mut member, Duration::from_secs(30)).unwrap();
    let groups = kafkascope_json(&[
        "groups",
        "--describe",
        "--group",
        "live",
        "--bootstrap-server",
        &bootstrap,
    ]);
    let _ = member.kill();
    let _ = member.wait();
    let group = &groups[0];
    assert_eq!(group["state"], "Stable");
    assert_eq!(group["protocol_type"], "consumer");
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    // librdkafka names its members after itself.
    assert!(
        members[0]["member_id"]
            .as_str()
            .unwrap()
            .starts_with("rdkafka-")
    );
    // tansu 0.6 answers empty client ids, hosts and assignment blobs;
    // decoding real ones is tested against the fake broker.
    assert_eq!(members[0]["assignment"], json!([]));
}

#[test]
fn tansu_metrics_match_the_cluster() {
    let tansu = seeded_cluster();
    let serve = Serve::start(&["--bootstrap-server", &tansu.bootstrap(), "--interval", "1"]);
    let m = serve.metrics();
    let c = ("cluster", "default");
    assert_eq!(m.get("kafka_brokers", &[c]), Some(1.0));
    assert_eq!(
        m.get("kafka_topic_partitions", &[c, ("topic", "orders")]),
        Some(3.0)
    );
    for (partition, end) in [("0", 7.0), ("1", 3.0), ("2", 0.0)] {
        let labels = [c, ("topic", "orders"), ("partition", partition)];
        assert_eq!(
            m.get("kafka_topic_partition_current_offset", &labels),
            Some(end)
        );
        assert_eq!(
            m.get("kafka_topic_partition_oldest_offset", &labels),
            Some(0.0)
        );
        assert_eq!(m.get("kafka_topic_partition_leader", &labels), Some(111.0));
        assert_eq!(
            m.get("kafka_topic_partition_in_sync_replica", &labels),
            Some(1.0)
        );
        assert_eq!(
            m.get("kafka_topic_partition_under_replicated_partition", &labels),
            Some(0.0)
        );
    }
    let billing = |p: &'static str| {
        [
            c,
            ("consumergroup", "billing"),
            ("topic", "orders"),
            ("partition", p),
        ]
    };
    assert_eq!(
        m.get("kafka_consumergroup_current_offset", &billing("0")),
        Some(5.0)
    );
    assert_eq!(m.get("kafka_consumergroup_lag", &billing("0")), Some(2.0));
    assert_eq!(m.get("kafka_consumergroup_lag", &billing("1")), Some(0.0));
    assert_eq!(m.get("kafka_consumergroup_lag", &billing("2")), None);
    let billing_topic = [c, ("consumergroup", "billing"), ("topic", "orders")];
    assert_eq!(
        m.get("kafka_consumergroup_lag_sum", &billing_topic),
        Some(2.0)
    );
    assert_eq!(
        m.get("kafka_consumergroup_current_offset_sum", &billing_topic),
        Some(8.0)
    );
    assert_eq!(
        m.get(
            "kafka_consumergroup_members",
            &[c, ("consumergroup", "billing")]
        ),
        Some(0.0)
    );
    let audit = [
        c,
        ("consumergroup", "audit"),
        ("topic", "payments"),
        ("partition", "0"),
    ];
    assert_eq!(m.get("kafka_consumergroup_lag", &audit), Some(3.0));
    assert_eq!(
        m.get("kafkascope_broker_up", &[c, ("broker", "111")]),
        Some(1.0)
    );
    assert_eq!(m.get("kafkascope_snapshot_stale", &[c]), Some(0.0));
    // tansu offers no DescribeLogDirs: reported, not an error.
    assert_eq!(
        m.get(
            "kafkascope_unsupported_api",
            &[c, ("api", "DescribeLogDirsRequest")]
        ),
        Some(1.0)
    );

    let groups = serve.json("/api/v1/clusters/default/groups/billing");
    assert_eq!(groups["name"], "billing");
}
