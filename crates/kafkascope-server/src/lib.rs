//! kafkascope's HTTP side: everything it shows, rendered from the latest
//! published [`ClusterSnapshot`](kafkascope_collector::ClusterSnapshot) of
//! each configured cluster. No handler talks to Kafka, so a scrape or an API
//! call costs the same however slow the cluster is.
//!
//! | path | what | module |
//! |---|---|---|
//! | `/metrics` | Prometheus text 0.0.4, or OpenMetrics 1.0.0 when asked for | [`metrics`] |
//! | `/api/v1/clusters[/{cluster}[/brokers\|/topics[/{topic}]\|/groups[/{group}]]]` | read-only JSON | [`api`] |
//! | `/v3/kafka[/{cluster}[/topic[/{topic}]\|/consumer[/{group}[/status\|/lag]]]]` | Burrow-compatible read API; `/burrow/admin` its health check | [`burrow`] |
//! | `/api/v1/query`, `/query_range`, `/series`, `/labels`, `/label/{name}/values` | Prometheus's query API over the history, merged in by the binary ([`app_with`]) | `kafkascope-query` |
//! | `/healthz` | 200 `ok` while the process serves | [`health`] |
//! | `/readyz` | 200 once every cluster has a snapshot, else 503 naming the missing ones | [`health`] |
//! | any other GET | the web UI (`ui/`), embedded; JSON 404 under the prefixes above | [`ui_assets`] |
//!
//! With a web config ([`web_config`], `--web.config.file`) the listener
//! speaks TLS and every route sits behind basic auth ([`basic_auth`]).
//!
//! [`app`] builds the router without binding anything (tests drive it with
//! `tower::ServiceExt::oneshot`); [`serve`] binds, serves and shuts down
//! gracefully on SIGTERM or Ctrl-C ([`shutdown`]). The metric names are
//! documented in `docs/METRICS.md`.

pub mod api;
pub mod api_error;
pub mod basic_auth;
pub mod burrow;
pub mod health;
pub mod metrics;
mod serve;
pub mod shutdown;
mod state;
mod tls_listener;
pub mod ui_assets;
pub mod web_config;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;

pub use api_error::ApiError;
pub use metrics::{Format, render};
pub use serve::{serve, serve_on, serve_secured, serve_with};
pub use state::AppState;

/// How long one request may take before it is answered 408. Rendering is
/// in-memory, so only a stuck client or an overloaded host gets near it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every route, with the request timeout applied; other GETs get the web
/// UI, anything else a JSON 404.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::handler))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api/v1", api::routes())
        .nest("/v3", burrow::routes())
        .route("/burrow/admin", get(burrow::healthcheck))
        .fallback(ui_assets::fallback)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// [`app`] with `extra` routes merged in (the history query API under
/// `/api/v1/query…`, whose paths do not overlap the JSON API's).
pub fn app_with(state: AppState, extra: Option<Router>) -> Router {
    match extra {
        Some(extra) => app(state).merge(extra),
        None => app(state),
    }
}
