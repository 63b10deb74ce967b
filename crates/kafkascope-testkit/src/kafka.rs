//! A real Apache Kafka cluster for integration tests, started and stopped by
//! `testbed/kafka-cluster.sh` (3 KRaft nodes on loopback, jars from Maven),
//! or in ZooKeeper mode (one ZooKeeper node and Kafka 3.9 brokers).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::client::kafka_client;
use crate::ports::PortBases;
use crate::testbed_script::{TestbedScript, path_str};

/// Starts, stops and kills the cluster's nodes, and runs Kafka's tools.
const CLUSTER_SCRIPT: TestbedScript = TestbedScript {
    name: "testbed/kafka-cluster.sh",
    starts: "cluster",
    env_file: "cluster.env",
    // Bases 20000-31000: the cluster's 800 ports take 0-799 of a thousand.
    ports: PortBases {
        slots: 12,
        offset_in_slot: 0,
    },
};

/// Set by `scripts/test.sh`: the folder of a cluster it started for every
/// test binary to share.
const SHARED_CLUSTER_ENV: &str = "KAFKASCOPE_KAFKA_CLUSTER";

/// A running Apache Kafka cluster.
///
/// [`KafkaCluster::start`] starts one of the test's own, killed on drop.
/// [`KafkaCluster::shared`] is one cluster per test binary (or the one
/// `scripts/test.sh` started for all of them); tests on it make their own
/// topics and groups and must not stop its nodes.
pub struct KafkaCluster {
    dir: PathBuf,
    env: BTreeMap<String, String>,
    /// Our own cluster's folder, removed on drop; `None` for one we joined.
    owned: Option<TempDir>,
}

impl KafkaCluster {
    /// Starts a cluster of `nodes` nodes of its own on free ports.
    pub fn start(nodes: u32) -> Result<KafkaCluster> {
        KafkaCluster::start_in_mode(nodes, "kraft")
    }

    /// Starts a ZooKeeper-mode cluster of its own on free ports: one
    /// ZooKeeper node and `nodes` Apache Kafka 3.9 brokers (Kafka 4 has no
    /// ZooKeeper mode), PLAINTEXT only. [`KafkaCluster::tool`] runs Kafka
    /// 3.9's tools on it; `ZOOKEEPER_CONNECT` in [`KafkaCluster::env`] is
    /// ZooKeeper's address.
    pub fn start_zookeeper_mode(nodes: u32) -> Result<KafkaCluster> {
        KafkaCluster::start_in_mode(nodes, "zookeeper")
    }

    fn start_in_mode(nodes: u32, mode: &str) -> Result<KafkaCluster> {
        let dir = tempfile::Builder::new()
            .prefix("kafkascope-kafka-")
            .tempdir()
            .context("creating a folder for the Kafka cluster")?;
        let nodes = nodes.to_string();
        let args = ["--nodes", &nodes, "--mode", mode];
        CLUSTER_SCRIPT.start_on_free_ports(dir.path(), &args)?;
        let mut cluster = KafkaCluster::open(dir.path())?;
        cluster.owned = Some(dir);
        let nodes = cluster.nodes().to_string();
        CLUSTER_SCRIPT.kill_when_this_process_exits(&cluster.dir, &["--nodes", &nodes])?;
        Ok(cluster)
    }

    /// The cluster this test binary shares: the one named by
    /// `$KAFKASCOPE_KAFKA_CLUSTER`, else a 3-node cluster started on first
    /// use and killed when the test binary exits.
    pub fn shared() -> &'static KafkaCluster {
        static SHARED: OnceLock<KafkaCluster> = OnceLock::new();
        SHARED.get_or_init(|| {
            let cluster = match std::env::var_os(SHARED_CLUSTER_ENV) {
                Some(dir) => KafkaCluster::open(Path::new(&dir)),
                None => KafkaCluster::start(3),
            };
            cluster.unwrap_or_else(|error| panic!("starting the shared Kafka cluster: {error:#}"))
        })
    }

    /// A cluster already running in `dir` (its `cluster.env` names it).
    pub fn open(dir: &Path) -> Result<KafkaCluster> {
        Ok(KafkaCluster {
            dir: dir.to_path_buf(),
            env: CLUSTER_SCRIPT.read_env(dir)?,
            owned: None,
        })
    }

    /// A value from the cluster's `cluster.env` (e.g. `KAFKA_JMX_EXPORTER`).
    pub fn env(&self, key: &str) -> &str {
        self.env.get(key).map(String::as_str).unwrap_or("")
    }

    /// `host:port,...` of every node's PLAINTEXT listener.
    pub fn bootstrap(&self) -> String {
        self.env("KAFKA_BOOTSTRAP").to_string()
    }

    pub fn nodes(&self) -> u32 {
        self.env("KAFKA_NODES").parse().unwrap_or(0)
    }

    /// The cluster's folder: node folders with their logs, `tls/`, and the
    /// `client-*.properties` files for each security setup.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `kafka_client.py <command> --bootstrap <this cluster> <args...>`.
    pub fn client(&self, command: &str, args: &[&str]) -> Result<String> {
        let bootstrap = self.bootstrap();
        let mut full = vec![command, "--bootstrap", &bootstrap];
        full.extend_from_slice(args);
        kafka_client(&full)
    }

    /// Runs one of Kafka's own tools (`main_class` with `args`) on the
    /// cluster's jars and returns its stdout.
    pub fn tool(&self, main_class: &str, args: &[&str]) -> Result<String> {
        let mut full = vec!["tool"];
        // A ZooKeeper-mode cluster runs another Kafka version than the
        // script's default: its cluster.env names which.
        if self.is_zookeeper_mode() {
            full.extend(["--dir", path_str(&self.dir)?]);
        }
        full.push(main_class);
        full.extend_from_slice(args);
        CLUSTER_SCRIPT.run(&full)
    }

    /// Starts one of Kafka's own Java clients (`main_class` with `args`, e.g.
    /// `org.apache.kafka.tools.ProducerPerformance`) in the background with
    /// the JMX exporter agent and `testbed/jmx-exporter-clients.yml`, its
    /// page on `127.0.0.1:<jmx_port>/metrics`. Killed on drop.
    pub fn spawn_java_client(
        &self,
        jmx_port: u16,
        main_class: &str,
        args: &[&str],
    ) -> Result<JavaClient> {
        let port = jmx_port.to_string();
        let child = Command::new("bash")
            .arg(CLUSTER_SCRIPT.path())
            .args(["tool", "--jmx-exporter", &port, main_class])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting a Java client with testbed/kafka-cluster.sh tool")?;
        Ok(JavaClient {
            child,
            exporter_url: format!("http://127.0.0.1:{jmx_port}/metrics"),
        })
    }

    /// Starts a distributed Kafka Connect worker on the cluster (its own
    /// group and storage topics, named after `name`), its REST API on
    /// `127.0.0.1:<rest_port>` and its JMX exporter page on `jmx_port`, with
    /// the FileStream connectors on its class path. Killed on drop.
    pub fn spawn_connect_worker(
        &self,
        name: &str,
        rest_port: u16,
        jmx_port: u16,
        dir: &Path,
    ) -> Result<JavaClient> {
        let properties = dir.join(format!("{name}-worker.properties"));
        let worker = ConnectWorker {
            name,
            rest_port,
            extra: &[],
        };
        self.spawn_connect_worker_from(&properties, &worker, jmx_port)
    }

    /// A Connect worker as [`KafkaCluster::spawn_connect_worker`] starts
    /// it, with `extra` worker properties (e.g. a short
    /// `scheduled.rebalance.max.delay.ms`). Workers given the same `name`
    /// join one Connect cluster: its properties file is named after the REST
    /// port, so several can share `dir`.
    pub fn spawn_connect_worker_with_properties(
        &self,
        name: &str,
        rest_port: u16,
        jmx_port: u16,
        dir: &Path,
        extra: &[(&str, &str)],
    ) -> Result<JavaClient> {
        let properties = dir.join(format!("{name}-{rest_port}-worker.properties"));
        let worker = ConnectWorker {
            name,
            rest_port,
            extra,
        };
        self.spawn_connect_worker_from(&properties, &worker, jmx_port)
    }

    /// Writes `worker`'s properties to `properties` and starts it on them.
    fn spawn_connect_worker_from(
        &self,
        properties: &Path,
        worker: &ConnectWorker,
        jmx_port: u16,
    ) -> Result<JavaClient> {
        fs::write(properties, worker.properties(&self.bootstrap()))
            .context("writing the worker's properties")?;
        self.spawn_java_client(
            jmx_port,
            "org.apache.kafka.connect.cli.ConnectDistributed",
            &[path_str(properties)?],
        )
    }

    /// Whether this cluster runs in ZooKeeper mode
    /// ([`KafkaCluster::start_zookeeper_mode`]).
    pub fn is_zookeeper_mode(&self) -> bool {
        self.env("KAFKA_MODE") == "zookeeper"
    }

    /// The data of the znode at `path` (e.g. `/controller`), read with
    /// ZooKeeper's own shell on the cluster's jars; ZooKeeper mode only.
    pub fn zookeeper_get(&self, path: &str) -> Result<String> {
        if !self.is_zookeeper_mode() {
            bail!(
                "{} runs in KRaft mode: it has no ZooKeeper",
                self.dir.display()
            );
        }
        let out = self.tool(
            "org.apache.zookeeper.ZooKeeperMain",
            &["-server", self.env("ZOOKEEPER_CONNECT"), "get", path],
        )?;
        Ok(parse_zookeeper_get(&out))
    }

    /// `kafka-topics.sh --bootstrap-server <this cluster> <args...>`'s stdout.
    pub fn kafka_topics(&self, args: &[&str]) -> Result<String> {
        let bootstrap = self.bootstrap();
        let full = [&["--bootstrap-server", bootstrap.as_str()][..], args].concat();
        self.tool("org.apache.kafka.tools.TopicCommand", &full)
    }

    /// `kafka-consumer-groups.sh --describe --group <group>`'s rows, as
    /// (topic, partition, current offset, log end offset, lag), sorted.
    pub fn describe_group_with_kafka_tool(&self, group: &str) -> Result<Vec<GroupToolRow>> {
        let bootstrap = self.bootstrap();
        let out = self.tool(
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            &[
                "--bootstrap-server",
                &bootstrap,
                "--describe",
                "--group",
                group,
            ],
        )?;
        let mut rows = parse_consumer_groups_describe(&out, group);
        rows.sort();
        Ok(rows)
    }

    /// Stops node `id` (a controlled shutdown); this cluster must be the
    /// test's own.
    pub fn stop_node(&self, id: u32) -> Result<()> {
        self.node_command("stop-node", id)
    }

    /// Starts node `id` again and waits until it is ready.
    pub fn start_node(&self, id: u32) -> Result<()> {
        self.node_command("start-node", id)
    }

    fn node_command(&self, command: &str, id: u32) -> Result<()> {
        if self.owned.is_none() {
            bail!("{command} on a shared cluster would disturb other tests");
        }
        CLUSTER_SCRIPT
            .run(&[
                command,
                &id.to_string(),
                "--dir",
                path_str(&self.dir)?,
                "--port-base",
                self.env("KAFKA_PORT_BASE"),
                "--nodes",
                self.env("KAFKA_NODES"),
            ])
            .map(drop)
    }
}

impl Drop for KafkaCluster {
    fn drop(&mut self) {
        if self.owned.is_some() {
            let nodes = self.nodes().to_string();
            let _ = CLUSTER_SCRIPT.kill(&self.dir, &["--nodes", &nodes]);
        }
    }
}

/// One row of `kafka-consumer-groups --describe`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupToolRow {
    pub topic: String,
    pub partition: i32,
    /// `None` where the tool prints `-`.
    pub current_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    pub lag: Option<i64>,
    pub consumer_id: Option<String>,
}

/// The rows of `group` in kafka-consumer-groups' `--describe` table.
pub fn parse_consumer_groups_describe(out: &str, group: &str) -> Vec<GroupToolRow> {
    let number = |field: &str| field.parse::<i64>().ok();
    out.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields.len() >= 7 && fields[0] == group && fields[2] != "PARTITION")
        .filter_map(|fields| {
            Some(GroupToolRow {
                topic: fields[1].to_string(),
                partition: fields[2].parse().ok()?,
                current_offset: number(fields[3]),
                log_end_offset: number(fields[4]),
                lag: number(fields[5]),
                consumer_id: (fields[6] != "-").then(|| fields[6].to_string()),
            })
        })
        .collect()
}

/// The znode data in `ZooKeeperMain ... get <path>`'s stdout, without the
/// shell's own lines (its connection notice and the session watcher's event).
pub fn parse_zookeeper_get(out: &str) -> String {
    out.lines()
        .filter(|line| {
            !line.trim().is_empty()
                && !line.starts_with("Connecting to ")
                && !line.starts_with("WATCHER::")
                && !line.starts_with("WatchedEvent ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A Java client process started by [`KafkaCluster::spawn_java_client`].
pub struct JavaClient {
    child: std::process::Child,
    /// Its JMX exporter page.
    pub exporter_url: String,
}

impl JavaClient {
    /// SIGKILL, as a crash would (the script execs the JVM, so this is it).
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for JavaClient {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// A distributed Kafka Connect worker of its own group and storage topics,
/// named after `name`, with its REST API on `127.0.0.1:<rest_port>`.
struct ConnectWorker<'a> {
    name: &'a str,
    rest_port: u16,
    /// Properties added after the others, e.g. a short rebalance delay.
    extra: &'a [(&'a str, &'a str)],
}

impl ConnectWorker<'_> {
    /// Its `*-worker.properties`, on the cluster at `bootstrap`.
    fn properties(&self, bootstrap: &str) -> String {
        let ConnectWorker {
            name, rest_port, ..
        } = self;
        let mut text = format!(
            "bootstrap.servers={bootstrap}\n\
             group.id={name}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.storage.topic={name}-offsets\n\
             config.storage.topic={name}-configs\n\
             status.storage.topic={name}-status\n\
             offset.storage.replication.factor=1\n\
             config.storage.replication.factor=1\n\
             status.storage.replication.factor=1\n\
             offset.flush.interval.ms=1000\n\
             listeners=http://127.0.0.1:{rest_port}\n"
        );
        for (key, value) in self.extra {
            text.push_str(&format!("{key}={value}\n"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_describe_table_of_kafka_consumer_groups() {
        let out = "\n\
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                  HOST            CLIENT-ID\n\
g1              t1              0          10              10              0               rdkafka-4f2a                                 /127.0.0.1      rdkafka\n\
g1              t1              1          -               5               -               -                                            -               -\n\
Consumer group 'g1' has no active members.\n";
        assert_eq!(
            parse_consumer_groups_describe(out, "g1"),
            [
                GroupToolRow {
                    topic: "t1".into(),
                    partition: 0,
                    current_offset: Some(10),
                    log_end_offset: Some(10),
                    lag: Some(0),
                    consumer_id: Some("rdkafka-4f2a".into()),
                },
                GroupToolRow {
                    topic: "t1".into(),
                    partition: 1,
                    current_offset: None,
                    log_end_offset: Some(5),
                    lag: None,
                    consumer_id: None,
                },
            ]
        );
    }

    #[test]
    fn parses_the_znode_data_out_of_the_zookeeper_shell() {
        let out = "Connecting to 127.0.0.1:21100\n\nWATCHER::\n\n\
WatchedEvent state:SyncConnected type:None path:null\n\
{\"version\":2,\"brokerid\":2,\"timestamp\":\"1796578465917\",\"kraftControllerEpoch\":-1}\n";
        assert_eq!(
            parse_zookeeper_get(out),
            r#"{"version":2,"brokerid":2,"timestamp":"1796578465917","kraftControllerEpoch":-1}"#
        );
    }
}
