//! When did the log end pass an offset? A bounded history of (log end, time)
//! observations per partition, from which a lag in seconds is estimated when
//! the record at a committed offset could not be read.
//!
//! At most [`MAX_POINTS`] points per partition: when full, every other point
//! is dropped, so recent history stays fine-grained while older history gets
//! coarser. An idle stretch costs two points (its first and latest sighting),
//! not one per cycle.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::PartitionKey;

pub const MAX_POINTS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
struct LogEndPoint {
    log_end: i64,
    at_ms: i64,
}

/// When the record at an offset was appended, as far as the history tells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AppendedAt {
    /// Interpolated between the observations around it, in Unix ms.
    Around(f64),
    /// Before the oldest observation, which is at this Unix ms: the age
    /// derived from it is a lower bound.
    Before(i64),
}

impl AppendedAt {
    pub fn ms(self) -> f64 {
        match self {
            AppendedAt::Around(ms) => ms,
            AppendedAt::Before(ms) => ms as f64,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LogEndHistory {
    points: VecDeque<LogEndPoint>,
}

impl LogEndHistory {
    pub fn observe(&mut self, log_end: i64, at_ms: i64) {
        if let Some(last) = self.points.back().copied() {
            if at_ms <= last.at_ms {
                return;
            }
            if log_end < last.log_end {
                // Truncated or re-created: the older points describe
                // another log.
                self.points.clear();
            } else if log_end == last.log_end && self.holds_since_previous() {
                if let Some(last) = self.points.back_mut() {
                    last.at_ms = at_ms;
                }
                return;
            }
        }
        if self.points.len() == MAX_POINTS {
            self.thin();
        }
        self.points.push_back(LogEndPoint { log_end, at_ms });
    }

    /// When the record at `offset` was appended: the moment the log end
    /// went past it, interpolated linearly between the last observation at
    /// or below it and the first above it. `None` when the history has not
    /// seen the log end pass it.
    pub fn appended_at(&self, offset: i64) -> Option<AppendedAt> {
        let after = self.points.iter().position(|p| p.log_end > offset)?;
        let Some(before) = after.checked_sub(1).map(|i| self.points[i]) else {
            return Some(AppendedAt::Before(self.points[after].at_ms));
        };
        let after = self.points[after];
        // Records before.log_end..after.log_end arrived evenly over the
        // interval; record `offset` is the (offset - before.log_end + 1)th.
        let nth = (offset + 1 - before.log_end) as f64;
        let appended = (after.log_end - before.log_end) as f64;
        let elapsed = (after.at_ms - before.at_ms) as f64;
        Some(AppendedAt::Around(
            before.at_ms as f64 + nth * elapsed / appended,
        ))
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The last two points hold the same log end: the log is idle and the
    /// last one can move forward instead of adding a point.
    fn holds_since_previous(&self) -> bool {
        let len = self.points.len();
        len >= 2 && self.points[len - 2].log_end == self.points[len - 1].log_end
    }

    /// Drops every other point, keeping the oldest (the lower bound for old
    /// commits) and the newest.
    fn thin(&mut self) {
        let last = self.points.len().saturating_sub(1);
        let mut index = 0;
        self.points.retain(|_| {
            let keep = index % 2 == 0 || index == last;
            index += 1;
            keep
        });
    }
}

/// The histories of the partitions some group consumes: by topic, then by
/// partition (sorted). By topic, so a group's run of partitions of one topic
/// costs one name lookup rather than one per partition (20,000 a cycle at
/// bench size).
#[derive(Debug, Clone, Default)]
pub struct LogEndHistories {
    topics: BTreeMap<Arc<str>, Vec<(i32, LogEndHistory)>>,
}

impl LogEndHistories {
    pub fn observe(&mut self, partition: &PartitionKey, log_end: i64, at_ms: i64) {
        let histories = self.topic_mut(&partition.0);
        observe_in(histories, partition.1, log_end, at_ms);
    }

    /// One topic's histories, to observe a run of its partitions.
    pub fn topic_mut(&mut self, topic: &Arc<str>) -> &mut Vec<(i32, LogEndHistory)> {
        self.topics.entry(topic.clone()).or_default()
    }

    /// One topic's histories, sorted by partition (empty when none).
    pub fn topic(&self, topic: &str) -> &[(i32, LogEndHistory)] {
        self.topics.get(topic).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, partition: &PartitionKey) -> Option<&LogEndHistory> {
        of_partition(self.topic(&partition.0), partition.1)
    }

    /// Keeps the partitions approved by the judge `per_topic` gives for
    /// their topic (asked once per topic), and drops emptied topics.
    pub fn retain<K: FnMut(i32) -> bool>(&mut self, mut per_topic: impl FnMut(&str) -> K) {
        self.topics.retain(|topic, histories| {
            let mut keep = per_topic(topic);
            histories.retain(|(partition, _)| keep(*partition));
            !histories.is_empty()
        });
    }

    pub fn len(&self) -> usize {
        self.topics.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

/// Adds an observation to a partition's history in a topic's sorted list.
pub fn observe_in(
    histories: &mut Vec<(i32, LogEndHistory)>,
    partition: i32,
    log_end: i64,
    at_ms: i64,
) {
    match histories.binary_search_by_key(&partition, |(p, _)| *p) {
        Ok(at) => histories[at].1.observe(log_end, at_ms),
        Err(at) => {
            let mut history = LogEndHistory::default();
            history.observe(log_end, at_ms);
            histories.insert(at, (partition, history));
        }
    }
}

/// A partition's history in a topic's sorted list.
pub fn of_partition(histories: &[(i32, LogEndHistory)], partition: i32) -> Option<&LogEndHistory> {
    histories
        .binary_search_by_key(&partition, |(p, _)| *p)
        .ok()
        .map(|at| &histories[at].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(points: &[(i64, i64)]) -> LogEndHistory {
        let mut history = LogEndHistory::default();
        for &(log_end, at_ms) in points {
            history.observe(log_end, at_ms);
        }
        history
    }

    #[test]
    fn estimate_interpolates_between_the_observations_around_the_offset() {
        let history = history(&[(100, 10_000), (200, 20_000), (300, 40_000)]);
        // Record 149 is the 50th of the 100 appended in 10 s.
        assert_eq!(history.appended_at(149), Some(AppendedAt::Around(15_000.0)));
        // Record 100 is the first after 10 s.
        assert_eq!(history.appended_at(100), Some(AppendedAt::Around(10_100.0)));
        // Record 249 is half-way through the second interval (20 s long).
        assert_eq!(history.appended_at(249), Some(AppendedAt::Around(30_000.0)));
        // Record 299 is the last one seen.
        assert_eq!(history.appended_at(299), Some(AppendedAt::Around(40_000.0)));
    }

    #[test]
    fn estimate_for_an_offset_older_than_all_history_is_a_lower_bound() {
        let history = history(&[(100, 10_000), (200, 20_000)]);
        assert_eq!(history.appended_at(42), Some(AppendedAt::Before(10_000)));
        assert_eq!(history.appended_at(99), Some(AppendedAt::Before(10_000)));
    }

    #[test]
    fn no_estimate_for_an_offset_the_log_end_has_not_passed() {
        let history = history(&[(100, 10_000), (200, 20_000)]);
        assert_eq!(history.appended_at(200), None);
        assert_eq!(LogEndHistory::default().appended_at(0), None);
    }

    #[test]
    fn an_idle_stretch_keeps_its_first_and_latest_sighting() {
        let history = history(&[
            (100, 0),
            (100, 10_000),
            (100, 20_000),
            (100, 3_590_000),
            (200, 3_600_000),
        ]);
        assert_eq!(history.len(), 3);
        // Record 100 arrived after the idle hour, not spread across it.
        assert_eq!(
            history.appended_at(100),
            Some(AppendedAt::Around(3_590_100.0))
        );
    }

    #[test]
    fn a_shrinking_log_end_restarts_the_history() {
        let history = history(&[(500, 0), (600, 10_000), (50, 20_000)]);
        assert_eq!(history.len(), 1);
        assert_eq!(history.appended_at(10), Some(AppendedAt::Before(20_000)));
    }

    #[test]
    fn history_stays_bounded_and_keeps_the_oldest_point() {
        let mut history = LogEndHistory::default();
        for i in 0..10_000 {
            history.observe(1_000 + i * 10, i * 1000);
            assert!(history.len() <= MAX_POINTS);
        }
        // Record 5 predates the first observation, which thinning kept.
        assert_eq!(history.appended_at(5), Some(AppendedAt::Before(0)));
        // The newest stretch is still at full resolution: record 100_985 was
        // appended between the last two observations (9_998 s and 9_999 s).
        assert_eq!(
            history.appended_at(100_985),
            Some(AppendedAt::Around(9_998_600.0))
        );
    }

    #[test]
    fn histories_are_dropped_on_request() {
        let mut histories = LogEndHistories::default();
        let a = ("a".into(), 0);
        let b = ("b".into(), 0);
        histories.observe(&a, 1, 0);
        histories.observe(&b, 1, 0);
        histories.retain(|topic| {
            let keep = topic == "a";
            move |_| keep
        });
        assert_eq!(histories.len(), 1);
        assert!(histories.get(&b).is_none());
        assert_eq!(histories.get(&a).map(LogEndHistory::len), Some(1));
    }
}
