//! Consumer health: the judgement a snapshot's raw lag figures cannot give
//! on their own, because it needs history. Per group-partition a window of
//! committed offsets yields a Burrow-style status ([`lag_status`]); a record
//! timestamp or the log end history yields the lag in seconds
//! ([`lag_seconds`], [`log_end_history`]); members, states and commit moves
//! yield liveness ([`liveness`]); consume and produce rates yield a
//! catch-up forecast ([`forecast`]).
//!
//! Pure logic: [`ConsumerHealth::evaluate`] takes the assembled snapshot and
//! the records read at committed offsets, updates its state and writes the
//! verdicts into the snapshot. The state follows the cluster: groups and
//! partitions that leave the snapshot leave the state (kept only while a
//! failed read might be hiding them, up to `group_expiry`), and everything
//! per partition is fixed-size, so memory does not grow with cycles.

pub mod forecast;
mod group_health;
pub mod lag_seconds;
pub mod lag_status;
pub mod liveness;
pub mod log_end_history;
pub mod offset_window;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A group-partition's topic and partition, the topic name shared with the snapshot.
pub(crate) type PartitionKey = (Arc<str>, i32);

use crate::settings::HealthSettings;
use crate::snapshot::ClusterSnapshot;

use group_health::{CycleView, GroupHealth, millis};
use log_end_history::LogEndHistories;

pub use crate::cycle::RecordsAt;

/// Consumer-health state of one cluster, carried from cycle to cycle.
#[derive(Debug, Clone)]
pub struct ConsumerHealth {
    settings: HealthSettings,
    groups: BTreeMap<String, GroupHealth>,
    log_ends: LogEndHistories,
}

impl ConsumerHealth {
    pub fn new(settings: HealthSettings) -> Self {
        Self {
            settings,
            groups: BTreeMap::new(),
            log_ends: LogEndHistories::default(),
        }
    }

    /// Fills every group's and partition's health figures in `snapshot`
    /// from this cycle and the state kept so far, and advances that state.
    /// A stale snapshot (a failed cycle republished) is left as it is and
    /// advances nothing: it holds no new observation.
    pub fn evaluate(&mut self, snapshot: &mut ClusterSnapshot, records_at: &RecordsAt) {
        if snapshot.stale {
            return;
        }
        let now_ms = snapshot.collected_at_ms;
        let groups_complete = read_completely(snapshot, "consumer_groups");
        let committed_offsets_complete = read_completely(snapshot, "committed_offsets");
        self.observe_log_ends(snapshot, groups_complete && committed_offsets_complete);
        self.forget_groups(snapshot, groups_complete);

        let ClusterSnapshot { topics, groups, .. } = snapshot;
        let view = CycleView {
            topics,
            records_at,
            log_ends: &self.log_ends,
            settings: &self.settings,
            now_ms,
            committed_offsets_complete,
        };
        for group in groups.values_mut() {
            self.groups
                .entry(group.name.clone())
                .or_insert_with(|| GroupHealth::new(now_ms))
                .evaluate(group, &view);
        }
    }

    /// Records the log end of every partition some group consumes, before
    /// lag seconds are estimated from it, and drops the history of
    /// partitions nobody consumes any more or that no longer exist.
    /// Histories are kept while a failed read may be hiding their consumers.
    fn observe_log_ends(&mut self, snapshot: &ClusterSnapshot, consumers_known: bool) {
        let consumed: BTreeSet<PartitionKey> = snapshot
            .groups
            .values()
            .flat_map(|g| &g.offsets)
            .map(|o| (o.topic.clone(), o.partition))
            .collect();
        for key in &consumed {
            let log_end = snapshot
                .partition(&key.0, key.1)
                .and_then(|p| p.latest_offset);
            if let Some(log_end) = log_end {
                self.log_ends
                    .observe(key, log_end, snapshot.collected_at_ms);
            }
        }
        self.log_ends.retain(|key| {
            let exists = snapshot.partition(&key.0, key.1).is_some();
            exists && (consumed.contains(key) || !consumers_known)
        });
    }

    /// A group missing from a complete listing is gone (deleted, or filtered
    /// out) and stops being evaluated at once; one missing while its
    /// coordinator could not be asked is kept until `group_expiry`.
    fn forget_groups(&mut self, snapshot: &ClusterSnapshot, groups_complete: bool) {
        let now_ms = snapshot.collected_at_ms;
        let expiry_ms = millis(self.settings.group_expiry);
        self.groups.retain(|name, health| {
            snapshot.groups.contains_key(name)
                || (!groups_complete && now_ms - health.last_seen_ms < expiry_ms)
        });
    }
}

/// Whether a collector ran this cycle without any failure, so that what it
/// did not report does not exist.
fn read_completely(snapshot: &ClusterSnapshot, collector: &str) -> bool {
    let failed_run = snapshot
        .collectors
        .iter()
        .any(|run| run.name == collector && !run.success);
    let errors = snapshot.errors.iter().any(|e| e.collector == collector);
    !failed_run && !errors
}
