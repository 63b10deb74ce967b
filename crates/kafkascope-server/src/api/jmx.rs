//! `/clusters/{cluster}/jmx` and `/clusters/{cluster}/jolokia`: the latest
//! poll of the cluster's JMX exporter or Jolokia source, each target's
//! status and each node's figures, as the source published it.

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

pub async fn jolokia(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<Json<Arc<SourceSnapshot>>, ApiError> {
    source_snapshot(&state, &cluster, SourceKind::Jolokia).map(Json)
}

/// The latest polls of `cluster`'s JMX sources (exporter pages first, then
/// Jolokia), or why there are none.
pub fn jmx_snapshots(
    state: &AppState,
    cluster: &str,
) -> Result<Vec<Arc<SourceSnapshot>>, ApiError> {
    let kinds = [SourceKind::JmxExporter, SourceKind::Jolokia];
    let errors: Vec<ApiError> = kinds
        .iter()
        .filter_map(|kind| source_snapshot(state, cluster, *kind).err())
        .collect();
    let polled: Vec<Arc<SourceSnapshot>> = kinds
        .iter()
        .filter_map(|kind| state.sources.get(cluster, *kind))
        .collect();
    if !polled.is_empty() {
        return Ok(polled);
    }
    // Unknown cluster, not polled yet, or no JMX source at all.
    let error = errors
        .into_iter()
        .find(|e| !matches!(e, ApiError::UnknownSource { .. }))
        .unwrap_or(ApiError::UnknownSource {
            cluster: cluster.to_string(),
            source: "jmx_exporter or jolokia".to_string(),
        });
    Err(error)
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
