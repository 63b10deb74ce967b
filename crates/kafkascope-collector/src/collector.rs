//! The small trait every collector implements, and the one place they are
//! registered, in the order a cycle needs them.

use std::time::Instant;

use futures::future::BoxFuture;

use crate::collectors;
use crate::cycle::Cycle;
use crate::snapshot::CollectorRun;

/// Why a collector stopped the whole cycle (only Metadata may: without it
/// nothing else can be routed).
#[derive(Debug, Clone)]
pub struct CycleAborted(pub String);

impl std::fmt::Display for CycleAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub type CollectResult = Result<(), CycleAborted>;

/// Which collector: a name that cannot be misspelt where a verdict depends
/// on whether a collector ran cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CollectorId {
    ClusterMetadata,
    ConsumerGroups,
    CommittedOffsets,
    LogOffsets,
    RecordTimestamps,
    LogDirs,
    ControllerState,
    TopicConfigs,
}

impl CollectorId {
    /// The name in snapshots, errors and the `collector` label.
    pub const fn name(self) -> &'static str {
        match self {
            CollectorId::ClusterMetadata => "cluster_metadata",
            CollectorId::ConsumerGroups => "consumer_groups",
            CollectorId::CommittedOffsets => "committed_offsets",
            CollectorId::LogOffsets => "log_offsets",
            CollectorId::RecordTimestamps => "record_timestamps",
            CollectorId::LogDirs => "log_dirs",
            CollectorId::ControllerState => "controller_state",
            CollectorId::TopicConfigs => "topic_configs",
        }
    }
}

/// One source of figures. Partial failures go into the cycle's errors;
/// returning `Err` abandons the cycle.
pub trait Collector: Send + Sync {
    fn id(&self) -> CollectorId;

    fn name(&self) -> &'static str {
        self.id().name()
    }
    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult>;
}

/// The registered collectors, in the two stages of a cycle.
pub struct Registry {
    /// What the groups need, in order: placement, the groups, their
    /// commits, the log offsets and the records at the commits. Committed
    /// offsets come before log end offsets so that lag, computed from the
    /// two, is never negative. Once these are in, the groups are built and
    /// judged beside the next stage.
    pub lag: Vec<Box<dyn Collector>>,
    /// What only the topics and brokers need (sizes, the controllers,
    /// configs), awaited while the groups are built.
    pub side: Vec<Box<dyn Collector>>,
}

/// The one place collectors are registered.
pub fn registry() -> Registry {
    Registry {
        lag: vec![
            Box::new(collectors::cluster_metadata::ClusterMetadataCollector),
            Box::new(collectors::consumer_groups::ConsumerGroupsCollector),
            Box::new(collectors::committed_offsets::CommittedOffsetsCollector),
            Box::new(collectors::log_offsets::LogOffsetsCollector),
            Box::new(collectors::record_timestamps::RecordTimestampsCollector::default()),
        ],
        side: vec![
            Box::new(collectors::log_dirs::LogDirsCollector),
            Box::new(collectors::controller_state::ControllerStateCollector),
            Box::new(collectors::topic_configs::TopicConfigsCollector::default()),
        ],
    }
}

/// Runs every collector in order, timing each. Stops at the first abort.
pub async fn run_all(
    collectors: &[Box<dyn Collector>],
    cycle: &mut Cycle<'_>,
) -> (Vec<CollectorRun>, Option<CycleAborted>) {
    let mut runs = Vec::with_capacity(collectors.len());
    for collector in collectors {
        let errors_before = cycle.errors.len();
        let started = Instant::now();
        let result = collector.collect(cycle).await;
        runs.push(CollectorRun {
            name: collector.name().to_string(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            success: result.is_ok() && cycle.errors.len() == errors_before,
        });
        if let Err(aborted) = result {
            return (runs, Some(aborted));
        }
    }
    (runs, None)
}
