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
//! | `/clusters/{cluster}/jmx` | [`jmx::latest`] |
//! | `/clusters/{cluster}/jolokia` | [`jmx::jolokia`] |
//! | `/clusters/{cluster}/clients` | [`clients::list`] |
//! | `/clusters/{cluster}/events` | [`events::list`]: events read from the broker logs, newest first, paged |
//! | `/clusters/{cluster}/connect` | [`connect::latest`]: Kafka Connect clusters through their REST API |
//! | `/clusters/{cluster}/zookeeper` | [`zookeeper::latest`]: the ZooKeeper members and the ensemble's verdict |
//! | `/clusters/{cluster}/hosts` | [`hosts::latest`]: the brokers' hosts and the mounts of their log dirs |
//! | `/clusters/{cluster}/alerts` | [`alerts::cluster_alerts`]: a page of a cluster's alerts, worst first, with counts |
//! | `/alerts` | [`alerts::alerts`], Prometheus's shape |
//! | `/rules` | [`alerts::rules`], Prometheus's shape |
//! | `/alerts/events` | [`alerts::events`]: the latest alert changes |
//! | `/notifications` | [`alerts::notifications`]: sent, failed and dropped per receiver |
//! | `/alerts/acknowledge` (POST) | [`silences::acknowledge`]: silence one alert until it resolves |
//! | `/silences` (GET, POST) | [`silences::list`], [`silences::upsert`] |
//! | `/silences/{id}` (DELETE) | [`silences::expire`] |
//!
//! List endpoints take `?filter=<substring>` (on the name, ignoring case:
//! `orders` finds `Orders-EU`); topics and groups also sort and page on the
//! server (`sort`, `order`, `offset`, `limit`: [`list_page`]) and say how
//! many matched in `total`; groups filter by `status` too.
//!
//! The topic and group details sort and page their partitions the same way
//! (a topic's `partitions`, a group's `offsets`) and say how many there are
//! in `partitions_total` and where the page starts in `partitions_offset`;
//! every topic- or group-level figure (counts, sums, flags, members, the
//! per-topic sums) is over all partitions, whatever the page. Without paging
//! parameters they answer every partition.
//!
//! An unknown cluster, topic or group is a 404 naming it ([`ApiError`]); a
//! configured cluster whose first cycle has not finished is a 503; a bad
//! `sort`, `order`, `offset` or `limit` is a 400 naming the parameter.
//! Every sort key and field is described in `docs/API.md`.

pub mod alerts;
pub mod brokers;
pub mod clients;
pub mod clusters;
pub mod connect;
pub mod events;
pub mod groups;
pub mod hosts;
pub mod jmx;
pub mod list_page;
pub mod silences;
pub mod timestamp;
pub mod topics;
pub mod zookeeper;

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post};
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
        .route("/clusters/{cluster}/jmx", get(jmx::latest))
        .route("/clusters/{cluster}/jolokia", get(jmx::jolokia))
        .route("/clusters/{cluster}/clients", get(clients::list))
        .route("/clusters/{cluster}/events", get(events::list))
        .route("/clusters/{cluster}/connect", get(connect::latest))
        .route("/clusters/{cluster}/zookeeper", get(zookeeper::latest))
        .route("/clusters/{cluster}/hosts", get(hosts::latest))
        .route("/clusters/{cluster}/alerts", get(alerts::cluster_alerts))
        .route("/alerts", get(alerts::alerts))
        .route("/alerts/events", get(alerts::events))
        .route("/notifications", get(alerts::notifications))
        .route("/rules", get(alerts::rules))
        .route("/alerts/acknowledge", post(silences::acknowledge))
        .route("/silences", get(silences::list).post(silences::upsert))
        .route("/silences/{id}", delete(silences::expire))
}

/// What the list endpoints keep; their paging is a [`list_page::PageQuery`].
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Keep only entries whose name contains this, ignoring case.
    pub filter: Option<String>,
    /// Groups only: keep groups with this status (`OK`, `WARN`, `ERR`,
    /// `NOT_ENOUGH_DATA`).
    pub status: Option<String>,
}

impl ListQuery {
    /// The name filter, lowercased once for the whole list.
    pub fn name_filter(&self) -> NameFilter {
        NameFilter(self.filter.as_deref().map(str::to_lowercase))
    }
}

/// Keeps the names that contain a substring, ignoring case.
pub struct NameFilter(Option<String>);

impl NameFilter {
    pub fn keeps(&self, name: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|wanted| name.to_lowercase().contains(wanted))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(text: &str) -> NameFilter {
        ListQuery {
            filter: Some(text.into()),
            ..ListQuery::default()
        }
        .name_filter()
    }

    #[test]
    fn the_name_filter_is_a_substring_ignoring_case() {
        assert!(filter("orders").keeps("Orders-EU"));
        assert!(filter("EU").keeps("orders-eu"));
        assert!(filter("ÉTÉ").keeps("données-été"));
        assert!(filter("").keeps("anything"));
        assert!(!filter("orders").keeps("payments"));
        assert!(ListQuery::default().name_filter().keeps("anything"));
    }
}
