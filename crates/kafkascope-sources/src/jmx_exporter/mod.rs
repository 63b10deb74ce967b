//! The JMX exporter source: the pages of the Prometheus JMX exporter java
//! agent on brokers, controllers and clients, read into [`JmxFigures`].
//!
//! Targets are listed in the config, or discovered from the brokers of the
//! latest snapshot (each broker's host with a configured port). All targets
//! are fetched at once, each within its own timeout and with a bound on its
//! page; one that is down, slow, answers an error or garbage is reported as
//! such and the others still count. Counters become rates against the same
//! target's previous poll.

mod settings;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::future::BoxFuture;
use kafkascope_client::http_client::{HttpClient, HttpRequest, HttpUrl, excerpt};

use crate::client_figures::ClientKind;
use crate::client_liveness::ClientTracker;
use crate::jmx_figures::{JmxFigures, NodeFigures, Role};
use crate::prometheus_text::{PageFormat, PageSummary, parse_page};
use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind, TargetStatus};

pub use settings::{JmxExporterSettings, JmxTarget};

/// What the agent is asked for: Prometheus text, whose timestamps and
/// suffixes every exporter version writes the same way.
const ACCEPT: &str = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

pub struct JmxExporterSource {
    settings: JmxExporterSettings,
    client: HttpClient,
    /// The verdict on every Kafka client seen on a page.
    clients: ClientTracker,
    /// Each target's figures of the last poll where it was up, for rates.
    previous: BTreeMap<String, (Instant, NodeFigures)>,
}

impl JmxExporterSource {
    pub fn new(settings: JmxExporterSettings) -> Self {
        let mut client =
            HttpClient::new(settings.timeout, settings.timeout, settings.max_page_bytes);
        client.tls = settings.tls.clone();
        Self {
            clients: ClientTracker::new(settings.clients.clone()),
            settings,
            client,
            previous: BTreeMap::new(),
        }
    }

    /// The configured targets and those discovered from the brokers.
    fn targets(&self, context: &PollContext) -> Vec<JmxTarget> {
        let mut targets = self.settings.targets.clone();
        if let Some(port) = self.settings.discover_port {
            for (id, host) in &context.brokers {
                let url = format!("http://{host}:{port}{}", self.settings.discover_path);
                match HttpUrl::parse(&url) {
                    Ok(url) => targets.push(JmxTarget {
                        url,
                        role: Some(Role::Broker),
                        node_id: Some(*id),
                        basic_auth: self.settings.discover_basic_auth.clone(),
                    }),
                    Err(error) => {
                        tracing::debug!(%url, %error, "no JMX exporter target for broker {id}")
                    }
                }
            }
        }
        targets
    }
}

impl Source for JmxExporterSource {
    fn kind(&self) -> SourceKind {
        SourceKind::JmxExporter
    }

    fn poll<'a>(&'a mut self, context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let targets = self.targets(context);
            let now_ms = unix_ms();
            let client = &self.client;
            let fetched =
                futures::future::join_all(targets.iter().map(|t| fetch_target(client, t))).await;
            let mut statuses = Vec::with_capacity(fetched.len());
            let mut nodes = Vec::with_capacity(fetched.len());
            for (target, (status, node, at)) in targets.iter().zip(fetched) {
                let mut node = node;
                let key = target.url.to_string();
                if node.up {
                    self.clients.observe_up(
                        &key,
                        &mut node.clients,
                        now_ms,
                        &context.client_groups,
                    );
                } else {
                    let error = status.error.as_deref().unwrap_or("down");
                    node.clients = self.clients.observe_down(&key, error, now_ms);
                }
                if node.up {
                    if let Some((then, before)) = self.previous.get(&key) {
                        node.add_rates(before, at.duration_since(*then).as_secs_f64());
                    }
                    self.previous.insert(key, (at, node.clone()));
                } else {
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
        })
    }
}

/// Fetches and reads one target's page.
async fn fetch_target(
    client: &HttpClient,
    target: &JmxTarget,
) -> (TargetStatus, NodeFigures, Instant) {
    let started = Instant::now();
    let mut node = NodeFigures {
        target: target.url.to_string(),
        role: target.role.unwrap_or_default(),
        node_id: target.node_id,
        ..NodeFigures::default()
    };
    let request = HttpRequest {
        basic_auth: target.basic_auth.as_ref(),
        ..HttpRequest::get(&target.url, ACCEPT)
    };
    let outcome = match client.send(request).await {
        Err(error) => Err(error.to_string()),
        Ok(answer) if !answer.is_success() => {
            Err(format!("HTTP {}: {}", answer.status, excerpt(&answer.body)))
        }
        Ok(answer) => match std::str::from_utf8(&answer.body) {
            Err(error) => Err(format!("the page is not UTF-8 text: {error}")),
            Ok(page) => {
                let format =
                    PageFormat::of_content_type(answer.content_type.as_deref().unwrap_or(""));
                Ok(read_page(&mut node, page, format))
            }
        },
    };
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = match outcome {
        Ok(summary) => {
            node.up = true;
            if target.role.is_none() {
                node.role = detected_role(&node);
            }
            TargetStatus {
                target: node.target.clone(),
                role: node.role.name().to_string(),
                broker: node.node_id,
                up: true,
                duration_ms,
                samples: summary.samples,
                error: page_problems(&summary),
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
    };
    (status, node, started)
}

fn read_page(node: &mut NodeFigures, page: &str, format: PageFormat) -> PageSummary {
    parse_page(page, format, |sample| {
        node.read_sample(sample);
    })
}

/// What a page's series say the node is, when the config does not.
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn detected_role(node: &NodeFigures) -> Role {
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

/// Lines of an otherwise readable page that could not be read.
fn page_problems(summary: &PageSummary) -> Option<String> {
    let first = summary.errors.first()?;
    let count = summary.errors.len() + summary.errors_not_kept;
    Some(format!("{count} unreadable line(s); {first}"))
}

#[cfg(test)]
mod tests;
