//! What every handler reads from.

use std::sync::Arc;

use kafkascope_collector::Snapshots;
use kafkascope_sources::SourceSnapshots;

/// Shared by all handlers; cloning copies two pointers.
#[derive(Clone)]
pub struct AppState {
    /// The latest snapshot per configured cluster, published by the
    /// collection loops.
    pub snapshots: Arc<Snapshots>,
    /// The latest poll of each cluster's sources (JMX...), published by
    /// their loops.
    pub sources: Arc<SourceSnapshots>,
}

impl AppState {
    pub fn new(snapshots: Arc<Snapshots>) -> Self {
        Self {
            snapshots,
            sources: Arc::default(),
        }
    }

    pub fn with_sources(mut self, sources: Arc<SourceSnapshots>) -> Self {
        self.sources = sources;
        self
    }
}
