//! Test support for kafkascope integration tests that need a real broker —
//! Apache Kafka or tansu — and real librdkafka clients.
//!
//! * [`KafkaCluster`] is a real Apache Kafka cluster (3 KRaft nodes on
//!   loopback, from `testbed/kafka-cluster.sh`): one shared per test binary,
//!   or one of a test's own where it stops nodes. [`KafkaCluster::tool`]
//!   runs Kafka's own command-line tools, the reference kafkascope is
//!   checked against. [`KafkaCluster::start_zookeeper_mode`] starts the
//!   same handle on a ZooKeeper-mode cluster (one ZooKeeper node, Kafka 3.9
//!   brokers) for users still on ZooKeeper.
//! * [`Tansu`] runs a single-node tansu broker (in-memory storage) on a free
//!   localhost port and kills it when dropped.
//! * [`kafka_client`] and [`spawn_kafka_client`] run
//!   `tests/clients/kafka_client.py`, a small CLI over confluent-kafka
//!   (librdkafka), to create topics, produce, and consume and commit as a
//!   real consumer group member.
//!
//! `scripts/install-test-deps.sh` installs both; `scripts/test.sh` exports
//! `KAFKASCOPE_TANSU_BIN` and `KAFKASCOPE_PYTHON` for them.
//!
//! tansu 0.6.0 quirks tests must respect:
//! * ListOffsets(latest) answers the last batch's base offset + 1, so test
//!   data is produced one record per batch (`kafka_client.py produce` does).
//! * ListGroups lists only groups that have committed offsets, always with
//!   state `Unknown`; a group whose members never committed is not listed.
//! * DescribeGroups members carry only a member id: client id, host,
//!   metadata and assignment are empty. A group nobody joined is described
//!   as `Empty`, not `Dead`.

mod client;
mod connect_rest;
mod kafka;
mod ports;
mod tansu;
mod testbed_script;
pub mod zookeeper;

pub use client::{kafka_client, repo_root, spawn_kafka_client, wait_for_ready};
pub use connect_rest::connect_rest;
pub use kafka::{
    GroupToolRow, JavaClient, KafkaCluster, parse_consumer_groups_describe, parse_zookeeper_get,
};
pub use ports::free_loopback_ports;
pub use tansu::{Tansu, tansu_bin};
