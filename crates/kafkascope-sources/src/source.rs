//! The small trait every source implements, and what one poll yields.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;

use crate::jmx_figures::JmxFigures;

/// Which source a snapshot comes from. One per kind and cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Pages of the Prometheus JMX exporter java agent.
    JmxExporter,
    /// Bulk reads from the Jolokia JVM agent.
    Jolokia,
    /// Kafka Connect clusters' REST API.
    ConnectRest,
    /// node_exporter pages (or `kafkascope agent`'s) on the brokers' hosts.
    NodeExporter,
    /// ZooKeeper ensemble members' four-letter words.
    Zookeeper,
    /// The brokers' own log files.
    BrokerLogs,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::JmxExporter,
        SourceKind::Jolokia,
        SourceKind::Zookeeper,
        SourceKind::NodeExporter,
        SourceKind::ConnectRest,
        SourceKind::BrokerLogs,
    ];

    /// The name in metric labels, the JSON API and logs.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::JmxExporter => "jmx_exporter",
            SourceKind::Jolokia => "jolokia",
            SourceKind::ConnectRest => "connect",
            SourceKind::NodeExporter => "node_exporter",
            SourceKind::Zookeeper => "zookeeper",
            SourceKind::BrokerLogs => "broker_logs",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a source knows of the cluster when it polls, from its latest
/// snapshot: the brokers (for targets discovered from Metadata) and which
/// consumer groups each client id is a member of (to name a dead client's
/// groups).
#[derive(Debug, Clone, Default)]
pub struct PollContext {
    pub cluster: String,
    /// (broker id, host) of every broker the latest snapshot names.
    pub brokers: Vec<(i32, String)>,
    /// Client id → the groups with a member of that client id.
    pub client_groups: BTreeMap<String, Vec<String>>,
}

/// One source of a cluster's figures beside the Kafka protocol.
pub trait Source: Send + 'static {
    fn kind(&self) -> SourceKind;

    /// Polls every target once. Never fails as a whole: a target's trouble
    /// is in its [`TargetStatus`], and the others' figures still count.
    fn poll<'a>(&'a mut self, context: &'a PollContext) -> BoxFuture<'a, Polled>;
}

/// What one poll of a source yields.
#[derive(Debug, Clone, Default)]
pub struct Polled {
    pub targets: Vec<TargetStatus>,
    pub figures: SourceFigures,
}

/// The figures of a source, by kind.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFigures {
    #[default]
    None,
    Jmx(JmxFigures),
    Connect(crate::connect_rest_figures::ConnectRestFigures),
    Host(crate::host_figures::HostFigures),
    Zookeeper(crate::zookeeper_figures::ZookeeperFigures),
    BrokerLogs(crate::broker_logs::broker_log_figures::BrokerLogFigures),
}

/// How polling one target went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStatus {
    /// The target as configured, without credentials.
    pub target: String,
    /// What the target is (a broker, a producer...).
    pub role: String,
    /// The broker it belongs to, where known.
    pub broker: Option<i32>,
    pub up: bool,
    pub duration_ms: f64,
    /// Samples read (for pages).
    pub samples: usize,
    /// Why it is down, or what could not be read of it.
    pub error: Option<String>,
}

/// One poll of one source for one cluster, as published.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSnapshot {
    pub cluster: String,
    pub kind: SourceKind,
    /// When the poll started (ms since the epoch).
    pub polled_at_ms: i64,
    pub duration_ms: f64,
    pub targets: Vec<TargetStatus>,
    pub figures: SourceFigures,
}

impl SourceSnapshot {
    pub fn jmx(&self) -> Option<&JmxFigures> {
        match &self.figures {
            SourceFigures::Jmx(figures) => Some(figures),
            SourceFigures::None => None,
            SourceFigures::Connect(_) => None,
            SourceFigures::Host(_) => None,
            SourceFigures::Zookeeper(_) => None,
            SourceFigures::BrokerLogs(_) => None,
        }
    }

    pub fn zookeeper(&self) -> Option<&crate::zookeeper_figures::ZookeeperFigures> {
        match &self.figures {
            SourceFigures::Zookeeper(figures) => Some(figures),
            _ => None,
        }
    }
}

impl SourceSnapshot {
    pub fn broker_logs(&self) -> Option<&crate::broker_logs::broker_log_figures::BrokerLogFigures> {
        match &self.figures {
            SourceFigures::BrokerLogs(figures) => Some(figures),
            _ => None,
        }
    }

    pub fn connect_rest(&self) -> Option<&crate::connect_rest_figures::ConnectRestFigures> {
        match &self.figures {
            SourceFigures::Connect(figures) => Some(figures),
            _ => None,
        }
    }
}

/// Now, in milliseconds since the epoch (the time of polls and verdicts).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Every JMX node of `sources` with its cluster, each once: a node read
/// both from its exporter page and through Jolokia counts as its page has
/// it (sources come by cluster, exporter first), as does a node the same
/// id names twice.
pub fn distinct_jmx_nodes<'a>(
    sources: impl IntoIterator<Item = &'a SourceSnapshot>,
) -> Vec<(&'a str, &'a crate::jmx_figures::NodeFigures)> {
    let mut seen = std::collections::BTreeSet::new();
    sources
        .into_iter()
        .flat_map(|s| {
            s.jmx()
                .into_iter()
                .flat_map(|figures| figures.nodes.iter())
                .map(move |n| (s.cluster.as_str(), n))
        })
        .filter(|(cluster, n)| {
            let identity = match n.node_id {
                Some(id) => id.to_string(),
                None => n.target.clone(),
            };
            seen.insert((*cluster, identity))
        })
        .collect()
}

/// Every Kafka client of `sources` with its cluster and the target it was
/// read from, each client id once per cluster (as its exporter page has it
/// when Jolokia reads it too).
pub fn distinct_jmx_clients<'a>(
    sources: impl IntoIterator<Item = &'a SourceSnapshot>,
) -> Vec<(&'a str, &'a str, &'a crate::client_figures::ClientFigures)> {
    let mut seen = std::collections::BTreeSet::new();
    sources
        .into_iter()
        .flat_map(|s| {
            s.jmx()
                .into_iter()
                .flat_map(|figures| figures.nodes.iter())
                .flat_map(|n| n.clients.values().map(move |c| (n.target.as_str(), c)))
                .map(move |(target, c)| (s.cluster.as_str(), target, c))
        })
        .filter(|(cluster, _, c)| seen.insert((*cluster, c.client_id.as_str())))
        .collect()
}

/// Told about every published source snapshot (the history listens).
pub type SourceListener = Box<dyn Fn(&Arc<SourceSnapshot>) + Send + Sync>;
