//! A protocol-level FAKE Kafka cluster for tests, built on the `kafka-protocol` crate.
//!
//! It exists because the real test broker (tansu) is single-node and cannot produce states
//! like several brokers, shrunk ISR, offline partitions, non-preferred leaders, SASL auth, or
//! misbehaving frames.
//!
//! A test describes the cluster declaratively with [`FakeCluster`] (brokers, topics and
//! partitions, consumer groups, configs, SASL users), starts it with [`FakeCluster::start`],
//! points the client under test at [`FakeClusterHandle::bootstrap`], and may mutate the model
//! between collection cycles through [`FakeClusterHandle::state`]. Every request a broker
//! receives is recorded so tests can assert how many requests of each kind reached each
//! broker. [`BadServer`] provides listeners that violate the wire protocol on purpose.
//!
//! Only the read-side admin APIs a monitoring client needs are implemented (ApiVersions,
//! Metadata, ListOffsets, FindCoordinator, ListGroups, DescribeGroups, OffsetFetch,
//! DescribeConfigs, DescribeCluster, DescribeLogDirs, Fetch (record batches from each
//! partition's declared log, see [`BatchSpec`]), SaslHandshake and
//! SaslAuthenticate); any other API key closes the connection.

mod apis;
mod cluster_state;
mod misbehaving;
mod record_batches;
mod sasl;
mod server;

pub use cluster_state::{
    BrokerSpec, FakeCluster, GroupSpec, MemberSpec, PartitionSpec, SaslSpec, TopicSpec,
};
pub use kafka_protocol::messages::ApiKey;
pub use kafka_protocol::records::Compression;
pub use misbehaving::{BadServer, Misbehavior};
pub use record_batches::BatchSpec;
pub use server::{FakeClusterHandle, RequestRecord};
