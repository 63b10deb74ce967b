//! The `serve` config file (TOML): clusters, intervals, filters, listen
//! address. Every mistake is reported with the field and the line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use kafkascope_client::{ClientConfig, SaslMechanism, SaslSettings, TlsSettings};
use kafkascope_collector::{CollectorSettings, HealthSettings, NameFilter};

use crate::history::HistorySettings;
use serde::Deserialize;
use toml::Spanned;

mod alerts;
pub mod broker_logs;
mod connect;
mod http_options;
mod names;
mod node_exporter;
mod source_table;
mod sources;
mod zookeeper;

pub use alerts::{AlertsPlan, rule_file};
pub use sources::SourcePlan;

use names::{TakenNames, non_empty_name};

pub const DEFAULT_LISTEN: &str = "0.0.0.0:9308";
const DEFAULT_INTERVAL_SECONDS: u64 = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub listen: Option<Spanned<String>>,
    pub interval_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub history: HistoryEntry,
    #[serde(default)]
    pub alerts: alerts::AlertsEntry,
    #[serde(default)]
    pub clusters: Vec<ClusterEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterEntry {
    pub name: Spanned<String>,
    pub bootstrap_servers: Spanned<Vec<String>>,
    /// A Kafka client properties file, resolved against the config's folder.
    pub command_config: Option<PathBuf>,
    pub interval_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub topics: FilterEntry,
    #[serde(default)]
    pub groups: FilterEntry,
    pub tls: Option<TlsEntry>,
    pub sasl: Option<SaslEntry>,
    /// Connections kept to each broker (lanes for parallel requests).
    pub connections_per_broker: Option<Spanned<u64>>,
    #[serde(default)]
    pub consumer_health: HealthEntry,
    pub jmx_exporter: Option<sources::JmxEntry>,
    pub jolokia: Option<sources::JmxEntry>,
    pub connect: Option<connect::ConnectEntry>,
    pub zookeeper: Option<zookeeper::ZookeeperEntry>,
    pub node_exporter: Option<node_exporter::NodeExporterEntry>,
    pub broker_logs: Option<broker_logs::BrokerLogsEntry>,
}

/// The embedded history: on by default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub enabled: Option<bool>,
    pub dir: Option<PathBuf>,
    pub retention_days: Option<Spanned<u64>>,
}

/// How consumer groups are judged; every field optional (defaults as Burrow's).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthEntry {
    /// Samples in the lag status window.
    pub intervals: Option<Spanned<u64>>,
    pub min_distance_seconds: Option<Spanned<u64>>,
    pub group_expiry_seconds: Option<Spanned<u64>>,
    pub dead_after_seconds: Option<Spanned<u64>>,
    pub rebalance_stuck_after_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterEntry {
    pub include: Option<Spanned<String>>,
    pub exclude: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsEntry {
    pub ca_pem: Option<PathBuf>,
    pub client_cert_pem: Option<PathBuf>,
    pub client_key_pem: Option<PathBuf>,
    #[serde(default = "yes")]
    pub verify_hostname: bool,
}

fn yes() -> bool {
    true
}

impl TlsEntry {
    /// As the clients take it, relative file paths taken from the config's
    /// folder (`base`).
    pub fn resolved(&self, base: &Path) -> TlsSettings {
        TlsSettings {
            ca_pem: self.ca_pem.as_ref().map(|p| base.join(p)),
            client_cert_pem: self.client_cert_pem.as_ref().map(|p| base.join(p)),
            client_key_pem: self.client_key_pem.as_ref().map(|p| base.join(p)),
            verify_hostname: self.verify_hostname,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaslEntry {
    pub mechanism: Spanned<String>,
    pub username: String,
    pub password: String,
}

/// One cluster, ready to collect.
#[derive(Debug)]
pub struct ClusterPlan {
    pub bootstrap: Vec<String>,
    pub client: ClientConfig,
    pub settings: CollectorSettings,
    /// What is read beside the Kafka protocol (JMX...).
    pub sources: Vec<SourcePlan>,
}

#[derive(Debug)]
pub struct ServePlan {
    pub listen: SocketAddr,
    pub clusters: Vec<ClusterPlan>,
    /// `None` when history is switched off.
    pub history: Option<HistorySettings>,
    /// `None` when alerting is switched off.
    pub alerts: Option<AlertsPlan>,
}

/// The curated rules, as `serve` evaluates them without a config.
pub fn default_alerts() -> Option<AlertsPlan> {
    Some(AlertsPlan {
        rules: kafkascope_alerts::default_rules::default_rules(),
        notify: None,
    })
}

pub const DEFAULT_DATA_DIR: &str = "kafkascope-data";
const DEFAULT_RETENTION_DAYS: u32 = 7;

/// History on, in `./kafkascope-data`, for 7 days.
pub fn default_history() -> Option<HistorySettings> {
    Some(HistorySettings {
        dir: PathBuf::from(DEFAULT_DATA_DIR),
        retention_days: DEFAULT_RETENTION_DAYS,
    })
}

fn history(
    entry: &HistoryEntry,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<HistorySettings>> {
    if entry.enabled == Some(false) {
        return Ok(None);
    }
    let retention_days = match &entry.retention_days {
        Some(days) if !(1..=3650).contains(days.get_ref()) => bail!(
            "line {}: history.retention_days: {} is not between 1 and 3650",
            at(days.span()),
            days.get_ref()
        ),
        Some(days) => *days.get_ref() as u32,
        None => DEFAULT_RETENTION_DAYS,
    };
    Ok(Some(HistorySettings {
        dir: base.join(entry.dir.as_deref().unwrap_or(Path::new(DEFAULT_DATA_DIR))),
        retention_days,
    }))
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> anyhow::Result<ServePlan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).with_context(|| format!("in {}", path.display()))
}

/// Only the `[alerts]` of a config file: the rules `serve` would evaluate.
pub fn load_alerts(path: &Path) -> anyhow::Result<Option<AlertsPlan>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("in {}", path.display()))?;
    let at = |span: std::ops::Range<usize>| line_of(&text, span.start);
    alerts::alerts(&file.alerts, base, &at).with_context(|| format!("in {}", path.display()))
}

/// Parses config `text`; relative paths are resolved against `base`.
pub fn parse(text: &str, base: &Path) -> anyhow::Result<ServePlan> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let listen = match &file.listen {
        Some(listen) => listen
            .get_ref()
            .parse()
            .map_err(|e| anyhow::anyhow!("line {}: listen: {e}", at(listen.span())))?,
        None => DEFAULT_LISTEN.parse().expect("default listen address"),
    };
    let default_interval =
        positive_seconds(file.interval_seconds.as_ref(), "interval_seconds", &at)?
            .unwrap_or(DEFAULT_INTERVAL_SECONDS);
    if file.clusters.is_empty() {
        bail!("no [[clusters]] configured: add at least one with name and bootstrap_servers");
    }
    let mut clusters: Vec<ClusterPlan> = Vec::new();
    let mut names = TakenNames::new("cluster");
    for (i, entry) in file.clusters.iter().enumerate() {
        let plan = cluster(entry, i, default_interval, base, &at)?;
        let field = format!("clusters[{i}].name");
        names.take(&plan.settings.cluster, &entry.name, &field, &at)?;
        clusters.push(plan);
    }
    let history = history(&file.history, base, &at)?;
    let alerts = alerts::alerts(&file.alerts, base, &at)?;
    Ok(ServePlan {
        listen,
        clusters,
        history,
        alerts,
    })
}

fn cluster(
    entry: &ClusterEntry,
    index: usize,
    default_interval: u64,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<ClusterPlan> {
    let field = |name: &str| format!("clusters[{index}].{name}");
    // Only a blank name is refused: the name is kept as written, spaces and all.
    non_empty_name(&entry.name, &field("name"), at)?;
    let bootstrap: Vec<String> = entry
        .bootstrap_servers
        .get_ref()
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    if bootstrap.is_empty() || bootstrap.iter().any(|s| !s.contains(':')) {
        bail!(
            "line {}: {}: expected a list of host:port, got {:?}",
            at(entry.bootstrap_servers.span()),
            field("bootstrap_servers"),
            entry.bootstrap_servers.get_ref()
        );
    }
    let interval = positive_seconds(
        entry.interval_seconds.as_ref(),
        &field("interval_seconds"),
        at,
    )?
    .unwrap_or(default_interval);
    let mut settings = CollectorSettings::new(entry.name.get_ref().clone());
    settings.interval = Duration::from_secs(interval);
    settings.topics = filter(&entry.topics, &field("topics"), at)?;
    settings.groups = filter(&entry.groups, &field("groups"), at)?;
    settings.health = health(&entry.consumer_health, &field("consumer_health"), at)?;
    let command_config = entry.command_config.as_ref().map(|p| base.join(p));
    let mut client = crate::commands::client_config(command_config.as_deref())
        .with_context(|| field("command_config"))?;
    // Without `tls`, the command config's TLS (if any) stands.
    if let Some(tls) = &entry.tls {
        client.tls = Some(tls.resolved(base));
    }
    if let Some(sasl) = &entry.sasl {
        let mechanism =
            SaslMechanism::from_kafka_name(sasl.mechanism.get_ref()).with_context(|| {
                format!(
                    "line {}: {}: '{}' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
                    at(sasl.mechanism.span()),
                    field("sasl.mechanism"),
                    sasl.mechanism.get_ref()
                )
            })?;
        client.sasl = Some(SaslSettings {
            mechanism,
            username: sasl.username.clone(),
            password: sasl.password.clone(),
        });
    }
    if let Some(lanes) = positive_seconds(
        entry.connections_per_broker.as_ref(),
        &field("connections_per_broker"),
        at,
    )? {
        client.connections_per_broker = lanes as usize;
    }
    let mut sources = Vec::new();
    if let Some(jmx) = &entry.jmx_exporter {
        let (settings, interval) =
            sources::jmx(jmx, &field("jmx_exporter"), settings.interval, base, at)?;
        sources.push(SourcePlan::JmxExporter { settings, interval });
    }
    if let Some(jolokia) = &entry.jolokia {
        let (settings, interval) =
            sources::jmx(jolokia, &field("jolokia"), settings.interval, base, at)?;
        sources.push(SourcePlan::Jolokia { settings, interval });
    }
    if let Some(entry) = &entry.connect {
        let (settings, interval) =
            connect::connect(entry, &field("connect"), settings.interval, base, at)?;
        sources.push(SourcePlan::ConnectRest { settings, interval });
    }
    if let Some(entry) = &entry.zookeeper {
        let (settings, interval) =
            zookeeper::zookeeper(entry, &field("zookeeper"), settings.interval, base, at)?;
        sources.push(SourcePlan::Zookeeper { settings, interval });
    }
    if let Some(entry) = &entry.node_exporter {
        let (settings, interval) = node_exporter::node_exporter(
            entry,
            &field("node_exporter"),
            settings.interval,
            base,
            at,
        )?;
        sources.push(SourcePlan::NodeExporter { settings, interval });
    }
    if let Some(entry) = &entry.broker_logs {
        let (plan, interval) = broker_logs::broker_logs(entry, &field("broker_logs"), base, at)?;
        sources.push(SourcePlan::BrokerLogs { plan, interval });
    }
    Ok(ClusterPlan {
        bootstrap,
        client,
        settings,
        sources,
    })
}

fn filter(
    entry: &FilterEntry,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<NameFilter> {
    let compile = |pattern: &Option<Spanned<String>>,
                   which: &str|
     -> anyhow::Result<Option<regex::Regex>> {
        pattern
            .as_ref()
            .map(|p| {
                regex::Regex::new(p.get_ref()).map_err(|e| {
                    anyhow::anyhow!("line {}: {field}.{which}: invalid regex: {e}", at(p.span()))
                })
            })
            .transpose()
    };
    Ok(NameFilter {
        include: compile(&entry.include, "include")?,
        exclude: compile(&entry.exclude, "exclude")?,
    })
}

fn health(
    entry: &HealthEntry,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<HealthSettings> {
    let mut health = HealthSettings::default();
    let seconds = |value: &Option<Spanned<u64>>, name: &str| {
        positive_seconds(value.as_ref(), &format!("{field}.{name}"), at)
    };
    if let Some(n) = seconds(&entry.intervals, "intervals")? {
        if n < 2 {
            let span = entry.intervals.as_ref().map_or(0..0, |v| v.span());
            bail!(
                "line {}: {field}.intervals: at least 2 samples are needed to see a trend",
                at(span)
            );
        }
        health.intervals = n as usize;
    }
    let durations = [
        (
            &entry.min_distance_seconds,
            "min_distance_seconds",
            &mut health.min_distance,
        ),
        (
            &entry.group_expiry_seconds,
            "group_expiry_seconds",
            &mut health.group_expiry,
        ),
        (
            &entry.dead_after_seconds,
            "dead_after_seconds",
            &mut health.dead_after,
        ),
        (
            &entry.rebalance_stuck_after_seconds,
            "rebalance_stuck_after_seconds",
            &mut health.rebalance_stuck_after,
        ),
    ];
    for (value, name, target) in durations {
        if let Some(s) = seconds(value, name)? {
            *target = Duration::from_secs(s);
        }
    }
    Ok(health)
}

/// A whole number that must be at least 1 (seconds, counts).
fn positive_seconds(
    value: Option<&Spanned<u64>>,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<u64>> {
    match value {
        Some(v) if *v.get_ref() == 0 => bail!("line {}: {field}: must be at least 1", at(v.span())),
        Some(v) => Ok(Some(*v.get_ref())),
        None => Ok(None),
    }
}

/// 1-based line number of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        format!("{:#}", parse(text, Path::new(".")).unwrap_err())
    }

    #[test]
    fn parses_two_clusters_with_defaults_and_filters() {
        let plan = parse(
            r#"
listen = "127.0.0.1:9999"
interval_seconds = 5

[[clusters]]
name = "prod"
bootstrap_servers = ["a:9092", "b:9092"]
topics = { include = "^orders", exclude = "-dlq$" }

[[clusters]]
name = "staging"
bootstrap_servers = ["c:9092"]
interval_seconds = 30
[clusters.sasl]
mechanism = "scram-sha-512"
username = "u"
password = "p"
"#,
            Path::new("."),
        )
        .unwrap();
        assert_eq!(plan.listen, "127.0.0.1:9999".parse().unwrap());
        assert_eq!(plan.clusters.len(), 2);
        let prod = &plan.clusters[0];
        assert_eq!(prod.bootstrap, vec!["a:9092", "b:9092"]);
        assert_eq!(prod.settings.interval, Duration::from_secs(5));
        assert!(prod.settings.topics.admits("orders-eu"));
        assert!(!prod.settings.topics.admits("orders-dlq"));
        let staging = &plan.clusters[1];
        assert_eq!(staging.settings.interval, Duration::from_secs(30));
        assert_eq!(
            staging.client.sasl.as_ref().unwrap().mechanism,
            SaslMechanism::ScramSha512
        );
    }

    #[test]
    fn consumer_health_and_lanes_override_the_defaults() {
        let plan = parse(
            "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\nconnections_per_broker = 1\n\
             [clusters.consumer_health]\nintervals = 3\ndead_after_seconds = 60\n",
            Path::new("."),
        )
        .unwrap();
        let cluster = &plan.clusters[0];
        assert_eq!(cluster.client.connections_per_broker, 1);
        assert_eq!(
            cluster.settings.health,
            HealthSettings {
                intervals: 3,
                dead_after: Duration::from_secs(60),
                ..HealthSettings::default()
            }
        );
    }

    #[test]
    fn history_is_on_by_default_beside_the_config_and_can_be_switched_off() {
        let cluster = "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\n";
        let plan = parse(cluster, Path::new("/etc/kafkascope")).unwrap();
        let history = plan.history.unwrap();
        assert_eq!(history.dir, Path::new("/etc/kafkascope/kafkascope-data"));
        assert_eq!(history.retention_days, 7);
        let plan = parse(
            &format!("[history]\ndir = \"/var/lib/ks\"\nretention_days = 30\n{cluster}"),
            Path::new("/etc/kafkascope"),
        )
        .unwrap();
        let history = plan.history.unwrap();
        assert_eq!(history.dir, Path::new("/var/lib/ks"));
        assert_eq!(history.retention_days, 30);
        let plan = parse(
            &format!("[history]\nenabled = false\n{cluster}"),
            Path::new("."),
        )
        .unwrap();
        assert!(plan.history.is_none());
        let err = parse_err(&format!("[history]\nretention_days = 0\n{cluster}"));
        assert!(err.contains("line 2: history.retention_days"), "{err}");
    }

    #[test]
    fn a_one_sample_window_names_field_and_line() {
        let err = parse_err(
            "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\n\
             [clusters.consumer_health]\nintervals = 1\n",
        );
        assert!(err.contains("line 5"), "{err}");
        assert!(
            err.contains("clusters[0].consumer_health.intervals"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_names_field_and_line() {
        let err =
            parse_err("[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\nintervall = 3\n");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("unknown field `intervall`"), "{err}");
    }

    #[test]
    fn bad_regex_names_field_and_line() {
        let err = parse_err(
            "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\ngroups = { include = \"(\" }\n",
        );
        assert!(
            err.starts_with("line 4: clusters[0].groups.include: invalid regex"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_names_zero_interval_and_bad_listen_are_rejected() {
        let dup = "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\n[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"b:1\"]\n";
        assert_eq!(
            parse_err(dup),
            "line 5: clusters[1].name: 'a' is used by an earlier cluster"
        );
        let zero =
            "interval_seconds = 0\n[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\n";
        assert_eq!(
            parse_err(zero),
            "line 1: interval_seconds: must be at least 1"
        );
        let listen =
            "listen = \"nowhere\"\n[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"a:1\"]\n";
        assert!(parse_err(listen).starts_with("line 1: listen: invalid socket address"));
    }

    #[test]
    fn missing_clusters_and_bad_bootstrap_are_explained() {
        assert!(parse_err("listen = \"127.0.0.1:1\"\n").starts_with("no [[clusters]] configured"));
        let err = parse_err("[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"nohost\"]\n");
        assert!(
            err.starts_with("line 3: clusters[0].bootstrap_servers: expected a list of host:port"),
            "{err}"
        );
        let err = parse_err("[[clusters]]\nname = \"a\"\nbootstrap_servers = \"a:1\"\n");
        assert!(err.contains("line 3"), "{err}");
    }
}
