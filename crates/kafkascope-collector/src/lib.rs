//! kafkascope's collector: turns a cluster's answers into snapshots.
//!
//! A background loop per cluster ([`cluster_loop`]) runs the registered
//! collectors in order ([`collector::registry`]: metadata → groups →
//! committed offsets → log offsets → log dirs → configs), each filling the
//! cycle's working state ([`cycle`]); [`assemble`] then derives lag, counts
//! and rates and builds one immutable [`snapshot::ClusterSnapshot`], to
//! which [`consumer_health`] adds lag statuses, lag in seconds and liveness
//! from the state it keeps across cycles; the snapshot is then published
//! into [`published::Snapshots`] where the HTTP server and CLI read it.
//! Nothing here writes to the cluster.

pub mod assemble;
#[cfg(test)]
mod assemble_tests;
pub mod cluster_loop;
pub mod collector;
pub mod collectors;
pub mod consumer_health;
pub mod cycle;
pub mod lag;
pub mod published;
pub mod settings;
pub mod snapshot;

pub use cluster_loop::ClusterCollector;
pub use consumer_health::ConsumerHealth;
pub use published::Snapshots;
pub use settings::{CollectorSettings, HealthSettings, NameFilter};
pub use snapshot::ClusterSnapshot;
