//! A cluster's sources beside the Kafka protocol, as the config names them:
//! `[clusters.jmx_exporter]` and `[clusters.jolokia]`, each with its
//! `targets` and discovery (the same keys for both).

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_client::http_client::BasicAuth;
use kafkascope_sources::jmx::{JmxSettings, JmxTarget};
use kafkascope_sources::jmx_figures::Role;
use serde::Deserialize;
use toml::Spanned;

use super::http_options::http_url;
use super::source_table::{discover_path, discover_port, interval_seconds, timeout_seconds};
use super::{TlsEntry, positive_seconds};

/// `[clusters.jmx_exporter]` (pages of the Prometheus JMX exporter agent)
/// or `[clusters.jolokia]` (Jolokia agents).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JmxEntry {
    /// How often the pages are read; the cluster's interval by default.
    pub interval_seconds: Option<Spanned<u64>>,
    pub timeout_seconds: Option<Spanned<u64>>,
    pub max_page_bytes: Option<Spanned<u64>>,
    #[serde(default)]
    pub targets: Vec<JmxTargetEntry>,
    /// Read `http://<broker host>:<port><discover_path>` for every broker.
    pub discover_port: Option<Spanned<u64>>,
    pub discover_path: Option<String>,
    /// Hosts (`host` or `host:port`) read instead of the brokers: for
    /// processes Metadata does not name.
    #[serde(default)]
    pub discover_hosts: Vec<Spanned<String>>,
    /// HTTP Basic credentials for every target without its own.
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: Option<TlsEntry>,
    /// A client none of whose counters moved this long is dead.
    pub silent_after_seconds: Option<Spanned<u64>>,
    /// A consumer that last polled longer ago than this is dead.
    pub poll_stale_after_seconds: Option<Spanned<u64>>,
    /// How long a dead client stays listed.
    pub forget_after_seconds: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JmxTargetEntry {
    pub url: Spanned<String>,
    pub role: Option<Spanned<String>>,
    pub node_id: Option<i32>,
}

/// A source of one cluster, ready to poll.
#[derive(Debug)]
pub enum SourcePlan {
    JmxExporter {
        settings: JmxSettings,
        interval: Duration,
    },
    Jolokia {
        settings: JmxSettings,
        interval: Duration,
    },
    ConnectRest {
        settings: kafkascope_sources::connect_rest::ConnectRestSettings,
        interval: Duration,
    },
    Zookeeper {
        settings: kafkascope_sources::zookeeper::ZookeeperSettings,
        interval: Duration,
    },
    NodeExporter {
        settings: kafkascope_sources::node_exporter::NodeExporterSettings,
        interval: Duration,
    },
    BrokerLogs {
        plan: super::broker_logs::BrokerLogsPlan,
        interval: Duration,
    },
}

/// The settings and interval of a JMX source (`field` names its table).
pub fn jmx(
    entry: &JmxEntry,
    field: &str,
    cluster_interval: Duration,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(JmxSettings, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    let mut targets = Vec::with_capacity(entry.targets.len());
    for (i, target) in entry.targets.iter().enumerate() {
        let url = http_url(&target.url, &field(&format!("targets[{i}].url")), at)?;
        let role = match &target.role {
            Some(role) => Some(Role::parse(role.get_ref()).ok_or_else(|| {
                anyhow::anyhow!(
                    "line {}: {}: '{}' is not one of broker, controller, combined, producer, consumer, connect, streams, zookeeper",
                    at(role.span()),
                    field(&format!("targets[{i}].role")),
                    role.get_ref()
                )
            })?),
            None => None,
        };
        targets.push(JmxTarget {
            url,
            role,
            node_id: target.node_id,
            basic_auth: None,
        });
    }
    let mut settings = JmxSettings::new(targets);
    if let Some(port) = discover_port(entry.discover_port.as_ref(), &field, at)? {
        settings.discover_port = Some(port);
    }
    if let Some(path) = &entry.discover_path {
        settings.discover_path = discover_path(path);
    }
    discover_hosts(entry, &mut settings, &field, at)?;
    if settings.targets.is_empty()
        && settings.discover_port.is_none()
        && settings.discover_hosts.is_empty()
    {
        bail!(
            "{}: give targets, discover_port to read every broker's, or discover_hosts",
            field("targets")
        );
    }
    if let Some(user) = &entry.username {
        let auth = BasicAuth {
            user: user.clone(),
            password: entry.password.clone().unwrap_or_default(),
        };
        for target in &mut settings.targets {
            target.basic_auth = Some(auth.clone());
        }
        settings.discover_basic_auth = Some(auth);
    }
    if let Some(timeout) = timeout_seconds(entry.timeout_seconds.as_ref(), &field, at)? {
        settings.timeout = timeout;
    }
    if let Some(bytes) =
        positive_seconds(entry.max_page_bytes.as_ref(), &field("max_page_bytes"), at)?
    {
        settings.max_page_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
    }
    if let Some(tls) = &entry.tls {
        settings.tls = tls.resolved(base);
    }
    let liveness = [
        (
            &entry.silent_after_seconds,
            "silent_after_seconds",
            &mut settings.clients.silent_after,
        ),
        (
            &entry.poll_stale_after_seconds,
            "poll_stale_after_seconds",
            &mut settings.clients.poll_stale_after,
        ),
        (
            &entry.forget_after_seconds,
            "forget_after_seconds",
            &mut settings.clients.forget_after,
        ),
    ];
    for (value, name, target) in liveness {
        if let Some(seconds) = positive_seconds(value.as_ref(), &field(name), at)? {
            *target = Duration::from_secs(seconds);
        }
    }
    let interval = interval_seconds(
        entry.interval_seconds.as_ref(),
        &field,
        cluster_interval,
        at,
    )?;
    Ok((settings, interval))
}

/// Checks each `discover_hosts` entry as the source will read it (after
/// `discover_port` and `discover_path`), so a bad one fails at start with
/// its line rather than being skipped at every poll.
fn discover_hosts(
    entry: &JmxEntry,
    settings: &mut JmxSettings,
    field: &dyn Fn(&str) -> String,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<()> {
    for (i, host) in entry.discover_hosts.iter().enumerate() {
        if let Err(reason) = settings.host_target(host.get_ref()) {
            bail!(
                "line {}: {}: {reason}",
                at(host.span()),
                field(&format!("discover_hosts[{i}]"))
            );
        }
    }
    settings.discover_hosts = entry
        .discover_hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::parse;
    use super::super::source_table::test_config::{CLUSTER, parse_err};
    use super::SourcePlan;

    #[test]
    fn jmx_exporter_targets_and_discovery_are_read() {
        let text = format!(
            "{CLUSTER}[clusters.jmx_exporter]\ntimeout_seconds = 3\ndiscover_port = 7071\nusername = \"ops\"\npassword = \"pw\"\n\
             silent_after_seconds = 45\npoll_stale_after_seconds = 120\n\
             [[clusters.jmx_exporter.targets]]\nurl = \"http://c1:7072/metrics\"\nrole = \"controller\"\nnode_id = 3000\n"
        );
        let plan = parse(&text, Path::new(".")).unwrap();
        let SourcePlan::JmxExporter { settings, interval } = &plan.clusters[0].sources[0] else {
            panic!("a JMX exporter source");
        };
        assert_eq!(*interval, std::time::Duration::from_secs(20));
        assert_eq!(settings.timeout, std::time::Duration::from_secs(3));
        assert_eq!(settings.discover_port, Some(7071));
        assert_eq!(settings.discover_path, "/metrics");
        assert_eq!(
            settings.clients.silent_after,
            std::time::Duration::from_secs(45)
        );
        assert_eq!(
            settings.clients.poll_stale_after,
            std::time::Duration::from_secs(120)
        );
        assert_eq!(
            settings.clients.forget_after,
            std::time::Duration::from_secs(3600)
        );
        assert_eq!(settings.targets.len(), 1);
        let target = &settings.targets[0];
        assert_eq!(target.url.to_string(), "http://c1:7072/metrics");
        assert_eq!(target.node_id, Some(3000));
        assert_eq!(
            target.role,
            Some(kafkascope_sources::jmx_figures::Role::Controller)
        );
        assert_eq!(
            target.basic_auth.as_ref().map(|a| a.user.as_str()),
            Some("ops")
        );
        assert_eq!(
            settings
                .discover_basic_auth
                .as_ref()
                .map(|a| a.password.as_str()),
            Some("pw")
        );
    }

    #[test]
    fn jolokia_targets_are_read_with_the_same_keys() {
        let text = format!(
            "{CLUSTER}[clusters.jolokia]\ninterval_seconds = 30\n\
             [[clusters.jolokia.targets]]\nurl = \"http://k1:8778/jolokia/\"\nnode_id = 1\n"
        );
        let plan = parse(&text, Path::new(".")).unwrap();
        let SourcePlan::Jolokia { settings, interval } = &plan.clusters[0].sources[0] else {
            panic!("a Jolokia source: {:?}", plan.clusters[0].sources);
        };
        assert_eq!(*interval, std::time::Duration::from_secs(30));
        assert_eq!(
            settings.targets[0].url.to_string(),
            "http://k1:8778/jolokia/"
        );
        assert_eq!(settings.targets[0].node_id, Some(1));
    }

    #[test]
    fn discover_hosts_are_read_with_the_same_keys_for_both_sources() {
        let text = format!(
            "{CLUSTER}[clusters.jmx_exporter]\ndiscover_port = 7071\ndiscover_hosts = [\"ctrl-1\", \"connect-1:7072\"]\n\
             [clusters.jolokia]\ndiscover_path = \"jolokia/\"\ndiscover_hosts = [\"ctrl-1:8778\"]\n"
        );
        let plan = parse(&text, Path::new(".")).unwrap();
        let context = kafkascope_sources::source::PollContext {
            brokers: vec![(1, "kafka-1".into())],
            ..Default::default()
        };
        let urls = |settings| -> Vec<String> {
            kafkascope_sources::jmx::targets(settings, &context)
                .iter()
                .map(|t| t.url.to_string())
                .collect()
        };
        let [
            SourcePlan::JmxExporter {
                settings: exporter, ..
            },
            SourcePlan::Jolokia {
                settings: jolokia, ..
            },
        ] = &plan.clusters[0].sources[..]
        else {
            panic!("both sources: {:?}", plan.clusters[0].sources);
        };
        assert_eq!(exporter.discover_hosts, ["ctrl-1", "connect-1:7072"]);
        assert_eq!(
            urls(exporter),
            [
                "http://ctrl-1:7071/metrics",
                "http://connect-1:7072/metrics"
            ]
        );
        assert_eq!(jolokia.discover_port, None);
        assert_eq!(urls(jolokia), ["http://ctrl-1:8778/jolokia/"]);
    }

    #[test]
    fn bad_discover_hosts_name_the_entry_and_its_line() {
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\ndiscover_port = 7071\ndiscover_hosts = [\n  \"ctrl-1\",\n  \"ctrl-2:99999\",\n]\n"
        ));
        assert_eq!(
            err,
            "line 9: clusters[0].jmx_exporter.discover_hosts[1]: '99999' is not a port"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jolokia]\ndiscover_port = 8778\ndiscover_hosts = [\"\"]\n"
        ));
        assert_eq!(
            err,
            "line 7: clusters[0].jolokia.discover_hosts[0]: an empty host"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\ndiscover_hosts = [\"connect-1:7072\", \"ctrl-1\"]\n"
        ));
        assert_eq!(
            err,
            "line 6: clusters[0].jmx_exporter.discover_hosts[1]: 'ctrl-1' has no port, and there is no discover_port"
        );
    }

    #[test]
    fn jmx_exporter_mistakes_name_field_and_line() {
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\n[[clusters.jmx_exporter.targets]]\nurl = \"ftp://x\"\n"
        ));
        assert_eq!(
            err,
            "line 7: clusters[0].jmx_exporter.targets[0].url: not a valid URL: the URL must start with http:// or https://"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\n[[clusters.jmx_exporter.targets]]\nurl = \"http://x:1/\"\nrole = \"kettle\"\n"
        ));
        assert_eq!(
            err,
            "line 8: clusters[0].jmx_exporter.targets[0].role: 'kettle' is not one of broker, controller, combined, producer, consumer, connect, streams, zookeeper"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\ntimeout_seconds = 2\n"
        ));
        assert_eq!(
            err,
            "clusters[0].jmx_exporter.targets: give targets, discover_port to read every broker's, or discover_hosts"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.jmx_exporter]\ndiscover_port = 70000\n"
        ));
        assert_eq!(
            err,
            "line 6: clusters[0].jmx_exporter.discover_port: 70000 is not a port"
        );
    }
}
