//! kafkascope's own history, on real Apache Kafka (the shared 3-node
//! cluster) and on tansu (a second implementation): what `serve` collects
//! goes into the embedded store and comes back through the Prometheus query
//! API, and a `kill -9` loses none of it (the write-ahead log is replayed).

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Serve;
use kafkascope_testkit::{KafkaCluster, Tansu};

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The instant value of `query`, if it has exactly one series.
fn offset_query(topic: &str) -> String {
    format!(r#"kafka_topic_partition_current_offset{{topic="{topic}",partition="0"}}"#)
}

fn instant(serve: &Serve, query: &str) -> Option<f64> {
    let body = serve.json(&format!("/api/v1/query?query={}", encode(query)));
    let result = body["data"]["result"].as_array()?;
    match result.as_slice() {
        [one] => one["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}

/// The distinct values of `query` over [start, end] at 1 s steps.
fn values_between(serve: &Serve, query: &str, start: f64, end: f64) -> BTreeSet<i64> {
    let body = serve.json(&format!(
        "/api/v1/query_range?query={}&start={start:.3}&end={end:.3}&step=1",
        encode(query)
    ));
    assert_eq!(body["status"], "success", "{body}");
    body["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|series| series["values"].as_array().unwrap().clone())
        .map(|point| point[1].as_str().unwrap().parse::<f64>().unwrap() as i64)
        .collect()
}

#[test]
fn kafka_history_answers_prometheus_queries_and_survives_kill_9() {
    let cluster = KafkaCluster::shared();
    let client = |cmd: &str, args: &[&str]| {
        cluster
            .client(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} {args:?}: {e:#}"));
    };
    history_survives_kill_9(&cluster.bootstrap(), "history-orders", client);
}

#[test]
fn tansu_history_answers_prometheus_queries_and_survives_kill_9() {
    let tansu = Tansu::start().expect("starting tansu");
    let client = |cmd: &str, args: &[&str]| {
        tansu
            .client(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} {args:?}: {e:#}"));
    };
    history_survives_kill_9(&tansu.bootstrap(), "orders", client);
}

/// Produces 5 then 3 records to `topic` (one partition, made here), with a
/// serve keeping history; the history holds both offsets, answers PromQL
/// over them, and holds them still after a `kill -9` and a restart.
fn history_survives_kill_9(bootstrap: &str, topic: &str, client: impl Fn(&str, &[&str])) {
    client("create-topic", &["--topic", topic, "--partitions", "1"]);
    client(
        "produce",
        &["--topic", topic, "--partition", "0", "--count", "5"],
    );
    let offset = offset_query(topic);
    let data = tempfile::tempdir().unwrap();
    let args = ["--bootstrap-server", bootstrap, "--interval", "1"];
    let started = now_s() - 1.0;

    let serve = Serve::start_with_data_dir(&args, data.path());
    serve.wait_until("offset 5 in the history", Duration::from_secs(30), |s| {
        instant(s, &offset) == Some(5.0)
    });
    client(
        "produce",
        &["--topic", topic, "--partition", "0", "--count", "3"],
    );
    serve.wait_until("offset 8 in the history", Duration::from_secs(30), |s| {
        instant(s, &offset) == Some(8.0)
    });
    // The last step lands after the newest sample (steps are whole seconds
    // from the start).
    let before_kill = now_s() + 2.0;
    assert_eq!(
        values_between(&serve, &offset, started, before_kill),
        BTreeSet::from([5, 8])
    );
    // The same figure, summed by PromQL over the topic's partitions.
    let sum =
        format!(r#"sum by (topic) (kafka_topic_partition_current_offset{{topic="{topic}"}})"#);
    assert_eq!(instant(&serve, &sum), Some(8.0));
    serve.kill_hard();

    // Nothing sealed yet (intervals seal every 5 minutes): all of it comes
    // back from the write-ahead log.
    let serve = Serve::start_with_data_dir(&args, data.path());
    assert_eq!(
        values_between(&serve, &offset, started, before_kill),
        BTreeSet::from([5, 8])
    );
}
