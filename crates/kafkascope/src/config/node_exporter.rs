//! `[clusters.node_exporter]`: the node_exporter (or `kafkascope agent`)
//! pages of the brokers' hosts, listed or discovered per broker.

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::node_exporter::{HostTarget, NodeExporterSettings};
use serde::Deserialize;
use toml::Spanned;

use super::TlsEntry;
use super::http_options::{basic_auth, http_url, tls_settings};
use super::source_table::{discover_path, discover_port, interval_seconds, timeout_seconds};

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
        let url = http_url(&target.url, &field(&format!("targets[{i}].url")), at)?;
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
    if let Some(port) = discover_port(entry.discover_port.as_ref(), &field, at)? {
        settings.discover_port = Some(port);
    }
    if let Some(path) = &entry.discover_path {
        settings.discover_path = discover_path(path);
    }
    if settings.targets.is_empty() && settings.discover_port.is_none() {
        bail!(
            "{}: give targets, or discover_port to read every broker's host",
            field("targets")
        );
    }
    settings.discover_basic_auth = auth;
    settings.tls = tls_settings(entry.tls.as_ref(), base);
    if let Some(timeout) = timeout_seconds(entry.timeout_seconds.as_ref(), &field, at)? {
        settings.timeout = timeout;
    }
    let interval = interval_seconds(
        entry.interval_seconds.as_ref(),
        &field,
        cluster_interval,
        at,
    )?;
    Ok((settings, interval))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use kafkascope_sources::node_exporter::NodeExporterSettings;

    use super::super::source_table::test_config::{CLUSTER, only_source, parse_err, parse_err_in};
    use super::super::sources::SourcePlan;

    fn node_exporter(text: &str, base: &Path) -> (NodeExporterSettings, Duration) {
        match only_source(text, base) {
            SourcePlan::NodeExporter { settings, interval } => (settings, interval),
            other => panic!("a node_exporter source, not {other:?}"),
        }
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
        let table = format!("{CLUSTER}[clusters.node_exporter]\n");
        assert_eq!(
            parse_err(&table),
            "clusters[0].node_exporter.targets: give targets, or discover_port to read every broker's host"
        );
        assert_eq!(
            parse_err(&format!("{table}discover_port = 70000\n")),
            "line 6: clusters[0].node_exporter.discover_port: 70000 is not a port"
        );
        let bad_url =
            format!("{table}[[clusters.node_exporter.targets]]\nurl = \"ftp://h:9100/metrics\"\n");
        assert_eq!(
            parse_err(&bad_url),
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
        let error = parse_err_in(&text, dir.path());
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
            parse_err_in(&missing, dir.path()),
            format!(
                "line 8: clusters[0].node_exporter.password: cannot read {}: No such file or directory (os error 2)",
                dir.path().join("missing.pw").display()
            )
        );
    }
}
