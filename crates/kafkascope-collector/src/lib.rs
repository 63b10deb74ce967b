//! kafkascope's collector: turns a cluster's answers into snapshots.
//!
//! A background loop per cluster ([`cluster_loop`]) runs the registered
//! collectors in two stages ([`collector::registry`]: metadata → groups →
//! committed offsets → log offsets → record timestamps, then log dirs →
//! controllers → configs), each filling the cycle's working state
//! ([`cycle`]). Between the stages the groups are built ([`assemble`]) and
//! judged by [`consumer_health`] (lag statuses, lag in seconds, liveness,
//! from the state it keeps across cycles) on another thread; the topics
//! follow the second stage, and together they make one immutable
//! [`snapshot::ClusterSnapshot`], which is then published
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
pub mod partition_offsets;
pub mod published;
pub mod settings;
pub mod snapshot;

pub use cluster_loop::{ClusterCollector, SnapshotListener};
pub use consumer_health::ConsumerHealth;
pub use published::Snapshots;
pub use settings::{CollectorSettings, HealthSettings, NameFilter};
pub use snapshot::ClusterSnapshot;
