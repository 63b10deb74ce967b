//! `/api/v1/clusters/{cluster}/groups` and `.../groups/{group}`.

use super::clients::{ClientItem, latest_jmx, of_group};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::snapshot::{
    CatchUpForecast, ConsumerGroup, DeadReason, GroupMember, GroupStatus, GroupType,
    LagSecondsSource, PartitionLag, PartitionStatus, TopicLag,
};
use serde::Serialize;

use super::list_page::{PageQuery, SortKey, SortValue, number, page};
use super::timestamp::rfc3339_ms;
use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct GroupList {
    pub cluster: String,
    /// Groups that matched the filters, before paging.
    pub total: usize,
    pub offset: usize,
    pub groups: Vec<GroupListItem>,
}

/// What `?sort=` accepts for groups. `status` sorts by severity.
const SORT_KEYS: &[SortKey<GroupListItem>] = &[
    ("name", |g| SortValue::Text(&g.name)),
    ("state", |g| SortValue::Text(&g.state)),
    ("members", |g| number(Some(g.member_count as f64))),
    ("lag", |g| number(g.lag_sum.map(|l| l as f64))),
    ("lag_max", |g| number(g.lag_max.map(|l| l as f64))),
    ("lag_seconds", |g| number(g.health.lag_seconds_max)),
    ("status", |g| number(Some(severity(g.health.status)))),
    ("messages_consumed_per_sec", |g| {
        number(g.messages_consumed_per_sec)
    }),
];

/// ERR above WARN above not-yet-judged above OK.
fn severity(status: GroupStatus) -> f64 {
    match status {
        GroupStatus::Ok => 0.0,
        GroupStatus::NotEnoughData => 1.0,
        GroupStatus::Warn => 2.0,
        GroupStatus::Err => 3.0,
    }
}

#[derive(Debug, Serialize)]
pub struct GroupListItem {
    pub name: String,
    /// classic, consumer (KIP-848), share, streams.
    #[serde(rename = "type")]
    pub group_type: GroupType,
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
    #[serde(flatten)]
    pub health: GroupHealth,
}

/// A group's consumer-health evaluation, in the list and in the detail.
#[derive(Debug, Serialize)]
pub struct GroupHealth {
    /// `NOT_ENOUGH_DATA`, `OK`, `WARN` or `ERR`: its worst partition.
    pub status: GroupStatus,
    /// Share of partitions whose evaluation window is full (0 to 1).
    pub complete: f64,
    /// The largest known lag in seconds; `null` when none is known.
    pub lag_seconds_max: Option<f64>,
    /// When kafkascope last saw any committed offset of the group move
    /// (RFC 3339, UTC).
    pub last_commit_at: Option<String>,
    pub last_commit_at_ms: Option<i64>,
    /// Rebalances seen since kafkascope started.
    pub rebalances: u64,
    pub commits_per_sec: Option<f64>,
    /// Why the group looks dead; empty when it does not.
    pub dead_reasons: Vec<DeadReason>,
    /// Catching up (in how long) or falling behind (how fast); `null` when
    /// not lagging or not known.
    pub forecast: Option<CatchUpForecast>,
}

impl GroupHealth {
    pub fn of(g: &ConsumerGroup) -> Self {
        Self {
            status: g.status,
            complete: g.complete,
            lag_seconds_max: g.max_lag_seconds(),
            last_commit_at: g.last_commit_at_ms.map(rfc3339_ms),
            last_commit_at_ms: g.last_commit_at_ms,
            rebalances: g.rebalances,
            commits_per_sec: g.commits_per_sec,
            dead_reasons: g.dead_reasons.clone(),
            forecast: g.forecast.clone(),
        }
    }
}

impl GroupListItem {
    pub fn of(g: &ConsumerGroup) -> Self {
        Self {
            name: g.name.clone(),
            group_type: g.group_type,
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
            health: GroupHealth::of(g),
        }
    }
}

/// `GET /api/v1/clusters/{cluster}/groups[?filter=&status=&sort=&order=&offset=&limit=]`,
/// in name order unless sorted.
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    Query(query): Query<ListQuery>,
    paging: PageQuery,
) -> Result<Json<GroupList>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let names = query.name_filter();
    let groups = s
        .groups
        .values()
        .filter(|g| names.keeps(&g.name))
        .filter(|g| {
            query
                .status
                .as_deref()
                .is_none_or(|st| g.status.as_str() == st)
        })
        .map(GroupListItem::of)
        .collect();
    let page = page(groups, &paging, SORT_KEYS)?;
    Ok(Json(GroupList {
        cluster: s.cluster.clone(),
        total: page.total,
        offset: page.offset,
        groups: page.items,
    }))
}

/// A group in full.
#[derive(Debug, Serialize)]
pub struct GroupDetail<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub group_type: GroupType,
    pub state: &'a str,
    pub protocol_type: &'a str,
    pub protocol: &'a str,
    pub coordinator: Option<i32>,
    /// Consumer and share groups only.
    pub group_epoch: Option<i32>,
    pub assignment_epoch: Option<i32>,
    pub error: Option<&'a str>,
    pub lag_sum: Option<i64>,
    pub lag_max: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
    #[serde(flatten)]
    pub health: GroupHealth,
    /// Members with their assignments.
    pub members: &'a [GroupMember],
    /// Per-topic sums, in topic order.
    pub topics: Vec<TopicDetail<'a>>,
    /// Partitions the group has committed offsets on, before paging.
    pub partitions_total: usize,
    /// Where in the sorted partitions `offsets` starts.
    pub partitions_offset: usize,
    /// Per-partition position, in topic then partition order unless sorted.
    pub offsets: Vec<OffsetDetail<'a>>,
    /// The group's consumers as their JMX pages show them (alive or dead,
    /// with why and when last seen); empty without a JMX source.
    pub clients: Vec<ClientItem<'a>>,
}

/// A topic's sums plus its largest lag in seconds.
#[derive(Debug, Serialize)]
pub struct TopicDetail<'a> {
    #[serde(flatten)]
    pub lag: TopicLag<'a>,
    /// `null` when no partition's lag in seconds is known.
    pub lag_seconds_max: Option<f64>,
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
    pub status: PartitionStatus,
    /// Age of the oldest unconsumed record; 0 when caught up.
    pub lag_seconds: Option<f64>,
    /// `caught_up`, `record_timestamp` or `estimated`.
    pub lag_seconds_source: Option<LagSecondsSource>,
    /// Records deleted by retention before the group read them.
    pub messages_lost: Option<i64>,
    /// When kafkascope last saw this committed offset move (RFC 3339, UTC).
    pub last_commit_at: Option<String>,
    pub last_commit_at_ms: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Owner<'a> {
    pub member_id: &'a str,
    pub client_id: &'a str,
    pub client_host: &'a str,
}

impl<'a> OffsetDetail<'a> {
    pub fn of(g: &'a ConsumerGroup, o: &'a PartitionLag) -> Self {
        Self {
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
            status: o.status,
            lag_seconds: o.lag_seconds,
            lag_seconds_source: o.lag_seconds_source,
            messages_lost: o.messages_lost,
            last_commit_at: o.last_commit_at_ms.map(rfc3339_ms),
            last_commit_at_ms: o.last_commit_at_ms,
        }
    }
}

/// What `?sort=` accepts for a group's partitions; topic then partition
/// order unless sorted. `status` sorts by severity. A function, not a
/// constant: the rows borrow from the snapshot.
fn offset_sort_keys<'a>() -> [SortKey<&'a PartitionLag>; 10] {
    [
        ("topic", |o| SortValue::Text(&o.topic)),
        ("partition", |o| number(Some(o.partition))),
        ("committed_offset", |o| {
            number(Some(o.committed_offset as f64))
        }),
        ("latest_offset", |o| {
            number(o.latest_offset.map(|l| l as f64))
        }),
        ("lag", |o| number(o.lag.map(|l| l as f64))),
        ("lag_seconds", |o| number(o.lag_seconds)),
        ("status", |o| number(Some(partition_severity(o.status)))),
        ("messages_consumed_per_sec", |o| {
            number(o.messages_consumed_per_sec)
        }),
        ("messages_lost", |o| {
            number(o.messages_lost.map(|m| m as f64))
        }),
        ("last_commit_at", |o| {
            number(o.last_commit_at_ms.map(|ms| ms as f64))
        }),
    ]
}

/// OK, then not yet judged, then WARN, then Burrow's error statuses in the
/// order of its codes (STOP, STALL, REWIND).
fn partition_severity(status: PartitionStatus) -> f64 {
    match status {
        PartitionStatus::Ok => 0.0,
        PartitionStatus::NotEnoughData => 1.0,
        PartitionStatus::Warn => 2.0,
        PartitionStatus::Stop => 3.0,
        PartitionStatus::Stall => 4.0,
        PartitionStatus::Rewind => 5.0,
    }
}

/// Per-topic sums with each topic's largest lag in seconds, in topic order.
fn topic_details(g: &ConsumerGroup) -> Vec<TopicDetail<'_>> {
    let by_topic = g.max_lag_seconds_by_topic();
    g.topic_lags()
        .into_iter()
        .map(|lag| TopicDetail {
            lag_seconds_max: by_topic
                .iter()
                .find(|(topic, _)| *topic == lag.topic)
                .map(|(_, seconds)| *seconds),
            lag,
        })
        .collect()
}

/// `GET /api/v1/clusters/{cluster}/groups/{group}[?sort=&order=&offset=&limit=]`:
/// every partition unless `offset` or `limit` cut a page.
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, group)): Path<(String, String)>,
    paging: PageQuery,
) -> Result<Response, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let g = s.groups.get(&group).ok_or_else(|| ApiError::UnknownGroup {
        cluster: cluster.clone(),
        group: group.clone(),
    })?;
    // Sorted as references and turned into rows for the page only: finding
    // a row's owner searches every member's assignment, which for a
    // 10,000-partition group would cost more than the page.
    let offsets = page(g.offsets.iter().collect(), &paging, &offset_sort_keys())?;
    let jmx = latest_jmx(&state, &cluster);
    let detail = GroupDetail {
        cluster: &s.cluster,
        name: &g.name,
        group_type: g.group_type,
        state: &g.state,
        protocol_type: &g.protocol_type,
        group_epoch: g.group_epoch,
        assignment_epoch: g.assignment_epoch,
        protocol: &g.protocol,
        coordinator: g.coordinator,
        error: g.error.as_deref(),
        lag_sum: g.total_lag(),
        lag_max: g.max_lag(),
        messages_consumed_per_sec: g.messages_consumed_per_sec,
        health: GroupHealth::of(g),
        members: &g.members,
        topics: topic_details(g),
        partitions_total: offsets.total,
        partitions_offset: offsets.offset,
        offsets: offsets
            .items
            .into_iter()
            .map(|o| OffsetDetail::of(g, o))
            .collect(),
        clients: of_group(&jmx, g),
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Ok(Json(&detail).into_response())
}
