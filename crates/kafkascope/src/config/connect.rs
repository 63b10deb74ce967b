//! `[clusters.connect]`: the Kafka Connect clusters read through their
//! workers' REST API, each with its URLs, credentials and TLS options.

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::connect_rest::{ConnectClusterSettings, ConnectRestSettings};
use serde::Deserialize;
use toml::Spanned;

use super::TlsEntry;
use super::http_options::{basic_auth, http_url, tls_settings};
use super::names::{TakenNames, non_empty_name};
use super::source_table::{interval_seconds, timeout_seconds};

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
    let mut names = TakenNames::new("Connect cluster");
    for (i, cluster) in entry.clusters.iter().enumerate() {
        let within = |name: &str| field(&format!("clusters[{i}].{name}"));
        let read = connect_cluster(cluster, &within, base, at)?;
        names.take(&read.name, &cluster.name, &within("name"), at)?;
        clusters.push(read);
    }
    let mut settings = ConnectRestSettings::new(clusters);
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

fn connect_cluster(
    entry: &ConnectClusterEntry,
    field: &dyn Fn(&str) -> String,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<ConnectClusterSettings> {
    let name = non_empty_name(&entry.name, &field("name"), at)?;
    if entry.urls.get_ref().is_empty() {
        bail!(
            "line {}: {}: give at least one worker's REST URL",
            at(entry.urls.span()),
            field("urls")
        );
    }
    let urls = entry
        .urls
        .get_ref()
        .iter()
        .enumerate()
        .map(|(j, url)| http_url(url, &field(&format!("urls[{j}]")), at))
        .collect::<anyhow::Result<Vec<_>>>()?;
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

    use super::super::source_table::test_config::{CLUSTER, only_source, parse_err, parse_err_in};
    use super::super::sources::SourcePlan;

    fn connect(text: &str, base: &Path) -> (ConnectRestSettings, Duration) {
        match only_source(text, base) {
            SourcePlan::ConnectRest { settings, interval } => (settings, interval),
            other => panic!("a Connect source, not {other:?}"),
        }
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
        let table = format!("{CLUSTER}[clusters.connect]\n");
        assert_eq!(
            parse_err(&table),
            "clusters[0].connect.clusters: give at least one [[clusters[0].connect.clusters]] with name and urls"
        );
        let bad_url = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\", \"ftp://w2\"]\n"
        );
        assert_eq!(
            parse_err(&bad_url),
            "line 8: clusters[0].connect.clusters[0].urls[1]: not a valid URL: the URL must start with http:// or https://"
        );
        let no_urls = format!("{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = []\n");
        assert_eq!(
            parse_err(&no_urls),
            "line 8: clusters[0].connect.clusters[0].urls: give at least one worker's REST URL"
        );
        let twice = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\n\
             [[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w2:8083\"]\n"
        );
        assert_eq!(
            parse_err(&twice),
            "line 10: clusters[0].connect.clusters[1].name: 'etl' is used by an earlier Connect cluster"
        );
        let zero = format!(
            "{table}timeout_seconds = 0\n[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\n"
        );
        assert_eq!(
            parse_err(&zero),
            "line 6: clusters[0].connect.timeout_seconds: must be at least 1"
        );
        let no_user = format!(
            "{table}[[clusters.connect.clusters]]\nname = \"etl\"\nurls = [\"http://w1:8083\"]\npassword = \"pw\"\n"
        );
        assert_eq!(
            parse_err(&no_user),
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
        let error = parse_err_in(&text, dir.path());
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
