//! One file per subcommand. The read-only commands build one snapshot with
//! the same collector `serve` runs, so the CLI and /metrics never disagree.

mod agent;
mod brokers;
mod clients;
mod connect;
mod groups;
mod jmx_once;
mod lag;
mod rules;
mod serve;
mod topics;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use kafkascope_client::ClientConfig;
use kafkascope_client::client_properties::load_client_properties;
use kafkascope_collector::{ClusterCollector, ClusterSnapshot, CollectorSettings, NameFilter};

use crate::cli::{Command, ConnectionArgs};

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Brokers(args) => brokers::run(args).await,
        Command::Topics(args) => topics::run(args).await,
        Command::Groups(args) => groups::run(args).await,
        Command::Lag(args) => lag::run(args).await,
        Command::Clients(args) => clients::run(args).await,
        Command::Connect(args) => connect::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Rules(command) => rules::run(command),
        Command::Agent(args) => agent::run(args).await,
    }
}

/// Client settings from `--command-config`, as Kafka's tools read them.
pub fn client_config(path: Option<&std::path::Path>) -> anyhow::Result<ClientConfig> {
    let mut config = ClientConfig::default();
    if let Some(path) = path {
        let properties = load_client_properties(path)
            .with_context(|| format!("reading client properties {}", path.display()))?;
        for key in properties.ignored_keys() {
            tracing::warn!("{}: ignoring unsupported property {key}", path.display());
        }
        properties.apply(&mut config);
    }
    Ok(config)
}

pub fn bootstrap_list(servers: &str) -> Vec<String> {
    servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A filter admitting exactly `name`, or everything.
pub fn exact(name: Option<&str>) -> NameFilter {
    NameFilter {
        include: name
            .map(|n| regex::Regex::new(&format!("^{}$", regex::escape(n))).expect("escaped regex")),
        exclude: None,
    }
}

/// Which consumer groups a command needs.
#[derive(Debug, Clone, Copy)]
pub enum GroupSelection<'a> {
    All,
    None,
    Named(&'a str),
}

impl<'a> GroupSelection<'a> {
    pub fn from_option(name: Option<&'a str>) -> Self {
        name.map_or(GroupSelection::All, GroupSelection::Named)
    }
}

/// One collection cycle, for the read-only commands.
/// `group`, when given, is described even if no broker lists it.
pub async fn snapshot_once(
    connection: &ConnectionArgs,
    topics: NameFilter,
    group: GroupSelection<'_>,
) -> anyhow::Result<Arc<ClusterSnapshot>> {
    snapshot_after_samples(connection, topics, group, Sampling::ONCE).await
}

/// How many cycles a command collects before it reports, and how far apart:
/// lag status and trends need a window of observations.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub cycles: usize,
    pub every: Duration,
}

impl Sampling {
    pub const ONCE: Sampling = Sampling {
        cycles: 1,
        every: Duration::ZERO,
    };
}

/// The snapshot of the last of `sampling.cycles` cycles; consumer health is
/// evaluated over all of them (a window of exactly that many samples).
pub async fn snapshot_after_samples(
    connection: &ConnectionArgs,
    topics: NameFilter,
    group: GroupSelection<'_>,
    sampling: Sampling,
) -> anyhow::Result<Arc<ClusterSnapshot>> {
    let mut settings = CollectorSettings::new("cli");
    settings.health.intervals = sampling.cycles.max(2);
    settings.health.min_distance = sampling.every.min(settings.health.min_distance);
    settings.topics = topics;
    match group {
        GroupSelection::All => {}
        GroupSelection::None => settings.groups = exact(Some("")),
        GroupSelection::Named(name) => {
            settings.groups = exact(Some(name));
            settings.named_groups = vec![name.to_string()];
        }
    }
    let client = client_config(connection.command_config.as_deref())?;
    let bootstrap = bootstrap_list(&connection.bootstrap_server);
    if bootstrap.is_empty() {
        bail!("--bootstrap-server names no broker");
    }
    let mut collector = ClusterCollector::new(settings, bootstrap, client);
    let mut snapshot = collector.collect_once().await;
    for _ in 1..sampling.cycles {
        tokio::time::sleep(sampling.every).await;
        snapshot = collector.collect_once().await;
    }
    if snapshot.stale {
        let reasons: Vec<&str> = snapshot.errors.iter().map(|e| e.message.as_str()).collect();
        bail!("could not read the cluster: {}", reasons.join("; "));
    }
    for error in &snapshot.errors {
        tracing::warn!("{}: {}", error.collector, error.message);
    }
    Ok(snapshot)
}

pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print_out(&text)
}

/// Writes a command's output. A reader that went away (`| head`) ends the
/// output quietly, where `print!` would panic.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("writing to standard output"),
    }
}
