//! Against a real 3-node Apache Kafka cluster (shared by this file's tests,
//! each with topics and groups of its own), driven by real librdkafka
//! clients: multi-record batches with lz4 and zstd from idempotent
//! producers, a classic group and a KIP-848 consumer group. Kafka's own
//! tools are the reference: `kafka-consumer-groups --describe`,
//! `kafka-topics --describe` and `kafka-metadata-quorum` must agree with
//! kafkascope field by field, and the brokers' own JMX gauges (through the
//! Prometheus JMX exporter agent) with its `/metrics`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::kafka::{
    create_topic, describe_field, describe_topic_text, kafkascope_group_rows, partition_lines, seed,
};
use common::{Metrics, Serve, http_get, kafkascope_json};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

#[test]
fn kafka_groups_agree_with_kafka_consumer_groups_for_classic_and_kip848_groups() {
    let cluster = KafkaCluster::shared();
    let prefix = "agree";
    seed(cluster, prefix);
    let bootstrap = cluster.bootstrap();
    let orders = format!("{prefix}-orders");

    for (group, group_type) in [
        ("billing", "classic"),
        ("kip848", "consumer"),
        ("audit", "classic"),
    ] {
        let group = format!("{prefix}-{group}");
        let (json, ours) = kafkascope_group_rows(&bootstrap, &group);
        let theirs = cluster.describe_group_with_kafka_tool(&group).unwrap();
        assert_eq!(
            ours, theirs,
            "group {group}: kafkascope vs kafka-consumer-groups"
        );
        assert_eq!(json["group_type"], group_type, "{group}");
        assert_eq!(json["state"], "Empty", "{group}");
    }

    let (_, billing) = kafkascope_group_rows(&bootstrap, &format!("{prefix}-billing"));
    let lags: Vec<_> = billing.iter().map(|r| (r.partition, r.lag)).collect();
    assert_eq!(lags, [(0, Some(5)), (1, Some(0))]);
    // The KIP-848 member consumed exactly 10 of the 27 records, split over
    // the two partitions with data as the broker's assignor chose.
    let (_, kip848) = kafkascope_group_rows(&bootstrap, &format!("{prefix}-kip848"));
    let committed: i64 = kip848.iter().filter_map(|r| r.current_offset).sum();
    let lag: i64 = kip848.iter().filter_map(|r| r.lag).sum();
    // Which partitions it read (and so committed) is the assignor's choice:
    // lag counts only those, from the 25 and 7 records they hold.
    let kip848_lag: i64 = kip848
        .iter()
        .map(|r| r.log_end_offset.unwrap() - r.current_offset.unwrap())
        .sum();
    assert_eq!((committed, lag), (10, kip848_lag));
    assert!(kip848.iter().all(|r| r.topic == orders));

    let lag = kafkascope_json(&["lag", "--bootstrap-server", &bootstrap]);
    let ours: BTreeMap<&str, (&str, i64)> = lag
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["group"].as_str().unwrap().starts_with(prefix))
        .map(|g| {
            (
                g["group"].as_str().unwrap(),
                (g["type"].as_str().unwrap(), g["lag_sum"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        ours,
        BTreeMap::from([
            ("agree-audit", ("classic", 3)),
            ("agree-billing", ("classic", 5)),
            ("agree-kip848", ("consumer", kip848_lag)),
        ])
    );
}

#[test]
fn kafka_live_kip848_member_is_described_with_its_assignment() {
    let cluster = KafkaCluster::shared();
    let topic = "live848-events";
    create_topic(cluster, topic, "4", "3");
    let bootstrap = cluster.bootstrap();
    let mut member = kafkascope_testkit::spawn_kafka_client(&[
        "hold-member",
        "--bootstrap",
        &bootstrap,
        "--group",
        "live848",
        "--topic",
        topic,
        "--seconds",
        "60",
        "--config",
        "group.protocol=consumer",
    ])
    .unwrap();
    kafkascope_testkit::wait_for_ready(&mut member, Duration::from_secs(30)).unwrap();
    let groups = kafkascope_json(&[
        "groups",
        "--describe",
        "--group",
        "live848",
        "--bootstrap-server",
        &bootstrap,
    ]);
    let _ = member.kill();
    let _ = member.wait();
    let group = &groups[0];
    assert_eq!(group["group_type"], "consumer");
    assert_eq!(group["state"], "Stable");
    // The broker-side assignor of KIP-848 groups.
    assert_eq!(group["protocol"], "uniform");
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    let all = serde_json::json!([{"topic": topic, "partitions": [0, 1, 2, 3]}]);
    assert_eq!(members[0]["assignment"], all);
    assert_eq!(members[0]["target_assignment"], all);
    assert_eq!(members[0]["client_id"], "rdkafka");
    assert_eq!(members[0]["member_epoch"], group["group_epoch"]);
    assert_eq!(group["assignment_epoch"], group["group_epoch"]);
}

/// `(partition, leader, replicas, isr)` from a `--describe` table in
/// kafka-topics' layout (`Topic: t\tPartition: 0\tLeader: 1\t...`).
fn partition_fields(table: &str) -> Vec<(String, String, String, String)> {
    partition_lines(table)
        .map(|line| {
            let field = |name: &str| describe_field(line, name);
            (
                field("Partition: "),
                field("Leader: "),
                field("Replicas: "),
                field("Isr: "),
            )
        })
        .collect()
}

#[test]
fn kafka_topics_describe_agrees_with_kafka_topics() {
    let cluster = KafkaCluster::shared();
    create_topic(cluster, "describe-wide", "6", "3");
    create_topic(cluster, "describe-single", "2", "1");
    let bootstrap = cluster.bootstrap();
    for topic in ["describe-wide", "describe-single", "__consumer_offsets"] {
        let ours = describe_topic_text(&bootstrap, topic);
        let theirs = cluster
            .kafka_topics(&["--describe", "--topic", topic])
            .unwrap();
        let ours = partition_fields(&ours);
        assert!(!ours.is_empty(), "{topic}");
        assert_eq!(ours, partition_fields(&theirs), "{topic}");
    }
}

/// The broker-reported value of `name{topic,partition}` summed over every
/// node's JMX exporter page (only the leader reports a partition).
fn jmx_partition_gauges(cluster: &KafkaCluster, name: &str, topic: &str) -> BTreeMap<String, f64> {
    let mut values = BTreeMap::new();
    for url in cluster.env("KAFKA_JMX_EXPORTER").split(',') {
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/metrics");
        let (status, body) = http_get(address, "/metrics", None).expect("JMX exporter answers");
        assert_eq!(status, 200, "{url}");
        for line in body.lines().filter(|l| l.starts_with(name)) {
            let topic_label = format!("topic=\"{topic}\"");
            if !line.contains(&topic_label) || !line[name.len()..].starts_with('{') {
                continue;
            }
            let partition = line
                .split("partition=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_string();
            let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            *values.entry(partition).or_insert(0.0) += value;
        }
    }
    values
}

#[test]
fn kafka_metrics_match_the_cluster_and_the_brokers_own_gauges() {
    let cluster = KafkaCluster::shared();
    let prefix = "metrics";
    seed(cluster, prefix);
    let serve = Serve::start(&[
        "--bootstrap-server",
        &cluster.bootstrap(),
        "--interval",
        "1",
    ]);
    let m: Metrics = serve.metrics();
    let c = ("cluster", "default");
    assert_eq!(m.get("kafka_brokers", &[c]), Some(3.0));
    let orders = "metrics-orders";
    assert_eq!(
        m.get("kafka_topic_partitions", &[c, ("topic", orders)]),
        Some(3.0)
    );
    for (partition, end) in [("0", 25.0), ("1", 7.0), ("2", 0.0)] {
        let labels = [c, ("topic", orders), ("partition", partition)];
        assert_eq!(
            m.get("kafka_topic_partition_current_offset", &labels),
            Some(end)
        );
        assert_eq!(m.get("kafka_topic_partition_replicas", &labels), Some(3.0));
        assert_eq!(
            m.get("kafka_topic_partition_in_sync_replica", &labels),
            Some(3.0)
        );
    }
    let lag = |group: &str, partition: &'static str| {
        let group = format!("{prefix}-{group}");
        m.get(
            "kafka_consumergroup_lag",
            &[
                c,
                ("consumergroup", &group),
                ("topic", orders),
                ("partition", partition),
            ],
        )
    };
    assert_eq!(lag("billing", "0"), Some(5.0));
    assert_eq!(lag("billing", "1"), Some(0.0));
    let kip848: f64 = ["0", "1", "2"]
        .iter()
        .filter_map(|p| lag("kip848", p))
        .sum();
    let truth: i64 = cluster
        .describe_group_with_kafka_tool("metrics-kip848")
        .unwrap()
        .iter()
        .filter_map(|r| r.lag)
        .sum();
    assert_eq!(kip848, truth as f64);
    assert_eq!(
        m.get(
            "kafkascope_consumergroup_state",
            &[
                c,
                ("consumergroup", "metrics-kip848"),
                ("state", "Empty"),
                ("type", "consumer")
            ]
        ),
        Some(1.0)
    );

    // DescribeLogDirs, which tansu lacks: every broker reports its log dir,
    // online, on a volume whose capacity df reports too.
    assert_eq!(m.count("kafkascope_broker_log_dir_size_bytes"), 3);
    assert_eq!(m.count("kafkascope_unsupported_api"), 0);
    for node in 0..3 {
        let dir = cluster.dir().join(format!("node-{node}/data"));
        let dir = dir.to_str().unwrap();
        let broker = node.to_string();
        let labels = [c, ("broker", broker.as_str()), ("dir", dir)];
        assert_eq!(
            m.get("kafkascope_log_dir_online", &labels),
            Some(1.0),
            "{dir}"
        );
        let df = |column: &str| -> f64 {
            let out = std::process::Command::new("df")
                .args(["-B1", &format!("--output={column}"), dir])
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            text.lines().nth(1).unwrap().trim().parse().unwrap()
        };
        let total = m
            .get("kafkascope_log_dir_volume_total_bytes", &labels)
            .unwrap();
        assert_eq!(total, df("size"), "{dir}");
        // Free space moves with every write on the machine: within 1%.
        let usable = m
            .get("kafkascope_log_dir_volume_usable_bytes", &labels)
            .unwrap();
        assert!(
            (usable - df("avail")).abs() < total * 0.01,
            "{usable} vs df"
        );
        assert!(m.get("kafkascope_log_dir_size_bytes", &labels).unwrap() > 0.0);
    }
    // Each RF-3 partition has two followers, caught up once the writes end.
    let followers: Vec<(String, String)> = (0..3)
        .flat_map(|partition| (0..3).map(move |broker| (partition.to_string(), broker.to_string())))
        .filter(|(partition, broker)| {
            m.get(
                "kafkascope_topic_partition_follower_lag",
                &[
                    c,
                    ("topic", orders),
                    ("partition", partition),
                    ("broker", broker),
                ],
            )
            .is_some_and(|lag| lag == 0.0)
        })
        .collect();
    assert_eq!(followers.len(), 6, "{followers:?}");

    // Under- and at-min-ISR as the brokers themselves count them.
    for (ours, theirs) in [
        (
            "kafka_cluster_partition_underminisr",
            "kafka_cluster_partition_underminisr",
        ),
        (
            "kafka_cluster_partition_atminisr",
            "kafka_cluster_partition_atminisr",
        ),
    ] {
        for topic in [orders, "metrics-payments"] {
            let brokers = jmx_partition_gauges(cluster, theirs, topic);
            assert!(!brokers.is_empty(), "{theirs} for {topic}");
            for (partition, value) in brokers {
                let labels = [c, ("topic", topic), ("partition", partition.as_str())];
                assert_eq!(
                    m.get(ours, &labels),
                    Some(value),
                    "{ours} {topic}-{partition}"
                );
            }
        }
    }
}

/// `name: value` lines of `kafka-metadata-quorum describe --status`.
fn quorum_status(cluster: &KafkaCluster) -> BTreeMap<String, String> {
    let out = cluster
        .tool(
            "org.apache.kafka.tools.MetadataQuorumCommand",
            &[
                "--bootstrap-server",
                &cluster.bootstrap(),
                "describe",
                "--status",
            ],
        )
        .unwrap();
    out.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect()
}

#[test]
fn kafka_active_controller_is_the_metadata_quorum_leader() {
    let cluster = KafkaCluster::shared();
    let serve = Serve::start(&[
        "--bootstrap-server",
        &cluster.bootstrap(),
        "--interval",
        "1",
    ]);
    let brokers = serve.json("/api/v1/clusters/default/brokers");
    let status = quorum_status(cluster);

    let leader: i64 = status["LeaderId"].parse().unwrap();
    assert_eq!(brokers["controller"], leader);
    assert_eq!(brokers["quorum"]["leader_id"], leader);
    assert_eq!(
        brokers["quorum"]["leader_epoch"]
            .as_i64()
            .unwrap()
            .to_string(),
        status["LeaderEpoch"]
    );
    // Every node of the test bed is a voter; the tool lists them as JSON.
    let voters: Vec<i64> = serde_json::from_str::<Value>(&status["CurrentVoters"])
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    let ours: Vec<(i64, &str)> = brokers["quorum"]["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["replica_id"].as_i64().unwrap(),
                r["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ours,
        voters.iter().map(|&id| (id, "voter")).collect::<Vec<_>>()
    );
    let roles: Vec<(i64, &str)> = brokers["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap(),
                b["quorum_role"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(i64, &str)> = voters
        .iter()
        .map(|&id| (id, if id == leader { "leader" } else { "voter" }))
        .collect();
    assert_eq!(roles, expected);

    // The brokers' own raft metrics name the same leader.
    for url in cluster.env("KAFKA_JMX_EXPORTER").split(',') {
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/metrics");
        let (_, body) = http_get(address, "/metrics", None).unwrap();
        let theirs = Metrics::parse(&body).get("kafka_server_raft_metrics_current_leader", &[]);
        assert_eq!(theirs, Some(leader as f64), "{url}");
    }
    let m = serve.metrics();
    let c = ("cluster", "default");
    assert_eq!(m.get("kafkascope_controller_id", &[c]), Some(leader as f64));
    assert_eq!(m.count("kafkascope_quorum_replica_lag"), voters.len());
}

#[test]
fn kafka_cli_output_to_a_closed_pipe_ends_quietly_instead_of_panicking() {
    let cluster = KafkaCluster::shared();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(["topics", "--describe", "--output", "json"])
        .args(["--bootstrap-server", &cluster.bootstrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before kafkascope has read the cluster, as with
    // `kafkascope topics | head -0`.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
