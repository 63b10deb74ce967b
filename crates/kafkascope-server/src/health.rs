//! Liveness and readiness probes.

use axum::extract::State;

use crate::AppState;
use crate::api_error::ApiError;

/// `GET /healthz`: 200 `ok` while the process can answer at all.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 `ok` once every configured cluster has published a
/// snapshot; before that 503 with `{"error": ..., "waiting_for": [...]}`.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.snapshots.all_collected() {
        return Ok("ok");
    }
    let waiting: Vec<String> = state
        .snapshots
        .cluster_names()
        .filter(|name| state.snapshots.get(name).is_none())
        .map(str::to_string)
        .collect();
    if waiting.is_empty() {
        // The last one arrived between the two looks.
        return Ok("ok");
    }
    Err(ApiError::NotReady(waiting))
}
