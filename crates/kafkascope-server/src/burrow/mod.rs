//! A Burrow-compatible read API (Burrow's HTTP "v3" endpoints), so tools
//! written for LinkedIn's Burrow (dashboards, Telegraf's burrow input,
//! exporters, scripts) can read kafkascope instead.
//!
//! | path (under `/v3/kafka`) | what | module |
//! |---|---|---|
//! | `` | configured clusters | [`clusters`] |
//! | `/{cluster}` | the cluster "module" (its brokers) | [`clusters`] |
//! | `/{cluster}/topic[/{topic}]` | topics; a topic's log end offsets | [`topics`] |
//! | `/{cluster}/consumer[/{group}]` | groups; a group's offsets per partition | [`consumers`] |
//! | `/{cluster}/consumer/{group}/status` | evaluation, only partitions not OK | [`consumer_status`] |
//! | `/{cluster}/consumer/{group}/lag` | evaluation, every partition | [`consumer_status`] |
//!
//! Answers use Burrow's envelope and messages ([`envelope`]) and Burrow's
//! status names ([`status`]). A configured cluster whose first cycle has not
//! finished reads as an empty cluster, as a just-started Burrow's does.
//! `docs/BURROW_API.md` lists what differs from Burrow and why.

pub mod clusters;
pub mod consumer_offset;
pub mod consumer_status;
pub mod consumers;
pub mod envelope;
pub mod topics;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kafkascope_collector::ClusterSnapshot;

use crate::AppState;
use envelope::{BurrowError, RequestInfo, messages};

/// The routes, relative to `/v3` (nest them there).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kafka", get(clusters::list))
        .route("/kafka/{cluster}", get(clusters::detail))
        .route("/kafka/{cluster}/topic", get(topics::list))
        .route("/kafka/{cluster}/topic/{topic}", get(topics::detail))
        .route("/kafka/{cluster}/consumer", get(consumers::list))
        .route(
            "/kafka/{cluster}/consumer/{group}",
            get(consumers::detail).delete(read_only),
        )
        .route(
            "/kafka/{cluster}/consumer/{group}/status",
            get(consumer_status::status),
        )
        .route(
            "/kafka/{cluster}/consumer/{group}/lag",
            get(consumer_status::lag),
        )
        .fallback(no_route)
}

/// Burrow's health check, `GET /burrow/admin`: `GOOD` while serving.
pub async fn healthcheck() -> &'static str {
    "GOOD"
}

impl<S: Send + Sync> FromRequestParts<S> for RequestInfo {
    type Rejection = Infallible;

    /// The path as the client sent it, also when the router is nested.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0);
        Ok(RequestInfo::of(uri))
    }
}

/// The cluster's latest snapshot; an empty one while a configured cluster
/// has none yet; `None` for a name that is not configured.
pub fn cluster_snapshot(state: &AppState, cluster: &str) -> Option<Arc<ClusterSnapshot>> {
    state.snapshots.get(cluster).or_else(|| {
        state
            .snapshots
            .cluster_names()
            .any(|name| name == cluster)
            .then(|| {
                Arc::new(ClusterSnapshot {
                    cluster: cluster.to_string(),
                    ..ClusterSnapshot::default()
                })
            })
    })
}

/// Partition ids above this are left out of Burrow's per-partition arrays
/// (indexed by id), so a bogus id from a broker cannot allocate gigabytes.
/// Kafka clusters stay far below it.
pub const MAX_PARTITION_SLOTS: usize = 1 << 16;

/// Items placed at their partition id in an array as long as `at_least`
/// or the highest id + 1; ids that are negative or past
/// [`MAX_PARTITION_SLOTS`] are dropped.
pub fn by_partition_id<T>(
    at_least: usize,
    items: impl IntoIterator<Item = (i32, T)>,
) -> Vec<Option<T>> {
    let mut slots: Vec<Option<T>> = Vec::new();
    slots.resize_with(at_least.min(MAX_PARTITION_SLOTS), || None);
    for (id, item) in items {
        let Some(index) = usize::try_from(id)
            .ok()
            .filter(|&i| i < MAX_PARTITION_SLOTS)
        else {
            continue;
        };
        if index >= slots.len() {
            slots.resize_with(index + 1, || None);
        }
        slots[index] = Some(item);
    }
    slots
}

/// Burrow's answer to a path it has no route for, word for word: its
/// catch-all has no `request` field but an empty `result`.
async fn no_route() -> Response {
    let body = serde_json::json!({
        "error": true,
        "message": messages::INVALID_REQUEST_TYPE,
        "result": {},
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// `DELETE /v3/kafka/{cluster}/consumer/{group}`: Burrow forgets the group;
/// kafkascope only reads what Kafka reports, so there is nothing to forget.
async fn read_only(request: RequestInfo) -> Response {
    let mut response = BurrowError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        error: true,
        message: "kafkascope is read-only: it shows the groups Kafka reports and cannot remove one",
        request,
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_items_at_their_partition_id() {
        let slots = by_partition_id(4, [(2, 'c'), (0, 'a')]);
        assert_eq!(slots, [Some('a'), None, Some('c'), None]);
        let grown = by_partition_id(1, [(3, 'd')]);
        assert_eq!(grown, [None, None, None, Some('d')]);
    }

    #[test]
    fn drops_ids_that_would_make_huge_arrays() {
        let slots = by_partition_id(2, [(-1, 'x'), (i32::MAX, 'y'), (1, 'b')]);
        assert_eq!(slots, [None, Some('b')]);
        assert_eq!(
            by_partition_id::<char>(usize::MAX, []).len(),
            MAX_PARTITION_SLOTS
        );
    }
}
