//! The state kept for one consumer group across cycles, and the evaluation
//! of one cycle's figures against it: per-partition windows and statuses,
//! lag in seconds, liveness and the catch-up forecast.

use kafkascope_client::admin::RecordAt;

use crate::partition_offsets::{PartitionOffsets, TopicOffsets};
use crate::settings::HealthSettings;
use crate::snapshot::{ConsumerGroup, GroupMember, GroupType, PartitionLag, WindowSample};

use super::PartitionKey;
use super::RecordsAt;
use super::forecast::forecast;
use super::lag_seconds::{LagFacts, is_caught_up, lag_age};
use super::lag_status::{StatusInput, group_status, partition_status};
use super::liveness::{DeadThresholds, GroupLiveness, LivenessFacts, dead_reasons};
use super::log_end_history::{LogEndHistories, LogEndHistory, of_partition};
use super::offset_window::{OffsetSample, OffsetWindow};
use crate::cycle::record_at;

/// What every group's evaluation reads this cycle.
pub(super) struct CycleView<'a> {
    pub offsets: &'a PartitionOffsets,
    pub records_at: &'a RecordsAt,
    pub log_ends: &'a LogEndHistories,
    pub settings: &'a HealthSettings,
    pub now_ms: i64,
    /// Every group's committed offsets were read: a partition missing from
    /// a group's offsets is gone (deleted topic, expired commit), not
    /// merely unread.
    pub committed_offsets_complete: bool,
}

#[derive(Debug, Clone)]
pub(super) struct GroupHealth {
    /// Sorted by key. A vector rather than a map: a group's partitions
    /// rarely change, and a B-tree's half-empty nodes took twice the room
    /// (this state lives for every group-partition, 20,000 at bench size).
    partitions: Vec<(PartitionKey, PartitionHealth)>,
    liveness: GroupLiveness,
    pub last_seen_ms: i64,
}

#[derive(Debug, Clone)]
struct PartitionHealth {
    window: OffsetWindow,
    committed: i64,
    first_seen_ms: i64,
    last_seen_ms: i64,
    /// When kafkascope saw the committed offset change; `None` until it has.
    moved_at_ms: Option<i64>,
}

impl PartitionHealth {
    fn new(committed: i64, now_ms: i64, intervals: usize) -> Self {
        Self {
            window: OffsetWindow::new(intervals),
            committed,
            first_seen_ms: now_ms,
            last_seen_ms: now_ms,
            moved_at_ms: None,
        }
    }

    fn observe(&mut self, sample: OffsetSample, min_distance_ms: i64) {
        if sample.committed != self.committed {
            self.committed = sample.committed;
            self.moved_at_ms = Some(sample.at_ms);
        }
        self.last_seen_ms = sample.at_ms;
        self.window.offer(sample, min_distance_ms);
    }

    /// The last time the partition is known to have made progress: its last
    /// move, or first sighting when it has not moved since (a lower bound).
    fn progress_ms(&self) -> i64 {
        self.moved_at_ms.unwrap_or(self.first_seen_ms)
    }
}

/// One cycle's partition figures, summed up for the group.
#[derive(Debug, Default)]
struct GroupTally {
    partitions: usize,
    full_windows: usize,
    lag: i64,
    last_commit_at_ms: Option<i64>,
    lagging_progress_ms: Option<i64>,
    commits_per_sec: Option<f64>,
    consumed_per_sec: Option<f64>,
    produced_per_sec: Option<f64>,
}

impl GroupHealth {
    pub fn new(now_ms: i64) -> Self {
        Self {
            partitions: Vec::new(),
            liveness: GroupLiveness::default(),
            last_seen_ms: now_ms,
        }
    }

    #[cfg(test)]
    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    #[cfg(test)]
    pub fn window_len(&self, partition: &PartitionKey) -> Option<usize> {
        self.position(partition)
            .ok()
            .map(|i| self.partitions[i].1.window.samples().len())
    }

    /// Evaluates this cycle's figures for the group, writing them into it.
    pub fn evaluate(&mut self, group: &mut ConsumerGroup, view: &CycleView<'_>) {
        let now_ms = view.now_ms;
        self.last_seen_ms = now_ms;
        let member_ids = group.members.iter().map(|m| m.member_id.as_str());
        self.liveness.observe(&group.state, member_ids, now_ms);
        if group.group_type == GroupType::Share {
            // A share group's lag is not known (assembly says why): no
            // status, age or dead verdict can rest on it.
            group.rebalances = self.liveness.rebalances();
            return;
        }

        let mut tally = GroupTally::default();
        let mut topic: Option<TopicView<'_>> = None;
        // Offsets come sorted as the state is, so the state's entry for each
        // is usually the one after the last.
        let mut hint = 0;
        for offset in &mut group.offsets {
            if topic.as_ref().is_none_or(|t| *t.name != *offset.topic) {
                topic = Some(TopicView::of(&offset.topic, view));
            }
            let Some(topic) = &topic else { continue };
            let live_member = live_member(&group.members, &offset.topic, offset.partition);
            hint = self.evaluate_partition(offset, topic, live_member, view, &mut tally, hint);
        }
        self.forget_partitions(view);

        group.status = group_status(group.offsets.iter().map(|o| o.status));
        group.complete = share(tally.full_windows, tally.partitions);
        group.last_commit_at_ms = tally.last_commit_at_ms;
        group.rebalances = self.liveness.rebalances();
        group.commits_per_sec = tally.commits_per_sec;
        group.dead_reasons = dead_reasons(
            LivenessFacts {
                has_members: !group.members.is_empty(),
                lagging: tally.lag > 0,
                no_progress_for_ms: tally.lagging_progress_ms.map(|ms| now_ms - ms),
                rebalancing_for_ms: self.liveness.rebalancing_for_ms(now_ms),
            },
            DeadThresholds {
                dead_after_ms: millis(view.settings.dead_after),
                rebalance_stuck_after_ms: millis(view.settings.rebalance_stuck_after),
            },
        );
        group.forecast = forecast(tally.lag, tally.consumed_per_sec, tally.produced_per_sec);
    }

    /// Returns where the partition's state sits, the hint for the next one.
    fn evaluate_partition(
        &mut self,
        offset: &mut PartitionLag,
        topic: &TopicView<'_>,
        live_member: bool,
        view: &CycleView<'_>,
        tally: &mut GroupTally,
        hint: usize,
    ) -> usize {
        let facts = LagFacts {
            committed: offset.committed_offset,
            log_end: offset.latest_offset,
            last_stable: topic.offsets.and_then(|t| t.last_stable(offset.partition)),
            log_start: topic.offsets.and_then(|t| t.earliest(offset.partition)),
            record: topic
                .records
                .and_then(|r| record_at(r, (offset.partition, offset.committed_offset))),
        };
        let log_end_history = of_partition(topic.log_ends, offset.partition);
        let age = lag_age(&facts, log_end_history, view.now_ms);
        offset.lag_seconds = age.seconds;
        offset.lag_seconds_source = age.source;
        offset.messages_lost = age.messages_lost;
        let lag_now = if is_caught_up(&facts) {
            Some(0)
        } else {
            offset.lag
        };

        let intervals = view.settings.intervals;
        let key = (offset.topic.clone(), offset.partition);
        let at = self.position_from(&key, hint, || {
            PartitionHealth::new(offset.committed_offset, view.now_ms, intervals)
        });
        let state = &mut self.partitions[at].1;
        state.observe(
            OffsetSample::new(
                view.now_ms,
                offset.committed_offset,
                lag_now,
                offset.latest_offset,
            ),
            millis(view.settings.min_distance),
        );
        offset.status = partition_status(StatusInput {
            window: state.window.as_slice(),
            window_full: state.window.is_full(),
            lag_now,
            live_member,
        });
        offset.last_commit_at_ms = state.moved_at_ms;
        offset.window_start = state.window.samples().front().map(|first| WindowSample {
            committed_offset: first.committed,
            observed_at_ms: first.at_ms,
            lag: first.lag(),
        });
        offset.window_complete = state.window.fill();

        tally.partitions += 1;
        tally.full_windows += usize::from(state.window.is_full());
        tally.lag += lag_now.unwrap_or(0);
        tally.last_commit_at_ms = tally.last_commit_at_ms.max(state.moved_at_ms);
        if lag_now.is_some_and(|lag| lag > 0) {
            tally.lagging_progress_ms = tally.lagging_progress_ms.max(Some(state.progress_ms()));
        }
        add_known(
            &mut tally.commits_per_sec,
            state.window.offset_changes_per_sec(),
        );
        add_known(&mut tally.consumed_per_sec, state.window.consumed_per_sec());
        add_known(&mut tally.produced_per_sec, state.window.produced_per_sec());
        at + 1
    }

    /// Drops partitions of deleted topics at once, and partitions the group
    /// no longer has offsets for once a complete read says so; a partition
    /// only unread (its coordinator failed) is kept until the expiry.
    fn forget_partitions(&mut self, view: &CycleView<'_>) {
        let expiry_ms = millis(view.settings.group_expiry);
        self.partitions.retain(|(key, state)| {
            let seen_this_cycle = state.last_seen_ms == view.now_ms;
            seen_this_cycle
                || (view.offsets.has_topic(&key.0)
                    && !view.committed_offsets_complete
                    && view.now_ms - state.last_seen_ms < expiry_ms)
        });
        if self.partitions.capacity() > self.partitions.len() {
            self.partitions.shrink_to_fit();
        }
    }

    fn position(&self, key: &PartitionKey) -> Result<usize, usize> {
        self.partitions.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The index of `key`'s state, inserted by `new` if absent; `hint` is
    /// tried first.
    fn position_from(
        &mut self,
        key: &PartitionKey,
        hint: usize,
        new: impl FnOnce() -> PartitionHealth,
    ) -> usize {
        if self.partitions.get(hint).is_some_and(|(k, _)| k == key) {
            return hint;
        }
        match self.position(key) {
            Ok(at) => at,
            Err(at) => {
                self.partitions.insert(at, (key.clone(), new()));
                at
            }
        }
    }
}

/// What a group's evaluation reads about the topic of a run of its
/// partitions, looked up once per run rather than once per partition.
struct TopicView<'a> {
    name: std::sync::Arc<str>,
    offsets: Option<TopicOffsets<'a>>,
    records: Option<&'a [((i32, i64), RecordAt)]>,
    log_ends: &'a [(i32, LogEndHistory)],
}

impl<'a> TopicView<'a> {
    fn of(name: &std::sync::Arc<str>, view: &CycleView<'a>) -> Self {
        Self {
            name: name.clone(),
            offsets: view.offsets.topic(name),
            records: view.records_at.get(&**name).map(Vec::as_slice),
            log_ends: view.log_ends.topic(name),
        }
    }
}

/// Could a live member be consuming this partition? Yes if a member's
/// assignment includes it, or members exist but no assignment is known
/// (tansu reports them empty); no if the group has no members or their
/// known assignments leave it out.
fn live_member(members: &[GroupMember], topic: &str, partition: i32) -> bool {
    let assignments_known = members.iter().any(|m| !m.assignment.is_empty());
    if !assignments_known {
        return !members.is_empty();
    }
    members.iter().any(|m| {
        m.assignment
            .iter()
            .any(|a| a.topic == topic && a.partitions.contains(&partition))
    })
}

fn add_known(sum: &mut Option<f64>, value: Option<f64>) {
    if let Some(value) = value {
        *sum = Some(sum.unwrap_or(0.0) + value);
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

pub(super) fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
