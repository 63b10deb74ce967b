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

use std::collections::BTreeMap;
use std::sync::Arc;

/// A group-partition's topic and partition, the topic name shared with the snapshot.
pub(crate) type PartitionKey = (Arc<str>, i32);

use crate::collector::CollectorId;
use crate::partition_offsets::PartitionOffsets;
use crate::settings::HealthSettings;
#[cfg(test)]
use crate::snapshot::ClusterSnapshot;
use crate::snapshot::{CollectionError, CollectorRun, ConsumerGroup};

use group_health::{CycleView, GroupHealth, millis};
use log_end_history::{LogEndHistories, observe_in};

pub use crate::cycle::RecordsAt;

/// Consumer-health state of one cluster, carried from cycle to cycle.
#[derive(Debug, Clone)]
pub struct ConsumerHealth {
    settings: HealthSettings,
    groups: BTreeMap<String, GroupHealth>,
    log_ends: LogEndHistories,
    /// Whether a second core may take half the groups (see [`evaluate_groups`]).
    parallel: bool,
}

/// Below this many group-partitions a second thread costs more than it saves.
const PARALLEL_FROM_PARTITIONS: usize = 2_000;

impl ConsumerHealth {
    pub fn new(settings: HealthSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            settings,
            groups: BTreeMap::new(),
            log_ends: LogEndHistories::default(),
            parallel: cores > 1,
        }
    }

    /// The same evaluator confined to the calling thread, for comparing the
    /// two ways of running it.
    #[cfg(test)]
    pub fn single_threaded(settings: HealthSettings) -> Self {
        Self {
            parallel: false,
            ..Self::new(settings)
        }
    }

    /// Fills every group's and partition's health figures in `snapshot`
    /// from this cycle and the state kept so far, and advances that state.
    /// A stale snapshot (a failed cycle republished) is left as it is and
    /// advances nothing: it holds no new observation.
    #[cfg(test)]
    pub(crate) fn evaluate(&mut self, snapshot: &mut ClusterSnapshot, records_at: &RecordsAt) {
        if snapshot.stale {
            return;
        }
        let offsets = crate::partition_offsets::PartitionOffsets::of_topics(&snapshot.topics);
        let cycle = GroupsCycle {
            at_ms: snapshot.collected_at_ms,
            offsets: &offsets,
            records_at,
            groups_complete: read_completely(
                &snapshot.collectors,
                &snapshot.errors,
                CollectorId::ConsumerGroups,
            ),
            committed_offsets_complete: read_completely(
                &snapshot.collectors,
                &snapshot.errors,
                CollectorId::CommittedOffsets,
            ),
        };
        self.evaluate_groups(&mut snapshot.groups, &cycle);
    }

    /// Fills every group's and partition's health figures from this cycle
    /// and the state kept so far, and advances that state.
    pub fn evaluate_groups(
        &mut self,
        groups: &mut BTreeMap<String, ConsumerGroup>,
        cycle: &GroupsCycle<'_>,
    ) {
        let now_ms = cycle.at_ms;
        self.observe_log_ends(
            groups,
            cycle,
            cycle.groups_complete && cycle.committed_offsets_complete,
        );
        self.forget_groups(groups, now_ms, cycle.groups_complete);

        let view = CycleView {
            offsets: cycle.offsets,
            records_at: cycle.records_at,
            log_ends: &self.log_ends,
            settings: &self.settings,
            now_ms,
            committed_offsets_complete: cycle.committed_offsets_complete,
        };
        for name in groups.keys() {
            if !self.groups.contains_key(name) {
                self.groups.insert(name.clone(), GroupHealth::new(now_ms));
            }
        }
        let pairs = with_state(&mut self.groups, groups);
        evaluate_groups(pairs, &view, self.parallel);
    }

    /// Records the log end of every partition some group consumes, before
    /// lag seconds are estimated from it, and drops the history of
    /// partitions nobody consumes any more or that no longer exist.
    /// Histories are kept while a failed read may be hiding their consumers.
    fn observe_log_ends(
        &mut self,
        groups: &BTreeMap<String, ConsumerGroup>,
        cycle: &GroupsCycle<'_>,
        consumers_known: bool,
    ) {
        let consumed = consumed_partitions(groups);
        for (name, partitions) in &consumed {
            let Some(topic) = cycle.offsets.topic(name) else {
                continue;
            };
            let histories = self.log_ends.topic_mut(name);
            for &partition in partitions {
                if let Some(log_end) = topic.latest(partition) {
                    observe_in(histories, partition, log_end, cycle.at_ms);
                }
            }
        }
        self.log_ends.retain(|name| {
            let topic = cycle.offsets.topic(name);
            let consumed = consumed.get(name).map_or(&[][..], Vec::as_slice);
            move |partition| {
                let exists = topic.is_some_and(|t| t.has_partition(partition));
                exists && (consumed.binary_search(&partition).is_ok() || !consumers_known)
            }
        });
    }

    /// A group missing from a complete listing is gone (deleted, or filtered
    /// out) and stops being evaluated at once; one missing while its
    /// coordinator could not be asked is kept until `group_expiry`.
    fn forget_groups(
        &mut self,
        groups: &BTreeMap<String, ConsumerGroup>,
        now_ms: i64,
        groups_complete: bool,
    ) {
        let expiry_ms = millis(self.settings.group_expiry);
        self.groups.retain(|name, health| {
            groups.contains_key(name)
                || (!groups_complete && now_ms - health.last_seen_ms < expiry_ms)
        });
    }
}

/// What one cycle's health judgement reads besides the groups themselves.
pub struct GroupsCycle<'a> {
    /// When the cycle started: the time of every observation in it.
    pub at_ms: i64,
    pub offsets: &'a PartitionOffsets,
    pub records_at: &'a RecordsAt,
    /// Every coordinator listed and described its groups: a group missing
    /// is gone, not merely unread.
    pub groups_complete: bool,
    /// Every group's committed offsets were read.
    pub committed_offsets_complete: bool,
}

/// Every partition some group has committed on, by topic, each topic's
/// partitions sorted. A group's offsets come in topic order, so a topic is
/// looked up once per run of its partitions rather than once per partition.
fn consumed_partitions(groups: &BTreeMap<String, ConsumerGroup>) -> BTreeMap<Arc<str>, Vec<i32>> {
    let mut consumed: BTreeMap<Arc<str>, Vec<i32>> = BTreeMap::new();
    for group in groups.values() {
        let mut run: Option<(&Arc<str>, &mut Vec<i32>)> = None;
        for offset in &group.offsets {
            let partitions = match run.take() {
                Some((topic, partitions)) if **topic == *offset.topic => partitions,
                _ => consumed.entry(offset.topic.clone()).or_default(),
            };
            partitions.push(offset.partition);
            run = Some((&offset.topic, partitions));
        }
    }
    for partitions in consumed.values_mut() {
        partitions.sort_unstable();
        partitions.dedup();
    }
    consumed
}

/// Each group of the snapshot beside its state (every group has one by
/// now); both maps are keyed by name, so one walk pairs them.
fn with_state<'a>(
    states: &'a mut BTreeMap<String, GroupHealth>,
    groups: &'a mut BTreeMap<String, ConsumerGroup>,
) -> Vec<(&'a mut GroupHealth, &'a mut ConsumerGroup)> {
    let mut states = states.iter_mut();
    groups
        .iter_mut()
        .filter_map(|(name, group)| {
            let state = states.find(|(state_name, _)| *state_name == name)?.1;
            Some((state, group))
        })
        .collect()
}

/// Evaluates every group. Groups are independent given the cycle's view,
/// so with a second core and enough partitions the later half (by
/// partitions) runs on a scoped thread: this is the last step before the
/// snapshot is published, it runs when the brokers have answered and sit
/// idle, and each millisecond of it is a millisecond of staleness.
fn evaluate_groups(
    mut pairs: Vec<(&mut GroupHealth, &mut ConsumerGroup)>,
    view: &CycleView<'_>,
    parallel: bool,
) {
    let partitions: usize = pairs.iter().map(|(_, g)| g.offsets.len()).sum();
    if !parallel || partitions < PARALLEL_FROM_PARTITIONS {
        return evaluate_all(&mut pairs, view);
    }
    let mut counted = 0;
    let half = pairs
        .iter()
        .position(|(_, g)| {
            counted += g.offsets.len();
            counted * 2 >= partitions
        })
        .map_or(pairs.len(), |i| i + 1);
    let helped = std::thread::scope(|scope| {
        let (first, second) = pairs.split_at_mut(half);
        let helper = std::thread::Builder::new()
            .name("health-evaluate".into())
            .spawn_scoped(scope, move || evaluate_all(second, view));
        evaluate_all(first, view);
        match helper {
            Ok(helper) => {
                if let Err(panic) = helper.join() {
                    std::panic::resume_unwind(panic);
                }
                true
            }
            Err(error) => {
                tracing::debug!(%error, "no thread for the health evaluation");
                false
            }
        }
    });
    // No thread to be had: the calling thread does the second half too.
    if !helped {
        evaluate_all(&mut pairs[half..], view);
    }
}

fn evaluate_all(pairs: &mut [(&mut GroupHealth, &mut ConsumerGroup)], view: &CycleView<'_>) {
    for (state, group) in pairs {
        state.evaluate(group, view);
    }
}

/// Whether a collector ran this cycle without any failure, so that what it
/// did not report does not exist.
pub fn read_completely(
    runs: &[CollectorRun],
    errors: &[CollectionError],
    collector: CollectorId,
) -> bool {
    let name = collector.name();
    let failed_run = runs.iter().any(|run| run.name == name && !run.success);
    let errored = errors.iter().any(|e| e.collector == name);
    !failed_run && !errored
}
