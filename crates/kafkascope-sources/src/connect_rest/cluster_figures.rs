//! One Connect cluster's answers as [`ConnectClusterFigures`]: a pure
//! function of what its workers answered, so tests feed it captured
//! answers.

use std::collections::BTreeMap;

use super::rest_api::{ExpandedConnector, ExpandedConnectors, ServerInfo};
use super::settings::ConnectClusterSettings;
use crate::connect_rest_figures::{
    ConnectClusterFigures, ConnectState, ConnectorFigures, ConnectorKind, TaskFigures,
    WorkerFigures, bounded_trace, count_by_state,
};

/// What one configured URL's `GET /` came to.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerProbe {
    /// The URL without credentials.
    pub url: String,
    /// Its `host:port`, which is the worker id Connect gives the worker
    /// when it advertises the address it listens on.
    pub authority: String,
    /// `None` when it did not answer.
    pub info: Option<ServerInfo>,
}

/// Everything one poll read of a Connect cluster.
#[derive(Debug, Clone, Copy)]
pub struct ClusterAnswers<'a> {
    pub probes: &'a [WorkerProbe],
    /// Which probe's worker answered the listing.
    pub answered_by: Option<usize>,
    pub connectors: &'a ExpandedConnectors,
    /// The topics of each connector whose topics are known.
    pub topics: &'a BTreeMap<String, Vec<String>>,
}

pub fn cluster_figures(
    settings: &ConnectClusterSettings,
    answers: ClusterAnswers<'_>,
) -> ConnectClusterFigures {
    let answering = answers.answered_by.and_then(|i| answers.probes.get(i));
    let info = answering.and_then(|p| p.info.clone()).unwrap_or_default();
    let connectors: Vec<ConnectorFigures> = answers
        .connectors
        .iter()
        .map(|(name, connector)| {
            let topics = answers.topics.get(name).cloned();
            connector_figures(name, connector, topics, settings)
        })
        .collect();
    let tasks = connectors.iter().flat_map(|c| c.tasks.iter());
    ConnectClusterFigures {
        name: settings.name.clone(),
        urls: answers.probes.iter().map(|p| p.url.clone()).collect(),
        answered_by: answering.map(|p| p.url.clone()),
        version: info.version,
        commit: info.commit,
        kafka_cluster_id: info.kafka_cluster_id,
        workers: workers(&connectors, answers.probes),
        connectors_by_state: count_by_state(connectors.iter().map(|c| &c.state)),
        tasks_by_state: count_by_state(tasks.map(|t| &t.state)),
        connectors,
        requests: 0,
        problems: Vec::new(),
    }
}

fn connector_figures(
    name: &str,
    connector: &ExpandedConnector,
    topics: Option<Vec<String>>,
    settings: &ConnectClusterSettings,
) -> ConnectorFigures {
    let status = connector.status.as_ref();
    let config = connector.info.as_ref().map(|i| &i.config);
    let kind = status
        .and_then(|s| s.kind.as_deref())
        .or_else(|| connector.info.as_ref().and_then(|i| i.kind.as_deref()))
        .map_or(ConnectorKind::Other("unknown".into()), ConnectorKind::parse);
    let consumer_group = (kind == ConnectorKind::Sink).then(|| {
        config
            .and_then(|c| c.consumer_group_override.clone())
            .or_else(|| settings.worker_consumer_group_id.clone())
            .unwrap_or_else(|| format!("connect-{name}"))
    });
    let mut tasks: Vec<TaskFigures> = status
        .map(|s| s.tasks.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|t| TaskFigures {
            id: t.id,
            state: ConnectState::parse(&t.state),
            worker: t.worker_id.clone(),
            trace: t.trace.as_deref().map(bounded_trace),
            restarts: 0,
        })
        .collect();
    tasks.sort_by_key(|t| t.id);
    ConnectorFigures {
        name: name.to_string(),
        kind,
        class: config.and_then(|c| c.connector_class.clone()),
        // A connector created a moment ago may have no status yet.
        state: status.map_or(ConnectState::Unassigned, |s| {
            ConnectState::parse(&s.connector.state)
        }),
        worker: status.and_then(|s| s.connector.worker_id.clone()),
        trace: status
            .and_then(|s| s.connector.trace.as_deref())
            .map(bounded_trace),
        tasks_max: config.and_then(|c| c.tasks_max.clone()),
        topics,
        config_topics: config.and_then(|c| c.topics.clone()),
        config_topics_regex: config.and_then(|c| c.topics_regex.clone()),
        config_topic: config.and_then(|c| c.topic.clone()),
        consumer_group,
        tasks,
        restarts: 0,
    }
}

/// The workers the statuses name, with what their configured URLs (if
/// any) say of them, and the URLs that answered as workers the statuses
/// do not name yet (a worker with nothing assigned).
fn workers(connectors: &[ConnectorFigures], probes: &[WorkerProbe]) -> Vec<WorkerFigures> {
    let mut by_id: BTreeMap<String, WorkerFigures> = BTreeMap::new();
    for connector in connectors {
        if let Some(id) = &connector.worker {
            by_id_entry(&mut by_id, id).connectors += 1;
        }
        for task in &connector.tasks {
            if let Some(id) = &task.worker {
                by_id_entry(&mut by_id, id).tasks += 1;
            }
        }
    }
    for probe in probes {
        let known = by_id
            .keys()
            .find(|id| id.eq_ignore_ascii_case(&probe.authority))
            .cloned();
        let worker = match known {
            Some(id) => by_id_entry(&mut by_id, &id),
            None if probe.info.is_some() => by_id_entry(&mut by_id, &probe.authority),
            None => continue,
        };
        worker.url = Some(probe.url.clone());
        worker.reachable = Some(probe.info.is_some());
        worker.version = probe.info.as_ref().and_then(|i| i.version.clone());
    }
    by_id.into_values().collect()
}

fn by_id_entry<'m>(
    by_id: &'m mut BTreeMap<String, WorkerFigures>,
    id: &str,
) -> &'m mut WorkerFigures {
    by_id
        .entry(id.to_string())
        .or_insert_with(|| WorkerFigures {
            id: id.to_string(),
            ..WorkerFigures::default()
        })
}
