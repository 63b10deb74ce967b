//! `GET /v3/kafka/{cluster}/topic` and `GET /v3/kafka/{cluster}/topic/{topic}`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::envelope::{BurrowError, Reply, RequestInfo, messages};
use super::{by_partition_id, cluster_snapshot};
use crate::AppState;

/// The cluster's topics (internal ones too, as Burrow lists them), in name
/// order; 404 "cluster not found".
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    request: RequestInfo,
) -> Response {
    let Some(snapshot) = cluster_snapshot(&state, &cluster) else {
        return BurrowError::not_found(messages::CLUSTER_NOT_FOUND, request).into_response();
    };
    let topics: Vec<&str> = snapshot.topics.keys().map(String::as_str).collect();
    Reply::ok("topic list returned", "topics", topics, request).into_response()
}

/// The topic's log end offsets, indexed by partition id (`null` where the
/// log end is unknown, e.g. no leader); 404 "cluster or topic not found".
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, topic)): Path<(String, String)>,
    request: RequestInfo,
) -> Response {
    let found = cluster_snapshot(&state, &cluster)
        .and_then(|s| s.topics.get(&topic).map(|t| log_end_offsets(&t.partitions)));
    match found {
        Some(offsets) => {
            Reply::ok("topic offsets returned", "offsets", offsets, request).into_response()
        }
        None => {
            BurrowError::not_found(messages::CLUSTER_OR_TOPIC_NOT_FOUND, request).into_response()
        }
    }
}

fn log_end_offsets(partitions: &[kafkascope_collector::snapshot::Partition]) -> Vec<Option<i64>> {
    by_partition_id(
        partitions.len(),
        partitions.iter().map(|p| (p.partition, p.latest_offset)),
    )
    .into_iter()
    .map(Option::flatten)
    .collect()
}
