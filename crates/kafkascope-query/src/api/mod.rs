//! The Prometheus HTTP query API over a [`SeriesSource`]: enough of it for
//! Grafana's Prometheus data source.

mod handlers;
mod params;
mod response;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::source::SeriesSource;

pub use handlers::{MAX_CONCURRENT_QUERIES, PROMETHEUS_API_VERSION};

/// The API's routes under `/api/v1`, GET and POST (form-encoded) alike.
/// Nest or merge it into a larger router as it is.
pub fn router(source: Arc<dyn SeriesSource>) -> Router {
    Router::new()
        .route("/api/v1/query", get(handlers::query).post(handlers::query))
        .route(
            "/api/v1/query_range",
            get(handlers::query_range).post(handlers::query_range),
        )
        .route(
            "/api/v1/series",
            get(handlers::series).post(handlers::series),
        )
        .route(
            "/api/v1/labels",
            get(handlers::labels).post(handlers::labels),
        )
        .route(
            "/api/v1/label/{name}/values",
            get(handlers::label_values).post(handlers::label_values),
        )
        .route("/api/v1/metadata", get(handlers::metadata))
        .route("/api/v1/status/buildinfo", get(handlers::build_info))
        .with_state(handlers::ApiState::new(source))
}
