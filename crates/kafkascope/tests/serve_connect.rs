//! `serve` with `[clusters.connect]` on a real Connect worker (testkit,
//! on the shared Kafka test bed) running the FileStream connectors: a
//! source reading a file into a topic, a sink writing it back out, and a
//! sink that cannot open its file. The API shows them with their tasks and
//! the sink's group; `/metrics` has their states and the sink's lag,
//! exactly the topic's log end less the sink's commits, and exactly the
//! records produced while it is paused; the broken sink fires
//! `KafkaConnectTaskFailed` (its `for` shortened to 2s). `kafkascope
//! connect` prints the same connectors, the failed one first.

mod common;

use std::path::Path;
use std::time::Duration;

use common::kafka::{create_topic, produce_batched};
use common::rules::shortened_curated_rules;
use common::{Serve, kafkascope_json, kafkascope_ok};
use kafkascope_testkit::{KafkaCluster, connect_rest, free_loopback_ports};
use serde_json::{Value, json};

const CLUSTER: &str = "connect-watched";
const CONNECT: &str = "etl";
const FILE_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/// Lines in the source's file, and records produced while the sink is paused.
const LINES: usize = 5;
const PRODUCED_WHILE_PAUSED: usize = 7;
/// A worker starts in 10-30 s on a busy machine.
const WAIT: Duration = Duration::from_secs(180);
const BROKEN_FILE: &str = "/nonexistent-dir/out.txt";

fn create_connector(port: u16, name: &str, config: Value) {
    let (status, body) = connect_rest(
        port,
        "POST",
        "/connectors",
        Some(&json!({"name": name, "config": config})),
    );
    assert_eq!(status, 201, "{body}");
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn config(cluster: &KafkaCluster, port: u16, rules: &Path) -> String {
    format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 1\n\n\
         [clusters.connect]\ninterval_seconds = 1\ntimeout_seconds = 5\n\
         [[clusters.connect.clusters]]\nname = \"{CONNECT}\"\nurls = [\"http://127.0.0.1:{port}\"]\n\n\
         [alerts]\nrule_files = [\"{}\"]\n",
        cluster.bootstrap().split(',').next().unwrap(),
        rules.display()
    )
}

/// The Connect cluster as `/api/v1/clusters/{c}/connect` shows it.
fn connect_cluster(serve: &Serve) -> Option<Value> {
    let (status, body) = serve.get(&format!("/api/v1/clusters/{CLUSTER}/connect"))?;
    if status != 200 {
        return None;
    }
    let polled: Value = serde_json::from_str(&body).ok()?;
    Some(polled["figures"]["connect"]["clusters"][0].clone())
}

fn connector<'a>(cluster: &'a Value, name: &str) -> Option<&'a Value> {
    cluster["connectors"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
}

/// (connector state, task states) as the API shows them.
fn states(serve: &Serve, name: &str) -> Option<(String, Vec<String>)> {
    let cluster = connect_cluster(serve)?;
    let c = connector(&cluster, name)?;
    let tasks = c["tasks"]
        .as_array()?
        .iter()
        .map(|t| t["state"].as_str().unwrap_or("").to_string())
        .collect();
    Some((c["state"].as_str()?.to_string(), tasks))
}

/// The sum of `name`'s samples whose labels include all of `labels`, and
/// how many there are: `/metrics` read as a query would.
fn sum_of(text: &str, name: &str, labels: &[(&str, &str)]) -> (f64, usize) {
    let wanted: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix('{'))
        .filter_map(|rest| rest.rsplit_once("} "))
        .filter(|(series, _)| {
            let pairs: Vec<&str> = series
                .split("\",")
                .map(|p| p.trim_end_matches('"'))
                .collect();
            wanted
                .iter()
                .all(|w| pairs.iter().any(|p| format!("{p}\"") == *w))
        })
        .fold((0.0, 0), |(sum, n), (_, value)| {
            (sum + value.parse::<f64>().unwrap(), n + 1)
        })
}

fn metrics_text(serve: &Serve) -> String {
    serve.get("/metrics").expect("GET /metrics").1
}

/// (log end, committed, lag) of the sink's group on `topic`, all summed.
fn sink_offsets(serve: &Serve, topic: &str, group: &str) -> (f64, f64, f64) {
    let text = metrics_text(serve);
    let cluster = ("cluster", CLUSTER);
    let log_end = sum_of(
        &text,
        "kafka_topic_partition_current_offset",
        &[cluster, ("topic", topic)],
    );
    let by_group = [cluster, ("consumergroup", group), ("topic", topic)];
    let committed = sum_of(&text, "kafka_consumergroup_current_offset", &by_group);
    let lag = sum_of(&text, "kafka_consumergroup_lag", &by_group);
    (log_end.0, committed.0, lag.0)
}

fn task_failed_alerts(serve: &Serve) -> Vec<(String, String)> {
    serve.json("/api/v1/alerts")["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["alertname"] == "KafkaConnectTaskFailed")
        .map(|a| {
            (
                a["labels"]["connector"].as_str().unwrap().to_string(),
                a["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn serve_shows_a_real_connect_workers_connectors_their_sink_lag_and_a_failed_task() {
    let cluster = KafkaCluster::shared();
    let scratch = tempfile::tempdir().unwrap();
    let topic = unique("connect-lines");
    create_topic(cluster, &topic, "1", "1");
    let input = scratch.path().join("in.txt");
    let lines: String = (1..=LINES).map(|n| format!("line {n}\n")).collect();
    std::fs::write(&input, lines).unwrap();
    let output = scratch.path().join("out.txt");

    let [port, jmx_port] = free_loopback_ports();
    let worker_group = unique("serve-connect");
    let _worker = cluster
        .spawn_connect_worker(&worker_group, port, jmx_port, scratch.path())
        .unwrap();
    let source = format!("{worker_group}-in");
    let sink = format!("{worker_group}-out");
    let broken = format!("{worker_group}-broken");
    let deadline = std::time::Instant::now() + WAIT;
    while connect_rest(port, "GET", "/connectors", None).0 != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never answered"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    create_connector(
        port,
        &source,
        json!({"connector.class": FILE_SOURCE, "tasks.max": "1",
               "file": input.to_str().unwrap(), "topic": topic}),
    );
    create_connector(
        port,
        &sink,
        json!({"connector.class": FILE_SINK, "tasks.max": "1",
               "file": output.to_str().unwrap(), "topics": topic}),
    );
    create_connector(
        port,
        &broken,
        json!({"connector.class": FILE_SINK, "tasks.max": "1",
               "file": BROKEN_FILE, "topics": topic}),
    );

    let rules = scratch.path().join("shortened.yml");
    std::fs::write(
        &rules,
        shortened_curated_rules(&["KafkaConnectTaskFailed"], "2s"),
    )
    .unwrap();
    let config_path = scratch.path().join("kafkascope.toml");
    std::fs::write(&config_path, config(cluster, port, &rules)).unwrap();
    let serve = Serve::start(&["--config", config_path.to_str().unwrap()]);

    let running = || ("RUNNING".to_string(), vec!["RUNNING".to_string()]);
    serve.wait_until("the connectors in their states", WAIT, |s| {
        states(s, &source) == Some(running())
            && states(s, &sink) == Some(running())
            && states(s, &broken) == Some(("RUNNING".to_string(), vec!["FAILED".to_string()]))
    });
    let worker = format!("127.0.0.1:{port}");
    let api = connect_cluster(&serve).unwrap();
    assert_eq!(api["name"], CONNECT);
    let sink_group = format!("connect-{sink}");
    for (name, kind, group) in [
        (&source, "source", Value::Null),
        (&sink, "sink", Value::from(sink_group.clone())),
    ] {
        let c = connector(&api, name).unwrap();
        assert_eq!(c["kind"], kind, "{c}");
        assert_eq!(c["worker"], worker.as_str(), "{c}");
        assert_eq!(c["consumer_group"], group, "{c}");
        assert_eq!(c["tasks"].as_array().unwrap().len(), 1, "{c}");
        assert_eq!(c["tasks"][0]["id"], 0);
        assert_eq!(c["tasks"][0]["worker"], worker.as_str());
    }
    let trace = connector(&api, &broken).unwrap()["tasks"][0]["trace"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        trace.starts_with(&format!(
            "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '{BROKEN_FILE}' for FileStreamSinkTask"
        )),
        "{trace}"
    );

    let text = metrics_text(&serve);
    for name in [&source, &sink] {
        let labels = [
            ("cluster", CLUSTER),
            ("connect_cluster", CONNECT),
            ("connector", name.as_str()),
            ("state", "RUNNING"),
        ];
        assert_eq!(
            sum_of(&text, "kafka_connect_connector_status", &labels),
            (1.0, 1)
        );
    }
    let group_labels = [
        ("cluster", CLUSTER),
        ("connector", sink.as_str()),
        ("consumergroup", sink_group.as_str()),
    ];
    assert_eq!(
        sum_of(
            &text,
            "kafkascope_connect_sink_consumer_group",
            &group_labels
        ),
        (1.0, 1)
    );

    // Every line went through: the lag is the log end less the commits, 0.
    serve.wait_until("the sink's commits at the log end", WAIT, |s| {
        sink_offsets(s, &topic, &sink_group) == (LINES as f64, LINES as f64, 0.0)
    });
    let written = std::fs::read_to_string(&output).unwrap();
    assert_eq!(written.lines().count(), LINES);

    // Paused, the sink reads nothing more: its lag is what is produced.
    assert_eq!(
        connect_rest(port, "PUT", &format!("/connectors/{sink}/pause"), None).0,
        202
    );
    serve.wait_until("the sink paused", WAIT, |s| {
        states(s, &sink) == Some(("PAUSED".to_string(), vec!["PAUSED".to_string()]))
    });
    let count = PRODUCED_WHILE_PAUSED.to_string();
    produce_batched(cluster, &topic, "0", &count, "none");
    let end = (LINES + PRODUCED_WHILE_PAUSED) as f64;
    serve.wait_until("the lag of the paused sink", WAIT, |s| {
        sink_offsets(s, &topic, &sink_group) == (end, LINES as f64, PRODUCED_WHILE_PAUSED as f64)
    });
    // Settled: a few cycles later it is the same.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        sink_offsets(&serve, &topic, &sink_group),
        (end, LINES as f64, PRODUCED_WHILE_PAUSED as f64)
    );

    serve.wait_until("KafkaConnectTaskFailed firing", WAIT, |s| {
        task_failed_alerts(s) == [(broken.clone(), "firing".to_string())]
    });

    // The CLI reads the same worker once: the failed task first.
    let url = format!("http://127.0.0.1:{port}");
    let table = kafkascope_ok(&["connect", "--connect-url", &url]);
    let rows: Vec<Vec<String>> = table
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let mut row: Vec<String> = cells[..6].iter().map(|c| c.to_string()).collect();
            row.push(cells[6..].join(" "));
            row
        })
        .collect();
    let row = |cells: [&str; 7]| cells.map(String::from).to_vec();
    let failure = format!(
        "task 0: org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '{BROKEN_FILE}' for FileStreamSinkTask"
    );
    assert_eq!(
        rows,
        [
            row([
                "CONNECT",
                "CONNECTOR",
                "TYPE",
                "STATE",
                "WORKER",
                "TASKS",
                "FAILURE"
            ]),
            row([
                "connect", &broken, "sink", "RUNNING", &worker, "0/1", &failure
            ]),
            row(["connect", &source, "source", "RUNNING", &worker, "1/1", "-"]),
            row(["connect", &sink, "sink", "PAUSED", &worker, "0/1", "-"]),
        ],
        "{table}"
    );
    let json = kafkascope_json(&["connect", "--connect-url", &url]);
    assert_eq!(json[0]["name"], "connect");
    assert_eq!(json[0]["connectors"].as_array().unwrap().len(), 3);
    // The config's Connect clusters, read the same way.
    let from_config = kafkascope_json(&["connect", "--config", config_path.to_str().unwrap()]);
    assert_eq!(from_config[0]["name"], CONNECT);
    serve.stop();
}
