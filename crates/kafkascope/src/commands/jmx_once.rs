//! JMX figures for the one-shot commands: every given agent read twice,
//! `--jmx-seconds` apart, so the rates are the brokers' and clients' own
//! over that span.

use std::time::Duration;

use anyhow::{Context, bail};
use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::jmx::{JmxSettings, JmxTarget};
use kafkascope_sources::jmx_exporter::JmxExporterSource;
use kafkascope_sources::jmx_figures::NodeFigures;
use kafkascope_sources::jolokia::JolokiaSource;
use kafkascope_sources::source::{PollContext, Polled, Source, SourceFigures};

use crate::cli::JmxArgs;

/// `URL` or `NODE_ID=URL`.
pub fn target(text: &str) -> anyhow::Result<JmxTarget> {
    let (node_id, url) = match text.split_once('=') {
        Some((id, url)) if id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty() => {
            (Some(id.parse::<i32>().context("a node id")?), url)
        }
        _ => (None, text),
    };
    let url = HttpUrl::parse(url.trim()).with_context(|| format!("JMX target {text:?}"))?;
    Ok(JmxTarget {
        url,
        role: None,
        node_id,
        basic_auth: None,
    })
}

/// Settings reading `targets` (each `URL` or `NODE_ID=URL`).
pub fn settings(targets: &[String]) -> anyhow::Result<JmxSettings> {
    let targets = targets
        .iter()
        .map(|t| target(t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(JmxSettings::new(targets))
}

/// Every node of every given agent, read twice (exporter pages first); a
/// node read by both kinds of agent is kept as its page has it.
pub async fn read(args: &JmxArgs) -> anyhow::Result<Vec<(NodeFigures, Option<String>)>> {
    if !(args.jmx_seconds.is_finite() && args.jmx_seconds >= 0.0) {
        bail!("--jmx-seconds must be 0 or more");
    }
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    if !args.jmx_exporter.is_empty() {
        sources.push(Box::new(JmxExporterSource::new(settings(
            &args.jmx_exporter,
        )?)));
    }
    if !args.jolokia.is_empty() {
        sources.push(Box::new(JolokiaSource::new(settings(&args.jolokia)?)));
    }
    let context = PollContext::default();
    for source in &mut sources {
        source.poll(&context).await;
    }
    tokio::time::sleep(Duration::from_secs_f64(args.jmx_seconds)).await;
    let mut nodes: Vec<(NodeFigures, Option<String>)> = Vec::new();
    for source in &mut sources {
        let Polled { targets, figures } = source.poll(&context).await;
        let SourceFigures::Jmx(figures) = figures else {
            continue;
        };
        for (node, status) in figures.nodes.into_iter().zip(targets) {
            let known = nodes.iter().any(|(n, _)| {
                n.node_id.is_some() && n.node_id == node.node_id || n.target == node.target
            });
            if !known {
                nodes.push((node, status.error));
            }
        }
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_take_an_optional_node_id() {
        let t = target("2=http://kafka-2:7071/metrics").unwrap();
        assert_eq!(
            (t.node_id, t.url.to_string()),
            (Some(2), "http://kafka-2:7071/metrics".into())
        );
        let t = target("http://kafka-2:7071/metrics").unwrap();
        assert_eq!(t.node_id, None);
        assert_eq!(
            format!("{:#}", target("kafka-2:7071").unwrap_err()),
            "JMX target \"kafka-2:7071\": not a valid URL: the URL must start with http:// or https://"
        );
    }
}
