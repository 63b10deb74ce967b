//! What Kafka Connect's REST API says of each Connect cluster, as named
//! figures: its workers, connectors and tasks with their states, failure
//! traces, topics and, for sink connectors, the consumer group whose lag
//! kafkascope reads. Read by [`crate::connect_rest`]; not to be confused
//! with [`crate::connect_figures`], what a worker's JMX metrics say.
//!
//! Connector configs can hold secrets (passwords, keys, URLs with
//! credentials): only the keys named in [`ConnectorFigures`] are kept.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// A connector's or a task's state, as Connect's REST API names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectState {
    Running,
    Paused,
    /// Stopped by `PUT /connectors/{name}/stop` (Kafka 3.5+): no tasks.
    Stopped,
    Failed,
    /// Not (yet) assigned to a worker.
    Unassigned,
    /// A restart was asked for and has not finished (Kafka 3.0+).
    Restarting,
    /// A state a later Kafka version added, as written.
    Other(String),
}

impl ConnectState {
    /// The states every Kafka version since 3.5 reports, for counts that
    /// name each state even at zero.
    pub const KNOWN: [ConnectState; 6] = [
        ConnectState::Running,
        ConnectState::Paused,
        ConnectState::Stopped,
        ConnectState::Failed,
        ConnectState::Unassigned,
        ConnectState::Restarting,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            ConnectState::Running => "RUNNING",
            ConnectState::Paused => "PAUSED",
            ConnectState::Stopped => "STOPPED",
            ConnectState::Failed => "FAILED",
            ConnectState::Unassigned => "UNASSIGNED",
            ConnectState::Restarting => "RESTARTING",
            ConnectState::Other(state) => state,
        }
    }

    pub fn parse(text: &str) -> ConnectState {
        match text {
            "RUNNING" => ConnectState::Running,
            "PAUSED" => ConnectState::Paused,
            "STOPPED" => ConnectState::Stopped,
            "FAILED" => ConnectState::Failed,
            "UNASSIGNED" => ConnectState::Unassigned,
            "RESTARTING" => ConnectState::Restarting,
            other => ConnectState::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for ConnectState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// As a string, so a state can key a JSON object.
impl Serialize for ConnectState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Whether a connector reads from Kafka or writes to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectorKind {
    Source,
    Sink,
    /// `unknown` (a worker that cannot load the class) or a later kind.
    Other(String),
}

impl ConnectorKind {
    pub fn as_str(&self) -> &str {
        match self {
            ConnectorKind::Source => "source",
            ConnectorKind::Sink => "sink",
            ConnectorKind::Other(kind) => kind,
        }
    }

    pub fn parse(text: &str) -> ConnectorKind {
        match text {
            "source" => ConnectorKind::Source,
            "sink" => ConnectorKind::Sink,
            other => ConnectorKind::Other(other.to_string()),
        }
    }
}

impl Serialize for ConnectorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Every configured Connect cluster of a kafkascope cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectRestFigures {
    pub clusters: Vec<ConnectClusterFigures>,
}

/// One Connect cluster (workers sharing a `group.id`), as one of its
/// workers' REST API answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectClusterFigures {
    /// The name the config gives it.
    pub name: String,
    /// Its configured REST URLs, without credentials, in the order tried.
    pub urls: Vec<String>,
    /// The URL whose answer these figures are; `None` when none answered.
    pub answered_by: Option<String>,
    /// Of the answering worker's `GET /`.
    pub version: Option<String>,
    pub commit: Option<String>,
    pub kafka_cluster_id: Option<String>,
    pub workers: Vec<WorkerFigures>,
    pub connectors: Vec<ConnectorFigures>,
    /// Every known state, zero included.
    pub connectors_by_state: BTreeMap<ConnectState, usize>,
    pub tasks_by_state: BTreeMap<ConnectState, usize>,
    /// HTTP requests this poll sent to the cluster.
    pub requests: usize,
    /// What could not be read of an answering cluster (a connector's
    /// topics), for its target status.
    pub problems: Vec<String>,
}

impl ConnectClusterFigures {
    pub fn up(&self) -> bool {
        self.answered_by.is_some()
    }

    pub fn connector(&self, name: &str) -> Option<&ConnectorFigures> {
        self.connectors.iter().find(|c| c.name == name)
    }

    pub fn worker(&self, id: &str) -> Option<&WorkerFigures> {
        self.workers.iter().find(|w| w.id == id)
    }
}

/// A worker: named by a connector's or task's `worker_id` (its advertised
/// REST `host:port`), or a configured URL that answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkerFigures {
    pub id: String,
    /// The configured URL whose `host:port` is the id, without credentials.
    pub url: Option<String>,
    /// Whether that URL answered this poll; `None` for a worker no
    /// configured URL names. A worker the statuses still name that no
    /// longer answers has died, and its work waits for the rebalance.
    pub reachable: Option<bool>,
    /// Its Kafka version, from its own `GET /`.
    pub version: Option<String>,
    /// Connectors and tasks the statuses place on it.
    pub connectors: usize,
    pub tasks: usize,
}

/// One connector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectorFigures {
    pub name: String,
    pub kind: ConnectorKind,
    /// `connector.class`.
    pub class: Option<String>,
    pub state: ConnectState,
    pub worker: Option<String>,
    /// The failure's stack trace (first [`MAX_TRACE_BYTES`]).
    pub trace: Option<String>,
    /// `tasks.max`, as configured.
    pub tasks_max: Option<String>,
    /// The topics the connector used (`GET /connectors/{name}/topics`);
    /// `None` when that could not be read (topic tracking disabled).
    pub topics: Option<Vec<String>>,
    /// A sink's `topics` and `topics.regex`, a source's `topic`, as
    /// configured.
    pub config_topics: Option<String>,
    pub config_topics_regex: Option<String>,
    pub config_topic: Option<String>,
    /// A sink's consumer group: `consumer.override.group.id`, else the
    /// worker's configured one, else `connect-<name>`.
    pub consumer_group: Option<String>,
    pub tasks: Vec<TaskFigures>,
    /// Restarts seen across polls since kafkascope started watching.
    pub restarts: u64,
}

/// One task of a connector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskFigures {
    pub id: i32,
    pub state: ConnectState,
    pub worker: Option<String>,
    pub trace: Option<String>,
    /// Restarts seen across polls since kafkascope started watching.
    pub restarts: u64,
}

/// Traces can be hundreds of KiB (nested causes); the head names the
/// exception and where it was thrown.
pub const MAX_TRACE_BYTES: usize = 8 * 1024;

/// `trace` cut to [`MAX_TRACE_BYTES`] on a character boundary, marked
/// with `…` where it was cut.
pub fn bounded_trace(trace: &str) -> String {
    if trace.len() <= MAX_TRACE_BYTES {
        return trace.to_string();
    }
    let mut end = MAX_TRACE_BYTES;
    while !trace.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &trace[..end])
}

/// Each state's count of `states`, every known state present.
pub fn count_by_state<'a>(
    states: impl IntoIterator<Item = &'a ConnectState>,
) -> BTreeMap<ConnectState, usize> {
    let mut counts: BTreeMap<ConnectState, usize> =
        ConnectState::KNOWN.iter().map(|s| (s.clone(), 0)).collect();
    for state in states {
        *counts.entry(state.clone()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_and_write_as_connect_names_them() {
        for state in ConnectState::KNOWN {
            assert_eq!(ConnectState::parse(state.as_str()), state);
        }
        assert_eq!(
            ConnectState::parse("DEGRADED"),
            ConnectState::Other("DEGRADED".into())
        );
        assert_eq!(
            serde_json::to_string(&ConnectState::Unassigned).unwrap(),
            "\"UNASSIGNED\""
        );
    }

    #[test]
    fn counts_name_every_known_state_and_keep_new_ones() {
        let states = [
            ConnectState::Running,
            ConnectState::Running,
            ConnectState::Other("DEGRADED".into()),
        ];
        let counts = count_by_state(&states);
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            "{\"RUNNING\":2,\"PAUSED\":0,\"STOPPED\":0,\"FAILED\":0,\
             \"UNASSIGNED\":0,\"RESTARTING\":0,\"DEGRADED\":1}"
        );
    }

    #[test]
    fn a_long_trace_is_cut_on_a_character_boundary() {
        assert_eq!(bounded_trace("short"), "short");
        let trace = format!("{}é{}", "a".repeat(MAX_TRACE_BYTES - 1), "b".repeat(100));
        let cut = bounded_trace(&trace);
        assert_eq!(cut, format!("{}…", "a".repeat(MAX_TRACE_BYTES - 1)));
    }
}
