//! `/clusters/{cluster}/zookeeper`: the latest poll of the cluster's
//! ZooKeeper ensemble — each member's status and four-letter-word figures,
//! and the verdict on the ensemble (leader, synced followers, problems).

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
    source_snapshot(&state, &cluster, SourceKind::Zookeeper).map(Json)
}
