//! `/clusters/{cluster}/jmx`: the JMX source's latest poll of the cluster,
//! each target's status and each node's figures, as the source published it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kafkascope_sources::{SourceKind, SourceSnapshot};

use crate::AppState;
use crate::api_error::ApiError;

pub async fn latest(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<Json<Arc<SourceSnapshot>>, ApiError> {
    source_snapshot(&state, &cluster, SourceKind::JmxExporter).map(Json)
}

/// The latest poll of `kind` for `cluster`, or why there is none.
pub fn source_snapshot(
    state: &AppState,
    cluster: &str,
    kind: SourceKind,
) -> Result<Arc<SourceSnapshot>, ApiError> {
    if !state.snapshots.cluster_names().any(|name| name == cluster) {
        return Err(ApiError::UnknownCluster(cluster.to_string()));
    }
    if !state.sources.kinds_of(cluster).any(|k| k == kind) {
        return Err(ApiError::UnknownSource {
            cluster: cluster.to_string(),
            source: kind.name().to_string(),
        });
    }
    state.sources.get(cluster, kind).ok_or(ApiError::NotPolled {
        cluster: cluster.to_string(),
        source: kind.name().to_string(),
    })
}
