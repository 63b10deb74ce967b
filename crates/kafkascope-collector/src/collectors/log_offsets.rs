//! Log start, log end and last stable offsets of every led partition
//! (ListOffsets per leader; the three asked for at once).

use futures::future::BoxFuture;
use kafkascope_client::admin::OffsetSpec;

use crate::collector::{CollectResult, Collector};
use crate::cycle::Cycle;

pub struct LogOffsetsCollector;

impl Collector for LogOffsetsCollector {
    fn name(&self) -> &'static str {
        "log_offsets"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let metadata = cycle.metadata();
            let (earliest, latest, last_stable) = futures::join!(
                cycle.admin.list_offsets(metadata, OffsetSpec::Earliest),
                cycle.admin.list_offsets(metadata, OffsetSpec::Latest),
                cycle
                    .admin
                    .list_offsets(metadata, OffsetSpec::LatestCommitted),
            );
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
