//! What every handler reads from.

use std::sync::Arc;

use kafkascope_collector::Snapshots;

/// Shared by all handlers; cloning copies one pointer.
#[derive(Clone)]
pub struct AppState {
    /// The latest snapshot per configured cluster, published by the
    /// collection loops.
    pub snapshots: Arc<Snapshots>,
}

impl AppState {
    pub fn new(snapshots: Arc<Snapshots>) -> Self {
        Self { snapshots }
    }
}
