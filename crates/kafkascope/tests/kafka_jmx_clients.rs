//! Kafka's own Java clients on the real test bed, each with the Prometheus
//! JMX exporter agent (`testbed/jmx-exporter-clients.yml`): the producer
//! perf test sending at a set rate and a console consumer in a group. What
//! kafkascope reads of them must match the rates the scenario drives, and a
//! consumer killed with SIGKILL must be reported dead within two intervals,
//! named on its group's page, and alive again once restarted.

mod common;

use std::time::{Duration, Instant};

use common::Serve;
use common::kafka::create_topic;
use kafkascope_testkit::{JavaClient, KafkaCluster, free_loopback_ports};
use serde_json::Value;

const CLUSTER: &str = "clients";
const TOPIC: &str = "jmx-clients";
const GROUP: &str = "jmx-live";
const RATE: f64 = 200.0;
const INTERVAL_SECONDS: u64 = 2;

fn config(cluster: &KafkaCluster, consumer_url: &str, producer_url: &str) -> String {
    let bootstrap = cluster
        .bootstrap()
        .split(',')
        .map(|b| format!("\"{b}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [{bootstrap}]\n\
         interval_seconds = {INTERVAL_SECONDS}\n\n\
         [clusters.jmx_exporter]\ntimeout_seconds = 2\nsilent_after_seconds = 30\n\n\
         [[clusters.jmx_exporter.targets]]\nurl = \"{consumer_url}\"\nrole = \"consumer\"\n\n\
         [[clusters.jmx_exporter.targets]]\nurl = \"{producer_url}\"\nrole = \"producer\"\n"
    )
}

/// The console consumer, a member of `GROUP`, with short metric windows so
/// its rates settle in seconds rather than the default minute.
fn start_consumer(cluster: &KafkaCluster, port: u16) -> JavaClient {
    let bootstrap = cluster.bootstrap();
    cluster
        .spawn_java_client(
            port,
            "org.apache.kafka.tools.consumer.ConsoleConsumer",
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                TOPIC,
                "--group",
                GROUP,
                "--consumer-property",
                "client.id=jmx-consumer",
                "--consumer-property",
                "metrics.sample.window.ms=2000",
            ],
        )
        .unwrap()
}

fn client<'a>(clients: &'a Value, id: &str) -> Option<&'a Value> {
    clients["clients"]
        .as_array()?
        .iter()
        .find(|c| c["client_id"] == id)
}

fn within_tenth(value: Option<f64>, wanted: f64) -> bool {
    value.is_some_and(|v| (v - wanted).abs() <= wanted / 10.0)
}

#[test]
fn kafka_java_clients_rates_match_the_scenario_and_a_killed_consumer_is_dead_on_its_group() {
    let cluster = KafkaCluster::shared();
    create_topic(cluster, TOPIC, "3", "1");
    // Both exporters' ports at once: the consumer's JVM binds its own later.
    let [consumer_port, producer_port] = free_loopback_ports();
    let mut consumer = start_consumer(cluster, consumer_port);
    let bootstrap = cluster.bootstrap();
    let producer = cluster
        .spawn_java_client(
            producer_port,
            "org.apache.kafka.tools.ProducerPerformance",
            &[
                "--topic",
                TOPIC,
                "--num-records",
                "1000000",
                "--throughput",
                &RATE.to_string(),
                "--record-size",
                "100",
                "--producer-props",
                &format!("bootstrap.servers={bootstrap}"),
                "client.id=jmx-producer",
                "metrics.sample.window.ms=2000",
            ],
        )
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kafkascope.toml");
    let text = config(cluster, &consumer.exporter_url, &producer.exporter_url);
    std::fs::write(&path, text).unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);
    let clients_path = format!("/api/v1/clusters/{CLUSTER}/clients");
    let clients = |s: &Serve| {
        s.get(&clients_path)
            .filter(|(status, _)| *status == 200)
            .map(|(_, body)| serde_json::from_str::<Value>(&body).unwrap())
    };

    // Both alive, sending and consuming at the rate the perf test holds.
    serve.wait_until(
        "the clients' rates to settle",
        Duration::from_secs(90),
        |s| {
            let Some(list) = clients(s) else { return false };
            let sent = client(&list, "jmx-producer")
                .and_then(|c| c["producer"]["record_send_rate"].as_f64());
            let consumed = client(&list, "jmx-consumer")
                .and_then(|c| c["consumer"]["records_consumed_rate"].as_f64());
            within_tenth(sent, RATE) && within_tenth(consumed, RATE)
        },
    );
    let list = clients(&serve).unwrap();
    for id in ["jmx-producer", "jmx-consumer"] {
        let c = client(&list, id).unwrap();
        assert_eq!(c["liveness"]["alive"], true, "{c}");
    }
    let producer_figures = &client(&list, "jmx-producer").unwrap()["producer"];
    assert_eq!(producer_figures["record_error_rate"], 0.0);
    assert!(producer_figures["request_latency_avg_ms"].as_f64().unwrap() > 0.0);
    let metrics = serve.metrics();
    let sent_total = metrics
        .get(
            "kafka_producer_producer_metrics_record_send",
            &[("cluster", CLUSTER), ("client_id", "jmx-producer")],
        )
        .unwrap();
    assert!(sent_total >= RATE, "{sent_total}");

    // The same from the command line, straight from the agents.
    let urls = format!("{},{}", consumer.exporter_url, producer.exporter_url);
    let listed =
        common::kafkascope_json(&["clients", "--jmx-exporter", &urls, "--jmx-seconds", "1"]);
    let listed: Vec<(&str, &str, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["client_id"].as_str().unwrap(),
                c["liveness"]["alive"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("producer", "jmx-producer", true),
            ("consumer", "jmx-consumer", true)
        ]
    );

    // The group names its consumer, alive.
    let group_path = format!("/api/v1/clusters/{CLUSTER}/groups/{GROUP}");
    serve.wait_until(
        "the consumer on its group's page",
        Duration::from_secs(30),
        |s| {
            s.get(&group_path).is_some_and(|(status, body)| {
                status == 200
                    && serde_json::from_str::<Value>(&body).unwrap()["clients"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| c["client_id"] == "jmx-consumer"))
            })
        },
    );

    // SIGKILL: dead within two intervals, with why, on the group's page too.
    consumer.kill_hard();
    let killed = Instant::now();
    serve.wait_until(
        "the killed consumer judged dead",
        Duration::from_secs(30),
        |s| {
            clients(s)
                .as_ref()
                .and_then(|list| client(list, "jmx-consumer"))
                .is_some_and(|c| c["liveness"]["alive"] == false)
        },
    );
    let took = killed.elapsed();
    // Two intervals, and the poll that reads the refusal (well under one).
    assert!(
        took <= Duration::from_secs(2 * INTERVAL_SECONDS + 2),
        "dead after {took:?}"
    );
    let group = serve.json(&group_path);
    let on_page = group["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == "jmx-consumer")
        .expect("the dead consumer named on its group");
    assert!(
        on_page["liveness"]["dead_reason"]
            .as_str()
            .unwrap()
            .starts_with("its JMX page cannot be read: connect failed: "),
        "{on_page}"
    );
    assert_eq!(on_page["liveness"]["groups"], serde_json::json!([GROUP]));
    let up = serve.metrics().get(
        "kafkascope_client_up",
        &[
            ("cluster", CLUSTER),
            ("client_id", "jmx-consumer"),
            ("kind", "consumer"),
        ],
    );
    assert_eq!(up, Some(0.0));

    // Restarted on the same page: alive again.
    let _consumer = start_consumer(cluster, consumer_port);
    serve.wait_until(
        "the restarted consumer alive",
        Duration::from_secs(60),
        |s| {
            clients(s)
                .as_ref()
                .and_then(|list| client(list, "jmx-consumer"))
                .is_some_and(|c| c["liveness"]["alive"] == true)
        },
    );
    drop(producer);
}
