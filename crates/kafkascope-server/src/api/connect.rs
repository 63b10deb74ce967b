//! `/clusters/{cluster}/connect`: the latest poll of the cluster's Kafka
//! Connect clusters through their REST API — each target's status, and
//! each Connect cluster's workers, connectors and tasks with their states
//! and failure traces. Connector configs are not kept by the source beyond
//! the topics and group they name, so none is shown.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kafkascope_sources::{SourceKind, SourceSnapshot};

use crate::AppState;
use crate::api::jmx::source_snapshot;
use crate::api_error::ApiError;

pub async fn latest(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<Json<Arc<SourceSnapshot>>, ApiError> {
    source_snapshot(&state, &cluster, SourceKind::ConnectRest).map(Json)
}
