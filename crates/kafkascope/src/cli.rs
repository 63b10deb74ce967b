//! Command-line arguments, shaped after Kafka's own scripts
//! (`kafka-topics.sh`, `kafka-consumer-groups.sh`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kafkascope",
    version,
    about = "Watches Kafka clusters and their consumers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log filter (tracing's env-filter syntax).
    #[arg(long, global = true, env = "KAFKASCOPE_LOG", default_value = "info")]
    pub log: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the cluster's brokers (with JMX: their throughput and request times).
    Brokers(BrokersArgs),
    /// List or describe topics.
    Topics(TopicsArgs),
    /// List or describe consumer groups.
    Groups(GroupsArgs),
    /// Consumer lag per group and partition.
    Lag(LagArgs),
    /// Kafka's Java producers and consumers, through their JMX agents.
    Clients(ClientsArgs),
    /// Kafka Connect connectors and tasks through the workers' REST API,
    /// failed ones first.
    Connect(ConnectArgs),
    /// Collect in the background and serve /metrics, the JSON API and health checks.
    Serve(ServeArgs),
    /// Check alert rule files, or export the rules `serve` evaluates.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Serve this host's CPU, memory, disks and network as node_exporter
    /// does, for hosts without node_exporter.
    Agent(AgentArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check Prometheus rule files; every problem is listed with its line.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the rules `serve` evaluates as a Prometheus rule file (to
    /// stdout), for teams that alert from their own Prometheus.
    Export {
        /// The config whose `[alerts]` decide the rules (default: the curated rules).
        #[arg(long, env = "KAFKASCOPE_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// How to reach one cluster from the command line.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Comma-separated `host:port` list.
    #[arg(long, env = "KAFKASCOPE_BOOTSTRAP_SERVER")]
    pub bootstrap_server: String,
    /// Kafka client properties file (security.protocol, sasl.*, ssl.*).
    #[arg(long, env = "KAFKASCOPE_COMMAND_CONFIG")]
    pub command_config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// Where JMX figures are read from: agents' URLs, each optionally
/// `NODE_ID=URL`.
#[derive(Debug, Clone, Default, Args)]
pub struct JmxArgs {
    /// Comma-separated JMX exporter pages (`URL` or `NODE_ID=URL`).
    #[arg(long, env = "KAFKASCOPE_JMX_EXPORTER", value_delimiter = ',')]
    pub jmx_exporter: Vec<String>,
    /// Comma-separated Jolokia agents (`URL` or `NODE_ID=URL`).
    #[arg(long, env = "KAFKASCOPE_JOLOKIA", value_delimiter = ',')]
    pub jolokia: Vec<String>,
    /// Seconds between the two reads whose difference makes the rates.
    #[arg(long, default_value_t = 2.0)]
    pub jmx_seconds: f64,
}

impl JmxArgs {
    pub fn is_empty(&self) -> bool {
        self.jmx_exporter.is_empty() && self.jolokia.is_empty()
    }
}

#[derive(Debug, Clone, Args)]
pub struct BrokersArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// With JMX: throughput, request times and idle share per broker.
    #[command(flatten)]
    pub jmx: JmxArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ClientsArgs {
    #[command(flatten)]
    pub jmx: JmxArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Read every `[clusters.connect]` of this config file.
    #[arg(long, env = "KAFKASCOPE_CONFIG", conflicts_with = "connect_url")]
    pub config: Option<PathBuf>,
    /// A worker's REST URL (repeat for the workers of one Connect cluster).
    #[arg(long)]
    pub connect_url: Vec<String>,
    /// HTTP Basic user for --connect-url.
    #[arg(long, requires = "connect_url")]
    pub username: Option<String>,
    /// File holding the password of --username.
    #[arg(long, requires = "username")]
    pub password_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct TopicsArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Show partitions: leader, replicas, ISR, offsets.
    #[arg(long)]
    pub describe: bool,
    /// Only this topic.
    #[arg(long)]
    pub topic: Option<String>,
    /// Only partitions whose ISR is smaller than their replica set.
    #[arg(long)]
    pub under_replicated_partitions: bool,
    /// Only partitions with no leader.
    #[arg(long)]
    pub unavailable_partitions: bool,
    /// Leave out internal topics.
    #[arg(long)]
    pub exclude_internal: bool,
}

#[derive(Debug, Clone, Args)]
pub struct GroupsArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Show each group's partitions, offsets, lag and owners.
    #[arg(long)]
    pub describe: bool,
    /// Only this group.
    #[arg(long)]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct LagArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Only this group, partition by partition.
    #[arg(long)]
    pub group: Option<String>,
    /// Collection cycles to observe before reporting; status and trend need
    /// at least 2 (a full window: with one, status reads NOT_ENOUGH_DATA).
    #[arg(long, default_value_t = 1)]
    pub samples: usize,
    /// Seconds between those cycles.
    #[arg(long, default_value_t = 5.0)]
    pub every: f64,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// TOML config file (clusters, intervals, filters, listen address).
    #[arg(long, env = "KAFKASCOPE_CONFIG", conflicts_with = "bootstrap_server")]
    pub config: Option<PathBuf>,
    /// One cluster without a config file.
    #[arg(long, env = "KAFKASCOPE_BOOTSTRAP_SERVER")]
    pub bootstrap_server: Option<String>,
    #[arg(long, env = "KAFKASCOPE_COMMAND_CONFIG")]
    pub command_config: Option<PathBuf>,
    /// The `cluster` label for the cluster given by --bootstrap-server.
    #[arg(long, default_value = "default")]
    pub cluster_name: String,
    /// Address for HTTP; overrides the config file's.
    #[arg(long, env = "KAFKASCOPE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Seconds between collection cycles; overrides the config file's.
    #[arg(long, env = "KAFKASCOPE_INTERVAL")]
    pub interval: Option<u64>,
    /// Where the history is kept; overrides the config file's
    /// [default: ./kafkascope-data].
    #[arg(long, env = "KAFKASCOPE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keep no history (no data directory; the query API answers nothing).
    #[arg(long, env = "KAFKASCOPE_NO_HISTORY")]
    pub no_history: bool,
    /// Prometheus rule files to evaluate as well (repeat the flag, or
    /// comma-separate); a rule named as a curated one replaces it.
    #[arg(long, env = "KAFKASCOPE_RULE_FILE", value_delimiter = ',')]
    pub rule_file: Vec<PathBuf>,
    /// Leave the curated alert rules out (docs/ALERTS.md).
    #[arg(long, env = "KAFKASCOPE_NO_DEFAULT_RULES")]
    pub no_default_rules: bool,
    /// TLS and basic auth for kafkascope's own listener, in the format of
    /// the Prometheus exporters' web config (docs/CONFIG.md).
    #[arg(long = "web.config.file", env = "KAFKASCOPE_WEB_CONFIG_FILE")]
    pub web_config_file: Option<PathBuf>,
    /// With --bootstrap-server: JMX exporter pages to read on the cluster's
    /// interval (`URL` or `NODE_ID=URL`, comma-separated).
    #[arg(
        long,
        env = "KAFKASCOPE_JMX_EXPORTER",
        value_delimiter = ',',
        requires = "bootstrap_server"
    )]
    pub jmx_exporter: Vec<String>,
    /// With --bootstrap-server: Jolokia agents to read likewise.
    #[arg(
        long,
        env = "KAFKASCOPE_JOLOKIA",
        value_delimiter = ',',
        requires = "bootstrap_server"
    )]
    pub jolokia: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct AgentArgs {
    /// Address for HTTP (`/metrics`, `/healthz`).
    #[arg(long, env = "KAFKASCOPE_AGENT_LISTEN", default_value = "0.0.0.0:9101")]
    pub listen: SocketAddr,
    /// Where procfs is mounted (the host's `/proc` mounted elsewhere in a
    /// container); node_exporter's `--path.procfs` is the same flag.
    #[arg(
        long,
        alias = "path.procfs",
        env = "KAFKASCOPE_PROC_ROOT",
        default_value = "/proc"
    )]
    pub proc_root: PathBuf,
    /// Where the host's root filesystem is mounted, in a container
    /// (node_exporter's flag): filesystems are measured under it and named
    /// as on the host.
    #[arg(long = "path.rootfs", env = "KAFKASCOPE_ROOT_FS", default_value = "/")]
    pub root_fs: PathBuf,
    /// TLS and basic auth for the agent's listener, as for `serve`.
    #[arg(long = "web.config.file", env = "KAFKASCOPE_WEB_CONFIG_FILE")]
    pub web_config_file: Option<PathBuf>,
    /// Scrapes answered at once; more are answered 503.
    #[arg(long = "web.max-requests", default_value_t = 40)]
    pub max_requests: usize,
    /// Mount points left out (node_exporter's flag and default).
    #[arg(long = "collector.filesystem.mount-points-exclude")]
    pub mount_points_exclude: Option<String>,
    /// Filesystem types left out (node_exporter's flag and default).
    #[arg(long = "collector.filesystem.fs-types-exclude")]
    pub fs_types_exclude: Option<String>,
    /// Block devices left out (node_exporter's flag and default).
    #[arg(long = "collector.diskstats.device-exclude")]
    pub diskstats_device_exclude: Option<String>,
    /// Network devices left out (none by default).
    #[arg(long = "collector.netdev.device-exclude")]
    pub netdev_device_exclude: Option<String>,
    /// This broker's log files, or folders holding Kafka's log files,
    /// followed and served at `/broker-logs` for `serve` to poll.
    #[arg(long = "broker-logs", requires = "broker_id")]
    pub broker_logs: Vec<PathBuf>,
    /// The broker whose files `--broker-logs` names.
    #[arg(long = "broker-id", requires = "broker_logs")]
    pub broker_id: Option<i32>,
    /// Where reading positions, events not yet taken and counts are kept,
    /// so a restart reads nothing twice and loses nothing.
    #[arg(long = "broker-logs-state", default_value = "kafkascope-agent-state")]
    pub broker_logs_state: PathBuf,
    /// The broker's UTC offset (`+01:00`, `Z`): log4j writes local times.
    #[arg(long = "utc-offset")]
    pub utc_offset: Option<String>,
    /// The log4j pattern the files are written with (Kafka's by default).
    #[arg(long)]
    pub layout: Option<String>,
    /// Seconds between reads of the files.
    #[arg(long = "broker-logs-interval", default_value_t = 5)]
    pub broker_logs_interval: u64,
}
