//! `/api/v1/clusters/{cluster}/brokers`.

use axum::Json;
use axum::extract::{Path, Query, State};
use kafkascope_collector::snapshot::Broker;
use serde::Serialize;

use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct BrokerList {
    pub cluster: String,
    pub controller: Option<i32>,
    pub brokers: Vec<BrokerItem>,
}

/// A broker as the snapshot has it, plus whether it is the controller.
#[derive(Debug, Serialize)]
pub struct BrokerItem {
    #[serde(flatten)]
    pub broker: Broker,
    pub is_controller: bool,
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
        })
        .collect();
    Ok(Json(BrokerList {
        cluster: s.cluster.clone(),
        controller: s.controller_id,
        brokers,
    }))
}
