//! Committed offsets of every listed group (OffsetFetch per coordinator;
//! share groups' start offsets from DescribeShareGroupOffsets), started by
//! the consumer_groups collector beside DescribeGroups and collected here. Runs before the log end offsets are read, so end ≥
//! commit holds.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use kafkascope_client::admin::{GroupOffsets, GroupType, Partial};

use super::consumer_groups::read_progress;
use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::{Cycle, started};

pub struct CommittedOffsetsCollector;

impl Collector for CommittedOffsetsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::CommittedOffsets
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let fetched = match started(cycle.pending_commits.take()).await {
                Some(fetched) => fetched,
                None => fetch_described(cycle).await,
            };
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

/// The commits of the described groups, read now.
async fn fetch_described(cycle: &Cycle<'_>) -> Partial<Vec<GroupOffsets>> {
    let mut by_coordinator: BTreeMap<i32, Vec<(String, GroupType)>> = BTreeMap::new();
    for group in &cycle.groups {
        by_coordinator
            .entry(group.coordinator)
            .or_default()
            .push((group.group_id.clone(), group.group_type));
    }
    read_progress(cycle.admin, &by_coordinator).await
}
