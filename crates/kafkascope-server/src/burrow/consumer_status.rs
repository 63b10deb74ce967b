//! `GET /v3/kafka/{cluster}/consumer/{group}/status` (only the partitions
//! that are not OK) and `.../lag` (every partition): the group's evaluation
//! as Burrow's `ConsumerGroupStatus`.
//!
//! Like Burrow, an unknown cluster or group is answered 404 with
//! `error: false` and a status of `NOTFOUND` (not an error envelope).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{ConsumerGroup, PartitionLag};
use serde::Serialize;

use super::cluster_snapshot;
use super::consumer_offset::ConsumerOffset;
use super::envelope::{Reply, RequestInfo, go_float};
use crate::AppState;
use kafkascope_exposition::burrow_status::{self as status, api_group_code, api_partition_code};

const MESSAGE: &str = "consumer status returned";

/// Burrow's `ConsumerGroupStatus`.
#[derive(Debug, Serialize)]
pub struct GroupStatusBody<'a> {
    pub cluster: &'a str,
    pub group: &'a str,
    pub status: &'static str,
    /// Share of partitions whose evaluation window is full.
    #[serde(serialize_with = "go_float")]
    pub complete: f64,
    pub partitions: Vec<PartitionStatusBody<'a>>,
    pub partition_count: usize,
    /// The partition with the largest known lag (the first of equals).
    pub maxlag: Option<PartitionStatusBody<'a>>,
    /// Lag summed over the partitions whose lag is known.
    pub totallag: i64,
}

/// Burrow's `PartitionStatus`.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionStatusBody<'a> {
    pub topic: &'a str,
    pub partition: i32,
    /// The owning member's host; empty when unassigned.
    pub owner: &'a str,
    pub client_id: &'a str,
    pub status: &'static str,
    /// The oldest sample of the partition's evaluation window.
    pub start: ConsumerOffset,
    pub end: ConsumerOffset,
    /// `null` when the log end is unknown.
    pub current_lag: Option<i64>,
    /// Share of the partition's window filled, 0 to 1.
    #[serde(serialize_with = "go_float")]
    pub complete: f64,
}

/// `.../status`: partitions that are OK (or still filling) are left out.
pub async fn status(
    State(state): State<AppState>,
    Path((cluster, group)): Path<(String, String)>,
    request: RequestInfo,
) -> Response {
    respond(&state, &cluster, &group, false, request)
}

/// `.../lag`: every partition.
pub async fn lag(
    State(state): State<AppState>,
    Path((cluster, group)): Path<(String, String)>,
    request: RequestInfo,
) -> Response {
    respond(&state, &cluster, &group, true, request)
}

fn respond(
    state: &AppState,
    cluster: &str,
    group: &str,
    show_all: bool,
    request: RequestInfo,
) -> Response {
    let snapshot = cluster_snapshot(state, cluster);
    let found = snapshot
        .as_ref()
        .and_then(|s| s.groups.get(group).map(|g| (s, g)));
    let Some((snapshot, g)) = found else {
        let mut reply = Reply::ok(MESSAGE, "status", not_found(cluster, group), request);
        reply.status = StatusCode::NOT_FOUND;
        return reply.into_response();
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Reply::ok(MESSAGE, "status", evaluate(snapshot, g, show_all), request).into_response()
}

/// What Burrow answers for a group it does not know.
pub fn not_found<'a>(cluster: &'a str, group: &'a str) -> GroupStatusBody<'a> {
    GroupStatusBody {
        cluster,
        group,
        status: status::name(status::NOTFOUND),
        complete: 1.0,
        partitions: Vec::new(),
        partition_count: 0,
        maxlag: None,
        totallag: 0,
    }
}

/// The group's status; with `show_all` false only partitions worse than OK.
pub fn evaluate<'a>(
    snapshot: &'a ClusterSnapshot,
    g: &'a ConsumerGroup,
    show_all: bool,
) -> GroupStatusBody<'a> {
    let all: Vec<PartitionStatusBody<'a>> = g
        .offsets
        .iter()
        .map(|o| partition_status(snapshot, g, o))
        .collect();
    let maxlag = largest_lag(&all).cloned();
    let partitions = all
        .into_iter()
        .filter(|p| show_all || p.status != status::name(status::OK))
        .collect();
    GroupStatusBody {
        cluster: &snapshot.cluster,
        group: &g.name,
        status: status::name(api_group_code(g.status)),
        complete: g.complete,
        partitions,
        partition_count: g.offsets.len(),
        maxlag,
        totallag: g.total_lag().unwrap_or(0),
    }
}

fn partition_status<'a>(
    snapshot: &ClusterSnapshot,
    g: &'a ConsumerGroup,
    o: &'a PartitionLag,
) -> PartitionStatusBody<'a> {
    let owner = g.owner_of(&o.topic, o.partition);
    let end = ConsumerOffset::latest(snapshot, o);
    PartitionStatusBody {
        topic: &o.topic,
        partition: o.partition,
        owner: owner.map_or("", |m| m.client_host.as_str()),
        client_id: owner.map_or("", |m| m.client_id.as_str()),
        status: status::name(api_partition_code(o.status)),
        start: ConsumerOffset::window_start(snapshot, o),
        end,
        current_lag: o.lag,
        complete: o.window_complete,
    }
}

/// The first partition with the largest known lag; the first partition
/// when no lag is known; `None` without partitions.
fn largest_lag<'p, 'a>(
    partitions: &'p [PartitionStatusBody<'a>],
) -> Option<&'p PartitionStatusBody<'a>> {
    partitions.iter().fold(None, |max, p| match max {
        Some(m) if p.current_lag.unwrap_or(-1) <= m.current_lag.unwrap_or(-1) => Some(m),
        _ => Some(p),
    })
}
