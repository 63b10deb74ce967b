//! Log start, log end and last stable offsets of every led partition
//! (ListOffsets per leader). The log end is asked for once the committed
//! offsets have answered, so lag is never negative (started by the
//! consumer_groups collector); the other two right after Metadata. All three
//! are collected here.

use futures::future::BoxFuture;
use kafkascope_client::admin::OffsetSpec;

use kafkascope_client::admin::{Admin, ClusterMetadata, OffsetsByTopic, Partial};

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::{Cycle, EarlyOffsets, started};

pub struct LogOffsetsCollector;

impl Collector for LogOffsetsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::LogOffsets
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let early = cycle.early_offsets.take();
            let early_end = cycle.early_log_end.take();
            let metadata = cycle.metadata();
            let (early, latest) = futures::join!(
                early_offsets(early, cycle.admin, metadata),
                log_end(early_end, cycle.admin, metadata),
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
    early: Option<tokio::task::JoinHandle<EarlyOffsets>>,
    admin: &Admin,
    metadata: &ClusterMetadata,
) -> EarlyOffsets {
    if let Some(early) = started(early).await {
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

/// The log end read once the commits answered, or read now if it was not
/// started or its task was lost (the commits were in by now either way).
async fn log_end(
    early: Option<tokio::task::JoinHandle<Option<Partial<OffsetsByTopic>>>>,
    admin: &Admin,
    metadata: &ClusterMetadata,
) -> Partial<OffsetsByTopic> {
    match started(early).await.flatten() {
        Some(latest) => latest,
        None => admin.list_offsets(metadata, OffsetSpec::Latest).await,
    }
}
