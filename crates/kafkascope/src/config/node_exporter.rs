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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use kafkascope_sources::node_exporter::NodeExporterSettings;

    use super::super::parse;
    use super::super::sources::SourcePlan;

    const CLUSTER: &str =
        "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"k:9092\"]\ninterval_seconds = 20\n";

    fn node_exporter(text: &str, base: &Path) -> (NodeExporterSettings, Duration) {
        let plan = parse(text, base).unwrap();
        match plan.clusters[0].sources.as_slice() {
            [SourcePlan::NodeExporter { settings, interval }] => (settings.clone(), *interval),
            other => panic!("one node_exporter source, not {other:?}"),
        }
    }

    fn parse_err(text: &str, base: &Path) -> String {
        format!("{:#}", parse(text, base).unwrap_err())
    }

    #[test]
    fn every_key_is_read() {
        let text = format!(
            "{CLUSTER}[clusters.node_exporter]\ninterval_seconds = 60\ntimeout_seconds = 5\n\
             discover_port = 9101\ndiscover_path = \"node/metrics\"\nusername = \"ops\"\npassword = \"pw\"\n\
             tls = {{ ca_pem = \"/etc/ca.pem\" }}\n\
             [[clusters.node_exporter.targets]]\nurl = \"http://10.0.0.1:9100/metrics\"\nhost = \" kafka-1 \"\nbroker = 1\n\
             [[clusters.node_exporter.targets]]\nurl = \"https://kafka-2:9100/metrics\"\n"
        );
        let (settings, interval) = node_exporter(&text, Path::new("."));
        assert_eq!(interval, Duration::from_secs(60));
        assert_eq!(settings.timeout, Duration::from_secs(5));
        assert_eq!(settings.discover_port, Some(9101));
        assert_eq!(settings.discover_path, "/node/metrics");
        let auth = settings.discover_basic_auth.as_ref().unwrap();
        assert_eq!((auth.user.as_str(), auth.password.as_str()), ("ops", "pw"));
        assert_eq!(
            settings.tls.ca_pem.as_deref(),
            Some(Path::new("/etc/ca.pem"))
        );
        assert!(settings.tls.verify_hostname);
        let targets: Vec<(String, String, Option<i32>, Option<&str>)> = settings
            .targets
            .iter()
            .map(|t| {
                (
                    t.url.to_string(),
                    t.host.clone(),
                    t.broker,
                    t.basic_auth.as_ref().map(|a| a.user.as_str()),
                )
            })
            .collect();
        assert_eq!(
            targets,
            [
                (
                    "http://10.0.0.1:9100/metrics".to_string(),
                    "kafka-1".to_string(),
                    Some(1),
                    Some("ops")
                ),
                (
                    "https://kafka-2:9100/metrics".to_string(),
                    "kafka-2".to_string(),
                    None,
                    Some("ops")
                ),
            ]
        );
    }

    #[test]
    fn defaults_are_the_clusters_interval_ten_seconds_and_no_discovery() {
        let text = format!(
            "{CLUSTER}[clusters.node_exporter]\n[[clusters.node_exporter.targets]]\nurl = \"http://h:9100/metrics\"\n"
        );
        let (settings, interval) = node_exporter(&text, Path::new("."));
        assert_eq!(interval, Duration::from_secs(20));
        assert_eq!(settings.timeout, NodeExporterSettings::DEFAULT_TIMEOUT);
        assert_eq!(settings.discover_port, None);
        assert_eq!(settings.discover_path, "/metrics");
        assert!(settings.discover_basic_auth.is_none());
        assert!(settings.targets[0].basic_auth.is_none());
        assert_eq!(settings.targets[0].host, "h");
    }

    #[test]
    fn mistakes_name_the_field_and_the_line() {
        let base = Path::new(".");
        let table = format!("{CLUSTER}[clusters.node_exporter]\n");
        assert_eq!(
            parse_err(&table, base),
            "clusters[0].node_exporter.targets: give targets, or discover_port to read every broker's host"
        );
        assert_eq!(
            parse_err(&format!("{table}discover_port = 70000\n"), base),
            "line 6: clusters[0].node_exporter.discover_port: 70000 is not a port"
        );
        let bad_url =
            format!("{table}[[clusters.node_exporter.targets]]\nurl = \"ftp://h:9100/metrics\"\n");
        assert_eq!(
            parse_err(&bad_url, base),
            "line 7: clusters[0].node_exporter.targets[0].url: not a valid URL: the URL must start with http:// or https://"
        );
    }

    #[test]
    fn an_unreadable_password_file_is_named_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.pw"), b"hunter2-secret\xff").unwrap();
        let text = format!(
            "{CLUSTER}[clusters.node_exporter]\ndiscover_port = 9100\nusername = \"ops\"\npassword = \"file:bad.pw\"\n"
        );
        let error = parse_err(&text, dir.path());
        assert_eq!(
            error,
            format!(
                "line 8: clusters[0].node_exporter.password: cannot read {}: stream did not contain valid UTF-8",
                dir.path().join("bad.pw").display()
            )
        );
        assert!(!error.contains("hunter2"));
        let missing = text.replace("bad.pw", "missing.pw");
        assert_eq!(
            parse_err(&missing, dir.path()),
            format!(
                "line 8: clusters[0].node_exporter.password: cannot read {}: No such file or directory (os error 2)",
                dir.path().join("missing.pw").display()
            )
        );
    }
}
