//! `/clusters/{cluster}/clients`: Kafka's Java clients the JMX sources
//! read (exporter pages and Jolokia; a client read by both is listed once,
//! as its exporter page has it), dead ones first, each with its verdict,
//! its key figures and the groups it was a member of; and [`of_group`],
//! the clients a consumer group's page names.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kafkascope_collector::snapshot::ConsumerGroup;
use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::client_figures::ClientFigures;
use kafkascope_sources::source::distinct_jmx_clients;
use serde::Serialize;

use super::jmx::jmx_snapshots;
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
    pub clients: Vec<ClientItem<'a>>,
}

/// Every client of the JMX polls, each once, dead first, then by kind and
/// client id.
pub fn clients_of(snapshots: &[Arc<SourceSnapshot>]) -> Vec<ClientItem<'_>> {
    let mut clients: Vec<ClientItem<'_>> = distinct_jmx_clients(snapshots.iter().map(Arc::as_ref))
        .into_iter()
        .map(|(_, target, client)| ClientItem { target, client })
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
    let snapshots = jmx_snapshots(&state, &cluster)?;
    let list = ClientList {
        cluster: &cluster,
        clients: clients_of(&snapshots),
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Ok(Json(&list).into_response())
}

/// The latest JMX polls of `cluster`; empty without a JMX source.
pub fn latest_jmx(state: &AppState, cluster: &str) -> Vec<Arc<SourceSnapshot>> {
    jmx_snapshots(state, cluster).unwrap_or_default()
}

/// The consumers of `group`: those whose client id a member has now, and
/// those that were members before they died.
pub fn of_group<'a>(
    snapshots: &'a [Arc<SourceSnapshot>],
    group: &ConsumerGroup,
) -> Vec<ClientItem<'a>> {
    clients_of(snapshots)
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
