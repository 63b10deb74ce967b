//! `[clusters.node_exporter]`: the node_exporter (or `kafkascope agent`)
//! pages of the brokers' hosts, listed or discovered per broker.

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::node_exporter::{HostTarget, NodeExporterSettings};
use serde::Deserialize;
use toml::Spanned;

use super::http_options::{basic_auth, tls_settings};
use super::{TlsEntry, positive_seconds};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeExporterEntry {
    pub interval_seconds: Option<Spanned<u64>>,
    pub timeout_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub targets: Vec<HostTargetEntry>,
    /// Read `http://<broker host>:<port><discover_path>` for every broker
    /// no target describes.
    pub discover_port: Option<Spanned<u64>>,
    pub discover_path: Option<String>,
    /// HTTP Basic credentials for every target.
    pub username: Option<String>,
    /// A literal, `env:NAME` or `file:path`.
    pub password: Option<Spanned<String>>,
    pub tls: Option<TlsEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTargetEntry {
    pub url: Spanned<String>,
    /// The host as the brokers' Metadata names it; the URL's by default.
    pub host: Option<String>,
    pub broker: Option<i32>,
}

/// The settings and interval of the node_exporter source.
pub fn node_exporter(
    entry: &NodeExporterEntry,
    field: &str,
    cluster_interval: Duration,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(NodeExporterSettings, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    let auth = basic_auth(
        entry.username.as_ref(),
        entry.password.as_ref(),
        &field,
        base,
        at,
    )?;
    let mut targets = Vec::with_capacity(entry.targets.len());
    for (i, target) in entry.targets.iter().enumerate() {
        let url = HttpUrl::parse(target.url.get_ref()).map_err(|e| {
            anyhow::anyhow!(
                "line {}: {}: {e}",
                at(target.url.span()),
                field(&format!("targets[{i}].url"))
            )
        })?;
        let mut host = HostTarget::new(url);
        if let Some(name) = target
            .host
            .as_ref()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
        {
            host.host = name.to_string();
        }
        host.broker = target.broker;
        host.basic_auth = auth.clone();
        targets.push(host);
    }
    let mut settings = NodeExporterSettings::new(targets);
    if let Some(port) = &entry.discover_port {
        match u16::try_from(*port.get_ref()) {
            Ok(p) if p > 0 => settings.discover_port = Some(p),
            _ => bail!(
                "line {}: {}: {} is not a port",
                at(port.span()),
                field("discover_port"),
                port.get_ref()
            ),
        }
    }
    if let Some(path) = &entry.discover_path {
        settings.discover_path = if path.starts_with('/') {
            path.clone()
        } else {
            format!("/{path}")
        };
    }
    if settings.targets.is_empty() && settings.discover_port.is_none() {
        bail!(
            "{}: give targets, or discover_port to read every broker's host",
            field("targets")
        );
    }
    settings.discover_basic_auth = auth;
    settings.tls = tls_settings(entry.tls.as_ref(), base);
    if let Some(seconds) = positive_seconds(
        entry.timeout_seconds.as_ref(),
        &field("timeout_seconds"),
        at,
    )? {
        settings.timeout = Duration::from_secs(seconds);
    }
    let interval = positive_seconds(
        entry.interval_seconds.as_ref(),
        &field("interval_seconds"),
        at,
    )?
    .map_or(cluster_interval, Duration::from_secs);
    Ok((settings, interval))
}
