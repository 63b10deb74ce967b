//! `/api/v1/clusters/{cluster}/brokers`.

use axum::Json;
use axum::extract::{Path, Query, State};
use kafkascope_collector::snapshot::{Broker, MetadataQuorum};
use serde::Serialize;

use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct BrokerList {
    pub cluster: String,
    /// The active controller (the KRaft quorum's leader).
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerItem>,
    /// The KRaft metadata quorum; `null` on clusters without one.
    pub quorum: Option<QuorumView>,
    /// The sources configured beside the Kafka protocol (`jmx_exporter`,
    /// `jolokia`), so a page asks for their figures only where there are any.
    pub sources: Vec<&'static str>,
}

/// A broker as the snapshot has it, plus whether it is the controller.
#[derive(Debug, Serialize)]
pub struct BrokerItem {
    #[serde(flatten)]
    pub broker: Broker,
    pub is_controller: bool,
    /// `leader`, `voter` or `observer` in the metadata quorum.
    pub quorum_role: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct QuorumView {
    pub leader_id: i32,
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub replicas: Vec<QuorumReplicaView>,
}

#[derive(Debug, Serialize)]
pub struct QuorumReplicaView {
    pub replica_id: i32,
    /// `voter` or `observer`.
    pub role: &'static str,
    pub log_end_offset: i64,
    /// Records behind the leader's high watermark.
    pub lag: i64,
    pub last_fetch_ms: Option<i64>,
    pub last_caught_up_ms: Option<i64>,
}

impl QuorumView {
    fn of(quorum: &MetadataQuorum) -> Self {
        QuorumView {
            leader_id: quorum.leader_id,
            leader_epoch: quorum.leader_epoch,
            high_watermark: quorum.high_watermark,
            replicas: quorum
                .replicas()
                .map(|(role, r)| QuorumReplicaView {
                    replica_id: r.replica_id,
                    role,
                    log_end_offset: r.log_end_offset,
                    lag: quorum.lag(r),
                    last_fetch_ms: r.last_fetch_ms,
                    last_caught_up_ms: r.last_caught_up_ms,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/clusters/{cluster}/brokers[?filter=]`, in the snapshot's
/// order; the filter matches the host.
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<BrokerList>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let hosts = query.name_filter();
    let brokers = s
        .brokers
        .iter()
        .filter(|b| hosts.keeps(&b.host))
        .map(|b| BrokerItem {
            broker: b.clone(),
            is_controller: s.controller_id == Some(b.id),
            quorum_role: s.quorum.as_ref().and_then(|q| q.role_of(b.id)),
        })
        .collect();
    Ok(Json(BrokerList {
        cluster: s.cluster.clone(),
        controller: s.controller_id,
        brokers,
        quorum: s.quorum.as_ref().map(QuorumView::of),
        sources: state.sources.kinds_of(&cluster).map(|k| k.name()).collect(),
    }))
}
