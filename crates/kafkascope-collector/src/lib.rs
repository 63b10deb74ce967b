//! kafkascope's collector: turns a cluster's answers into snapshots.
//!
//! A background loop per cluster runs the registered collectors in order
//! (metadata → groups → committed offsets → log offsets → log dirs →
//! configs), derives lag and rates, and publishes one immutable
//! [`snapshot::ClusterSnapshot`] into [`published::Snapshots`], where the
//! HTTP server and CLI read it.

pub mod published;
pub mod snapshot;

pub use published::Snapshots;
pub use snapshot::ClusterSnapshot;
