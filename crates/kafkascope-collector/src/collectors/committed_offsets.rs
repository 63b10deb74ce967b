//! Committed offsets of every described group (OffsetFetch per coordinator).
//! Runs before the log end offsets are read, so end ≥ commit holds.

use std::collections::BTreeMap;

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector};
use crate::cycle::Cycle;

pub struct CommittedOffsetsCollector;

impl Collector for CommittedOffsetsCollector {
    fn name(&self) -> &'static str {
        "committed_offsets"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let mut by_coordinator: BTreeMap<i32, Vec<String>> = BTreeMap::new();
            for group in &cycle.groups {
                by_coordinator
                    .entry(group.coordinator)
                    .or_default()
                    .push(group.group_id.clone());
            }
            let fetched = cycle.admin.offset_fetch(&by_coordinator).await;
            cycle.record_shards(self.name(), fetched.errors);
            cycle.committed = fetched
                .value
                .into_iter()
                .map(|g| (g.group_id, g.offsets))
                .collect();
            Ok(())
        })
    }
}
