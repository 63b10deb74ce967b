//! `/api/v1/clusters/{cluster}/groups` and `.../groups/{group}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::snapshot::{ConsumerGroup, GroupMember, TopicLag};
use serde::Serialize;

use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct GroupList {
    pub cluster: String,
    pub groups: Vec<GroupListItem>,
}

#[derive(Debug, Serialize)]
pub struct GroupListItem {
    pub name: String,
    pub state: String,
    pub protocol_type: String,
    pub coordinator: Option<i32>,
    pub member_count: usize,
    /// Over the partitions whose lag is known; `null` when none is.
    pub lag_sum: Option<i64>,
    pub lag_max: Option<i64>,
    /// Topics the group has committed offsets on, in name order.
    pub topics: Vec<String>,
    pub messages_consumed_per_sec: Option<f64>,
    /// Why some figure for this group is missing, if one is.
    pub error: Option<String>,
}

impl GroupListItem {
    pub fn of(g: &ConsumerGroup) -> Self {
        Self {
            name: g.name.clone(),
            state: g.state.clone(),
            protocol_type: g.protocol_type.clone(),
            coordinator: g.coordinator,
            member_count: g.members.len(),
            lag_sum: g.total_lag(),
            lag_max: g.max_lag(),
            topics: g
                .topic_lags()
                .into_iter()
                .map(|t| t.topic.to_string())
                .collect(),
            messages_consumed_per_sec: g.messages_consumed_per_sec,
            error: g.error.clone(),
        }
    }
}

/// `GET /api/v1/clusters/{cluster}/groups[?filter=]`, in name order.
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<GroupList>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let groups = s
        .groups
        .values()
        .filter(|g| query.keeps(&g.name))
        .map(GroupListItem::of)
        .collect();
    Ok(Json(GroupList {
        cluster: s.cluster.clone(),
        groups,
    }))
}

/// A group in full.
#[derive(Debug, Serialize)]
pub struct GroupDetail<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    pub state: &'a str,
    pub protocol_type: &'a str,
    pub protocol: &'a str,
    pub coordinator: Option<i32>,
    pub error: Option<&'a str>,
    pub lag_sum: Option<i64>,
    pub lag_max: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
    /// Members with their assignments.
    pub members: &'a [GroupMember],
    /// Per-topic sums, in topic order.
    pub topics: Vec<TopicLag<'a>>,
    /// Per-partition position, in topic then partition order.
    pub offsets: Vec<OffsetDetail<'a>>,
}

#[derive(Debug, Serialize)]
pub struct OffsetDetail<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub committed_offset: i64,
    pub latest_offset: Option<i64>,
    pub lag: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
    /// The member the partition is assigned to; `null` when none is.
    pub owner: Option<Owner<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Owner<'a> {
    pub member_id: &'a str,
    pub client_id: &'a str,
    pub client_host: &'a str,
}

/// `GET /api/v1/clusters/{cluster}/groups/{group}`.
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, group)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let g = s.groups.get(&group).ok_or_else(|| ApiError::UnknownGroup {
        cluster: cluster.clone(),
        group: group.clone(),
    })?;
    let offsets = g
        .offsets
        .iter()
        .map(|o| OffsetDetail {
            topic: &o.topic,
            partition: o.partition,
            committed_offset: o.committed_offset,
            latest_offset: o.latest_offset,
            lag: o.lag,
            messages_consumed_per_sec: o.messages_consumed_per_sec,
            owner: g.owner_of(&o.topic, o.partition).map(|m| Owner {
                member_id: &m.member_id,
                client_id: &m.client_id,
                client_host: &m.client_host,
            }),
        })
        .collect();
    let detail = GroupDetail {
        cluster: &s.cluster,
        name: &g.name,
        state: &g.state,
        protocol_type: &g.protocol_type,
        protocol: &g.protocol,
        coordinator: g.coordinator,
        error: g.error.as_deref(),
        lag_sum: g.total_lag(),
        lag_max: g.max_lag(),
        messages_consumed_per_sec: g.messages_consumed_per_sec,
        members: &g.members,
        topics: g.topic_lags(),
        offsets,
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Ok(Json(&detail).into_response())
}
