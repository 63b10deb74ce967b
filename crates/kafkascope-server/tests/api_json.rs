#![recursion_limit = "256"]
//! The JSON API through `app(state)` with `oneshot`: status codes and exact
//! bodies for the fixture clusters.

mod common;

use axum::http::StatusCode;
use kafkascope_collector::snapshot::ConsumerGroup;
use serde_json::{Value, json};

async fn get_json(path: &str) -> (StatusCode, Value) {
    let state = common::state(
        &["later", "prod", "staging"],
        vec![common::prod(), common::staging()],
    );
    let reply = common::get(state, path, None).await;
    assert_eq!(reply.content_type(), "application/json", "{path}");
    (reply.status, reply.json())
}

#[tokio::test]
async fn clusters_lists_every_configured_cluster() {
    let (status, body) = get_json("/api/v1/clusters").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"clusters": [
            {
                "name": "later", "collected": false, "cluster_id": null, "controller": null,
                "broker_count": null, "topic_count": null, "group_count": null,
                "collected_at": null, "collected_at_ms": null, "stale": null, "error_count": null
            },
            {
                "name": "prod", "collected": true, "cluster_id": "Mk3OEYBSD34fcwNTJENDM2Qk",
                "controller": 1, "broker_count": 3, "topic_count": 3, "group_count": 3,
                "collected_at": "2023-11-14T22:13:20.000Z", "collected_at_ms": 1_700_000_000_000i64,
                "stale": false, "error_count": 4
            },
            {
                "name": "staging", "collected": true, "cluster_id": null, "controller": null,
                "broker_count": 1, "topic_count": 1, "group_count": 0,
                "collected_at": "2023-11-14T22:13:10.500Z", "collected_at_ms": 1_699_999_990_500i64,
                "stale": true, "error_count": 1
            }
        ]})
    );
}

#[tokio::test]
async fn list_filters_are_substrings_of_the_name_ignoring_case() {
    let names = |body: &Value, key: &str| -> Vec<String> {
        body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, body) = get_json("/api/v1/clusters?filter=a").await;
    assert_eq!(names(&body, "clusters"), ["later", "staging"]);
    let (_, body) = get_json("/api/v1/clusters/prod/topics?filter=o").await;
    assert_eq!(names(&body, "topics"), ["__consumer_offsets", "orders"]);
    let (_, body) = get_json("/api/v1/clusters/prod/groups?filter=bill").await;
    assert_eq!(names(&body, "groups"), ["billing"]);
    let (_, body) = get_json("/api/v1/clusters/prod/groups?filter=").await;
    assert_eq!(names(&body, "groups"), ["audit", "billing", "reports"]);
    let (_, body) = get_json("/api/v1/clusters/prod/brokers?filter=kafka-3").await;
    assert_eq!(body["brokers"].as_array().unwrap().len(), 1);
    assert_eq!(body["brokers"][0]["id"], 3);

    let (_, body) = get_json("/api/v1/clusters?filter=A").await;
    assert_eq!(names(&body, "clusters"), ["later", "staging"]);
    let (_, body) = get_json("/api/v1/clusters/prod/topics?filter=ORD").await;
    assert_eq!(names(&body, "topics"), ["orders"]);
    assert_eq!(body["total"], 1);
    let (_, body) = get_json("/api/v1/clusters/prod/groups?filter=BiLl").await;
    assert_eq!(names(&body, "groups"), ["billing"]);
    let (_, body) = get_json("/api/v1/clusters/prod/brokers?filter=KAFKA-3").await;
    assert_eq!(body["brokers"].as_array().unwrap().len(), 1);
    assert_eq!(body["brokers"][0]["id"], 3);
}

#[tokio::test]
async fn cluster_summary() {
    let (status, body) = get_json("/api/v1/clusters/prod").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "name": "prod",
            "cluster_id": "Mk3OEYBSD34fcwNTJENDM2Qk",
            "controller": 1,
            "collected_at": "2023-11-14T22:13:20.000Z",
            "collected_at_ms": 1_700_000_000_000i64,
            "cycle_duration_ms": 1250,
            "stale": false,
            "broker_count": 3,
            "reachable_broker_count": 2,
            "topic_count": 3,
            "partition_count": 6,
            "group_count": 3,
            "offline_partitions": 1,
            "under_replicated_partitions": 2,
            "under_min_isr_partitions": 2,
            "errors": [
                {"collector": "log_offsets", "kind": "kafka", "broker": null, "message": "orders-3: LEADER_NOT_AVAILABLE"},
                {"collector": "log_offsets", "kind": "kafka", "broker": 2, "message": "payments-0: NOT_LEADER_OR_FOLLOWER"},
                {"collector": "log_dirs", "kind": "connection", "broker": 3, "message": "kafka-3:9092: connection refused"},
                {"collector": "committed_offsets", "kind": "timeout", "broker": 3, "message": "OffsetFetch to kafka-3:9092 timed out"}
            ],
            "unsupported_apis": ["DescribeLogDirsRequest"],
            "collectors": [
                {"name": "cluster_metadata", "duration_ms": 12.5, "success": true},
                {"name": "consumer_groups", "duration_ms": 30.25, "success": true},
                {"name": "committed_offsets", "duration_ms": 40.0, "success": true},
                {"name": "log_offsets", "duration_ms": 250.5, "success": true},
                {"name": "log_dirs", "duration_ms": 5000.0, "success": false},
                {"name": "topic_configs", "duration_ms": 8.0, "success": true}
            ]
        })
    );
}

#[tokio::test]
async fn brokers() {
    let (status, body) = get_json("/api/v1/clusters/prod/brokers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "cluster": "prod",
            "controller": 1,
            "brokers": [
                {"id": 1, "host": "kafka-1", "port": 9092, "rack": "a", "reachable": true, "in_metadata": true,
                 "partition_count": 6, "leader_count": 3, "log_dir_bytes": 123_456_789, "is_controller": true,
                 "quorum_role": "leader", "log_dirs": [
                     {"path": "/var/lib/kafka/data-1", "error": null, "size_bytes": 123_456_789,
                      "volume_total_bytes": 1_000_000_000_000i64, "volume_usable_bytes": 400_000_000_000i64},
                     {"path": "/var/lib/kafka/data-2", "error": "KAFKA_STORAGE_ERROR", "size_bytes": 0,
                      "volume_total_bytes": null, "volume_usable_bytes": null}
                 ]},
                {"id": 2, "host": "kafka-2", "port": 9092, "rack": "b", "reachable": true, "in_metadata": true,
                 "partition_count": 5, "leader_count": 2, "log_dir_bytes": null, "is_controller": false,
                 "quorum_role": "voter", "log_dirs": [
                     {"path": "/var/lib/kafka/data", "error": null, "size_bytes": 0,
                      "volume_total_bytes": null, "volume_usable_bytes": null}
                 ]},
                {"id": 3, "host": "kafka-3", "port": 9092, "rack": null, "reachable": false, "in_metadata": true,
                 "partition_count": 4, "leader_count": 0, "log_dir_bytes": null, "is_controller": false,
                 "quorum_role": "voter", "log_dirs": []}
            ],
            "quorum": {
                "leader_id": 1, "leader_epoch": 5, "high_watermark": 1200,
                "replicas": [
                    {"replica_id": 1, "role": "voter", "log_end_offset": 1200, "lag": 0,
                     "last_fetch_ms": 1_700_000_000_000i64, "last_caught_up_ms": 1_700_000_000_000i64},
                    {"replica_id": 2, "role": "voter", "log_end_offset": 1198, "lag": 2,
                     "last_fetch_ms": 1_699_999_999_000i64, "last_caught_up_ms": 1_699_999_999_000i64},
                    {"replica_id": 3, "role": "voter", "log_end_offset": 900, "lag": 300,
                     "last_fetch_ms": 1_699_999_940_000i64, "last_caught_up_ms": 1_699_999_940_000i64}
                ]
            },
            "sources": []
        })
    );
    // With a JMX source, the list names it, so the page asks for its figures.
    let reply = common::get(
        common::fixture_state(),
        "/api/v1/clusters/prod/brokers",
        None,
    )
    .await;
    assert_eq!(reply.json()["sources"], json!(["jmx_exporter"]));
}

#[tokio::test]
async fn topics() {
    let (status, body) = get_json("/api/v1/clusters/prod/topics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "cluster": "prod", "total": 3, "offset": 0,
            "topics": [
                {"name": "__consumer_offsets", "internal": true, "partition_count": 1, "replication_factor": 1,
                 "under_replicated_partitions": 0, "under_min_isr_partitions": 0, "offline_partitions": 0,
                 "messages_in_per_sec": null, "bytes_in_per_sec": null, "size_bytes": 300},
                {"name": "orders", "internal": false, "partition_count": 4, "replication_factor": 3,
                 "under_replicated_partitions": 2, "under_min_isr_partitions": 2, "offline_partitions": 1,
                 "messages_in_per_sec": 7.5, "bytes_in_per_sec": 1536.0, "size_bytes": null},
                {"name": "payments", "internal": false, "partition_count": 1, "replication_factor": 2,
                 "under_replicated_partitions": 0, "under_min_isr_partitions": 0, "offline_partitions": 0,
                 "messages_in_per_sec": 0.25, "bytes_in_per_sec": 100.5, "size_bytes": 4096}
            ]
        })
    );
}

#[tokio::test]
async fn topic_detail_has_partitions_with_derived_flags() {
    let (status, body) = get_json("/api/v1/clusters/prod/topics/orders").await;
    assert_eq!(status, StatusCode::OK);
    let flags: Vec<Value> = body["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            json!([
                p["partition"],
                p["offline"],
                p["under_replicated"],
                p["under_min_isr"],
                p["leader_is_preferred"]
            ])
        })
        .collect();
    assert_eq!(
        flags,
        [
            json!([0, false, false, false, true]),
            json!([1, false, true, true, true]),
            json!([2, false, false, false, false]),
            json!([3, true, true, true, false]),
        ]
    );
    assert_eq!(
        body["partitions"][3],
        json!({
            "partition": 3, "leader": null, "leader_epoch": 7, "replicas": [3, 1, 2], "isr": [3],
            "offline_replicas": [3], "earliest_offset": null, "latest_offset": null,
            "last_stable_offset": null, "size_bytes": null, "messages_in_per_sec": null,
            "error": "LEADER_NOT_AVAILABLE", "follower_lag": [], "reassignment": null,
            "offline": true, "under_replicated": true, "under_min_isr": true, "leader_is_preferred": false
        })
    );
    let mut summary = body.clone();
    summary.as_object_mut().unwrap().remove("partitions");
    assert_eq!(
        summary,
        json!({
            "cluster": "prod", "name": "orders", "internal": false, "partition_count": 4,
            "replication_factor": 3, "under_replicated_partitions": 2, "under_min_isr_partitions": 2,
            "offline_partitions": 1, "messages_in_per_sec": 7.5, "bytes_in_per_sec": 1536.0,
            "size_bytes": null, "min_insync_replicas": 2,
            "configs": {"min.insync.replicas": "2", "retention.ms": "604800000"},
            "partitions_total": 4, "partitions_offset": 0
        })
    );
}

#[tokio::test]
async fn groups() {
    let (status, body) = get_json("/api/v1/clusters/prod/groups").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "cluster": "prod", "total": 3, "offset": 0,
            "groups": [
                {"name": "audit", "type": "classic", "state": "Empty", "protocol_type": "consumer", "coordinator": 2,
                 "member_count": 0, "lag_sum": null, "lag_max": null, "topics": ["payments"],
                 "messages_consumed_per_sec": null,
                 "error": "log end offset unknown: NOT_LEADER_OR_FOLLOWER",
                 "status": "NOT_ENOUGH_DATA", "complete": 0.0, "lag_seconds_max": null,
                 "last_commit_at": null, "last_commit_at_ms": null, "rebalances": 0,
                 "commits_per_sec": null, "dead_reasons": [], "forecast": null},
                {"name": "billing", "type": "classic", "state": "Stable", "protocol_type": "consumer", "coordinator": 1,
                 "member_count": 2, "lag_sum": 152, "lag_max": 100, "topics": ["orders", "payments"],
                 "messages_consumed_per_sec": 7.0, "error": null,
                 "status": "ERR", "complete": 0.8, "lag_seconds_max": 120.0,
                 "last_commit_at": "2023-11-14T22:13:15.000Z", "last_commit_at_ms": 1_699_999_995_000i64,
                 "rebalances": 3, "commits_per_sec": 1.5, "dead_reasons": [],
                 "forecast": {"trend": "falling_behind", "messages_per_minute": 90.0}},
                {"name": "reports", "type": "consumer", "state": "Empty", "protocol_type": "consumer", "coordinator": 1,
                 "member_count": 0, "lag_sum": 1040, "lag_max": 1040, "topics": ["orders"],
                 "messages_consumed_per_sec": 0.0, "error": null,
                 "status": "ERR", "complete": 1.0, "lag_seconds_max": 86_400.0,
                 "last_commit_at": "2023-11-14T19:26:40.000Z", "last_commit_at_ms": 1_699_990_000_000i64,
                 "rebalances": 1, "commits_per_sec": 0.0,
                 "dead_reasons": [{"reason": "lag_without_members"},
                                  {"reason": "no_commit_progress", "seconds": 10_000.0}],
                 "forecast": null}
            ]
        })
    );
}

#[tokio::test]
async fn group_detail_with_owners_and_topic_sums() {
    let (status, mut body) = get_json("/api/v1/clusters/prod/groups/billing").await;
    assert_eq!(status, StatusCode::OK);
    let fields = body.as_object_mut().unwrap();
    let paging = ["partitions_total", "partitions_offset"].map(|name| fields.remove(name));
    assert_eq!(paging, [Some(json!(5)), Some(json!(0))], "all of them");
    // Without a JMX source no client is known.
    assert_eq!(fields.remove("clients"), Some(json!([])));
    let member1 =
        json!({"member_id": "billing-1-aaa", "client_id": "billing-1", "client_host": "/10.0.0.1"});
    let member2 =
        json!({"member_id": "billing-2-bbb", "client_id": "billing-2", "client_host": "/10.0.0.2"});
    assert_eq!(
        body,
        json!({
            "cluster": "prod", "name": "billing", "type": "classic", "state": "Stable",
            "protocol_type": "consumer", "protocol": "range", "coordinator": 1,
            "group_epoch": null, "assignment_epoch": null, "error": null, "lag_sum": 152, "lag_max": 100,
            "messages_consumed_per_sec": 7.0,
            "status": "ERR", "complete": 0.8, "lag_seconds_max": 120.0,
            "last_commit_at": "2023-11-14T22:13:15.000Z", "last_commit_at_ms": 1_699_999_995_000i64,
            "rebalances": 3, "commits_per_sec": 1.5, "dead_reasons": [],
            "forecast": {"trend": "falling_behind", "messages_per_minute": 90.0},
            "members": [
                {"member_id": "billing-1-aaa", "group_instance_id": null, "client_id": "billing-1",
                 "client_host": "/10.0.0.1", "assignment": [{"topic": "orders", "partitions": [0, 1]}],
                 "member_epoch": null, "target_assignment": null},
                {"member_id": "billing-2-bbb", "group_instance_id": "billing-static-2", "client_id": "billing-2",
                 "client_host": "/10.0.0.2", "assignment": [
                     {"topic": "orders", "partitions": [2, 3]},
                     {"topic": "payments", "partitions": [0]}
                 ], "member_epoch": null, "target_assignment": null}
            ],
            "topics": [
                {"topic": "orders", "partitions": 4, "committed_offset_sum": 1760, "lag_sum": 150,
                 "lag_max": 100, "messages_consumed_per_sec": 7.0, "lag_seconds_max": 120.0},
                {"topic": "payments", "partitions": 1, "committed_offset_sum": 40, "lag_sum": 2,
                 "lag_max": 2, "messages_consumed_per_sec": null, "lag_seconds_max": 3.25}
            ],
            "offsets": [
                {"topic": "orders", "partition": 0, "committed_offset": 1000, "latest_offset": 1100,
                 "lag": 100, "messages_consumed_per_sec": 4.0, "owner": member1,
                 "status": "WARN", "lag_seconds": 42.5, "lag_seconds_source": "record_timestamp",
                 "messages_lost": null, "last_commit_at": "2023-11-14T22:13:10.000Z",
                 "last_commit_at_ms": 1_699_999_990_000i64},
                {"topic": "orders", "partition": 1, "committed_offset": 500, "latest_offset": 500,
                 "lag": 0, "messages_consumed_per_sec": 2.0, "owner": member1,
                 "status": "OK", "lag_seconds": 0.0, "lag_seconds_source": "caught_up",
                 "messages_lost": null, "last_commit_at": "2023-11-14T22:13:15.000Z",
                 "last_commit_at_ms": 1_699_999_995_000i64},
                {"topic": "orders", "partition": 2, "committed_offset": 250, "latest_offset": 300,
                 "lag": 50, "messages_consumed_per_sec": 1.0, "owner": member2,
                 "status": "STALL", "lag_seconds": 120.0, "lag_seconds_source": "estimated",
                 "messages_lost": null, "last_commit_at": "2023-11-14T22:11:40.000Z",
                 "last_commit_at_ms": 1_699_999_900_000i64},
                {"topic": "orders", "partition": 3, "committed_offset": 10, "latest_offset": null,
                 "lag": null, "messages_consumed_per_sec": null, "owner": member2,
                 "status": "NOT_ENOUGH_DATA", "lag_seconds": null, "lag_seconds_source": null,
                 "messages_lost": null, "last_commit_at": null, "last_commit_at_ms": null},
                {"topic": "payments", "partition": 0, "committed_offset": 40, "latest_offset": 42,
                 "lag": 2, "messages_consumed_per_sec": null, "owner": member2,
                 "status": "OK", "lag_seconds": 3.25, "lag_seconds_source": "record_timestamp",
                 "messages_lost": null, "last_commit_at": "2023-11-14T22:13:00.000Z",
                 "last_commit_at_ms": 1_699_999_980_000i64}
            ]
        })
    );
}

#[tokio::test]
async fn group_with_unknown_log_end_has_null_lag_and_no_owner() {
    let (status, body) = get_json("/api/v1/clusters/prod/groups/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["lag_sum"], Value::Null);
    assert_eq!(body["lag_max"], Value::Null);
    assert_eq!(body["members"], json!([]));
    assert_eq!(
        body["offsets"],
        json!([{"topic": "payments", "partition": 0, "committed_offset": 30, "latest_offset": null,
                "lag": null, "messages_consumed_per_sec": null, "owner": null,
                "status": "NOT_ENOUGH_DATA", "lag_seconds": null, "lag_seconds_source": null,
                "messages_lost": null, "last_commit_at": null, "last_commit_at_ms": null}])
    );
    assert_eq!(
        body["topics"],
        json!([{"topic": "payments", "partitions": 1, "committed_offset_sum": 30, "lag_sum": null,
                "lag_max": null, "messages_consumed_per_sec": null, "lag_seconds_max": null}])
    );
}

#[tokio::test]
async fn group_detail_shows_lost_messages_and_why_it_looks_dead() {
    let (status, body) = get_json("/api/v1/clusters/prod/groups/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ERR");
    assert_eq!(
        body["dead_reasons"],
        json!([{"reason": "lag_without_members"}, {"reason": "no_commit_progress", "seconds": 10_000.0}])
    );
    assert_eq!(
        body["offsets"],
        json!([{"topic": "orders", "partition": 0, "committed_offset": 60, "latest_offset": 1100,
                "lag": 1040, "messages_consumed_per_sec": 0.0, "owner": null,
                "status": "STOP", "lag_seconds": 86_400.0, "lag_seconds_source": "estimated",
                "messages_lost": 40, "last_commit_at": "2023-11-14T19:26:40.000Z",
                "last_commit_at_ms": 1_699_990_000_000i64}])
    );
}

#[tokio::test]
async fn group_names_with_slashes_are_percent_encoded() {
    let mut prod = common::prod();
    prod.groups.insert(
        "team/a b".into(),
        ConsumerGroup {
            name: "team/a b".into(),
            state: "Empty".into(),
            ..Default::default()
        },
    );
    let state = common::state(&["prod"], vec![prod]);
    let reply = common::get(state, "/api/v1/clusters/prod/groups/team%2Fa%20b", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["name"], "team/a b");
}

#[tokio::test]
async fn unknown_names_are_404s_naming_them() {
    let cases = [
        (
            "/api/v1/clusters/nope",
            json!({"error": "unknown cluster \"nope\"", "cluster": "nope"}),
        ),
        (
            "/api/v1/clusters/nope/brokers",
            json!({"error": "unknown cluster \"nope\"", "cluster": "nope"}),
        ),
        (
            "/api/v1/clusters/nope/topics",
            json!({"error": "unknown cluster \"nope\"", "cluster": "nope"}),
        ),
        (
            "/api/v1/clusters/nope/groups/billing",
            json!({"error": "unknown cluster \"nope\"", "cluster": "nope"}),
        ),
        (
            "/api/v1/clusters/prod/topics/nope",
            json!({"error": "unknown topic \"nope\" in cluster \"prod\"", "cluster": "prod", "topic": "nope"}),
        ),
        (
            "/api/v1/clusters/prod/groups/nope",
            json!({"error": "unknown consumer group \"nope\" in cluster \"prod\"", "cluster": "prod", "group": "nope"}),
        ),
        (
            "/api/v1/clusters/staging/groups/billing",
            json!({"error": "unknown consumer group \"billing\" in cluster \"staging\"", "cluster": "staging", "group": "billing"}),
        ),
        (
            "/api/v2/clusters",
            json!({"error": "no such endpoint: /api/v2/clusters", "path": "/api/v2/clusters"}),
        ),
    ];
    for (path, expected) in cases {
        let (status, body) = get_json(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn a_cluster_not_collected_yet_is_503() {
    for path in ["/api/v1/clusters/later", "/api/v1/clusters/later/topics"] {
        let (status, body) = get_json(path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(
            body,
            json!({
                "error": "cluster \"later\" has no snapshot yet: its first collection cycle has not finished",
                "cluster": "later"
            })
        );
    }
}

#[tokio::test]
async fn groups_sort_by_lag_seconds_with_unknown_last_and_page() {
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, body) = get_json("/api/v1/clusters/prod/groups?sort=lag_seconds&order=desc").await;
    assert_eq!(names(&body), ["reports", "billing", "audit"]);
    let (_, body) =
        get_json("/api/v1/clusters/prod/groups?sort=lag_seconds&order=desc&offset=1&limit=1").await;
    assert_eq!(
        (body["total"].as_u64(), body["offset"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(names(&body), ["billing"]);
    let (_, body) = get_json("/api/v1/clusters/prod/groups?status=ERR&sort=status").await;
    assert_eq!(names(&body), ["billing", "reports"]);
}

#[tokio::test]
async fn topics_sort_by_partitions_and_bad_sort_is_a_400_naming_it() {
    let (_, body) =
        get_json("/api/v1/clusters/prod/topics?sort=partitions&order=desc&limit=2").await;
    let names: Vec<&str> = body["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders", "__consumer_offsets"]);
    let (status, body) = get_json("/api/v1/clusters/prod/topics?sort=colour").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["parameter"], "sort");
    assert_eq!(
        body["error"],
        "bad parameter sort: unknown sort key \"colour\"; one of name, partitions, \
         replication_factor, under_replicated_partitions, offline_partitions, \
         messages_in_per_sec, bytes_in_per_sec, size_bytes"
    );
}

/// The partition numbers of a topic detail's page.
fn partition_numbers(body: &Value) -> Vec<i64> {
    body["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["partition"].as_i64().unwrap())
        .collect()
}

/// `topic/partition` of each entry of a group detail's page.
fn offset_keys(body: &Value) -> Vec<String> {
    body["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("{}/{}", o["topic"].as_str().unwrap(), o["partition"]))
        .collect()
}

#[tokio::test]
async fn topic_detail_pages_partitions_on_the_server_and_keeps_topic_figures_whole() {
    // End offsets: 0 -> 1100, 1 -> 500, 2 -> 300, 3 unknown (offline).
    let (status, body) = get_json(
        "/api/v1/clusters/prod/topics/orders?sort=latest_offset&order=asc&offset=1&limit=2",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(partition_numbers(&body), [1, 0]);
    assert_eq!(
        (&body["partitions_total"], &body["partitions_offset"]),
        (&json!(4), &json!(1))
    );
    // A page of partition 2 alone, which is neither offline nor
    // under-replicated: the topic's figures still count partitions 1 and 3.
    let (_, body) =
        get_json("/api/v1/clusters/prod/topics/orders?sort=latest_offset&limit=1").await;
    assert_eq!(partition_numbers(&body), [2]);
    let figures = [
        "partition_count",
        "under_replicated_partitions",
        "under_min_isr_partitions",
        "offline_partitions",
        "messages_in_per_sec",
        "size_bytes",
        "partitions_total",
        "partitions_offset",
    ]
    .map(|name| body[name].clone());
    assert_eq!(
        figures,
        [
            json!(4),
            json!(2),
            json!(2),
            json!(1),
            json!(7.5),
            Value::Null,
            json!(4),
            json!(0)
        ]
    );
    let (_, body) =
        get_json("/api/v1/clusters/prod/topics/orders?sort=latest_offset&order=desc").await;
    assert_eq!(partition_numbers(&body), [0, 1, 2, 3], "unknown last");
    let (_, body) = get_json("/api/v1/clusters/prod/topics/orders?offset=3").await;
    assert_eq!(partition_numbers(&body), [3]);
    let (_, body) = get_json("/api/v1/clusters/prod/topics/orders?offset=9&limit=2").await;
    assert_eq!(partition_numbers(&body), Vec::<i64>::new());
    assert_eq!(body["partitions_offset"], 4);
}

#[tokio::test]
async fn topic_partitions_sort_by_health_and_flags() {
    // 3 offline, 1 under min ISR, 2 with a leader that is not preferred, 0 fine.
    let (_, body) = get_json("/api/v1/clusters/prod/topics/orders?sort=health&order=desc").await;
    assert_eq!(partition_numbers(&body), [3, 1, 2, 0]);
    let (_, body) =
        get_json("/api/v1/clusters/prod/topics/orders?sort=under_replicated&order=desc").await;
    assert_eq!(partition_numbers(&body), [1, 3, 0, 2]);
    let (_, body) = get_json("/api/v1/clusters/prod/topics/orders?sort=messages").await;
    assert_eq!(partition_numbers(&body), [2, 1, 0, 3]);
    let (_, body) = get_json("/api/v1/clusters/prod/topics/orders?sort=leader").await;
    assert_eq!(partition_numbers(&body), [0, 2, 1, 3]);
}

#[tokio::test]
async fn group_detail_pages_offsets_on_the_server_and_keeps_group_figures_whole() {
    // Lag: orders/0 100, orders/1 0, orders/2 50, orders/3 unknown, payments/0 2.
    let (status, body) =
        get_json("/api/v1/clusters/prod/groups/billing?sort=lag&order=desc&limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(offset_keys(&body), ["orders/0", "orders/2"]);
    assert_eq!(
        (&body["partitions_total"], &body["partitions_offset"]),
        (&json!(5), &json!(0))
    );
    let (_, second) =
        get_json("/api/v1/clusters/prod/groups/billing?sort=lag&order=desc&offset=2&limit=2").await;
    assert_eq!(offset_keys(&second), ["payments/0", "orders/1"]);
    assert_eq!(second["partitions_offset"], 2);
    // Owners are those of the rows on the page.
    assert_eq!(second["offsets"][0]["owner"]["member_id"], "billing-2-bbb");
    assert_eq!(second["offsets"][1]["owner"]["member_id"], "billing-1-aaa");
    // Whatever the page, the group's figures are over all five partitions.
    let (_, whole) = get_json("/api/v1/clusters/prod/groups/billing").await;
    for body in [&body, &second] {
        for name in [
            "lag_sum",
            "lag_max",
            "lag_seconds_max",
            "status",
            "complete",
            "messages_consumed_per_sec",
            "members",
            "topics",
        ] {
            assert_eq!(body[name], whole[name], "{name}");
        }
    }
    assert_eq!(
        [&body["lag_sum"], &body["lag_max"], &body["lag_seconds_max"]],
        [&json!(152), &json!(100), &json!(120.0)]
    );
    let (_, last) =
        get_json("/api/v1/clusters/prod/groups/billing?sort=lag&order=desc&offset=4").await;
    assert_eq!(offset_keys(&last), ["orders/3"], "unknown lag last");
}

#[tokio::test]
async fn group_partitions_sort_by_status_severity_lag_seconds_and_topic() {
    // orders/0 WARN, orders/1 OK, orders/2 STALL, orders/3 not enough data,
    // payments/0 OK.
    let (_, body) = get_json("/api/v1/clusters/prod/groups/billing?sort=status&order=desc").await;
    assert_eq!(
        offset_keys(&body),
        ["orders/2", "orders/0", "orders/3", "orders/1", "payments/0"]
    );
    // Lag seconds: 42.5, 0, 120, unknown, 3.25.
    let (_, body) = get_json("/api/v1/clusters/prod/groups/billing?sort=lag_seconds").await;
    assert_eq!(
        offset_keys(&body),
        ["orders/1", "payments/0", "orders/0", "orders/2", "orders/3"]
    );
    let (_, body) = get_json("/api/v1/clusters/prod/groups/billing?sort=topic&order=desc").await;
    assert_eq!(
        offset_keys(&body),
        ["payments/0", "orders/0", "orders/1", "orders/2", "orders/3"]
    );
}

#[tokio::test]
async fn bad_paging_parameters_are_400s_naming_them_on_lists_and_details() {
    let cases = [
        (
            "/api/v1/clusters/prod/groups/billing?sort=colour",
            "sort",
            "bad parameter sort: unknown sort key \"colour\"; one of topic, partition, \
             committed_offset, latest_offset, lag, lag_seconds, status, \
             messages_consumed_per_sec, messages_lost, last_commit_at",
        ),
        (
            "/api/v1/clusters/prod/topics/orders?sort=colour",
            "sort",
            "bad parameter sort: unknown sort key \"colour\"; one of partition, leader, \
             earliest_offset, latest_offset, messages, messages_in_per_sec, size_bytes, \
             offline, under_replicated, under_min_isr, health",
        ),
        (
            "/api/v1/clusters/prod/topics/orders?order=up",
            "order",
            "bad parameter order: \"up\" is not asc or desc",
        ),
        (
            "/api/v1/clusters/prod/groups/billing?offset=-1",
            "offset",
            "bad parameter offset: \"-1\" is not a whole number",
        ),
        (
            "/api/v1/clusters/prod/topics?limit=ten",
            "limit",
            "bad parameter limit: \"ten\" is not a whole number",
        ),
        (
            "/api/v1/clusters/prod/groups?offset=1.5",
            "offset",
            "bad parameter offset: \"1.5\" is not a whole number",
        ),
    ];
    for (path, parameter, error) in cases {
        let (status, body) = get_json(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            body,
            json!({"error": error, "parameter": parameter}),
            "{path}"
        );
    }
}

/// With `prod`'s JMX source: every client, dead first, and on the group's
/// page its consumers, the dead one with why and when it was last seen.
#[tokio::test]
async fn clients_dead_first_and_a_groups_consumers_on_its_page() {
    let state = common::fixture_state();
    let reply = common::get(state.clone(), "/api/v1/clusters/prod/clients", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let clients: Vec<(String, bool, String)> = body["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["client_id"].as_str().unwrap().to_string(),
                c["liveness"]["alive"].as_bool().unwrap(),
                c["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        clients,
        [
            ("billing-1".to_string(), false, "consumer".to_string()),
            ("orders-producer".to_string(), true, "producer".to_string()),
            ("billing-2".to_string(), true, "consumer".to_string()),
        ]
    );
    assert_eq!(body["clients"][0]["target"], "http://10.0.0.7:7071/metrics");
    assert_eq!(body["clients"][1]["liveness"]["stopped_sending"], true);

    let reply = common::get(state.clone(), "/api/v1/clusters/prod/groups/billing", None).await;
    let group = reply.json();
    let on_page: Vec<(&str, &Value, &Value)> = group["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["client_id"].as_str().unwrap(),
                &c["liveness"]["dead_reason"],
                &c["liveness"]["last_seen_ms"],
            )
        })
        .collect();
    assert_eq!(
        on_page,
        [
            (
                "billing-1",
                &json!(
                    "its JMX page cannot be read: connect failed: Connection refused (os error 111)"
                ),
                &json!(1_699_999_990_000i64)
            ),
            ("billing-2", &Value::Null, &json!(1_700_000_000_000i64)),
        ]
    );

    // A cluster without a JMX source: 404 naming what is missing.
    let reply = common::get(state, "/api/v1/clusters/staging/clients", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json()["error"],
        "cluster \"staging\" has no jmx_exporter or jolokia source configured"
    );
}
