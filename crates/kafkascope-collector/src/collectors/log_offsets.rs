//! Log start, log end and last stable offsets of every led partition
//! (ListOffsets per leader). The log end is asked for here, after the
//! committed offsets, so lag is never negative; the other two were started
//! right after Metadata and are collected here.

use futures::future::BoxFuture;
use kafkascope_client::admin::OffsetSpec;

use kafkascope_client::admin::{Admin, ClusterMetadata};

use crate::collector::{CollectResult, Collector};
use crate::cycle::{Cycle, EarlyOffsets};

pub struct LogOffsetsCollector;

impl Collector for LogOffsetsCollector {
    fn name(&self) -> &'static str {
        "log_offsets"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let early = cycle.early_offsets.take();
            let metadata = cycle.metadata();
            let (early, latest) = futures::join!(
                early_offsets(early, cycle.admin, metadata),
                cycle.admin.list_offsets(metadata, OffsetSpec::Latest),
            );
            let EarlyOffsets {
                earliest,
                last_stable,
            } = early;
            cycle.earliest = earliest.value;
            cycle.latest = latest.value;
            cycle.last_stable = last_stable.value;
            for errors in [earliest.errors, latest.errors, last_stable.errors] {
                cycle.record_shards(self.name(), errors);
            }
            Ok(())
        })
    }
}

/// The reads started after Metadata, or the same reads now if none were
/// started (or the task was lost).
async fn early_offsets(
    started: Option<tokio::task::JoinHandle<EarlyOffsets>>,
    admin: &Admin,
    metadata: &ClusterMetadata,
) -> EarlyOffsets {
    if let Some(Ok(early)) = match started {
        Some(task) => Some(task.await),
        None => None,
    } {
        return early;
    }
    let (earliest, last_stable) = futures::join!(
        admin.list_offsets(metadata, OffsetSpec::Earliest),
        admin.list_offsets(metadata, OffsetSpec::LatestCommitted),
    );
    EarlyOffsets {
        earliest,
        last_stable,
    }
}
