//! A real Apache Kafka cluster for integration tests, started and stopped by
//! `testbed/kafka-cluster.sh` (3 KRaft nodes on loopback, jars from Maven),
//! or in ZooKeeper mode (one ZooKeeper node and Kafka 3.9 brokers).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::client::{kafka_client, repo_root};

/// Port bases tried when the script finds a port taken.
const START_ATTEMPTS: u32 = 5;
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
        let mut last_error = None;
        for attempt in 0..START_ATTEMPTS {
            let base = port_base(attempt);
            let started = script(&[
                "start",
                "--dir",
                path_str(dir.path())?,
                "--port-base",
                &base.to_string(),
                "--nodes",
                &nodes.to_string(),
                "--mode",
                mode,
            ]);
            match started {
                Ok(_) => {
                    let mut cluster = KafkaCluster::open(dir.path())?;
                    cluster.owned = Some(dir);
                    cluster.watch_for_exit()?;
                    return Ok(cluster);
                }
                // A port taken shows as "already in use", or as a node that
                // exited while starting with the reason further up its log.
                Err(error)
                    if format!("{error:#}").contains("already in use")
                        || format!("{error:#}").contains("exited during start-up") =>
                {
                    // Only the nodes that started are killed; the others never ran.
                    let _ = script(&["kill", "--dir", path_str(dir.path())?]);
                    last_error = Some(error);
                }
                Err(error) => {
                    let _ = script(&["kill", "--dir", path_str(dir.path())?]);
                    return Err(error);
                }
            }
        }
        Err(last_error.expect("at least one attempt"))
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
        let env_file = dir.join("cluster.env");
        let text = fs::read_to_string(&env_file)
            .with_context(|| format!("reading {}", env_file.display()))?;
        let env = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        Ok(KafkaCluster {
            dir: dir.to_path_buf(),
            env,
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
        script(&full)
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
            .arg(script_path())
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
        let text = format!(
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
             listeners=http://127.0.0.1:{rest_port}\n",
            bootstrap = self.bootstrap()
        );
        fs::write(&properties, text).context("writing the worker's properties")?;
        let properties = path_str(&properties)?.to_string();
        self.spawn_java_client(
            jmx_port,
            "org.apache.kafka.connect.cli.ConnectDistributed",
            &[&properties],
        )
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
             listeners=http://127.0.0.1:{rest_port}\n",
            bootstrap = self.bootstrap()
        );
        for (key, value) in extra {
            text.push_str(&format!("{key}={value}\n"));
        }
        fs::write(&properties, text).context("writing the worker's properties")?;
        let properties = path_str(&properties)?.to_string();
        self.spawn_java_client(
            jmx_port,
            "org.apache.kafka.connect.cli.ConnectDistributed",
            &[&properties],
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
        script(&[
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

    /// Kills the cluster when this process exits, even if it never drops
    /// this value (a `static` is never dropped).
    fn watch_for_exit(&self) -> Result<()> {
        let watcher = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             bash '{script}' kill --dir '{dir}' --nodes {nodes}; rm -rf '{dir}'",
            pid = std::process::id(),
            script = script_path().display(),
            dir = self.dir.display(),
            nodes = self.nodes(),
        );
        Command::new("setsid")
            .args(["bash", "-c", &watcher])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the cluster's exit watcher")?;
        Ok(())
    }
}

impl Drop for KafkaCluster {
    fn drop(&mut self) {
        if self.owned.is_some() {
            let nodes = self.nodes().to_string();
            if let Some(dir) = self.dir.to_str() {
                let _ = script(&["kill", "--dir", dir, "--nodes", &nodes]);
            }
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

fn script_path() -> PathBuf {
    repo_root().join("testbed/kafka-cluster.sh")
}

/// Runs `testbed/kafka-cluster.sh` and returns its stdout; a failure carries
/// its stderr (the script's messages name the cause).
fn script(args: &[&str]) -> Result<String> {
    let output = Command::new("bash")
        .arg(script_path())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running testbed/kafka-cluster.sh")?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "testbed/kafka-cluster.sh {} failed ({}):\n{}\n{}",
            args.join(" "),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// A port base in 20000..=31000, different per process and attempt, so
/// test binaries running at once rarely pick the same ports. The cluster's
/// 800 ports stay below 32768, where Linux starts handing out ephemeral
/// ports to outgoing connections: a node once failed to bind a port some
/// client connection had been given.
fn port_base(attempt: u32) -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let slot = (std::process::id() ^ nanos).wrapping_add(attempt * 7) % 12;
    20_000 + slot * 1_000
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
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
