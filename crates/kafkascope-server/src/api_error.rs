//! Every error the HTTP side answers with, as one JSON shape:
//! `{"error": "<what went wrong>", ...the names involved}`.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No cluster by that name is configured. 404.
    UnknownCluster(String),
    /// The cluster's latest snapshot has no such topic. 404.
    UnknownTopic { cluster: String, topic: String },
    /// The cluster's latest snapshot has no such consumer group. 404.
    UnknownGroup { cluster: String, group: String },
    /// The cluster is configured but its first cycle has not finished. 503.
    NotCollected(String),
    /// The cluster has no such source configured. 404.
    UnknownSource { cluster: String, source: String },
    /// The source is configured but has not polled yet. 503.
    NotPolled { cluster: String, source: String },
    /// `/readyz` before every cluster has a snapshot; names those without. 503.
    NotReady(Vec<String>),
    /// No route for this path. 404.
    NoRoute(String),
    /// A query parameter that cannot be used. 400.
    BadParameter { name: String, message: String },
    /// Silences and acknowledgements need alerting, which is off. 404.
    AlertingOff,
    /// No silence with this id. 404.
    UnknownSilence(String),
    /// A request body that cannot be used; names the field. 400.
    BadBody(String),
    /// The silence has already expired. 409.
    SilenceExpired(String),
    /// A bug or a panic while rendering. 500.
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::UnknownCluster(_)
            | ApiError::UnknownTopic { .. }
            | ApiError::UnknownGroup { .. }
            | ApiError::UnknownSource { .. }
            | ApiError::NoRoute(_)
            | ApiError::AlertingOff
            | ApiError::UnknownSilence(_) => StatusCode::NOT_FOUND,
            ApiError::BadBody(_) => StatusCode::BAD_REQUEST,
            ApiError::SilenceExpired(_) => StatusCode::CONFLICT,
            ApiError::NotCollected(_) | ApiError::NotReady(_) | ApiError::NotPolled { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        match self {
            ApiError::UnknownCluster(cluster) => json!({
                "error": format!("unknown cluster {cluster:?}"),
                "cluster": cluster,
            }),
            ApiError::UnknownTopic { cluster, topic } => json!({
                "error": format!("unknown topic {topic:?} in cluster {cluster:?}"),
                "cluster": cluster,
                "topic": topic,
            }),
            ApiError::UnknownGroup { cluster, group } => json!({
                "error": format!("unknown consumer group {group:?} in cluster {cluster:?}"),
                "cluster": cluster,
                "group": group,
            }),
            ApiError::NotCollected(cluster) => json!({
                "error": format!("cluster {cluster:?} has no snapshot yet: its first collection cycle has not finished"),
                "cluster": cluster,
            }),
            ApiError::UnknownSource { cluster, source } => json!({
                "error": format!("cluster {cluster:?} has no {source} source configured"),
                "cluster": cluster,
                "source": source,
            }),
            ApiError::NotPolled { cluster, source } => json!({
                "error": format!("the {source} source of cluster {cluster:?} has not polled yet"),
                "cluster": cluster,
                "source": source,
            }),
            ApiError::NotReady(clusters) => json!({
                "error": format!("not ready: no snapshot yet for {}", clusters.join(", ")),
                "waiting_for": clusters,
            }),
            ApiError::NoRoute(path) => json!({
                "error": format!("no such endpoint: {path}"),
                "path": path,
            }),
            ApiError::BadParameter { name, message } => json!({
                "error": format!("bad parameter {name}: {message}"),
                "parameter": name,
            }),
            ApiError::AlertingOff => json!({
                "error": "alerting is off: it needs the history (and [alerts] enabled)",
            }),
            ApiError::UnknownSilence(id) => json!({
                "error": format!("no silence with id {id:?}"),
                "silence": id,
            }),
            ApiError::BadBody(message) => json!({ "error": message }),
            ApiError::SilenceExpired(id) => json!({
                "error": format!("silence {id:?} has already expired"),
                "silence": id,
            }),
            ApiError::Internal(message) => json!({ "error": message }),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = self.body();
        f.write_str(body["error"].as_str().unwrap_or("error"))
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

/// The router's fallback: a JSON 404 naming the path.
pub async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute(uri.path().to_string())
}
