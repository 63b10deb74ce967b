//! The JMX exporter source against the real 3-node Apache Kafka test bed,
//! every node of which runs the Prometheus JMX exporter java agent with
//! `testbed/jmx-exporter-kafka.yml`. What the brokers count of themselves
//! must agree with what was produced and with what the Kafka protocol says:
//! records in equal to records produced, bytes in equal to the log sizes
//! DescribeLogDirs reports, the active controller equal to the quorum's
//! leader. A target nobody answers is reported down beside the others.

mod common;

use std::time::Duration;

use common::kafka::{create_topic, produce_batched};
use common::{Serve, free_port};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const CLUSTER: &str = "jmx";

/// A topic name of this run's own: the shared cluster may be one a
/// developer reuses between runs, and the counts must be this run's.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}-{nanos}")
}

/// A config with the cluster's three JMX exporter pages (node ids 0, 1, 2,
/// in the test bed's port order) and one target nobody answers.
fn config(cluster: &KafkaCluster, dead_url: &str) -> String {
    let mut text = format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [{}]\ninterval_seconds = 2\n\n\
         [clusters.jmx_exporter]\ntimeout_seconds = 3\n",
        cluster
            .bootstrap()
            .split(',')
            .map(|b| format!("\"{b}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (id, url) in cluster.env("KAFKA_JMX_EXPORTER").split(',').enumerate() {
        text.push_str(&format!(
            "\n[[clusters.jmx_exporter.targets]]\nurl = \"{url}\"\nnode_id = {id}\n"
        ));
    }
    text.push_str(&format!(
        "\n[[clusters.jmx_exporter.targets]]\nurl = \"{dead_url}\"\nrole = \"broker\"\nnode_id = 99\n"
    ));
    text
}

/// The topic's per-topic counter summed over the nodes that report it.
fn topic_total(jmx: &Value, topic: &str, counter: &str) -> f64 {
    nodes(jmx)
        .iter()
        .filter_map(|n| n["broker"]["topics"][topic][counter]["total"].as_f64())
        .sum()
}

fn nodes(jmx: &Value) -> &Vec<Value> {
    jmx["figures"]["jmx"]["nodes"]
        .as_array()
        .expect("figures.jmx.nodes")
}

#[test]
fn kafka_jmx_broker_figures_agree_with_produced_records_log_sizes_and_the_quorum() {
    let cluster = KafkaCluster::shared();
    let topic = &unique("jmx-orders");
    create_topic(cluster, topic, "3", "1");
    for (partition, count) in [("0", "400"), ("1", "300"), ("2", "200")] {
        produce_batched(cluster, topic, partition, count, "none");
    }

    let dir = tempfile::tempdir().unwrap();
    let dead_url = format!("http://127.0.0.1:{}/metrics", free_port());
    let path = dir.path().join("kafkascope.toml");
    std::fs::write(&path, config(cluster, &dead_url)).unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);

    let jmx_path = format!("/api/v1/clusters/{CLUSTER}/jmx");
    let topic_path = format!("/api/v1/clusters/{CLUSTER}/topics/{topic}");
    // The topic's records all counted by the brokers, and its sizes read.
    serve.wait_until(
        "JMX figures and sizes of the topic",
        Duration::from_secs(60),
        |s| {
            let Some((200, body)) = s.get(&jmx_path) else {
                return false;
            };
            let jmx: Value = serde_json::from_str(&body).unwrap();
            let sized = s.get(&topic_path).is_some_and(|(status, body)| {
                status == 200
                    && serde_json::from_str::<Value>(&body).unwrap()["partitions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|p| p["size_bytes"].as_u64().is_some())
            });
            sized && topic_total(&jmx, topic, "messages_in") == 900.0
        },
    );
    let jmx = serve.json(&jmx_path);
    let detail = serve.json(&topic_path);

    // Records in, as the leaders counted them: exactly what was produced.
    assert_eq!(topic_total(&jmx, topic, "messages_in"), 900.0);
    // Bytes in: the record batches the leaders appended, which are what
    // their logs hold (uncompressed, nothing deleted yet).
    let log_bytes: u64 = detail["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["size_bytes"].as_u64().unwrap())
        .sum();
    assert!(log_bytes > 900 * 10, "{log_bytes}");
    assert_eq!(topic_total(&jmx, topic, "bytes_in"), log_bytes as f64);

    // Each leader's share is on its own node, under the exporter's names.
    let metrics = serve.metrics();
    for partition in detail["partitions"].as_array().unwrap() {
        let leader = partition["leader"].as_i64().unwrap().to_string();
        let labels = [
            ("cluster", CLUSTER),
            ("node", leader.as_str()),
            ("topic", topic),
        ];
        assert!(
            metrics
                .get("kafka_server_brokertopicmetrics_messagesin_total", &labels)
                .is_some_and(|v| v >= 200.0),
            "node {leader}"
        );
        let produce = [
            ("cluster", CLUSTER),
            ("node", leader.as_str()),
            ("request", "Produce"),
        ];
        assert!(
            metrics
                .get(
                    "kafka_network_requestmetrics_totaltimems_count_total",
                    &produce
                )
                .is_some_and(|v| v >= 1.0),
            "node {leader}: Produce requests counted"
        );
        let p99 = [
            ("cluster", CLUSTER),
            ("node", leader.as_str()),
            ("request", "Produce"),
            ("quantile", "0.99"),
        ];
        assert!(
            metrics
                .get("kafka_network_requestmetrics_totaltimems", &p99)
                .is_some(),
            "node {leader}: Produce p99"
        );
    }

    // One active controller, and it is the quorum's leader as DescribeQuorum
    // told the cycle; every node sees the same leader.
    let summary = serve.json(&format!("/api/v1/clusters/{CLUSTER}"));
    let controller = summary["controller"].as_i64().expect("a controller");
    let real: Vec<&Value> = nodes(&jmx).iter().filter(|n| n["node_id"] != 99).collect();
    assert_eq!(real.len(), 3);
    let active: Vec<i64> = real
        .iter()
        .filter(|n| n["controller"]["active_controller_count"] == 1.0)
        .map(|n| n["node_id"].as_i64().unwrap())
        .collect();
    assert_eq!(active, vec![controller]);
    for node in &real {
        assert_eq!(node["role"], "broker_controller", "{node}");
        assert_eq!(node["raft"]["current_leader"], controller as f64);
        assert!(node["jvm"]["heap_used_bytes"].as_f64().unwrap() > 0.0);
    }

    // The dead target is down with its reason; the real ones are up.
    let targets = jmx["targets"].as_array().unwrap();
    let dead = targets.iter().find(|t| t["target"] == dead_url).unwrap();
    assert_eq!(dead["up"], false);
    assert!(
        dead["error"]
            .as_str()
            .unwrap()
            .starts_with("connect failed: "),
        "{dead}"
    );
    assert_eq!(targets.iter().filter(|t| t["up"] == true).count(), 3);
    let up = |target: &str| {
        metrics.get(
            "kafkascope_source_target_up",
            &[
                ("cluster", CLUSTER),
                ("source", "jmx_exporter"),
                ("target", target),
            ],
        )
    };
    assert_eq!(up(&dead_url), Some(0.0));
    for url in cluster.env("KAFKA_JMX_EXPORTER").split(',') {
        assert_eq!(up(url), Some(1.0), "{url}");
    }
}

/// Jolokia beside the JMX exporter on the same nodes: the same figures from
/// both readers, each node written once to `/metrics`.
#[test]
fn kafka_jolokia_reads_the_same_broker_figures_as_the_exporter_pages() {
    let cluster = KafkaCluster::shared();
    let topic = &unique("jolokia-orders");
    create_topic(cluster, topic, "3", "1");
    for partition in ["0", "1", "2"] {
        produce_batched(cluster, topic, partition, "100", "none");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut text = config(
        cluster,
        &format!("http://127.0.0.1:{}/metrics", free_port()),
    );
    text.push_str("\n[clusters.jolokia]\ntimeout_seconds = 3\n");
    for (id, url) in cluster.env("KAFKA_JOLOKIA").split(',').enumerate() {
        text.push_str(&format!(
            "\n[[clusters.jolokia.targets]]\nurl = \"{url}\"\nnode_id = {id}\n"
        ));
    }
    let path = dir.path().join("kafkascope.toml");
    std::fs::write(&path, text).unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);

    let jolokia_path = format!("/api/v1/clusters/{CLUSTER}/jolokia");
    let exporter_path = format!("/api/v1/clusters/{CLUSTER}/jmx");
    serve.wait_until(
        "both readers' figures of the topic",
        Duration::from_secs(60),
        |s| {
            [&jolokia_path, &exporter_path].iter().all(|path| {
                s.get(path).is_some_and(|(status, body)| {
                    let answer: Value = serde_json::from_str(&body).unwrap();
                    status == 200 && topic_total(&answer, topic, "messages_in") == 300.0
                })
            })
        },
    );
    let jolokia = serve.json(&jolokia_path);
    let exporter = serve.json(&exporter_path);
    let up: Vec<bool> = jolokia["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["up"].as_bool().unwrap())
        .collect();
    assert_eq!(up, [true, true, true]);
    assert_eq!(
        topic_total(&jolokia, topic, "bytes_in"),
        topic_total(&exporter, topic, "bytes_in")
    );
    assert_eq!(topic_total(&exporter, topic, "messages_in"), 300.0);

    // Each node's counters, as both read them (the exporter's page may be
    // a poll older: the topic's counters no longer move).
    let by_node = |source: &Value| -> Vec<(i64, String, f64, i64)> {
        let mut nodes: Vec<_> = nodes(source)
            .iter()
            .filter(|n| n["node_id"] != 99)
            .map(|n| {
                (
                    n["node_id"].as_i64().unwrap(),
                    n["role"].as_str().unwrap().to_string(),
                    n["broker"]["topics"][topic]["messages_in"]["total"]
                        .as_f64()
                        .unwrap_or(0.0),
                    n["raft"]["current_leader"].as_f64().unwrap() as i64,
                )
            })
            .collect();
        nodes.sort_by_key(|n| n.0);
        nodes
    };
    assert_eq!(by_node(&jolokia), by_node(&exporter));

    // One series per node in /metrics, though two sources read each node.
    let (status, body) = serve.get("/metrics").unwrap();
    assert_eq!(status, 200);
    for node in ["0", "1", "2"] {
        let needle = format!(
            "kafka_server_replicamanager_partitioncount{{cluster=\"{CLUSTER}\",node=\"{node}\"}}"
        );
        assert_eq!(body.matches(&needle).count(), 1, "{needle}");
    }
}

/// `kafkascope brokers` with the nodes' JMX pages: what each broker reports
/// of its replicas equals what Metadata says it hosts, beside its throughput.
#[test]
fn kafka_brokers_command_shows_what_each_broker_reports_of_itself() {
    let cluster = KafkaCluster::shared();
    let pages: Vec<String> = cluster
        .env("KAFKA_JMX_EXPORTER")
        .split(',')
        .enumerate()
        .map(|(id, url)| format!("{id}={url}"))
        .collect();
    let bootstrap = cluster.bootstrap();
    let pages = pages.join(",");
    // The other tests of this file create topics meanwhile: Metadata and the
    // JMX pages are read a moment apart, so a run may see a topic on one
    // side only. The counts must agree on a run with no such moment.
    let agree = |brokers: &Value| {
        brokers.as_array().unwrap().iter().all(|b| {
            let jmx = &b["jmx"]["broker"];
            jmx["partitions"].as_f64() == b["partition_count"].as_f64()
                && jmx["leaders"].as_f64() == b["leader_count"].as_f64()
        })
    };
    let mut brokers = Value::Null;
    for _ in 0..10 {
        brokers = common::kafkascope_json(&[
            "brokers",
            "--bootstrap-server",
            &bootstrap,
            "--jmx-exporter",
            &pages,
            "--jmx-seconds",
            "1",
        ]);
        if agree(&brokers) {
            break;
        }
    }
    assert!(agree(&brokers), "{brokers:#}");
    let brokers = brokers.as_array().unwrap();
    assert_eq!(brokers.len(), 3);
    for broker in brokers {
        let jmx = &broker["jmx"]["broker"];
        assert!(jmx["partitions"].as_f64().unwrap() >= 1.0);
        assert!(jmx["all_topics"]["bytes_in"]["per_sec"].as_f64().is_some());
    }
    let table = common::kafkascope_ok(&[
        "brokers",
        "--bootstrap-server",
        &bootstrap,
        "--jmx-exporter",
        &pages,
        "--jmx-seconds",
        "0",
    ]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header[header.len() - 6..],
        [
            "BYTES-IN/S",
            "BYTES-OUT/S",
            "MSGS-IN/S",
            "PRODUCE-P99-MS",
            "FETCH-P99-MS",
            "HANDLER-IDLE"
        ]
    );
}
