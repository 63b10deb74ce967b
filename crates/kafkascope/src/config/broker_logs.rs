//! `[clusters.broker_logs]`: the brokers' own log files, read where
//! kafkascope runs (local paths) or by `kafkascope agent` on the broker's
//! host (`agent = "http://host:9101"`), each broker's files or folders, or
//! its agent, under `[[clusters.broker_logs.brokers]]`. A folder stands for the files
//! Kafka's log4j configuration writes into it (`server.log`,
//! `controller.log`, `state-change.log`...).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::Source;
use kafkascope_sources::broker_logs::agent_poller::AgentTarget;
use kafkascope_sources::broker_logs::{
    BrokerLogsSettings, BrokerLogsSource, FileSetConfig, KAFKA_LOG_FILES, KAFKA_PATTERN, Layout,
    LogFollowerConfig,
};
use serde::Deserialize;
use toml::Spanned;

use super::http_options::{basic_auth, http_url};
use super::source_table::{interval_seconds, timeout_seconds};
use super::{ClusterPlan, SourcePlan};

/// How often the files are read unless `interval_seconds` says.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerLogsEntry {
    pub interval_seconds: Option<Spanned<u64>>,
    /// Where reading positions are saved; in the data dir by default.
    pub positions_file: Option<PathBuf>,
    /// The brokers' UTC offset (`+01:00`, `-05:30`, `Z`): log4j writes
    /// local times without a zone.
    pub utc_offset: Option<Spanned<String>>,
    /// The log4j pattern the files are written with; Kafka's by default.
    pub layout: Option<Spanned<String>>,
    /// For each agent's connect and answer; 10 by default.
    pub timeout_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub brokers: Vec<BrokerFilesEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerFilesEntry {
    pub broker: Spanned<i32>,
    /// Files, or folders holding Kafka's log files.
    pub paths: Option<Spanned<Vec<PathBuf>>>,
    /// Or the base URL of `kafkascope agent --broker-logs` on its host.
    pub agent: Option<Spanned<String>>,
    /// HTTP Basic credentials for the agent (the password as a literal,
    /// `env:NAME` or `file:path`).
    pub username: Option<String>,
    pub password: Option<Spanned<String>>,
}

/// The broker logs source of one cluster, before the data dir is known.
#[derive(Debug)]
pub struct BrokerLogsPlan {
    pub follower: LogFollowerConfig,
    /// Where events and counts are kept; set by [`place_state`].
    pub state_dir: Option<PathBuf>,
    pub agents: Vec<AgentTarget>,
    pub agent_timeout: Duration,
}

/// The plan and interval of the broker logs source.
pub fn broker_logs(
    entry: &BrokerLogsEntry,
    field: &str,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(BrokerLogsPlan, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    if entry.brokers.is_empty() {
        bail!(
            "{}: name each broker's log files ([[...broker_logs.brokers]] with broker and paths or agent)",
            field("brokers")
        );
    }
    let utc_offset_seconds = match &entry.utc_offset {
        Some(offset) => utc_offset_seconds(offset.get_ref()).ok_or_else(|| {
            anyhow::anyhow!(
                "line {}: {}: '{}' is not an offset like +01:00, -05:30 or Z",
                at(offset.span()),
                field("utc_offset"),
                offset.get_ref()
            )
        })?,
        None => 0,
    };
    let pattern = match &entry.layout {
        Some(layout) => {
            Layout::compile(layout.get_ref(), utc_offset_seconds).map_err(|e| {
                anyhow::anyhow!("line {}: {}: {e}", at(layout.span()), field("layout"))
            })?;
            layout.get_ref().clone()
        }
        None => KAFKA_PATTERN.to_string(),
    };
    let mut file_sets: Vec<FileSetConfig> = Vec::with_capacity(entry.brokers.len());
    let mut agents: Vec<AgentTarget> = Vec::new();
    let mut seen: Vec<i32> = Vec::new();
    for (i, broker) in entry.brokers.iter().enumerate() {
        let id = *broker.broker.get_ref();
        let field = |name: &str| field(&format!("brokers[{i}].{name}"));
        if seen.contains(&id) {
            bail!(
                "line {}: {}: broker {id} is named twice",
                at(broker.broker.span()),
                field("broker")
            );
        }
        seen.push(id);
        match (&broker.paths, &broker.agent) {
            (Some(paths), None) => {
                if paths.get_ref().is_empty() {
                    bail!(
                        "line {}: {}: give at least one file or folder",
                        at(paths.span()),
                        field("paths")
                    );
                }
                file_sets.push(FileSetConfig {
                    node: Some(id),
                    paths: paths
                        .get_ref()
                        .iter()
                        .flat_map(|path| files_of(&base.join(path)))
                        .collect(),
                    pattern: pattern.clone(),
                    utc_offset_seconds,
                });
            }
            (None, Some(agent)) => {
                let url = http_url(agent, &field("agent"), at)?;
                let basic_auth = basic_auth(
                    broker.username.as_ref(),
                    broker.password.as_ref(),
                    &field,
                    base,
                    at,
                )?;
                agents.push(AgentTarget {
                    url,
                    broker: id,
                    basic_auth,
                });
            }
            _ => bail!(
                "line {}: {}: give either paths (files read here) or agent (read by the broker host's agent), not both",
                at(broker.broker.span()),
                field("paths")
            ),
        }
    }
    let agent_timeout = timeout_seconds(entry.timeout_seconds.as_ref(), &field, at)?
        .unwrap_or(Duration::from_secs(10));
    let interval = interval_seconds(
        entry.interval_seconds.as_ref(),
        &field,
        DEFAULT_INTERVAL,
        at,
    )?;
    let follower = LogFollowerConfig {
        file_sets,
        positions_file: entry.positions_file.as_ref().map(|p| base.join(p)),
        ..LogFollowerConfig::default()
    };
    let plan = BrokerLogsPlan {
        follower,
        state_dir: None,
        agents,
        agent_timeout,
    };
    Ok((plan, interval))
}

/// A folder (one that exists, or a path ending in `/`) stands for Kafka's
/// log files in it; anything else is a file.
pub(crate) fn files_of(path: &Path) -> Vec<PathBuf> {
    let folder = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
    if folder {
        KAFKA_LOG_FILES.iter().map(|name| path.join(name)).collect()
    } else {
        vec![path.to_path_buf()]
    }
}

/// `Z`, `UTC`, `+01:00`, `-0530`, `+2` → seconds east of UTC.
pub(crate) fn utc_offset_seconds(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 18 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// Puts each cluster's broker log state (events, counts and, unless
/// configured, positions) in `<data dir>/broker-logs/<cluster>/`; without a
/// data dir it is kept in memory and a restart reads the files again.
pub fn place_state(clusters: &mut [ClusterPlan], data_dir: Option<&Path>) {
    let Some(data_dir) = data_dir else {
        return;
    };
    for cluster in clusters {
        let dir = data_dir
            .join("broker-logs")
            .join(file_name_of(&cluster.settings.cluster));
        for source in &mut cluster.sources {
            if let SourcePlan::BrokerLogs { plan, .. } = source {
                plan.follower
                    .positions_file
                    .get_or_insert_with(|| dir.join("positions.json"));
                plan.state_dir = Some(dir.clone());
            }
        }
    }
}

/// A cluster name as one safe file name (`prod/eu` → `prod_eu`).
fn file_name_of(cluster: &str) -> String {
    let name: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "_".to_string()
    } else {
        name
    }
}

impl BrokerLogsPlan {
    /// The source, its state folder created.
    pub fn into_source(self, cluster: &str) -> Box<dyn Source> {
        if let Some(dir) = &self.state_dir
            && let Err(error) = std::fs::create_dir_all(dir)
        {
            tracing::warn!(cluster, dir = %dir.display(), "broker logs: {error}");
        }
        let mut settings = BrokerLogsSettings::new(self.follower);
        settings.state_dir = self.state_dir;
        settings.agents = self.agents;
        settings.agent_timeout = self.agent_timeout;
        Box::new(BrokerLogsSource::new(settings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    const CLUSTER: &str = "[[clusters]]\nname = \"prod/eu\"\nbootstrap_servers = [\"a:9092\"]\n";

    fn parse_err(text: &str) -> String {
        format!("{:#}", parse(text, Path::new("/etc/ks")).unwrap_err())
    }

    #[test]
    fn folders_stand_for_kafkas_files_and_state_goes_to_the_data_dir() {
        let text = format!(
            "{CLUSTER}[clusters.broker_logs]\nutc_offset = \"+01:00\"\n\
             [[clusters.broker_logs.brokers]]\nbroker = 1\npaths = [\"logs-1/\", \"other/x.log\"]\n"
        );
        let mut plan = parse(&text, Path::new("/etc/ks")).unwrap();
        place_state(&mut plan.clusters, Some(Path::new("/data")));
        let [SourcePlan::BrokerLogs { plan, interval }] = &plan.clusters[0].sources[..] else {
            panic!("{:?}", plan.clusters[0].sources);
        };
        assert_eq!(*interval, DEFAULT_INTERVAL);
        let set = &plan.follower.file_sets[0];
        assert_eq!(set.node, Some(1));
        assert_eq!(set.utc_offset_seconds, 3600);
        assert_eq!(set.pattern, KAFKA_PATTERN);
        let mut expected: Vec<PathBuf> = KAFKA_LOG_FILES
            .iter()
            .map(|name| Path::new("/etc/ks/logs-1/").join(name))
            .collect();
        expected.push("/etc/ks/other/x.log".into());
        assert_eq!(set.paths, expected);
        assert_eq!(
            plan.follower.positions_file.as_deref(),
            Some(Path::new("/data/broker-logs/prod_eu/positions.json"))
        );
        assert_eq!(
            plan.state_dir.as_deref(),
            Some(Path::new("/data/broker-logs/prod_eu"))
        );
    }

    #[test]
    fn mistakes_name_the_field_and_line() {
        let brokers = "[[clusters.broker_logs.brokers]]\nbroker = 1\npaths = [\"a.log\"]\n";
        let err = parse_err(&format!("{CLUSTER}[clusters.broker_logs]\n"));
        assert!(
            err.contains("clusters[0].broker_logs.brokers: name each"),
            "{err}"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.broker_logs]\nutc_offset = \"CET\"\n{brokers}"
        ));
        assert!(
            err.contains("line 5: clusters[0].broker_logs.utc_offset: 'CET'"),
            "{err}"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.broker_logs]\nlayout = \"%d %X %m\"\n{brokers}"
        ));
        assert!(
            err.contains("line 5: clusters[0].broker_logs.layout: unsupported"),
            "{err}"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.broker_logs]\n{brokers}{brokers}"
        ));
        assert!(
            err.contains(
                "line 9: clusters[0].broker_logs.brokers[1].broker: broker 1 is named twice"
            ),
            "{err}"
        );
        let err = parse_err(&format!(
            "{CLUSTER}[clusters.broker_logs]\n[[clusters.broker_logs.brokers]]\nbroker = 1\npaths = []\n"
        ));
        assert!(
            err.contains("line 7: clusters[0].broker_logs.brokers[0].paths: give at least one"),
            "{err}"
        );
    }

    #[test]
    fn a_broker_is_read_by_its_agent_or_from_paths_never_both() {
        let text = format!(
            "{CLUSTER}[clusters.broker_logs]\ntimeout_seconds = 3\n\
             [[clusters.broker_logs.brokers]]\nbroker = 1\npaths = [\"a.log\"]\n\
             [[clusters.broker_logs.brokers]]\nbroker = 2\nagent = \"http://b2:9101\"\n\
             username = \"ks\"\npassword = \"s3cret\"\n"
        );
        let plan = parse(&text, Path::new("/etc/ks")).unwrap();
        let [SourcePlan::BrokerLogs { plan, .. }] = &plan.clusters[0].sources[..] else {
            panic!("{:?}", plan.clusters[0].sources);
        };
        assert_eq!(plan.follower.file_sets.len(), 1);
        assert_eq!(plan.agent_timeout, Duration::from_secs(3));
        let [agent] = &plan.agents[..] else {
            panic!("{:?}", plan.agents);
        };
        assert_eq!(agent.broker, 2);
        assert_eq!(agent.url.to_string(), "http://b2:9101/");
        let auth = agent.basic_auth.as_ref().unwrap();
        assert_eq!(
            (auth.user.as_str(), auth.password.as_str()),
            ("ks", "s3cret")
        );
        assert!(!format!("{plan:?}").contains("s3cret"));

        let both = format!(
            "{CLUSTER}[clusters.broker_logs]\n[[clusters.broker_logs.brokers]]\nbroker = 1\n\
             paths = [\"a.log\"]\nagent = \"http://b1:9101\"\n"
        );
        let err = parse_err(&both);
        assert!(
            err.contains("line 6: clusters[0].broker_logs.brokers[0].paths: give either paths"),
            "{err}"
        );
        let neither = format!(
            "{CLUSTER}[clusters.broker_logs]\n[[clusters.broker_logs.brokers]]\nbroker = 1\n"
        );
        assert!(
            parse_err(&neither)
                .contains("line 6: clusters[0].broker_logs.brokers[0].paths: give either")
        );
        let bad = format!(
            "{CLUSTER}[clusters.broker_logs]\n[[clusters.broker_logs.brokers]]\nbroker = 1\nagent = \"b1:9101\"\n"
        );
        let err = parse_err(&bad);
        assert!(
            err.contains("line 7: clusters[0].broker_logs.brokers[0].agent: "),
            "{err}"
        );
    }

    #[test]
    fn utc_offsets_are_read_in_the_usual_spellings() {
        assert_eq!(utc_offset_seconds("Z"), Some(0));
        assert_eq!(utc_offset_seconds("UTC"), Some(0));
        assert_eq!(utc_offset_seconds("+01:00"), Some(3600));
        assert_eq!(utc_offset_seconds("-05:30"), Some(-19_800));
        assert_eq!(utc_offset_seconds("+0530"), Some(19_800));
        assert_eq!(utc_offset_seconds("+2"), Some(7200));
        assert_eq!(utc_offset_seconds("01:00"), None);
        assert_eq!(utc_offset_seconds("+25:00"), None);
        assert_eq!(utc_offset_seconds("+1:60"), None);
        assert_eq!(utc_offset_seconds("+é"), None);
    }

    #[test]
    fn cluster_names_become_safe_file_names() {
        assert_eq!(file_name_of("prod/eu 1"), "prod_eu_1");
        assert_eq!(file_name_of("../x"), "___x");
        assert_eq!(file_name_of(""), "_");
    }
}
