//! The record at every lagging committed offset (one batched Fetch per
//! partition leader), whose timestamp is how far behind in time a group is.
//!
//! A record never changes once written, so a timestamp read once is kept
//! while some group stays committed at that offset: a group that has not
//! moved costs no request. The cache holds only offsets wanted this cycle,
//! so it never outgrows the groups' partitions.
//!
//! A committed offset below the log start (cycle.earliest) is answered from
//! the log start without a Fetch: Kafka's OFFSET_OUT_OF_RANGE does not say
//! on which side of the log an offset fell. Answers other than a timestamp
//! (only control records up to the end, the log end) depend on where the log
//! ends, so they are read afresh each cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use futures::future::BoxFuture;
use kafkascope_client::admin::{OffsetKey, RecordAt};

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::Cycle;

/// Topic → (partition, offset) pairs, each topic's sorted and unique.
type ByTopic<V> = BTreeMap<String, V>;

/// One topic's ((partition, offset), record timestamp) pairs, sorted.
type CachedTimestamps = Vec<((i32, i64), i64)>;

#[derive(Default)]
pub struct RecordTimestampsCollector {
    timestamps: Mutex<ByTopic<CachedTimestamps>>,
}

impl RecordTimestampsCollector {
    /// Fills `records_at` from the cache and the log starts; returns the
    /// offsets left to fetch. The cache keeps only the offsets some group
    /// is at this cycle.
    fn answer_known(
        &self,
        cycle: &mut Cycle<'_>,
        lagging: ByTopic<Vec<(i32, i64)>>,
    ) -> BTreeSet<OffsetKey> {
        let mut cache = self.timestamps.lock().unwrap_or_else(|e| e.into_inner());
        let mut kept = ByTopic::new();
        let mut to_fetch = BTreeSet::new();
        for (topic, offsets) in lagging {
            let log_starts = cycle.earliest.topic(&topic);
            let cached = cache.remove(&topic).unwrap_or_default();
            // Both sorted: one walk pairs each offset with its cached
            // timestamp, and what is kept comes out sorted.
            let mut cached = cached.into_iter().peekable();
            let mut still_cached = Vec::new();
            let mut known = Vec::new();
            for key @ (partition, offset) in offsets {
                while cached.next_if(|(k, _)| *k < key).is_some() {}
                let timestamp = cached.next_if(|(k, _)| *k == key).map(|(_, t)| t);
                if let Some(start) = find(log_starts, partition).filter(|&start| offset < start) {
                    known.push((key, RecordAt::BelowLogStart(Some(start))));
                } else if let Some(timestamp) = timestamp {
                    still_cached.push((key, timestamp));
                    known.push((key, RecordAt::Timestamp(timestamp)));
                } else {
                    to_fetch.insert(((topic.clone(), partition), offset));
                }
            }
            if !still_cached.is_empty() {
                kept.insert(topic.clone(), still_cached);
            }
            if !known.is_empty() {
                cycle.records_at.insert(topic, known);
            }
        }
        *cache = kept;
        to_fetch
    }

    fn remember(&self, answers: &BTreeMap<OffsetKey, RecordAt>) {
        let mut cache = self.timestamps.lock().unwrap_or_else(|e| e.into_inner());
        let mut touched = BTreeSet::new();
        for (((topic, partition), offset), at) in answers {
            if let RecordAt::Timestamp(timestamp) = at {
                if !touched.contains(topic) {
                    touched.insert(topic.clone());
                }
                let cached = cache.entry(topic.clone()).or_default();
                cached.push(((*partition, *offset), *timestamp));
            }
        }
        for topic in touched {
            if let Some(cached) = cache.get_mut(&topic) {
                sort_unique(cached);
            }
        }
    }
}

/// A topic of a group's commits: its name, its log ends by partition, and
/// the lagging (partition, offset) pairs found so far.
type TopicRun<'a> = (&'a str, &'a [(i32, i64)], &'a mut Vec<(i32, i64)>);

/// Every (partition, committed offset) some group is at, below the log end,
/// by topic. Walks each group's commits topic by topic, so the log ends are
/// sought once per topic rather than once per partition.
fn lagging_offsets(cycle: &Cycle<'_>) -> ByTopic<Vec<(i32, i64)>> {
    let mut lagging: BTreeMap<&str, Vec<(i32, i64)>> = BTreeMap::new();
    for commits in cycle.committed.values() {
        // The topic's log ends and its lagging offsets, sought when the
        // topic changes rather than for every commit.
        let mut current: Option<TopicRun<'_>> = None;
        for ((topic, partition), &committed) in commits {
            if current.as_ref().is_none_or(|(name, _, _)| name != topic) {
                let log_ends = cycle.latest.topic(topic);
                current = Some((topic, log_ends, lagging.entry(topic).or_default()));
            }
            let Some((_, log_ends, offsets)) = current.as_mut() else {
                continue;
            };
            if find(log_ends, *partition).is_some_and(|end| committed < end) {
                offsets.push((*partition, committed));
            }
        }
    }
    lagging
        .into_iter()
        .filter(|(_, offsets)| !offsets.is_empty())
        .map(|(topic, mut offsets)| {
            offsets.sort_unstable();
            offsets.dedup();
            (topic.to_string(), offsets)
        })
        .collect()
}

/// Sorted by key, one entry per key (the last given).
fn sort_unique<V>(entries: &mut Vec<((i32, i64), V)>) {
    entries.reverse();
    entries.sort_by_key(|(key, _)| *key);
    entries.dedup_by_key(|(key, _)| *key);
}

fn find(entries: &[(i32, i64)], partition: i32) -> Option<i64> {
    entries
        .binary_search_by_key(&partition, |(p, _)| *p)
        .ok()
        .map(|i| entries[i].1)
}

impl Collector for RecordTimestampsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::RecordTimestamps
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let lagging = lagging_offsets(cycle);
            let to_fetch = self.answer_known(cycle, lagging);
            if to_fetch.is_empty() {
                return Ok(());
            }
            let answer = cycle
                .admin
                .record_timestamps(cycle.metadata(), &to_fetch)
                .await;
            self.remember(&answer.value);
            let mut touched = BTreeSet::new();
            for (((topic, partition), offset), at) in answer.value {
                if !touched.contains(&topic) {
                    touched.insert(topic.clone());
                }
                let records = cycle.records_at.entry(topic).or_default();
                records.push(((partition, offset), at));
            }
            for topic in touched {
                if let Some(records) = cycle.records_at.get_mut(&topic) {
                    sort_unique(records);
                }
            }
            cycle.record_shards(self.name(), answer.errors);
            Ok(())
        })
    }
}
