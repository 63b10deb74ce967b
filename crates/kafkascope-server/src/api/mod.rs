//! The read-only JSON API under `/api/v1`, rendered from snapshots.
//!
//! | path | handler |
//! |---|---|
//! | `/clusters` | [`clusters::list`] |
//! | `/clusters/{cluster}` | [`clusters::summary`] |
//! | `/clusters/{cluster}/brokers` | [`brokers::list`] |
//! | `/clusters/{cluster}/topics` | [`topics::list`] |
//! | `/clusters/{cluster}/topics/{topic}` | [`topics::detail`] |
//! | `/clusters/{cluster}/groups` | [`groups::list`] |
//! | `/clusters/{cluster}/groups/{group}` | [`groups::detail`] |
//!
//! List endpoints take `?filter=<substring>` (case-sensitive, on the name);
//! topics and groups also sort and page on the server
//! (`sort`, `order`, `offset`, `limit`: [`list_page`]) and say how many
//! matched in `total`; groups filter by `status` too.
//! An unknown cluster, topic or group is a 404 naming it ([`ApiError`]); a
//! configured cluster whose first cycle has not finished is a 503.

pub mod brokers;
pub mod clusters;
pub mod groups;
pub mod list_page;
pub mod timestamp;
pub mod topics;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use kafkascope_collector::ClusterSnapshot;
use serde::Deserialize;

use crate::AppState;
use crate::api_error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clusters", get(clusters::list))
        .route("/clusters/{cluster}", get(clusters::summary))
        .route("/clusters/{cluster}/brokers", get(brokers::list))
        .route("/clusters/{cluster}/topics", get(topics::list))
        .route("/clusters/{cluster}/topics/{topic}", get(topics::detail))
        .route("/clusters/{cluster}/groups", get(groups::list))
        .route("/clusters/{cluster}/groups/{group}", get(groups::detail))
}

/// Query parameters of the list endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Keep only entries whose name contains this.
    pub filter: Option<String>,
    /// A sort key the list names; name order when absent.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    /// Groups only: keep groups with this status (`OK`, `WARN`, `ERR`,
    /// `NOT_ENOUGH_DATA`).
    pub status: Option<String>,
}

impl ListQuery {
    pub fn keeps(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }
}

/// The latest snapshot of `cluster`, or why there is none.
pub fn snapshot(state: &AppState, cluster: &str) -> Result<Arc<ClusterSnapshot>, ApiError> {
    if let Some(snapshot) = state.snapshots.get(cluster) {
        return Ok(snapshot);
    }
    if state.snapshots.cluster_names().any(|name| name == cluster) {
        Err(ApiError::NotCollected(cluster.to_string()))
    } else {
        Err(ApiError::UnknownCluster(cluster.to_string()))
    }
}
