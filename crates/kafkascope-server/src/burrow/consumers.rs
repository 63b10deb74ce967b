//! `GET /v3/kafka/{cluster}/consumer` and
//! `GET /v3/kafka/{cluster}/consumer/{group}`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{ConsumerGroup, PartitionLag};
use serde::Serialize;

use super::consumer_offset::ConsumerOffset;
use super::envelope::{BurrowError, Reply, RequestInfo, messages};
use super::{by_partition_id, cluster_snapshot};
use crate::AppState;

/// The cluster's consumer groups, in name order; 404 "cluster not found".
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    request: RequestInfo,
) -> Response {
    let Some(snapshot) = cluster_snapshot(&state, &cluster) else {
        return BurrowError::not_found(messages::CLUSTER_NOT_FOUND, request).into_response();
    };
    let groups: Vec<&str> = snapshot.groups.keys().map(String::as_str).collect();
    Reply::ok("consumer list returned", "consumers", groups, request).into_response()
}

/// Burrow's `ConsumerPartition`: a group's offsets on one partition.
#[derive(Debug, Serialize)]
pub struct ConsumerPartition<'a> {
    /// The window of commits; here the latest one, or none when the group
    /// has not committed on this partition.
    pub offsets: Vec<ConsumerOffset>,
    /// The owning member's host, empty when the partition is unassigned.
    pub owner: &'a str,
    pub client_id: &'a str,
    /// `null` when the log end or the commit is unknown.
    #[serde(rename = "current-lag")]
    pub current_lag: Option<i64>,
}

/// `GET /v3/kafka/{cluster}/consumer/{group}`: per topic, an array indexed
/// by partition id; 404 "cluster or consumer not found".
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, group)): Path<(String, String)>,
    request: RequestInfo,
) -> Response {
    let snapshot = cluster_snapshot(&state, &cluster);
    let Some((snapshot, group)) = snapshot
        .as_ref()
        .and_then(|s| s.groups.get(&group).map(|g| (s, g)))
    else {
        return BurrowError::not_found(messages::CLUSTER_OR_CONSUMER_NOT_FOUND, request)
            .into_response();
    };
    let topics = consumer_topics(snapshot, group);
    // Serialized here, while the snapshot it borrows from is alive.
    Reply::ok("consumer detail returned", "topics", topics, request).into_response()
}

/// Every topic the group committed on. Each array is as long as the topic
/// has partitions (or the highest committed id + 1), as Burrow sizes it.
pub fn consumer_topics<'a>(
    snapshot: &ClusterSnapshot,
    group: &'a ConsumerGroup,
) -> BTreeMap<&'a str, Vec<ConsumerPartition<'a>>> {
    let mut committed: BTreeMap<&str, Vec<&PartitionLag>> = BTreeMap::new();
    for offset in &group.offsets {
        committed.entry(&offset.topic).or_default().push(offset);
    }
    committed
        .into_iter()
        .map(|(topic, offsets)| {
            let partition_count = snapshot.topics.get(topic).map_or(0, |t| t.partitions.len());
            let slots = by_partition_id(
                partition_count,
                offsets.into_iter().map(|o| (o.partition, o)),
            );
            let partitions = slots
                .into_iter()
                .enumerate()
                .map(|(id, offset)| consumer_partition(snapshot, group, topic, id, offset))
                .collect();
            (topic, partitions)
        })
        .collect()
}

fn consumer_partition<'a>(
    snapshot: &ClusterSnapshot,
    group: &'a ConsumerGroup,
    topic: &str,
    id: usize,
    offset: Option<&PartitionLag>,
) -> ConsumerPartition<'a> {
    // `id` came from an i32 partition id or is below the topic's partition count.
    let owner = i32::try_from(id)
        .ok()
        .and_then(|id| group.owner_of(topic, id));
    ConsumerPartition {
        offsets: offset
            .map(|o| ConsumerOffset::latest(snapshot, o))
            .into_iter()
            .collect(),
        owner: owner.map_or("", |m| m.client_host.as_str()),
        client_id: owner.map_or("", |m| m.client_id.as_str()),
        current_lag: offset.and_then(|o| o.lag),
    }
}
