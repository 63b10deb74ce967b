//! A real Kafka Streams application on the test bed: Kafka's WordCountDemo
//! (from the kafka-streams-examples jar) with the JMX exporter agent and
//! the client rules. kafkascope, told nothing of its role, must detect a
//! Streams application, and count what its one stream thread processed:
//! each input record once, then each of its words again from the
//! repartition topic.

mod common;

use std::time::{Duration, Instant};

use common::kafka::produce_batched;
use common::{Serve, free_port};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const CLUSTER: &str = "streams";
/// The demo's fixed topic names.
const INPUT: &str = "streams-plaintext-input";
const OUTPUT: &str = "streams-wordcount-output";
const APPLICATION: &str = "kafkascope-wordcount";
/// Records produced; each value (`value-<n>`) splits into two words.
const RECORDS: u64 = 40;

/// The demo's topics are fixed: a run before this one (on a kept cluster)
/// leaves records in them, so they start empty here.
fn recreate_topic(cluster: &KafkaCluster, topic: &str) {
    cluster
        .kafka_topics(&["--delete", "--if-exists", "--topic", topic])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Deletion finishes in the background; until then creating is refused.
    while let Err(e) = cluster.kafka_topics(&[
        "--create",
        "--topic",
        topic,
        "--partitions",
        "2",
        "--replication-factor",
        "1",
    ]) {
        assert!(Instant::now() < deadline, "creating {topic}: {e:#}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn kafka_streams_application_is_detected_and_its_thread_counts_every_record() {
    let cluster = KafkaCluster::shared();
    for topic in [INPUT, OUTPUT] {
        recreate_topic(cluster, topic);
    }
    let dir = tempfile::tempdir().unwrap();
    let properties = dir.path().join("wordcount.properties");
    std::fs::write(
        &properties,
        format!(
            "bootstrap.servers={}\napplication.id={APPLICATION}\nstate.dir={}\n\
             commit.interval.ms=1000\nmetrics.sample.window.ms=2000\n",
            cluster.bootstrap(),
            dir.path().join("state").display()
        ),
    )
    .unwrap();
    let jmx_port = free_port();
    let app = cluster
        .spawn_java_client(
            jmx_port,
            "org.apache.kafka.streams.examples.wordcount.WordCountDemo",
            &[properties.to_str().unwrap()],
        )
        .unwrap();
    produce_batched(cluster, INPUT, "0", &RECORDS.to_string(), "none");

    let config = dir.path().join("kafkascope.toml");
    std::fs::write(
        &config,
        format!(
            "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 2\n\n\
             [clusters.jmx_exporter]\n\n[[clusters.jmx_exporter.targets]]\nurl = \"{}\"\n",
            cluster.bootstrap().split(',').next().unwrap(),
            app.exporter_url
        ),
    )
    .unwrap();
    let serve = Serve::start(&["--config", config.to_str().unwrap()]);
    let path = format!("/api/v1/clusters/{CLUSTER}/jmx");
    let node = |s: &Serve| -> Option<Value> {
        let (status, body) = s.get(&path)?;
        let poll: Value = serde_json::from_str(&body).ok().filter(|_| status == 200)?;
        poll["figures"]["jmx"]["nodes"].get(0).cloned()
    };
    let thread_processed = |n: &Value| {
        n["streams"]["threads"]
            .as_object()
            .and_then(|threads| threads.values().next())
            .and_then(|t| t["processed"].as_f64())
    };
    // The thread's consumer records what it fetched when a fetch completes,
    // which may be a poll after the thread counted the records processed.
    let thread_consumed = |n: &Value| {
        n["clients"]
            .as_object()
            .and_then(|clients| {
                clients
                    .iter()
                    .find(|(id, _)| id.ends_with("-StreamThread-1-consumer"))
            })
            .and_then(|(_, c)| c["consumer"]["records_consumed"].as_f64())
    };
    let all = Some((RECORDS * 3) as f64);
    serve.wait_until(
        "every record and word processed and consumed",
        Duration::from_secs(120),
        |s| node(s).is_some_and(|n| thread_processed(&n) == all && thread_consumed(&n) == all),
    );
    let node = node(&serve).unwrap();
    assert_eq!(node["role"], "streams");
    let threads = node["streams"]["threads"].as_object().unwrap();
    assert_eq!(threads.len(), 1);
    let (thread_id, _) = threads.iter().next().unwrap();
    let clients = node["streams"]["clients"].as_object().unwrap();
    assert_eq!(clients.len(), 1);
    let (client_id, client) = clients.iter().next().unwrap();
    assert!(
        client_id.starts_with(&format!("{APPLICATION}-")),
        "{client_id}"
    );
    assert_eq!(*thread_id, format!("{client_id}-StreamThread-1"));
    assert_eq!(client["alive_threads"], 1.0);
    assert_eq!(client["failed_threads"], 0.0);

    let metrics = serve.metrics();
    let processed = metrics.get(
        "kafka_streams_stream_thread_metrics_process",
        &[
            ("cluster", CLUSTER),
            ("node", &app.exporter_url),
            ("thread_id", thread_id),
        ],
    );
    assert_eq!(processed, Some((RECORDS * 3) as f64));
    // Its consumer is a client of its own, read alongside.
    let consumed = metrics.get(
        "kafka_consumer_consumer_fetch_manager_metrics_records_consumed",
        &[
            ("cluster", CLUSTER),
            ("client_id", &format!("{thread_id}-consumer")),
        ],
    );
    assert_eq!(consumed, Some((RECORDS * 3) as f64));
}
