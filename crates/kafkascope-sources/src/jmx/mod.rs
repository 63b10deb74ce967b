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

/// The configured targets and those discovered: the `discover_hosts` if
/// any, else the snapshot's brokers. A discovered URL that is already a
/// target is left out: the configured one says what the config knows of it,
/// and reading it twice would mix the rates, which are kept by URL.
pub fn targets(settings: &JmxSettings, context: &PollContext) -> Vec<JmxTarget> {
    let mut targets = settings.targets.clone();
    let discovered = if settings.discover_hosts.is_empty() {
        broker_targets(settings, context)
    } else {
        host_targets(settings)
    };
    for target in discovered {
        if !targets.iter().any(|t| same_page(&t.url, &target.url)) {
            targets.push(target);
        }
    }
    targets
}

/// Whether two URLs read the same page: host names are case-blind, and
/// `http://a/` is `http://a:80/`.
fn same_page(a: &HttpUrl, b: &HttpUrl) -> bool {
    a.https == b.https
        && a.addr.eq_ignore_ascii_case(&b.addr)
        && a.path_and_query == b.path_and_query
}

/// Every broker of the snapshot at `http://<host>:<port><path>`, with its id.
fn broker_targets(settings: &JmxSettings, context: &PollContext) -> Vec<JmxTarget> {
    let Some(port) = settings.discover_port else {
        return Vec::new();
    };
    let mut targets = Vec::with_capacity(context.brokers.len());
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
    targets
}

/// Every `discover_hosts` entry's target; the config refuses bad entries,
/// so one here came from code and is only logged.
fn host_targets(settings: &JmxSettings) -> Vec<JmxTarget> {
    let mut targets = Vec::with_capacity(settings.discover_hosts.len());
    for entry in &settings.discover_hosts {
        match settings.host_target(entry) {
            Ok(target) => targets.push(target),
            Err(error) => tracing::debug!(%error, "no JMX target for host {entry}"),
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
    // A worker's or a Streams application's own producers and consumers
    // make it no client.
    if node.connect.is_some() {
        return Role::Connect;
    }
    if node.streams.is_some() {
        return Role::Streams;
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

#[cfg(test)]
mod tests {
    use kafkascope_client::http_client::{BasicAuth, HttpUrl};

    use super::{JmxSettings, JmxTarget, targets};
    use crate::jmx_figures::Role;
    use crate::source::PollContext;

    fn context() -> PollContext {
        PollContext {
            cluster: "prod".into(),
            brokers: vec![(1, "kafka-1".into()), (2, "kafka-2".into())],
            ..PollContext::default()
        }
    }

    fn static_target(url: &str, role: Role, node_id: i32) -> JmxTarget {
        JmxTarget {
            url: HttpUrl::parse(url).unwrap(),
            role: Some(role),
            node_id: Some(node_id),
            basic_auth: None,
        }
    }

    /// (URL, role, node id, Basic user) of each target, in order.
    type Seen = (String, Option<Role>, Option<i32>, Option<String>);

    fn seen(targets: &[JmxTarget]) -> Vec<Seen> {
        targets
            .iter()
            .map(|t| {
                let user = t.basic_auth.as_ref().map(|a| a.user.clone());
                (t.url.to_string(), t.role, t.node_id, user)
            })
            .collect()
    }

    #[test]
    fn discover_hosts_are_read_instead_of_the_brokers() {
        let mut settings = JmxSettings::new(vec![]);
        settings.discover_port = Some(7071);
        settings.discover_path = "/jolokia/".into();
        settings.discover_basic_auth = Some(BasicAuth {
            user: "ops".into(),
            password: "pw".into(),
        });
        settings.discover_hosts = [
            "ctrl-1",
            "connect-1:7072",
            "10.0.0.9",
            "[fd00::1]:7073",
            "fd00::2",
        ]
        .map(String::from)
        .to_vec();
        let ops = || Some("ops".to_string());
        assert_eq!(
            seen(&targets(&settings, &context())),
            vec![
                ("http://ctrl-1:7071/jolokia/".into(), None, None, ops()),
                ("http://connect-1:7072/jolokia/".into(), None, None, ops()),
                ("http://10.0.0.9:7071/jolokia/".into(), None, None, ops()),
                ("http://[fd00::1]:7073/jolokia/".into(), None, None, ops()),
                ("http://[fd00::2]:7071/jolokia/".into(), None, None, ops()),
            ]
        );
    }

    #[test]
    fn a_discovered_url_that_is_already_a_target_is_left_out() {
        let configured = static_target("http://ctrl-1:7071/metrics", Role::Controller, 3000);
        let mut settings = JmxSettings::new(vec![configured]);
        settings.discover_port = Some(7071);
        settings.discover_hosts = ["ctrl-1", "CTRL-1:7071", "connect-1", "connect-1"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            seen(&targets(&settings, &context())),
            vec![
                (
                    "http://ctrl-1:7071/metrics".into(),
                    Some(Role::Controller),
                    Some(3000),
                    None
                ),
                ("http://connect-1:7071/metrics".into(), None, None, None),
            ]
        );
    }

    #[test]
    fn a_broker_already_configured_is_not_read_twice() {
        let configured = static_target("http://Kafka-2/metrics", Role::BrokerController, 2);
        let mut settings = JmxSettings::new(vec![configured]);
        settings.discover_port = Some(80);
        assert_eq!(
            seen(&targets(&settings, &context())),
            vec![
                (
                    "http://Kafka-2/metrics".into(),
                    Some(Role::BrokerController),
                    Some(2),
                    None
                ),
                (
                    "http://kafka-1:80/metrics".into(),
                    Some(Role::Broker),
                    Some(1),
                    None
                ),
            ]
        );
    }

    #[test]
    fn without_discover_port_only_hosts_with_their_own_port_are_read() {
        let mut settings = JmxSettings::new(vec![]);
        settings.discover_hosts = ["connect-1:7072", "ctrl-1"].map(String::from).to_vec();
        assert_eq!(
            seen(&targets(&settings, &context())),
            vec![("http://connect-1:7072/metrics".into(), None, None, None)]
        );
        assert_eq!(
            settings.host_target("ctrl-1").unwrap_err(),
            "'ctrl-1' has no port, and there is no discover_port"
        );
    }

    #[test]
    fn bad_discover_hosts_entries_say_what_is_wrong() {
        let mut settings = JmxSettings::new(vec![]);
        settings.discover_port = Some(7071);
        let errors: Vec<(&str, String)> = [
            "",
            "a:",
            "a:0",
            "a:70000",
            "a:x",
            ":7072",
            "a/b",
            "ops@a",
            "a b",
            "[fd00::1",
            "[fd00::1]7073",
        ]
        .into_iter()
        .map(|entry| (entry, settings.host_target(entry).unwrap_err()))
        .collect();
        let expected = [
            ("", "an empty host"),
            ("a:", "'' is not a port"),
            ("a:0", "'0' is not a port"),
            ("a:70000", "'70000' is not a port"),
            ("a:x", "'x' is not a port"),
            (":7072", "':7072' has no host"),
            ("a/b", "'a/b' is not a host name or IP"),
            ("ops@a", "'ops@a' is not a host name or IP"),
            (
                "a b",
                "http://a b:7071/metrics: not a valid URL: invalid uri character",
            ),
            ("[fd00::1", "'[fd00::1' is not a host name or IP"),
            ("[fd00::1]7073", "'[fd00::1]7073' is not a host name or IP"),
        ];
        let expected: Vec<(&str, String)> = expected.map(|(e, m)| (e, m.to_string())).to_vec();
        assert_eq!(errors, expected);
        settings.discover_path = "/met rics".into();
        assert_eq!(
            settings.host_target("a").unwrap_err(),
            "http://a:7071/met rics: not a valid URL: invalid uri character"
        );
    }
}
