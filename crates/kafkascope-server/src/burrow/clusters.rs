//! `GET /v3/kafka` and `GET /v3/kafka/{cluster}`.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Serialize;

use super::cluster_snapshot;
use super::envelope::{BurrowError, Reply, RequestInfo, messages};
use crate::AppState;

/// Every configured cluster, collected or not, in name order.
pub async fn list(State(state): State<AppState>, request: RequestInfo) -> Response {
    let clusters: Vec<&str> = state.snapshots.cluster_names().collect();
    Reply::ok("cluster list returned", "clusters", clusters, request).into_response()
}

/// Burrow's cluster "module" configuration. kafkascope does not expose its
/// configuration here (it may hold credentials): `servers` are the brokers
/// the cluster's metadata advertises, and the figures Burrow reads from its
/// own configuration are `null`.
#[derive(Debug, Serialize)]
pub struct ClusterModule {
    #[serde(rename = "class-name")]
    pub class_name: &'static str,
    pub servers: Vec<String>,
    #[serde(rename = "client-profile")]
    pub client_profile: Option<()>,
    #[serde(rename = "topic-refresh")]
    pub topic_refresh: Option<i64>,
    #[serde(rename = "offset-refresh")]
    pub offset_refresh: Option<i64>,
}

/// `GET /v3/kafka/{cluster}`; 404 "cluster module not found" when the name
/// is not configured.
pub async fn detail(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    request: RequestInfo,
) -> Response {
    let Some(snapshot) = cluster_snapshot(&state, &cluster) else {
        return BurrowError::not_found(messages::CLUSTER_MODULE_NOT_FOUND, request).into_response();
    };
    let module = ClusterModule {
        class_name: "kafka",
        servers: snapshot
            .brokers
            .iter()
            .map(|b| format!("{}:{}", b.host, b.port))
            .collect(),
        client_profile: None,
        topic_refresh: None,
        offset_refresh: None,
    };
    Reply::ok("cluster module detail returned", "module", module, request).into_response()
}
