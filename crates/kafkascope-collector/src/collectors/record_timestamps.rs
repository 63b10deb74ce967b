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

use crate::collector::{CollectResult, Collector};
use crate::cycle::Cycle;

#[derive(Default)]
pub struct RecordTimestampsCollector {
    timestamps: Mutex<BTreeMap<OffsetKey, i64>>,
}

impl RecordTimestampsCollector {
    /// Fills `records_at` from the cache and the log starts; returns the
    /// offsets left to fetch. Drops cached offsets no group is at any more.
    fn answer_known(
        &self,
        cycle: &mut Cycle<'_>,
        lagging: BTreeSet<OffsetKey>,
    ) -> BTreeSet<OffsetKey> {
        let mut cache = self.timestamps.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|key, _| lagging.contains(key));
        let mut to_fetch = BTreeSet::new();
        for key in lagging {
            let (tp, offset) = &key;
            if let Some(&start) = cycle.earliest.get(tp).filter(|&&start| *offset < start) {
                cycle
                    .records_at
                    .insert(key, RecordAt::BelowLogStart(Some(start)));
            } else if let Some(&timestamp) = cache.get(&key) {
                cycle.records_at.insert(key, RecordAt::Timestamp(timestamp));
            } else {
                to_fetch.insert(key);
            }
        }
        to_fetch
    }

    fn remember(&self, answers: &BTreeMap<OffsetKey, RecordAt>) {
        let mut cache = self.timestamps.lock().unwrap_or_else(|e| e.into_inner());
        for (key, at) in answers {
            if let RecordAt::Timestamp(timestamp) = at {
                cache.insert(key.clone(), *timestamp);
            }
        }
    }
}

/// Every (partition, committed offset) some group is at, below the log end.
fn lagging_offsets(cycle: &Cycle<'_>) -> BTreeSet<OffsetKey> {
    cycle
        .committed
        .values()
        .flat_map(|offsets| offsets.iter())
        .filter(|(tp, committed)| cycle.latest.get(*tp).is_some_and(|end| *committed < end))
        .map(|(tp, committed)| (tp.clone(), *committed))
        .collect()
}

impl Collector for RecordTimestampsCollector {
    fn name(&self) -> &'static str {
        "record_timestamps"
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
            cycle.records_at.extend(answer.value);
            cycle.record_shards(self.name(), answer.errors);
            Ok(())
        })
    }
}
