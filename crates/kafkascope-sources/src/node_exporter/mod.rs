//! The node_exporter source: the pages of node_exporter (or of
//! `kafkascope agent`, which writes the same series) on the hosts the
//! brokers run on, read into [`HostFigures`].
//!
//! Each target is tagged with the host it describes and, where known, the
//! broker on it, so the broker page can show its host's CPU, disk and
//! network beside its throughput. All targets are fetched at once over the
//! shared HTTP client, each within its timeout and with a bound on its
//! page; one that is down, slow or answers garbage is reported as such
//! and the others still count. Counters become rates against the same
//! target's previous poll.

mod settings;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::future::BoxFuture;
use kafkascope_client::http_client::{HttpClient, HttpRequest, excerpt};

use crate::host_figures::{HostFigures, HostNode};
use crate::prometheus_text::{PageFormat, PageSummary, parse_page};
use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind, TargetStatus};

pub use settings::{HostTarget, NodeExporterSettings};

/// node_exporter answers OpenMetrics when asked; the Prometheus text is
/// what every version and the agent write alike.
const ACCEPT: &str = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

/// One target's reading in a poll: its status, its figures, and when it
/// was read (for rates).
type Reading = (TargetStatus, HostNode, Instant);

pub struct NodeExporterSource {
    settings: NodeExporterSettings,
    client: HttpClient,
    /// Each target's figures of the last poll where it was up, by URL.
    previous: BTreeMap<String, (Instant, HostNode)>,
}

impl NodeExporterSource {
    pub fn new(settings: NodeExporterSettings) -> Self {
        Self {
            client: settings.http_client(),
            settings,
            previous: BTreeMap::new(),
        }
    }

    /// Rates against each target's previous reading, and the poll's result.
    fn finish(&mut self, readings: Vec<Reading>) -> Polled {
        let mut statuses = Vec::with_capacity(readings.len());
        let mut hosts = Vec::with_capacity(readings.len());
        for (status, mut node, at) in readings {
            if node.up {
                if let Some((then, before)) = self.previous.get(&node.target) {
                    node.add_rates(before, at.duration_since(*then).as_secs_f64());
                }
                self.previous
                    .insert(node.target.clone(), (at, node.clone()));
            } else {
                // A target that comes back starts its rates afresh.
                self.previous.remove(&node.target);
            }
            statuses.push(status);
            hosts.push(node);
        }
        self.previous
            .retain(|target, _| hosts.iter().any(|h| &h.target == target));
        Polled {
            targets: statuses,
            figures: SourceFigures::Host(HostFigures { hosts }),
        }
    }
}

impl Source for NodeExporterSource {
    fn kind(&self) -> SourceKind {
        SourceKind::NodeExporter
    }

    fn poll<'a>(&'a mut self, context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let targets = self.settings.targets(&context.brokers);
            let client = &self.client;
            let readings =
                futures::future::join_all(targets.iter().map(|t| fetch_target(client, t))).await;
            self.finish(readings)
        })
    }
}

/// Fetches and reads one target's page.
async fn fetch_target(client: &HttpClient, target: &HostTarget) -> Reading {
    let started = Instant::now();
    let mut node = HostNode {
        target: target.url.to_string(),
        host: target.host.clone(),
        broker: target.broker,
        ..HostNode::default()
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
                Ok(parse_page(page, format, |sample| node.read_sample(sample)))
            }
        },
    };
    let status = status(&mut node, outcome, started);
    (status, node, started)
}

fn status(
    node: &mut HostNode,
    outcome: Result<PageSummary, String>,
    started: Instant,
) -> TargetStatus {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (up, samples, error) = match outcome {
        Ok(summary) => {
            node.up = true;
            (true, summary.samples, problems(node, &summary))
        }
        Err(error) => (false, 0, Some(error)),
    };
    TargetStatus {
        target: node.target.clone(),
        role: "host".to_string(),
        broker: node.broker,
        up,
        duration_ms,
        samples,
        error,
    }
}

/// What of a readable page could not be read, or that it is no
/// node_exporter page at all (a JMX exporter's port, say).
fn problems(node: &HostNode, summary: &PageSummary) -> Option<String> {
    if let Some(first) = summary.errors.first() {
        let count = summary.errors.len() + summary.errors_not_kept;
        return Some(format!(
            "{count} unreadable line(s); line {}: {}",
            first.line, first.reason
        ));
    }
    let nothing = node.cpu.is_none()
        && node.memory.is_none()
        && node.mounts.is_empty()
        && node.load.is_none();
    nothing.then(|| "the page has no node_exporter series".to_string())
}

#[cfg(test)]
mod tests;
