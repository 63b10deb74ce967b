//! The HTTP API through `router(...)` without a port: Prometheus's JSON
//! shapes, GET and form-encoded POST (as Grafana sends), and its errors.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kafkascope_query::{MemorySource, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Lag of two partitions of `orders`, samples at 1000 s and 1010 s.
fn app() -> axum::Router {
    let mut source = MemorySource::new();
    for (partition, values) in [("0", [3.0, 4.0]), ("1", [10.0, 12.5])] {
        let labels = [
            ("__name__", "kafka_consumergroup_lag"),
            ("group", "billing"),
            ("topic", "orders"),
            ("partition", partition),
        ];
        source.insert(labels, &[(1_000_000, values[0]), (1_010_000, values[1])]);
    }
    router(Arc::new(source))
}

async fn send(request: Request<Body>) -> (StatusCode, Value) {
    let response = app().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/json");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

async fn get(path_and_query: &str) -> (StatusCode, Value) {
    send(Request::get(path_and_query).body(Body::empty()).unwrap()).await
}

async fn post_form(path: &str, form: &str) -> (StatusCode, Value) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(request).await
}

fn lag_labels(partition: &str) -> Value {
    json!({"__name__": "kafka_consumergroup_lag", "group": "billing", "partition": partition, "topic": "orders"})
}

#[tokio::test]
async fn instant_query_returns_vector_with_time_and_string_values() {
    let (status, body) = get("/api/v1/query?query=kafka_consumergroup_lag&time=1010.5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": lag_labels("0"), "value": [1010.5, "4"]},
            {"metric": lag_labels("1"), "value": [1010.5, "12.5"]},
        ]}})
    );
}

#[tokio::test]
async fn grafana_style_post_range_query_returns_matrix() {
    let form = "query=sum+by+%28topic%29+%28kafka_consumergroup_lag%29&start=1000&end=1020&step=10";
    let (status, body) = post_form("/api/v1/query_range", form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"topic": "orders"}, "values": [[1000, "13"], [1010, "16.5"], [1020, "16.5"]]},
        ]}})
    );
}

#[tokio::test]
async fn grafana_health_check_gets_a_scalar() {
    let (status, body) =
        post_form("/api/v1/query", "query=1%2B1&time=2023-11-14T22%3A13%3A20Z").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"resultType": "scalar", "result": [1700000000, "2"]}})
    );
}

#[tokio::test]
async fn series_labels_and_values_endpoints() {
    let (_, body) =
        get("/api/v1/series?match[]=kafka_consumergroup_lag%7Bpartition%3D%221%22%7D").await;
    assert_eq!(
        body,
        json!({"status": "success", "data": [lag_labels("1")]})
    );

    let (_, body) = post_form("/api/v1/labels", "start=0&end=2000").await;
    assert_eq!(
        body,
        json!({"status": "success", "data": ["__name__", "group", "partition", "topic"]})
    );
    let (_, body) = get("/api/v1/label/partition/values").await;
    assert_eq!(body, json!({"status": "success", "data": ["0", "1"]}));
    // Outside the time range there is nothing.
    let (_, body) = get("/api/v1/label/partition/values?start=2000&end=3000").await;
    assert_eq!(body, json!({"status": "success", "data": []}));
    let (_, body) = get("/api/v1/label/topic/values?match[]=%7Bpartition%3D%227%22%7D").await;
    assert_eq!(body, json!({"status": "success", "data": []}));
}

#[tokio::test]
async fn unsupported_construct_is_bad_data_naming_it() {
    let (status, body) = get("/api/v1/query?query=timestamp%28x%29&time=1000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorType"], "bad_data");
    let message = body["error"].as_str().unwrap();
    assert!(
        message.starts_with("unsupported expression: function timestamp() is not in"),
        "{message}"
    );
}

#[tokio::test]
async fn bad_parameters_are_bad_data_naming_the_parameter() {
    let cases = [
        ("/api/v1/query?query=sum(", "invalid parameter \"query\": "),
        (
            "/api/v1/query?query=1&time=noon",
            "invalid parameter \"time\": cannot parse \"noon\" to a valid timestamp",
        ),
        (
            "/api/v1/query_range?query=1&start=0&end=10",
            "invalid parameter \"step\": cannot parse \"\" to a valid duration",
        ),
        (
            "/api/v1/query_range?query=1&end=10&step=1",
            "invalid parameter \"start\": cannot parse \"\" to a valid timestamp",
        ),
        (
            "/api/v1/query_range?query=1&start=0&end=10&step=0",
            "invalid parameter \"step\": zero or negative",
        ),
        ("/api/v1/series", "no match[] parameter provided"),
        (
            "/api/v1/series?match[]=sum(x)",
            "invalid parameter \"match[]\": ",
        ),
        ("/api/v1/label/1bad/values", "invalid label name: \"1bad\""),
    ];
    for (request, expected) in cases {
        let (status, body) = get(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}");
        assert_eq!(body["errorType"], "bad_data", "{request}");
        let message = body["error"].as_str().unwrap();
        assert!(message.starts_with(expected), "{request}: {message}");
    }
}

#[tokio::test]
async fn matching_conflict_is_an_execution_error() {
    let query = "kafka_consumergroup_lag+%2B+on%28topic%29+kafka_consumergroup_lag";
    let (status, body) = get(&format!("/api/v1/query?query={query}&time=1010")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errorType"], "execution");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("many-to-many matching not allowed")
    );
}

#[tokio::test]
async fn buildinfo_reports_a_prometheus_version_grafana_understands() {
    let (status, body) = get("/api/v1/status/buildinfo").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "success");
    assert_eq!(
        body["data"]["version"],
        kafkascope_query::PROMETHEUS_API_VERSION
    );
    assert_eq!(body["data"]["application"], "kafkascope");
}

#[tokio::test]
async fn deep_nesting_is_evaluated_on_a_deep_stack_and_beyond_limit_refused() {
    // Deep enough to overflow a default 2 MiB thread stack.
    let levels = 1600;
    let nested = format!(
        "{}kafka_consumergroup_lag{}",
        "sum(".repeat(levels),
        ")".repeat(levels)
    );
    let (status, body) = post_form("/api/v1/query", &format!("query={nested}&time=1010")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"]["result"],
        json!([{"metric": {}, "value": [1010, "16.5"]}])
    );

    let chain = vec!["1"; 5000].join("%2B");
    let (status, body) = post_form("/api/v1/query", &format!("query={chain}&time=1000")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("outside string literals is longer than"),
        "{message}"
    );
}
