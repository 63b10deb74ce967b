//! `/clusters/{cluster}/clients`: Kafka's Java clients the JMX exporter
//! source reads, dead ones first, each with its verdict, its key figures
//! and the groups it was a member of; and [`of_group`], the clients a
//! consumer group's page names.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kafkascope_collector::snapshot::ConsumerGroup;
use kafkascope_sources::client_figures::ClientFigures;
use kafkascope_sources::{SourceKind, SourceSnapshot};
use serde::Serialize;

use super::jmx::source_snapshot;
use crate::AppState;
use crate::api_error::ApiError;

/// A client with the page it was read from.
#[derive(Debug, Serialize)]
pub struct ClientItem<'a> {
    pub target: &'a str,
    #[serde(flatten)]
    pub client: &'a ClientFigures,
}

#[derive(Debug, Serialize)]
pub struct ClientList<'a> {
    pub cluster: &'a str,
    pub polled_at_ms: i64,
    pub clients: Vec<ClientItem<'a>>,
}

/// Every client of a JMX poll, dead first, then by kind and client id.
pub fn clients_of(snapshot: &SourceSnapshot) -> Vec<ClientItem<'_>> {
    let mut clients: Vec<ClientItem<'_>> = snapshot
        .jmx()
        .into_iter()
        .flat_map(|figures| &figures.nodes)
        .flat_map(|node| {
            node.clients.values().map(move |client| ClientItem {
                target: &node.target,
                client,
            })
        })
        .collect();
    clients.sort_by(|a, b| {
        (a.client.liveness.alive, a.client.kind, &a.client.client_id).cmp(&(
            b.client.liveness.alive,
            b.client.kind,
            &b.client.client_id,
        ))
    });
    clients
}

pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let snapshot = source_snapshot(&state, &cluster, SourceKind::JmxExporter)?;
    let list = ClientList {
        cluster: &snapshot.cluster,
        polled_at_ms: snapshot.polled_at_ms,
        clients: clients_of(&snapshot),
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Ok(Json(&list).into_response())
}

/// The latest JMX poll of `cluster`, if a JMX source is configured and
/// has polled.
pub fn latest_jmx(state: &AppState, cluster: &str) -> Option<Arc<SourceSnapshot>> {
    state.sources.get(cluster, SourceKind::JmxExporter)
}

/// The consumers of `group`: those whose client id a member has now, and
/// those that were members before they died.
pub fn of_group<'a>(jmx: &'a SourceSnapshot, group: &ConsumerGroup) -> Vec<ClientItem<'a>> {
    clients_of(jmx)
        .into_iter()
        .filter(|item| {
            item.client.consumer.is_some()
                && (item.client.liveness.groups.contains(&group.name)
                    || group
                        .members
                        .iter()
                        .any(|m| m.client_id == item.client.client_id))
        })
        .collect()
}
