//! kafkascope's query API against a real Prometheus fed the same history:
//! every supported construct, as instant queries at several times and as
//! range queries at several steps, plus the series and label endpoints,
//! must give the same answers (Prometheus's are the reference).
//!
//! Needs the `prometheus` and `promtool` binaries (scripts/install-test-deps.sh).

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use support::compare::difference;
use support::dataset::{self, START_S};
use support::prometheus_server::PrometheusServer;

const END_S: i64 = START_S + 7200;

/// One query per construct (some more than once, in combinations).
const QUERIES: &[&str] = &[
    // selectors and matchers
    "kafka_consumergroup_lag",
    r#"kafka_consumergroup_lag{group="audit",topic=~"pay.*"}"#,
    r#"kafka_consumergroup_lag{partition!="0",cluster="prod"}"#,
    r#"kafka_topic_partition_current_offset{topic!~"ord.+"}"#,
    r#"{__name__=~"kafka_.*",cluster="staging"}"#,
    "kafka_consumergroup_lag offset 10m",
    // range functions
    "rate(kafka_topic_partition_current_offset[1m])",
    "rate(kafka_topic_partition_current_offset[5m])",
    "increase(kafka_topic_partition_current_offset[10m])",
    "increase(kafka_topic_partition_current_offset[45s])",
    "delta(kafka_consumergroup_lag[2m])",
    "deriv(kafka_consumergroup_lag[5m])",
    "deriv(kafka_topic_partition_current_offset[15m])",
    "rate(kafka_topic_partition_current_offset[5m] offset 30m)",
    // aggregations
    "sum(kafka_consumergroup_lag)",
    "sum by (group) (kafka_consumergroup_lag)",
    "sum without (partition) (rate(kafka_topic_partition_current_offset[5m]))",
    "max by (topic) (kafka_consumergroup_lag)",
    "min without (partition, group) (kafka_consumergroup_lag)",
    "avg by (cluster, topic) (kafka_consumergroup_lag)",
    "count by (group) (kafka_consumergroup_lag)",
    "count(kafka_consumergroup_lag > 20)",
    "topk(2, kafka_consumergroup_lag)",
    "topk by (group) (1, kafka_consumergroup_lag)",
    "bottomk without (partition) (2, kafka_consumergroup_lag)",
    // operators with scalars
    "kafka_consumergroup_lag > 25",
    "kafka_consumergroup_lag >= bool 25",
    "30 > kafka_consumergroup_lag",
    "kafka_consumergroup_lag * 2 + 1",
    "-kafka_consumergroup_lag",
    "kafka_consumergroup_lag % 7 - 2 ^ 2",
    "kafka_consumergroup_lag / 0",
    "1 + 1",
    "(2 ^ 3 - 1) / 4",
    "2 > bool 1",
    // operators between vectors
    r#"kafka_consumergroup_lag{group="billing"} / ignoring(group) kafka_topic_partition_current_offset"#,
    "sum by (cluster, topic) (kafka_consumergroup_lag) / on(cluster, topic) sum by (cluster, topic) (rate(kafka_topic_partition_current_offset[5m]))",
    r#"kafka_consumergroup_lag{group="audit"} > ignoring(group) kafka_consumergroup_lag{group="billing"}"#,
    r#"kafka_consumergroup_lag{group="audit"} < bool on(cluster, topic, partition) kafka_consumergroup_lag{group="billing"}"#,
    "kafka_consumergroup_lag == kafka_consumergroup_lag",
    "kafka_consumergroup_lag <= 5",
    r#"kafka_consumergroup_lag{group="billing"} != bool ignoring(group) kafka_consumergroup_lag{group="audit"}"#,
    // set operators
    "kafka_consumergroup_lag > 30 and kafka_consumergroup_lag < 50",
    r#"kafka_consumergroup_lag{group="audit"} and on(cluster, topic, partition) kafka_consumergroup_lag{group="billing"} > 30"#,
    r#"kafka_consumergroup_lag unless ignoring(group) kafka_consumergroup_lag{group="billing"}"#,
    r#"kafka_consumergroup_lag{group="audit"} unless on(partition) kafka_consumergroup_lag{partition="1"} > 40"#,
    r#"kafka_consumergroup_lag{group="billing"} or kafka_topic_partition_current_offset"#,
    "(kafka_consumergroup_lag > 50) or (kafka_consumergroup_lag < 3) or kafka_server_request_handler_idle_ratio",
    r#"sum by (topic) (kafka_consumergroup_lag{group="nosuch"}) or on(topic) vector(0)"#,
    r#"sum by (topic) (kafka_consumergroup_lag{group="audit"} > 45) or on(topic) sum by (topic) (kafka_consumergroup_lag) * 0"#,
    // absent, vector, scalar, time
    r#"absent(kafka_consumergroup_lag{group="audit",partition="1",topic="payments"})"#,
    r#"absent(kafka_consumergroup_lag{cluster="prod",group=~"aud.*",partition="1",topic="payments"} offset 30m)"#,
    r#"absent(nosuch_metric{job="kafka",instance="",job="other",env="prod"})"#,
    r#"absent(sum(kafka_consumergroup_lag{group="nosuch"}))"#,
    "absent(kafka_consumergroup_lag)",
    r#"absent_over_time(kafka_consumergroup_lag{group="audit",partition="1",topic="payments"}[10m])"#,
    r#"absent_over_time(kafka_topic_partition_current_offset{cluster="staging"}[5m])"#,
    "vector(1)",
    "vector(time() / 60)",
    r#"scalar(sum(kafka_consumergroup_lag{cluster="staging"}))"#,
    "scalar(kafka_consumergroup_lag)",
    "kafka_consumergroup_lag > scalar(avg(kafka_consumergroup_lag))",
    "time()",
    "time() - 1700000000",
    "kafka_consumergroup_lag * 0 + time()",
    // count_values
    "count_values(\"lag\", kafka_consumergroup_lag)",
    "count_values by (topic) (\"tens\", floor(kafka_consumergroup_lag / 10))",
    "count_values without (broker) (\"ratio\", kafka_server_request_handler_idle_ratio)",
    // range functions on the last two samples, summaries, least squares
    "irate(kafka_topic_partition_current_offset[1m])",
    "irate(kafka_topic_partition_current_offset[5m] offset 1h)",
    "idelta(kafka_consumergroup_lag[1m])",
    "changes(kafka_consumergroup_lag[5m])",
    "changes(kafka_server_request_handler_idle_ratio[10m])",
    "resets(kafka_topic_partition_current_offset[30m])",
    "predict_linear(kafka_topic_partition_current_offset[10m], 3600)",
    "predict_linear(kafka_server_request_handler_idle_ratio[5m], 600)",
    "predict_linear(kafka_consumergroup_lag[5m] offset 5m, 300)",
    "avg_over_time(kafka_consumergroup_lag[5m])",
    "avg_over_time(kafka_server_request_handler_idle_ratio[3m])",
    "min_over_time(kafka_consumergroup_lag[10m])",
    "min_over_time(kafka_server_request_handler_idle_ratio[3m])",
    "max_over_time(kafka_server_request_handler_idle_ratio[3m])",
    "sum_over_time(kafka_consumergroup_lag[2m])",
    "count_over_time(kafka_topic_partition_current_offset[2m])",
    "last_over_time(kafka_consumergroup_lag[10m])",
    "quantile_over_time(0.9, kafka_consumergroup_lag[10m])",
    "quantile_over_time(0.5, kafka_server_request_handler_idle_ratio[5m])",
    "stddev_over_time(kafka_consumergroup_lag[10m])",
    "stdvar_over_time(kafka_server_request_handler_idle_ratio[5m])",
    r#"present_over_time(kafka_consumergroup_lag{group="audit"}[1m])"#,
    "avg_over_time(kafka_consumergroup_lag[5m] offset -5m)",
    // the @ modifier
    "kafka_consumergroup_lag @ 1700003600",
    "rate(kafka_topic_partition_current_offset[5m] @ end())",
    "sum(kafka_consumergroup_lag @ start())",
    "max_over_time(kafka_consumergroup_lag[10m] @ 1700001800.5 offset 5m)",
    // label functions
    r#"label_replace(kafka_consumergroup_lag, "env", "$1-env", "cluster", "(p.*)d")"#,
    r#"label_replace(rate(kafka_topic_partition_current_offset[5m]), "partition", "p${1}", "partition", "([0-9]+)")"#,
    r#"label_replace(kafka_consumergroup_lag, "topic", "", "topic", "pay.*")"#,
    r#"label_replace(kafka_consumergroup_lag, "__name__", "lag_copy", "", "")"#,
    r#"sum by (where) (label_join(kafka_consumergroup_lag, "where", "/", "cluster", "topic"))"#,
    // Go's expansion: $01 and $1x name no group, ${a-b} is kept as written
    r#"label_replace(kafka_consumergroup_lag, "p", "$01|${1}x|$1x|$$|${a-b}|$", "partition", "(.)")"#,
    r#"label_replace(kafka_consumergroup_lag, "g", "${grp}-$grp-$2", "group", "(?P<grp>a.)(.*)")"#,
    // histograms
    "histogram_quantile(0.9, sum by (le) (rate(kafka_request_latency_seconds_bucket[5m])))",
    "histogram_quantile(0.5, rate(kafka_request_latency_seconds_bucket[5m]))",
    "histogram_quantile(0.99, sum by (cluster, le) (increase(kafka_request_latency_seconds_bucket[10m])))",
    "histogram_quantile(0.25, kafka_request_latency_seconds_bucket)",
    "histogram_quantile(-1, sum by (le, request) (rate(kafka_request_latency_seconds_bucket[1m])))",
    // elementwise math
    "abs(kafka_consumergroup_lag - 30)",
    "ceil(kafka_consumergroup_lag / 7)",
    "floor(kafka_consumergroup_lag / 7)",
    "round(kafka_consumergroup_lag / 7)",
    "round(kafka_consumergroup_lag, 5)",
    "round(kafka_server_request_handler_idle_ratio, 0.25)",
    "clamp_min(kafka_consumergroup_lag, 20)",
    "clamp_max(kafka_server_request_handler_idle_ratio, 0.5)",
    "clamp(kafka_consumergroup_lag, 10, 40)",
    "clamp(kafka_consumergroup_lag, 40, 10) or vector(7)",
    "sqrt(kafka_consumergroup_lag)",
    "exp(kafka_server_request_handler_idle_ratio)",
    "ln(kafka_consumergroup_lag)",
    "log2(kafka_consumergroup_lag) + log10(kafka_consumergroup_lag)",
];

/// Queries Prometheus answers with an error; kafkascope must give the same
/// error type.
const FAILING_QUERIES: &[&str] = &[
    // two partitions per topic on the right: many-to-many
    "sum by (topic) (kafka_consumergroup_lag) + on(topic) kafka_topic_partition_current_offset",
    // two groups on the left match one series: many-to-one without group_left
    r#"kafka_consumergroup_lag - on(cluster, topic, partition) kafka_consumergroup_lag{group="billing"}"#,
    "sum(",
    // bad arguments Prometheus reports when evaluating (execution errors)
    r#"label_replace(kafka_consumergroup_lag, "dst", "$1", "topic", "(")"#,
    r#"label_replace(kafka_consumergroup_lag, "1dst", "$1", "topic", "(.*)")"#,
    r#"label_join(kafka_consumergroup_lag, "dst", ",", "to-pic")"#,
    r#"count_values("1x", kafka_consumergroup_lag)"#,
    // two histograms that differ only in their metric name
    r#"histogram_quantile(0.5, kafka_request_latency_seconds_bucket or on(__name__) label_replace(kafka_request_latency_seconds_bucket, "__name__", "other_bucket", "", ""))"#,
    // set operators do not take scalars
    "vector(1) and 1",
];

/// Instant query times: the first sample, inside the first lookback, the
/// middle, a fractional time, inside staging's gap, the last sample, and
/// just inside and outside the lookback after it.
fn instant_times() -> Vec<String> {
    let mut times: Vec<String> = [0, 35, 3600, 4050, 4345, 7200, 7499, 7501]
        .iter()
        .map(|offset| (START_S + offset).to_string())
        .collect();
    times.push(format!("{}.123", START_S + 1234));
    times.push("2023-11-14T23:13:20Z".to_owned());
    times
}

/// (start, end, step) of the range queries.
fn ranges() -> Vec<(String, String, String)> {
    [
        (START_S - 600, END_S + 600, "60"),
        (START_S + 1000, START_S + 2000, "10"),
        (START_S + 3, END_S, "37s"),
        (START_S, END_S, "5m"),
    ]
    .iter()
    .map(|(start, end, step)| (start.to_string(), end.to_string(), step.to_string()))
    .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn query_requests(query: &str) -> Vec<String> {
    let q = encode(query);
    let instants = instant_times()
        .into_iter()
        .map(|t| format!("/api/v1/query?query={q}&time={}", encode(&t)));
    let ranges = ranges().into_iter().map(|(start, end, step)| {
        format!("/api/v1/query_range?query={q}&start={start}&end={end}&step={step}")
    });
    instants.chain(ranges).collect()
}

fn metadata_requests() -> Vec<String> {
    let (start, end) = (START_S, END_S);
    vec![
        format!(
            "/api/v1/series?match[]={}&start={start}&end={end}",
            encode("kafka_consumergroup_lag")
        ),
        format!(
            "/api/v1/series?match[]={}&match[]={}&start={start}&end={end}",
            encode(r#"{topic="payments"}"#),
            encode(r#"kafka_topic_partition_current_offset{cluster="staging"}"#)
        ),
        format!("/api/v1/labels?start={start}&end={end}"),
        format!(
            "/api/v1/labels?match[]={}&start={start}&end={end}",
            encode("kafka_topic_partition_current_offset")
        ),
        format!("/api/v1/label/__name__/values?start={start}&end={end}"),
        format!("/api/v1/label/group/values?start={start}&end={end}"),
        format!(
            "/api/v1/label/topic/values?match[]={}",
            encode(r#"kafka_consumergroup_lag{group="billing"}"#)
        ),
        format!("/api/v1/label/nosuchlabel/values?start={start}&end={end}"),
    ]
}

async fn kafkascope_json(app: &axum::Router, path_and_query: &str) -> Value {
    let request = Request::get(path_and_query).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{path_and_query}: non-JSON answer: {e}"))
}

fn has_data(answer: &Value) -> bool {
    answer["status"] == "success"
        && answer["data"]["result"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_and_kafkascope_answer_alike() {
    let data = dataset::generate();
    let prometheus = PrometheusServer::start(&dataset::to_openmetrics(&data));
    let app = kafkascope_query::router(Arc::new(dataset::to_memory_source(&data)));

    // Both hold the very same samples, millisecond timestamps included.
    let raw = format!(
        "/api/v1/query?query={}&time={}",
        encode(r#"{__name__=~"kafka_.+"}[3h]"#),
        END_S + 1
    );
    let raw_expected = prometheus.get_json(&raw);
    assert_eq!(
        raw_expected["data"]["result"].as_array().map(Vec::len),
        Some(data.len())
    );
    let mut mismatches: Vec<String> = difference(&raw_expected, &kafkascope_json(&app, &raw).await)
        .map(|d| format!("{raw}\n  {d}"))
        .into_iter()
        .collect();

    let mut compared = 0;
    let mut without_data = Vec::new();
    for query in QUERIES {
        let mut any_data = false;
        for request in query_requests(query) {
            let expected = prometheus.get_json(&request);
            any_data |= has_data(&expected);
            if let Some(d) = difference(&expected, &kafkascope_json(&app, &request).await) {
                mismatches.push(format!("{request}\n  ({query})\n  {d}"));
            }
            compared += 1;
        }
        if !any_data {
            without_data.push(*query);
        }
    }
    for request in metadata_requests().into_iter().chain(
        FAILING_QUERIES
            .iter()
            .map(|q| format!("/api/v1/query?query={}&time={}", encode(q), START_S + 3600)),
    ) {
        if let Some(d) = difference(
            &prometheus.get_json(&request),
            &kafkascope_json(&app, &request).await,
        ) {
            mismatches.push(format!("{request}\n  {d}"));
        }
        compared += 1;
    }
    assert!(
        without_data.is_empty(),
        "queries Prometheus never answered with data (a vacuous comparison): {without_data:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} answers differ from Prometheus:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!("{compared} answers identical to Prometheus's");
}
