//! `[clusters.connect]`: the Kafka Connect clusters read through their
//! workers' REST API, each with its URLs, credentials and TLS options.

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::connect_rest::{ConnectClusterSettings, ConnectRestSettings};
use serde::Deserialize;
use toml::Spanned;

use super::http_options::{basic_auth, tls_settings};
use super::{TlsEntry, positive_seconds};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectEntry {
    /// How often the clusters are read; the cluster's interval by default.
    pub interval_seconds: Option<Spanned<u64>>,
    pub timeout_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub clusters: Vec<ConnectClusterEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectClusterEntry {
    pub name: Spanned<String>,
    pub urls: Spanned<Vec<Spanned<String>>>,
    pub username: Option<String>,
    /// A literal, `env:NAME` or `file:path`.
    pub password: Option<Spanned<String>>,
    pub tls: Option<TlsEntry>,
    /// The workers' `consumer.group.id`, when they set one.
    pub worker_consumer_group_id: Option<String>,
}

/// The settings and interval of the Connect source (`field` names its table).
pub fn connect(
    entry: &ConnectEntry,
    field: &str,
    cluster_interval: Duration,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(ConnectRestSettings, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    if entry.clusters.is_empty() {
        bail!(
            "{}: give at least one [[{}]] with name and urls",
            field("clusters"),
            field("clusters")
        );
    }
    let mut clusters: Vec<ConnectClusterSettings> = Vec::with_capacity(entry.clusters.len());
    for (i, cluster) in entry.clusters.iter().enumerate() {
        let within = |name: &str| field(&format!("clusters[{i}].{name}"));
        let read = connect_cluster(cluster, &within, base, at)?;
        if clusters.iter().any(|c| c.name == read.name) {
            bail!(
                "line {}: {}: '{}' is used by an earlier Connect cluster",
                at(cluster.name.span()),
                within("name"),
                read.name
            );
        }
        clusters.push(read);
    }
    let mut settings = ConnectRestSettings::new(clusters);
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

fn connect_cluster(
    entry: &ConnectClusterEntry,
    field: &dyn Fn(&str) -> String,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<ConnectClusterSettings> {
    let name = entry.name.get_ref().trim();
    if name.is_empty() {
        bail!(
            "line {}: {}: must not be empty",
            at(entry.name.span()),
            field("name")
        );
    }
    if entry.urls.get_ref().is_empty() {
        bail!(
            "line {}: {}: give at least one worker's REST URL",
            at(entry.urls.span()),
            field("urls")
        );
    }
    let mut urls = Vec::with_capacity(entry.urls.get_ref().len());
    for (j, url) in entry.urls.get_ref().iter().enumerate() {
        urls.push(HttpUrl::parse(url.get_ref()).map_err(|e| {
            anyhow::anyhow!(
                "line {}: {}: {e}",
                at(url.span()),
                field(&format!("urls[{j}]"))
            )
        })?);
    }
    let mut settings = ConnectClusterSettings::new(name, urls);
    settings.basic_auth = basic_auth(
        entry.username.as_ref(),
        entry.password.as_ref(),
        field,
        base,
        at,
    )?;
    settings.tls = tls_settings(entry.tls.as_ref(), base);
    settings.worker_consumer_group_id = entry
        .worker_consumer_group_id
        .as_ref()
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty());
    Ok(settings)
}
