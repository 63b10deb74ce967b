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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use kafkascope_sources::connect_rest::ConnectRestSettings;

    use super::super::parse;
    use super::super::sources::SourcePlan;

    const CLUSTER: &str =
        "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"k:9092\"]\ninterval_seconds = 20\n";

    fn connect(text: &str, base: &Path) -> (ConnectRestSettings, Duration) {
        let plan = parse(text, base).unwrap();
        match plan.clusters[0].sources.as_slice() {
            [SourcePlan::ConnectRest { settings, interval }] => (settings.clone(), *interval),
            other => panic!("one Connect source, not {other:?}"),
        }
    }

    fn parse_err(text: &str, base: &Path) -> String {
        format!("{:#}", parse(text, base).unwrap_err())
    }

    #[test]
    fn every_key_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("connect.pw"), "from-file\n").unwrap();
        let text = format!(
            "{CLUSTER}[clusters.connect]\ninterval_seconds = 30\ntimeout_seconds = 4\n\
             [[clusters.connect.clusters]]\nname = \" etl \"\n\
             urls = [\"http://w1:8083\", \"https://w2:8443/base\"]\n\
             username = \"ops\"\npassword = \"file:connect.pw\"\n\
             worker_consumer_group_id = \" etl-sinks \"\n\
             tls = {{ ca_pem = \"ca.pem\", verify_hostname = false }}\n\
             [[clusters.connect.clusters]]\nname = \"cdc\"\nurls = [\"http://cdc:8083\"]\n"
        );
        let (settings, interval) = connect(&text, dir.path());
        assert_eq!(interval, Duration::from_secs(30));
        assert_eq!(settings.timeout, Duration::from_secs(4));
        let etl = &settings.clusters[0];
        assert_eq!(etl.name, "etl");
        let urls: Vec<String> = etl.urls.iter().map(ToString::to_string).collect();
        assert_eq!(urls, ["http://w1:8083/", "https://w2:8443/base"]);
        let auth = etl.basic_auth.as_ref().unwrap();
        assert_eq!(
            (auth.user.as_str(), auth.password.as_str()),
            ("ops", "from-file")
        );
        assert_eq!(etl.worker_consumer_group_id.as_deref(), Some("etl-sinks"));
        assert_eq!(etl.tls.ca_pem, Some(dir.path().join("ca.pem")));
        assert!(!etl.tls.verify_hostname);
        let cdc = &settings.clusters[1];
        assert_eq!(cdc.name, "cdc");
        assert!(cdc.basic_auth.is_none());
        assert_eq!(cdc.worker_consumer_group_id, None);
    }

    #[test]
    fn defaults_are_the_clusters_interval_and_ten_seconds() {
        let text = format!(
            "{CLUSTER}[clusters.connect]\n[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\n"
        );
        let (settings, interval) = connect(&text, Path::new("."));
        assert_eq!(interval, Duration::from_secs(20));
        assert_eq!(settings.timeout, ConnectRestSettings::DEFAULT_TIMEOUT);
        assert_eq!(settings.topics_every_polls, 4);
        assert!(settings.clusters[0].tls.verify_hostname);
        assert_eq!(settings.clusters[0].tls.ca_pem, None);
    }

    #[test]
    fn mistakes_name_the_field_and_the_line() {
        let base = Path::new(".");
        let table = format!("{CLUSTER}[clusters.connect]\n");
        assert_eq!(
            parse_err(&table, base),
            "clusters[0].connect.clusters: give at least one [[clusters[0].connect.clusters]] with name and urls"
        );
        let bad_url = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\", \"ftp://w2\"]\n"
        );
        assert_eq!(
            parse_err(&bad_url, base),
            "line 8: clusters[0].connect.clusters[0].urls[1]: not a valid URL: the URL must start with http:// or https://"
        );
        let no_urls = format!("{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = []\n");
        assert_eq!(
            parse_err(&no_urls, base),
            "line 8: clusters[0].connect.clusters[0].urls: give at least one worker's REST URL"
        );
        let twice = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\n\
             [[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w2:8083\"]\n"
        );
        assert_eq!(
            parse_err(&twice, base),
            "line 10: clusters[0].connect.clusters[1].name: 'etl' is used by an earlier Connect cluster"
        );
        let zero = format!(
            "{table}timeout_seconds = 0\n[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\n"
        );
        assert_eq!(
            parse_err(&zero, base),
            "line 6: clusters[0].connect.timeout_seconds: must be at least 1"
        );
        let no_user = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\npassword = \"pw\"\n"
        );
        assert_eq!(
            parse_err(&no_user, base),
            "line 9: clusters[0].connect.clusters[0].password: a password needs a username"
        );
    }

    #[test]
    fn an_unreadable_password_file_is_named_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        // Not UTF-8: read_to_string refuses it, and the bytes must not show.
        std::fs::write(dir.path().join("bad.pw"), b"hunter2-secret\xff\xfe").unwrap();
        let text = format!(
            "{CLUSTER}[clusters.connect]\n[[clusters.connect.clusters]]\nname = \"etl\"\n\
             urls = [\"http://w1:8083\"]\nusername = \"ops\"\npassword = \"file:bad.pw\"\n"
        );
        let error = parse_err(&text, dir.path());
        assert_eq!(
            error,
            format!(
                "line 10: clusters[0].connect.clusters[0].password: cannot read {}: stream did not contain valid UTF-8",
                dir.path().join("bad.pw").display()
            )
        );
        assert!(!error.contains("hunter2"));
    }
}
