//! The Burrow-compatible `/v3/kafka` API through `app(state)` with
//! `oneshot`, for the fixture clusters: each route's body compared whole
//! with the shape and values Burrow's documentation gives for the same
//! situation (envelope, messages, field names, 404s).

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use kafkascope_collector::snapshot::ConsumerGroup;
use kafkascope_server::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// When the fixture's cycle ran: every sample's `observedAt`.
const OBSERVED_AT: i64 = 1_700_000_000_000;

/// `later` is configured but has no snapshot yet.
fn state() -> AppState {
    common::state(
        &["later", "prod", "staging"],
        vec![common::prod(), common::staging()],
    )
}

/// The machine's host name as the kernel reports it (what Burrow sends).
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| std::env::var("HOSTNAME").unwrap_or_default())
}

async fn get(path: &str) -> (StatusCode, Value) {
    get_in(state(), path).await
}

async fn get_in(state: AppState, path: &str) -> (StatusCode, Value) {
    let reply = common::get(state, path, None).await;
    assert_eq!(reply.content_type(), "application/json", "{path}");
    (reply.status, reply.json())
}

/// Burrow's success envelope around `payload` under `field`.
fn ok(message: &str, field: &str, payload: Value, url: &str) -> Value {
    json!({
        "error": false,
        "message": message,
        field: payload,
        "request": {"url": url, "host": host()}
    })
}

fn not_found(message: &str, url: &str) -> Value {
    json!({"error": true, "message": message, "request": {"url": url, "host": host()}})
}

/// One committed-offset sample as Burrow's `ConsumerOffset`.
fn sample(offset: i64, timestamp: Option<i64>, lag: Option<i64>) -> Value {
    json!({"offset": offset, "timestamp": timestamp, "observedAt": OBSERVED_AT, "lag": lag})
}

/// A Burrow `PartitionStatus` whose window holds one offset: start and end
/// are the same sample.
fn partition_status(
    (topic, partition): (&str, i32),
    (owner, client_id): (&str, &str),
    status: &str,
    (offset, timestamp, lag): (i64, Option<i64>, Option<i64>),
    complete: f64,
) -> Value {
    json!({
        "topic": topic, "partition": partition, "owner": owner, "client_id": client_id,
        "status": status,
        "start": sample(offset, timestamp, lag), "end": sample(offset, timestamp, lag),
        "current_lag": lag, "complete": go_number(complete)
    })
}

/// A float as Go writes it: whole numbers without a fraction.
fn go_number(value: f64) -> Value {
    if value.fract() == 0.0 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

const MEMBER1: (&str, &str) = ("/10.0.0.1", "billing-1");
const MEMBER2: (&str, &str) = ("/10.0.0.2", "billing-2");
const UNASSIGNED: (&str, &str) = ("", "");

/// Its window started 50 s before the cycle at offset 900 (lag 60); when
/// 900 was committed is not known, only when 1000 was.
fn billing_orders_0() -> Value {
    let mut status = partition_status(
        ("orders", 0),
        MEMBER1,
        "WARN",
        (1000, Some(1_699_999_990_000), Some(100)),
        1.0,
    );
    status["start"] = json!({
        "offset": 900, "timestamp": null, "observedAt": 1_699_999_950_000_i64, "lag": 60
    });
    status
}

fn billing_orders_2() -> Value {
    partition_status(
        ("orders", 2),
        MEMBER2,
        "STALL",
        (250, Some(1_699_999_900_000), Some(50)),
        1.0,
    )
}

#[tokio::test]
async fn list_clusters() {
    let (status, body) = get("/v3/kafka").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        ok(
            "cluster list returned",
            "clusters",
            json!(["later", "prod", "staging"]),
            "/v3/kafka"
        )
    );
}

#[tokio::test]
async fn cluster_detail_lists_the_advertised_brokers() {
    let (status, body) = get("/v3/kafka/prod").await;
    assert_eq!(status, StatusCode::OK);
    let module = json!({
        "class-name": "kafka",
        "servers": ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"],
        "client-profile": null, "topic-refresh": null, "offset-refresh": null
    });
    assert_eq!(
        body,
        ok(
            "cluster module detail returned",
            "module",
            module,
            "/v3/kafka/prod"
        )
    );
}

#[tokio::test]
async fn list_topics_includes_internal_ones() {
    let (status, body) = get("/v3/kafka/prod/topic").await;
    assert_eq!(status, StatusCode::OK);
    let topics = json!(["__consumer_offsets", "orders", "payments"]);
    assert_eq!(
        body,
        ok(
            "topic list returned",
            "topics",
            topics,
            "/v3/kafka/prod/topic"
        )
    );
}

#[tokio::test]
async fn topic_detail_is_log_end_offsets_by_partition() {
    let (status, body) = get("/v3/kafka/prod/topic/orders").await;
    assert_eq!(status, StatusCode::OK);
    // Partition 3 has no leader, so its log end is unknown.
    let offsets = json!([1100, 500, 300, null]);
    assert_eq!(
        body,
        ok(
            "topic offsets returned",
            "offsets",
            offsets,
            "/v3/kafka/prod/topic/orders"
        )
    );
}

#[tokio::test]
async fn list_consumers() {
    let (status, body) = get("/v3/kafka/prod/consumer").await;
    assert_eq!(status, StatusCode::OK);
    let groups = json!(["audit", "billing", "reports"]);
    assert_eq!(
        body,
        ok(
            "consumer list returned",
            "consumers",
            groups,
            "/v3/kafka/prod/consumer"
        )
    );
}

#[tokio::test]
async fn consumer_detail_has_offsets_owner_and_current_lag_per_partition() {
    let (status, body) = get("/v3/kafka/prod/consumer/billing").await;
    assert_eq!(status, StatusCode::OK);
    let partition = |offset: Value, (owner, client_id): (&str, &str), lag: Option<i64>| json!({"offsets": [offset], "owner": owner, "client_id": client_id, "current-lag": lag});
    let topics = json!({
        "orders": [
            partition(sample(1000, Some(1_699_999_990_000), Some(100)), MEMBER1, Some(100)),
            partition(sample(500, Some(1_699_999_995_000), Some(0)), MEMBER1, Some(0)),
            partition(sample(250, Some(1_699_999_900_000), Some(50)), MEMBER2, Some(50)),
            partition(sample(10, None, None), MEMBER2, None),
        ],
        "payments": [
            partition(sample(40, Some(1_699_999_980_000), Some(2)), MEMBER2, Some(2)),
        ]
    });
    assert_eq!(
        body,
        ok(
            "consumer detail returned",
            "topics",
            topics,
            "/v3/kafka/prod/consumer/billing"
        )
    );
}

#[tokio::test]
async fn consumer_detail_arrays_span_every_partition_of_the_topic() {
    let (status, body) = get("/v3/kafka/prod/consumer/reports").await;
    assert_eq!(status, StatusCode::OK);
    let uncommitted = json!({"offsets": [], "owner": "", "client_id": "", "current-lag": null});
    let topics = json!({
        "orders": [
            {"offsets": [sample(60, Some(1_699_990_000_000), Some(1040))], "owner": "",
             "client_id": "", "current-lag": 1040},
            uncommitted, uncommitted, uncommitted
        ]
    });
    assert_eq!(
        body,
        ok(
            "consumer detail returned",
            "topics",
            topics,
            "/v3/kafka/prod/consumer/reports"
        )
    );
}

#[tokio::test]
async fn status_lists_only_partitions_that_are_not_ok() {
    let (status, body) = get("/v3/kafka/prod/consumer/billing/status").await;
    assert_eq!(status, StatusCode::OK);
    let expected = json!({
        "cluster": "prod", "group": "billing", "status": "ERR", "complete": 0.8,
        "partitions": [billing_orders_0(), billing_orders_2()],
        "partition_count": 5,
        "maxlag": billing_orders_0(),
        "totallag": 152
    });
    assert_eq!(
        body,
        ok(
            "consumer status returned",
            "status",
            expected,
            "/v3/kafka/prod/consumer/billing/status"
        )
    );
}

#[tokio::test]
async fn lag_lists_every_partition_with_not_enough_data_as_ok_and_incomplete() {
    let (status, body) = get("/v3/kafka/prod/consumer/billing/lag").await;
    assert_eq!(status, StatusCode::OK);
    let expected = json!({
        "cluster": "prod", "group": "billing", "status": "ERR", "complete": 0.8,
        "partitions": [
            billing_orders_0(),
            partition_status(("orders", 1), MEMBER1, "OK", (500, Some(1_699_999_995_000), Some(0)), 1.0),
            billing_orders_2(),
            partition_status(("orders", 3), MEMBER2, "OK", (10, None, None), 0.4),
            partition_status(("payments", 0), MEMBER2, "OK", (40, Some(1_699_999_980_000), Some(2)), 1.0),
        ],
        "partition_count": 5,
        "maxlag": billing_orders_0(),
        "totallag": 152
    });
    assert_eq!(
        body,
        ok(
            "consumer status returned",
            "status",
            expected,
            "/v3/kafka/prod/consumer/billing/lag"
        )
    );
}

#[tokio::test]
async fn a_group_still_filling_its_window_reads_ok_with_complete_0() {
    let (status, body) = get("/v3/kafka/prod/consumer/audit/status").await;
    assert_eq!(status, StatusCode::OK);
    let only = partition_status(("payments", 0), UNASSIGNED, "OK", (30, None, None), 0.0);
    let expected = json!({
        "cluster": "prod", "group": "audit", "status": "OK", "complete": 0,
        "partitions": [], "partition_count": 1, "maxlag": only, "totallag": 0
    });
    assert_eq!(
        body,
        ok(
            "consumer status returned",
            "status",
            expected,
            "/v3/kafka/prod/consumer/audit/status"
        )
    );
}

#[tokio::test]
async fn a_stopped_group_is_err_with_its_stop_partition() {
    let reply = common::get(state(), "/v3/kafka/prod/consumer/reports/status", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let stopped = partition_status(
        ("orders", 0),
        UNASSIGNED,
        "STOP",
        (60, Some(1_699_990_000_000), Some(1040)),
        1.0,
    );
    let expected = json!({
        "cluster": "prod", "group": "reports", "status": "ERR", "complete": 1,
        "partitions": [stopped], "partition_count": 1, "maxlag": stopped, "totallag": 1040
    });
    assert_eq!(
        reply.json(),
        ok(
            "consumer status returned",
            "status",
            expected,
            "/v3/kafka/prod/consumer/reports/status"
        )
    );
    // Whole numbers are written as Go writes Burrow's float32 fields.
    assert!(
        reply
            .body
            .contains(r#""status":"ERR","complete":1,"partitions""#),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn status_of_an_unknown_group_or_cluster_is_a_404_notfound_status() {
    let cases = [
        ("/v3/kafka/prod/consumer/nope/status", "prod", "nope"),
        ("/v3/kafka/prod/consumer/nope/lag", "prod", "nope"),
        ("/v3/kafka/nope/consumer/billing/status", "nope", "billing"),
        ("/v3/kafka/later/consumer/billing/lag", "later", "billing"),
    ];
    for (path, cluster, group) in cases {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let expected = json!({
            "cluster": cluster, "group": group, "status": "NOTFOUND", "complete": 1,
            "partitions": [], "partition_count": 0, "maxlag": null, "totallag": 0
        });
        assert_eq!(
            body,
            ok("consumer status returned", "status", expected, path),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_names_are_burrows_404_envelopes() {
    let cases = [
        ("/v3/kafka/nope", "cluster module not found"),
        ("/v3/kafka/nope/topic", "cluster not found"),
        ("/v3/kafka/nope/topic/orders", "cluster or topic not found"),
        ("/v3/kafka/prod/topic/nope", "cluster or topic not found"),
        ("/v3/kafka/nope/consumer", "cluster not found"),
        (
            "/v3/kafka/nope/consumer/billing",
            "cluster or consumer not found",
        ),
        (
            "/v3/kafka/prod/consumer/nope",
            "cluster or consumer not found",
        ),
        (
            "/v3/kafka/staging/consumer/billing",
            "cluster or consumer not found",
        ),
    ];
    for (path, message) in cases {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, not_found(message, path), "{path}");
    }
}

#[tokio::test]
async fn unknown_paths_get_burrows_catch_all() {
    for path in [
        "/v3/kafka/prod/broker",
        "/v3/config",
        "/v3/kafka/prod/consumer/billing/x",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body,
            json!({"error": true, "message": "invalid request type", "result": {}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_cluster_without_a_snapshot_yet_reads_as_empty() {
    let (_, topics) = get("/v3/kafka/later/topic").await;
    assert_eq!(
        topics,
        ok(
            "topic list returned",
            "topics",
            json!([]),
            "/v3/kafka/later/topic"
        )
    );
    let (_, groups) = get("/v3/kafka/later/consumer").await;
    assert_eq!(
        groups,
        ok(
            "consumer list returned",
            "consumers",
            json!([]),
            "/v3/kafka/later/consumer"
        )
    );
    let (status, module) = get("/v3/kafka/later").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(module["module"]["servers"], json!([]));
}

#[tokio::test]
async fn request_url_is_the_decoded_path_without_the_query() {
    let mut prod = common::prod();
    prod.groups.insert(
        "team/a b".into(),
        ConsumerGroup {
            name: "team/a b".into(),
            ..Default::default()
        },
    );
    let state = common::state(&["prod"], vec![prod]);
    let (status, body) = get_in(state, "/v3/kafka/prod/consumer/team%2Fa%20b/lag?x=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"]["group"], "team/a b");
    assert_eq!(
        body["request"],
        json!({"url": "/v3/kafka/prod/consumer/team/a b/lag", "host": host()})
    );
}

#[tokio::test]
async fn removing_a_group_is_refused_as_read_only() {
    let request = Request::builder()
        .method(Method::DELETE)
        .uri("/v3/kafka/prod/consumer/billing")
        .body(Body::empty())
        .unwrap();
    let response = app(state()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!({
            "error": true,
            "message": "kafkascope is read-only: it shows the groups Kafka reports and cannot remove one",
            "request": {"url": "/v3/kafka/prod/consumer/billing", "host": host()}
        })
    );
}

#[tokio::test]
async fn burrow_healthcheck_says_good() {
    let reply = common::get(state(), "/burrow/admin", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "GOOD");
}
