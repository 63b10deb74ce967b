//! `serve` following the real brokers' own log files: a 3-node Apache
//! Kafka cluster of this test's own (the test bed, Kafka's log4j2 layout
//! and files), each node's `logs/` folder configured as
//! `[clusters.broker_logs]`, with garbage appended to one followed file.
//!
//! Node 2 stopped: `/events?kind=isr_shrink` lists the shrink of every
//! partition of the topic from {0,1,2} to {0,1} once, with the surviving
//! nodes that told it, and no shrink that did not drop node 2 alone; node
//! 2's fencing is one event told by both surviving nodes. `/metrics` counts
//! exactly the events the API lists for each node that told them, and the
//! garbage file's unreadable lines by reason, while every file is still
//! followed. `serve` restarted on the same data dir: nothing is read or
//! counted twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Metrics, Serve};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const CLUSTER: &str = "logs";
const TOPIC: &str = "serve-logs-rf3";
const STOPPED: i64 = 2;
/// Every kind the events counter carries for each broker.
const KINDS: [&str; 16] = [
    "isr_shrink",
    "isr_expand",
    "leader_election",
    "controller_change",
    "broker_registered",
    "broker_fenced",
    "broker_unfenced",
    "broker_shutdown",
    "log_dir_failure",
    "out_of_memory",
    "too_many_open_files",
    "authentication_failure",
    "log_cleaner_error",
    "log_flush_slow_or_failed",
    "error_burst",
    "unclean_leader_election",
];

fn logs_dir(cluster: &KafkaCluster, node: u32) -> PathBuf {
    cluster.dir().join(format!("node-{node}/logs"))
}

fn config(cluster: &KafkaCluster) -> String {
    let brokers: String = (0..3)
        .map(|node| {
            format!(
                "[[clusters.broker_logs.brokers]]\nbroker = {node}\npaths = [\"{}/\"]\n",
                logs_dir(cluster, node).display()
            )
        })
        .collect();
    format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 1\n\n\
         [clusters.broker_logs]\ninterval_seconds = 1\n\n{brokers}",
        cluster
            .bootstrap()
            .split(',')
            .collect::<Vec<_>>()
            .join("\", \"")
    )
}

/// Every event the API lists for `query`, newest first.
fn events(serve: &Serve, query: &str) -> Vec<Value> {
    let page = serve.json(&format!(
        "/api/v1/clusters/{CLUSTER}/events?limit=1000&{query}"
    ));
    let events = page["events"].as_array().expect("events").clone();
    assert_eq!(page["total"].as_u64(), Some(events.len() as u64), "{query}");
    events
}

fn isr(event: &Value, field: &str) -> BTreeSet<i64> {
    event["fields"][field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} in {event}"))
        .iter()
        .map(|id| id.as_i64().unwrap())
        .collect()
}

fn reporters(event: &Value) -> BTreeSet<i64> {
    event["reported_by"]
        .as_array()
        .unwrap_or_else(|| panic!("reported_by in {event}"))
        .iter()
        .map(|id| id.as_i64().unwrap())
        .collect()
}

/// Our topic's shrinks told by the surviving nodes: partition → (old ISR,
/// new ISR), each partition's one event.
fn shrinks_of_topic(events: &[Value]) -> BTreeMap<i64, (BTreeSet<i64>, BTreeSet<i64>)> {
    let mut told = BTreeMap::new();
    for event in events.iter().filter(|e| e["fields"]["topic"] == TOPIC) {
        if !reporters(event).iter().any(|node| *node != STOPPED) {
            continue;
        }
        let partition = event["fields"]["partition"].as_i64().unwrap();
        let change = (isr(event, "old_isr"), isr(event, "new_isr"));
        let earlier = told.insert(partition, change);
        assert!(earlier.is_none(), "partition {partition} told twice");
    }
    told
}

/// The nodes that told each event of node 2's fencing.
fn fencings_of_stopped(serve: &Serve) -> Vec<BTreeSet<i64>> {
    events(serve, "kind=broker_fenced")
        .iter()
        .filter(|event| event["fields"]["broker"].as_i64() == Some(STOPPED))
        .map(reporters)
        .collect()
}

/// `kafkascope_broker_log_events_total` by (broker, kind).
fn event_counts(metrics: &Metrics) -> BTreeMap<(String, String), f64> {
    let mut counts = BTreeMap::new();
    for broker in ["0", "1", "2"] {
        for kind in KINDS {
            let labels = [("cluster", CLUSTER), ("broker", broker), ("kind", kind)];
            let count = metrics
                .get("kafkascope_broker_log_events_total", &labels)
                .unwrap_or_else(|| panic!("no events counter for broker {broker}, {kind}"));
            counts.insert((broker.to_string(), kind.to_string()), count);
        }
    }
    counts
}

/// Every event the API keeps, counted by (broker, kind) for each node that
/// told it, as the metrics count them.
fn listed_counts(serve: &Serve) -> BTreeMap<(String, String), f64> {
    let mut counts: BTreeMap<(String, String), f64> = BTreeMap::new();
    for broker in ["0", "1", "2"] {
        for kind in KINDS {
            counts.insert((broker.to_string(), kind.to_string()), 0.0);
        }
    }
    for event in events(serve, "") {
        let kind = event["kind"].as_str().unwrap().to_string();
        for node in reporters(&event) {
            let broker = node.to_string();
            if kind == "leader_election" && event["fields"]["unclean"] == true {
                *counts
                    .get_mut(&(broker.clone(), "unclean_leader_election".into()))
                    .unwrap() += 1.0;
            }
            *counts.get_mut(&(broker, kind.clone())).unwrap() += 1.0;
        }
    }
    counts
}

/// Appends lines no log4j layout writes: 3 with control bytes, 2 that are
/// not UTF-8.
fn append_garbage(path: &Path) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(b"\x00\x01\x02 binary\n\x7fELF\x02\x01\n\x00\x00\x00\x00\n\xff\xfe not text\n\xc3\x28 bad utf-8\n")
        .unwrap();
}

/// A followed file's `file` label: its path as configured.
fn file_label(cluster: &KafkaCluster, node: u32, name: &str) -> String {
    logs_dir(cluster, node).join(name).display().to_string()
}

/// Waits until the source has polled and read what the nodes' main files
/// hold.
fn caught_up(serve: &Serve, cluster: &KafkaCluster) {
    serve.wait_until("the logs read up", Duration::from_secs(30), |s| {
        let polled = s
            .get(&format!("/api/v1/clusters/{CLUSTER}/events?limit=1"))
            .is_some_and(|(status, _)| status == 200);
        polled && {
            let metrics = s.metrics();
            (0..3).all(|node| {
                ["server.log", "controller.log", "state-change.log"]
                    .iter()
                    .all(|name| {
                        let labels = [
                            ("cluster", CLUSTER),
                            ("broker", &node.to_string()),
                            ("file", &file_label(cluster, node, name)),
                        ];
                        metrics.get("kafkascope_broker_log_file_backlog_bytes", &labels)
                            == Some(0.0)
                    })
            })
        }
    });
}

/// One line per event: node, kind and fields.
fn summary(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| format!("nodes {} {} {}", e["reported_by"], e["kind"], e["fields"]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn kafka_serve_follows_broker_logs_lists_a_stopped_nodes_shrinks_and_fencing_and_counts_once() {
    let cluster = KafkaCluster::start(3).expect("starting a Kafka cluster of this test's own");
    let garbage = logs_dir(&cluster, 0).join("kafka-authorizer.log");
    append_garbage(&garbage);
    cluster
        .kafka_topics(&[
            "--create",
            "--topic",
            TOPIC,
            "--partitions",
            "3",
            "--replication-factor",
            "3",
        ])
        .expect("creating the topic");
    let data = tempfile::tempdir().unwrap();
    let config_path = data.path().join("kafkascope.toml");
    std::fs::write(&config_path, config(&cluster)).unwrap();
    let args = ["--config", config_path.to_str().unwrap()];
    let state = data.path().join("state");
    let serve = Serve::start_with_data_dir(&args, &state);
    caught_up(&serve, &cluster);
    assert_eq!(
        shrinks_of_topic(&events(&serve, "kind=isr_shrink")),
        BTreeMap::new()
    );

    cluster.stop_node(STOPPED as u32).expect("stopping node 2");
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let told = shrinks_of_topic(&events(&serve, "kind=isr_shrink"));
        let fenced = fencings_of_stopped(&serve);
        if told.len() == 3 && fenced.iter().any(|nodes| nodes.is_superset(&[0, 1].into())) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the shrinks and node 2's fencing; seen:\n{}",
            summary(&events(&serve, ""))
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // What trails the condition (a second shrink or fencing would show).
    std::thread::sleep(Duration::from_secs(3));
    caught_up(&serve, &cluster);

    let shrinks = events(&serve, "kind=isr_shrink");
    for event in &shrinks {
        assert_eq!(event["kind"], "isr_shrink");
        let (old, new) = (isr(event, "old_isr"), isr(event, "new_isr"));
        assert!(old.contains(&STOPPED) && !new.contains(&STOPPED), "{event}");
        assert_eq!(
            old.difference(&new).collect::<Vec<_>>(),
            vec![&STOPPED],
            "{event}"
        );
    }
    let told = shrinks_of_topic(&shrinks);
    let expected = (BTreeSet::from([0, 1, 2]), BTreeSet::from([0, 1]));
    assert_eq!(
        told,
        BTreeMap::from([(0, expected.clone()), (1, expected.clone()), (2, expected)])
    );
    // One fencing, told by both surviving controllers; node 2 itself (a
    // combined node) may have told it too before it stopped.
    let fenced = fencings_of_stopped(&serve);
    assert_eq!(fenced.len(), 1, "{fenced:?}");
    let mut told_by = fenced[0].clone();
    told_by.remove(&STOPPED);
    assert_eq!(told_by, BTreeSet::from([0, 1]));
    let newest_first: Vec<i64> = shrinks
        .iter()
        .map(|e| e["time_ms"].as_i64().unwrap())
        .collect();
    assert!(
        newest_first.windows(2).all(|w| w[0] >= w[1]),
        "{newest_first:?}"
    );
    let of_node_0 = events(&serve, "kind=isr_shrink&broker=0");
    assert!(of_node_0.iter().all(|e| reporters(e).contains(&0)));
    assert_eq!(
        of_node_0.len(),
        shrinks.iter().filter(|e| reporters(e).contains(&0)).count()
    );

    let metrics = serve.metrics();
    let counted = event_counts(&metrics);
    assert_eq!(counted, listed_counts(&serve));
    let garbage_file = garbage.display().to_string();
    let skipped = |metrics: &Metrics, reason: &str| {
        metrics.get(
            "kafkascope_broker_log_skipped_lines_total",
            &[
                ("cluster", CLUSTER),
                ("broker", "0"),
                ("file", &garbage_file),
                ("reason", reason),
            ],
        )
    };
    assert_eq!(skipped(&metrics, "binary"), Some(3.0));
    assert_eq!(skipped(&metrics, "not_utf8"), Some(2.0));
    assert_eq!(
        metrics.count("kafkascope_broker_log_skipped_lines_total"),
        2
    );
    assert_eq!(metrics.count("kafkascope_broker_log_file_up"), 18);
    for node in 0..3 {
        for name in [
            "server.log",
            "controller.log",
            "state-change.log",
            "log-cleaner.log",
            "kafka-request.log",
            "kafka-authorizer.log",
        ] {
            let file = file_label(&cluster, node, name);
            let up = metrics.get(
                "kafkascope_broker_log_file_up",
                &[
                    ("cluster", CLUSTER),
                    ("broker", &node.to_string()),
                    ("file", &file),
                ],
            );
            assert_eq!(up, Some(1.0), "{file}");
        }
    }
    let info_lines = metrics
        .get(
            "kafkascope_broker_log_lines_total",
            &[
                ("cluster", CLUSTER),
                ("broker", "1"),
                ("file", &file_label(&cluster, 1, "server.log")),
                ("level", "INFO"),
            ],
        )
        .unwrap();
    assert!(info_lines > 0.0);
    let listed_before = events(&serve, "");

    serve.stop();
    let serve = Serve::start_with_data_dir(&args, &state);
    caught_up(&serve, &cluster);
    let metrics = serve.metrics();
    assert_eq!(event_counts(&metrics), counted, "nothing counted twice");
    assert_eq!(events(&serve, ""), listed_before, "nothing read twice");
    assert_eq!(skipped(&metrics, "binary"), Some(3.0));
    assert_eq!(skipped(&metrics, "not_utf8"), Some(2.0));
}
