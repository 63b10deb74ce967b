//! Brokers, controller, topics and partition placement (Metadata); also
//! starts the reads that need nothing but placement (log start and
//! read_committed end offsets, log dirs, the controllers' answers) and, from
//! the second cycle on, the group listing beside Metadata itself, with the
//! listed groups' commits and log end behind it.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::BoxFuture;

use kafkascope_client::admin::{Admin, BrokerLogDirs, ClusterMetadata, OffsetSpec, Partial};
use tokio::task::JoinHandle;

use super::consumer_groups::{admitted, start_progress};
use crate::collector::{CollectResult, Collector, CollectorId, CycleAborted};
use crate::cycle::{ControllerAnswers, Cycle, EarlyListing, EarlyOffsets};

pub struct ClusterMetadataCollector;

impl Collector for ClusterMetadataCollector {
    fn id(&self) -> CollectorId {
        CollectorId::ClusterMetadata
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            cycle.early_listing = start_early_listing(cycle);
            match cycle.admin.metadata().await {
                Ok(mut metadata) => {
                    let filter = &cycle.settings.topics;
                    metadata.topics.retain(|t| filter.admits(&t.name));
                    let metadata = std::sync::Arc::new(metadata);
                    if let Some(log_end) = cycle.metadata_for_log_end.take() {
                        let _ = log_end.send(metadata.clone());
                    }
                    cycle.early_offsets = Some(start_early_offsets(cycle.admin, &metadata));
                    cycle.early_log_dirs = Some(start_log_dirs(cycle.admin));
                    let controller = metadata.controller_id;
                    cycle.early_controller =
                        Some(start_controller_answers(cycle.admin, controller));
                    cycle.metadata = Some(metadata);
                    Ok(())
                }
                Err(error) => {
                    cycle.record(self.name(), None, "", &error);
                    Err(CycleAborted(error.to_string()))
                }
            }
        })
    }
}

/// Starts ListOffsets(earliest) and ListOffsets(read_committed end) at once,
/// beside the group reads that follow: neither feeds lag, so neither has to
/// wait for the committed offsets (only the log end does). They go on their
/// own connection lanes, so the broker works on them in parallel.
fn start_early_offsets(
    admin: &Admin,
    metadata: &Arc<ClusterMetadata>,
) -> tokio::task::JoinHandle<EarlyOffsets> {
    let admin = admin.clone();
    let metadata = metadata.clone();
    tokio::spawn(async move {
        let (earliest, last_stable) = futures::join!(
            admin.list_offsets(&metadata, OffsetSpec::Earliest),
            admin.list_offsets(&metadata, OffsetSpec::LatestCommitted),
        );
        EarlyOffsets {
            earliest,
            last_stable,
        }
    })
}

/// DescribeLogDirs on every broker, on the side lane: sizes and follower
/// lag feed no lag figure, so the group and offset reads never wait on it
/// (a third of a cycle at 10,000 partitions on Kafka when it came last).
fn start_log_dirs(admin: &Admin) -> JoinHandle<Partial<Vec<BrokerLogDirs>>> {
    let admin = admin.clone();
    tokio::spawn(async move { admin.describe_log_dirs().await })
}

/// The metadata quorum and the reassignments in progress, at once, on the
/// side lane; ListPartitionReassignments goes to the controller Metadata
/// names (a ZooKeeper cluster's other brokers refuse it).
fn start_controller_answers(
    admin: &Admin,
    controller: Option<i32>,
) -> JoinHandle<ControllerAnswers> {
    let admin = admin.clone();
    tokio::spawn(async move {
        let (quorum, reassignments) = futures::join!(
            admin.describe_quorum(),
            admin.list_reassignments(controller)
        );
        ControllerAnswers {
            quorum,
            reassignments,
        }
    })
}

/// Lists the groups on the brokers the last Metadata named, while this
/// cycle's Metadata is read, and starts the admitted groups' commits the
/// moment they are listed: brokers rarely come and go, and the
/// consumer_groups collector mends the listing (and reads again) when they
/// did. None in a first cycle, when no broker is known yet.
fn start_early_listing(cycle: &mut Cycle<'_>) -> Option<JoinHandle<EarlyListing>> {
    let asked: BTreeSet<i32> = cycle.admin.pool().brokers().into_keys().collect();
    if asked.is_empty() {
        return None;
    }
    let (metadata, metadata_in) = tokio::sync::oneshot::channel();
    cycle.metadata_for_log_end = Some(metadata);
    let admin = cycle.admin.clone();
    let filter = cycle.settings.groups.clone();
    Some(tokio::spawn(async move {
        let listed = admin.list_groups_on(asked.iter().copied()).await;
        let groups = admitted(&listed.value, &filter);
        let progress = start_progress(&admin, groups, metadata_in);
        EarlyListing {
            asked,
            listed,
            progress,
        }
    }))
}
