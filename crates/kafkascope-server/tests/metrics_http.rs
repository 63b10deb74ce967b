//! `/metrics` over HTTP: content negotiation, content types, the shape
//! every family and sample must have, unknown figures left out.

mod common;

use axum::http::StatusCode;
use kafkascope_collector::snapshot::ConsumerGroup;
use kafkascope_exposition::{
    broker_log_families, client_families, connect_families, connect_rest_families, host_families,
    jmx_families, kafka_exporter_families, kafkascope_families, self_metrics, streams_families,
    zookeeper_families,
};
use kafkascope_server::metrics::{Format, render};

const PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_SCRAPE_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

#[tokio::test]
async fn prometheus_text_by_default() {
    for accept in [None, Some("*/*"), Some("text/plain;version=0.0.4")] {
        let reply = common::get(common::fixture_state(), "/metrics", accept).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type(), PROMETHEUS, "Accept: {accept:?}");
        assert!(!reply.body.contains("# EOF"));
        assert!(reply.body.ends_with('\n'));
    }
}

#[tokio::test]
async fn openmetrics_when_asked_for() {
    let state = common::fixture_state();
    for accept in [PROMETHEUS_SCRAPE_ACCEPT, "application/openmetrics-text"] {
        let reply = common::get(state.clone(), "/metrics", Some(accept)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type(), OPENMETRICS, "Accept: {accept}");
        assert!(reply.body.ends_with("\n# EOF\n"));
        assert_eq!(reply.body.matches("# EOF").count(), 1);
    }
    // The formats differ only by the closing line and by how counter
    // families name themselves in HELP/TYPE (OpenMetrics without _total).
    let prometheus = common::get(state.clone(), "/metrics", None).await.body;
    let openmetrics = common::get(state, "/metrics", Some(PROMETHEUS_SCRAPE_ACCEPT))
        .await
        .body;
    let counters: Vec<&str> = prometheus
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix("_total counter"))
        .collect();
    assert!(counters.contains(&self_metrics::REQUESTS), "{counters:?}");
    let mut prometheus_as_openmetrics = prometheus.clone();
    for counter in &counters {
        prometheus_as_openmetrics = prometheus_as_openmetrics
            .replace(
                &format!("# HELP {counter}_total "),
                &format!("# HELP {counter} "),
            )
            .replace(
                &format!("# TYPE {counter}_total counter"),
                &format!("# TYPE {counter} counter"),
            );
    }
    assert_ne!(prometheus_as_openmetrics, prometheus);
    assert_eq!(format!("{prometheus_as_openmetrics}# EOF\n"), openmetrics);
}

/// Every family once, with HELP then TYPE, in the documented order; every
/// sample belongs to the family above it and has a cluster label.
#[test]
fn every_family_has_help_and_type_and_every_sample_a_cluster() {
    let state = common::fixture_state();
    let out = render(&state, Format::Prometheus);
    let jmx = jmx_families::families();
    let clients = client_families::families();
    let connect = connect_families::families();
    let streams = streams_families::families();
    let zookeeper = zookeeper_families::families();
    let hosts = host_families::families();
    let expected: Vec<&str> = kafka_exporter_families::FAMILIES
        .iter()
        .chain(kafkascope_families::FAMILIES)
        .chain(&jmx)
        .chain(&clients)
        .chain(&connect)
        .chain(&streams)
        .chain(connect_rest_families::FAMILIES)
        .chain(&zookeeper)
        .chain(&hosts)
        .chain(broker_log_families::FAMILIES)
        .chain(self_metrics::FAMILIES)
        .chain(self_metrics::SOURCE_FAMILIES)
        .copied()
        .collect();
    let mut families = Vec::new();
    let mut lines = out.lines().peekable();
    while let Some(line) = lines.next() {
        let help = line
            .strip_prefix("# HELP ")
            .expect("a family starts with HELP");
        let (name, text) = help.split_once(' ').unwrap();
        assert!(!text.is_empty());
        let type_line = lines.next().expect("TYPE after HELP");
        let (type_name, kind) = type_line
            .strip_prefix("# TYPE ")
            .and_then(|t| t.split_once(' '))
            .unwrap_or_else(|| panic!("not a TYPE line: {type_line}"));
        assert_eq!(type_name, name);
        // Counters are named with _total in the Prometheus format.
        let name = match kind {
            "counter" => name
                .strip_suffix("_total")
                .expect("a counter ends in _total"),
            "gauge" | "summary" => name,
            other => panic!("{name}: unexpected type {other}"),
        };
        let sample_name = if kind == "counter" {
            format!("{name}_total")
        } else {
            name.to_string()
        };
        families.push(name);
        while let Some(sample) = lines.next_if(|l| !l.starts_with('#')) {
            let rest = sample
                .strip_prefix(sample_name.as_str())
                .and_then(|r| r.strip_prefix("{cluster=\""))
                .unwrap_or_else(|| {
                    panic!("sample outside its family or without cluster: {sample}")
                });
            assert!(rest.starts_with("prod\"") || rest.starts_with("staging\""));
        }
    }
    assert_eq!(families, expected);
}

#[test]
fn unknown_figures_are_left_out_not_zero() {
    let state = common::fixture_state();
    let out = render(&state, Format::Prometheus);
    // Offline partition orders/3 has no offsets.
    assert!(!out.contains(
        "kafka_topic_partition_current_offset{cluster=\"prod\",topic=\"orders\",partition=\"3\"}"
    ));
    // Its leader is spelled -1, as kafka_exporter does.
    assert!(out.contains(
        "kafka_topic_partition_leader{cluster=\"prod\",topic=\"orders\",partition=\"3\"} -1\n"
    ));
    // Group audit's lag is unknown: no per-partition, per-topic or group lag.
    // (Its partition status code 0, "not enough data yet", is a real figure.)
    assert!(!out.contains("kafka_consumergroup_lag{cluster=\"prod\",consumergroup=\"audit\""));
    assert!(!out.contains("_lag_seconds{cluster=\"prod\",consumergroup=\"audit\""));
    assert!(!out.contains("kafka_consumergroup_lag_sum{cluster=\"prod\",consumergroup=\"audit\""));
    assert!(
        !out.contains(
            "kafkascope_consumergroup_total_lag{cluster=\"prod\",consumergroup=\"audit\""
        )
    );
    assert!(
        !out.contains("kafkascope_consumergroup_max_lag{cluster=\"prod\",consumergroup=\"audit\"")
    );
    // Its committed offset is known.
    assert!(out.contains(
        "kafka_consumergroup_current_offset{cluster=\"prod\",consumergroup=\"audit\",topic=\"payments\",partition=\"0\"} 30\n"
    ));
    // Only broker 1 reported log-dir bytes; staging has no controller.
    assert_eq!(
        out.matches("kafkascope_broker_log_dir_size_bytes{").count(),
        1
    );
    assert!(!out.contains("kafkascope_controller_id{cluster=\"staging\"}"));
}

#[test]
fn label_values_are_escaped() {
    let mut prod = common::prod();
    let name = "a\\b\"c\nd";
    prod.groups.insert(
        name.into(),
        ConsumerGroup {
            name: name.into(),
            state: "Dead".into(),
            ..Default::default()
        },
    );
    let state = common::state(&["prod"], vec![prod]);
    let out = render(&state, Format::Prometheus);
    assert!(out.contains(
        "kafka_consumergroup_members{cluster=\"prod\",consumergroup=\"a\\\\b\\\"c\\nd\"} 0\n"
    ));
    assert!(out.contains(
        "kafkascope_consumergroup_state{cluster=\"prod\",consumergroup=\"a\\\\b\\\"c\\nd\",state=\"Dead\",type=\"classic\"} 1\n"
    ));
}

#[tokio::test]
async fn clusters_without_a_snapshot_are_absent() {
    let state = common::state(&["prod", "later"], vec![common::prod()]);
    let reply = common::get(state, "/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("cluster=\"later\""));
    assert!(reply.body.contains("kafka_brokers{cluster=\"prod\"} 3\n"));

    let empty = common::get(common::state(&["later"], vec![]), "/metrics", None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.starts_with("# HELP kafka_brokers "));
    assert!(empty.body.lines().all(|l| l.starts_with('#')));
}
