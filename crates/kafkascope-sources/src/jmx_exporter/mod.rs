//! The JMX exporter source: the pages of the Prometheus JMX exporter java
//! agent on brokers, controllers and clients, read into [`JmxFigures`].
//!
//! Targets are listed in the config, or discovered from the brokers of the
//! latest snapshot (each broker's host with a configured port). All targets
//! are fetched at once, each within its own timeout and with a bound on its
//! page; one that is down, slow, answers an error or garbage is reported as
//! such and the others still count. Counters become rates against the same
//! target's previous poll ([`crate::jmx`]).
//!
//! [`JmxFigures`]: crate::jmx_figures::JmxFigures

use std::time::Instant;

use futures::future::BoxFuture;
use kafkascope_client::http_client::{HttpClient, HttpRequest, excerpt};

use crate::jmx::{JmxSettings, JmxState, JmxTarget, Reading, empty_node, status, targets};
use crate::jmx_figures::NodeFigures;
use crate::prometheus_text::{PageFormat, PageSummary, parse_page};
use crate::source::{PollContext, Polled, Source, SourceKind};

/// What the agent is asked for: Prometheus text, whose timestamps and
/// suffixes every exporter version writes the same way.
const ACCEPT: &str = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

pub struct JmxExporterSource {
    settings: JmxSettings,
    client: HttpClient,
    state: JmxState,
}

impl JmxExporterSource {
    pub fn new(settings: JmxSettings) -> Self {
        Self {
            state: JmxState::new(&settings),
            client: settings.http_client(),
            settings,
        }
    }
}

impl Source for JmxExporterSource {
    fn kind(&self) -> SourceKind {
        SourceKind::JmxExporter
    }

    fn poll<'a>(&'a mut self, context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let targets = targets(&self.settings, context);
            let client = &self.client;
            let readings =
                futures::future::join_all(targets.iter().map(|t| fetch_target(client, t))).await;
            self.state.finish(&targets, readings, context)
        })
    }
}

/// Fetches and reads one target's page.
async fn fetch_target(client: &HttpClient, target: &JmxTarget) -> Reading {
    let started = Instant::now();
    let mut node = empty_node(target);
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
    let status = status(target, &mut node, outcome, started, "line");
    (status, node, started)
}

fn read_page(node: &mut NodeFigures, page: &str, format: PageFormat) -> PageSummary {
    parse_page(page, format, |sample| {
        node.read_sample(sample);
    })
}

#[cfg(test)]
mod tests;
