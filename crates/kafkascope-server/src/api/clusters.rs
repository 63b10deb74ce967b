//! `/api/v1/clusters` and `/api/v1/clusters/{cluster}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{CollectionError, CollectorRun};
use serde::Serialize;

use super::timestamp::rfc3339_ms;
use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct ClusterList {
    pub clusters: Vec<ClusterListItem>,
}

/// One configured cluster; the figures are `null` until its first snapshot.
#[derive(Debug, Serialize)]
pub struct ClusterListItem {
    pub name: String,
    /// Whether a snapshot has been published yet.
    pub collected: bool,
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub broker_count: Option<usize>,
    pub topic_count: Option<usize>,
    pub group_count: Option<usize>,
    /// When the cycle behind the current figures started (RFC 3339, UTC).
    pub collected_at: Option<String>,
    pub collected_at_ms: Option<i64>,
    pub stale: Option<bool>,
    pub error_count: Option<usize>,
}

/// `GET /api/v1/clusters[?filter=]`: every configured cluster, in name order.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Json<ClusterList> {
    let names = query.name_filter();
    let clusters = state
        .snapshots
        .cluster_names()
        .filter(|name| names.keeps(name))
        .map(|name| match state.snapshots.get(name) {
            Some(s) => ClusterListItem {
                name: name.to_string(),
                collected: true,
                cluster_id: s.cluster_id.clone(),
                controller: s.controller_id,
                broker_count: Some(s.brokers.len()),
                topic_count: Some(s.topics.len()),
                group_count: Some(s.groups.len()),
                collected_at: s.last_success_ms().map(rfc3339_ms),
                collected_at_ms: s.last_success_ms(),
                stale: Some(s.stale),
                error_count: Some(s.errors.len()),
            },
            None => ClusterListItem {
                name: name.to_string(),
                collected: false,
                cluster_id: None,
                controller: None,
                broker_count: None,
                topic_count: None,
                group_count: None,
                collected_at: None,
                collected_at_ms: None,
                stale: None,
                error_count: None,
            },
        })
        .collect();
    Json(ClusterList { clusters })
}

/// One cluster's overview, with what went wrong in its last cycle.
#[derive(Debug, Serialize)]
pub struct ClusterSummary {
    pub name: String,
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub collected_at: Option<String>,
    pub collected_at_ms: Option<i64>,
    pub cycle_duration_ms: u64,
    pub stale: bool,
    pub broker_count: usize,
    pub reachable_broker_count: usize,
    pub topic_count: usize,
    pub partition_count: usize,
    pub group_count: usize,
    pub offline_partitions: usize,
    pub under_replicated_partitions: usize,
    pub under_min_isr_partitions: usize,
    pub errors: Vec<CollectionError>,
    pub unsupported_apis: Vec<String>,
    pub collectors: Vec<CollectorRun>,
}

impl ClusterSummary {
    pub fn of(s: &ClusterSnapshot) -> Self {
        Self {
            name: s.cluster.clone(),
            cluster_id: s.cluster_id.clone(),
            controller: s.controller_id,
            collected_at: s.last_success_ms().map(rfc3339_ms),
            collected_at_ms: s.last_success_ms(),
            cycle_duration_ms: s.cycle_duration_ms,
            stale: s.stale,
            broker_count: s.brokers.len(),
            reachable_broker_count: s.brokers.iter().filter(|b| b.reachable).count(),
            topic_count: s.topics.len(),
            partition_count: s.partition_count(),
            group_count: s.groups.len(),
            offline_partitions: s.offline_partition_count(),
            under_replicated_partitions: s.under_replicated_partition_count(),
            under_min_isr_partitions: s.under_min_isr_partition_count(),
            errors: s.errors.clone(),
            unsupported_apis: s.unsupported_apis.clone(),
            collectors: s.collectors.clone(),
        }
    }
}

/// `GET /api/v1/clusters/{cluster}`.
pub async fn summary(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<Json<ClusterSummary>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    Ok(Json(ClusterSummary::of(&s)))
}
