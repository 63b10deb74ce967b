//! What the JMX readers share: targets and settings, and what turns one
//! poll's reading of every target into a [`Polled`]: rates against each
//! target's previous reading, a verdict on every Kafka client, and the
//! role a target's figures show when the config does not name it. The
//! readers are [`crate::jmx_exporter`] (the Prometheus JMX exporter's pages)
//! and [`crate::jolokia`] (Jolokia's bulk reads); both yield the same
//! [`JmxFigures`].

mod settings;

use std::collections::BTreeMap;
use std::time::Instant;

use kafkascope_client::http_client::HttpUrl;

use crate::client_figures::ClientKind;
use crate::client_liveness::ClientTracker;
use crate::jmx_figures::{JmxFigures, NodeFigures, Role};
use crate::prometheus_text::PageSummary;
use crate::source::{PollContext, Polled, SourceFigures, TargetStatus, now_ms};

pub use settings::{JmxSettings, JmxTarget};

/// One target's reading in a poll: its status, its figures, and when it
/// was read (for rates).
pub type Reading = (TargetStatus, NodeFigures, Instant);

/// What a JMX source keeps from poll to poll.
pub struct JmxState {
    /// The verdict on every Kafka client seen on a target.
    clients: ClientTracker,
    /// Each target's figures of the last poll where it was up, for rates.
    previous: BTreeMap<String, (Instant, NodeFigures)>,
}

impl JmxState {
    pub fn new(settings: &JmxSettings) -> Self {
        Self {
            clients: ClientTracker::new(settings.clients.clone()),
            previous: BTreeMap::new(),
        }
    }

    /// The poll's result from every target's reading, in target order.
    pub fn finish(
        &mut self,
        targets: &[JmxTarget],
        readings: Vec<Reading>,
        context: &PollContext,
    ) -> Polled {
        let now_ms = now_ms();
        let mut statuses = Vec::with_capacity(readings.len());
        let mut nodes = Vec::with_capacity(readings.len());
        for (target, (status, mut node, at)) in targets.iter().zip(readings) {
            let key = target.url.to_string();
            if node.up {
                self.clients
                    .observe_up(&key, &mut node.clients, now_ms, &context.client_groups);
                if let Some((then, before)) = self.previous.get(&key) {
                    node.add_rates(before, at.duration_since(*then).as_secs_f64());
                }
                self.previous.insert(key, (at, node.clone()));
            } else {
                let error = status.error.as_deref().unwrap_or("down");
                node.clients = self.clients.observe_down(&key, error, now_ms);
                // A target that comes back starts its rates afresh.
                self.previous.remove(&key);
            }
            statuses.push(status);
            nodes.push(node);
        }
        let current: Vec<String> = targets.iter().map(|t| t.url.to_string()).collect();
        self.previous.retain(|key, _| current.contains(key));
        Polled {
            targets: statuses,
            figures: SourceFigures::Jmx(JmxFigures { nodes }),
        }
    }
}

/// The configured targets and those discovered from the brokers, at
/// `http://<host>:<port><path>`.
pub fn targets(settings: &JmxSettings, context: &PollContext) -> Vec<JmxTarget> {
    let mut targets = settings.targets.clone();
    if let Some(port) = settings.discover_port {
        for (id, host) in &context.brokers {
            let url = format!("http://{host}:{port}{}", settings.discover_path);
            match HttpUrl::parse(&url) {
                Ok(url) => targets.push(JmxTarget {
                    url,
                    role: Some(Role::Broker),
                    node_id: Some(*id),
                    basic_auth: settings.discover_basic_auth.clone(),
                }),
                Err(error) => tracing::debug!(%url, %error, "no JMX target for broker {id}"),
            }
        }
    }
    targets
}

/// A target's figures before it is read, and its status once it was:
/// down with `error`, or up with what reading it came to.
pub fn empty_node(target: &JmxTarget) -> NodeFigures {
    NodeFigures {
        target: target.url.to_string(),
        role: target.role.unwrap_or_default(),
        node_id: target.node_id,
        ..NodeFigures::default()
    }
}

/// `unit` is what a reader's errors are numbered by (a page's `line`,
/// a bulk read's `read`).
pub fn status(
    target: &JmxTarget,
    node: &mut NodeFigures,
    outcome: Result<PageSummary, String>,
    started: Instant,
    unit: &str,
) -> TargetStatus {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(summary) => {
            node.up = true;
            if target.role.is_none() {
                node.role = detected_role(node);
            }
            TargetStatus {
                target: node.target.clone(),
                role: node.role.name().to_string(),
                broker: node.node_id,
                up: true,
                duration_ms,
                samples: summary.samples,
                error: problems(&summary, unit),
            }
        }
        Err(error) => TargetStatus {
            target: node.target.clone(),
            role: node.role.name().to_string(),
            broker: node.node_id,
            up: false,
            duration_ms,
            samples: 0,
            error: Some(error),
        },
    }
}

/// What a target's figures say it is, when the config does not.
fn detected_role(node: &NodeFigures) -> Role {
    // A worker's own producers and consumers make it no client.
    if node.connect.is_some() {
        return Role::Connect;
    }
    // Controllers serve requests too: only a replica manager makes a broker.
    let broker = node
        .broker
        .as_ref()
        .is_some_and(|b| b.partitions.is_some() || b.leaders.is_some());
    let controller = node.controller.is_some();
    match (broker, controller) {
        (true, true) => Role::BrokerController,
        (true, false) => Role::Broker,
        (false, true) => Role::Controller,
        (false, false) => match node.clients.values().next().map(|c| c.kind) {
            Some(ClientKind::Producer) => Role::Producer,
            Some(ClientKind::Consumer) => Role::Consumer,
            None => Role::Unknown,
        },
    }
}

/// What of an otherwise readable target could not be read.
fn problems(summary: &PageSummary, unit: &str) -> Option<String> {
    let first = summary.errors.first()?;
    let count = summary.errors.len() + summary.errors_not_kept;
    Some(format!(
        "{count} unreadable {unit}(s); {unit} {}: {}",
        first.line, first.reason
    ))
}
