//! Small pure figures over the snapshot model that the metrics and the JSON
//! API both need and the model does not offer. They keep "unknown" apart
//! from zero: a lag sum over partitions whose log end is unknown is `None`,
//! not 0.

use std::collections::BTreeMap;

use kafkascope_collector::snapshot::{ClusterSnapshot, ConsumerGroup, Partition, Topic};
use serde::Serialize;

/// One consumer group's position on one topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicLag<'a> {
    pub topic: &'a str,
    /// Partitions of the topic the group has committed offsets for.
    pub partitions: usize,
    pub committed_offset_sum: i64,
    /// Sum over the partitions whose lag is known; `None` when none is.
    pub lag_sum: Option<i64>,
    pub lag_max: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
}

pub trait TopicExt {
    /// Partitions without a leader.
    fn offline_count(&self) -> usize;
    /// Partitions whose ISR is smaller than the topic's `min.insync.replicas`.
    fn under_min_isr_count(&self) -> usize;
    fn is_under_min_isr(&self, partition: &Partition) -> bool;
}

impl TopicExt for Topic {
    fn offline_count(&self) -> usize {
        self.partitions.iter().filter(|p| p.is_offline()).count()
    }

    fn under_min_isr_count(&self) -> usize {
        let min = self.min_insync_replicas();
        self.partitions
            .iter()
            .filter(|p| p.is_under_min_isr(min))
            .count()
    }

    fn is_under_min_isr(&self, partition: &Partition) -> bool {
        partition.is_under_min_isr(self.min_insync_replicas())
    }
}

pub trait GroupExt {
    /// Lag summed over the partitions whose lag is known; `None` when none is.
    fn total_lag(&self) -> Option<i64>;
    /// The largest known lag; `None` when none is known.
    fn max_lag(&self) -> Option<i64>;
    /// Per-topic figures, in topic order.
    fn topic_lags(&self) -> Vec<TopicLag<'_>>;
}

impl GroupExt for ConsumerGroup {
    fn total_lag(&self) -> Option<i64> {
        self.offsets
            .iter()
            .filter_map(|o| o.lag)
            .fold(None, |sum, lag| Some(sum.unwrap_or(0) + lag))
    }

    fn max_lag(&self) -> Option<i64> {
        self.offsets.iter().filter_map(|o| o.lag).max()
    }

    fn topic_lags(&self) -> Vec<TopicLag<'_>> {
        let mut topics: BTreeMap<&str, TopicLag<'_>> = BTreeMap::new();
        for offset in &self.offsets {
            let entry = topics
                .entry(offset.topic.as_str())
                .or_insert_with(|| TopicLag {
                    topic: offset.topic.as_str(),
                    partitions: 0,
                    committed_offset_sum: 0,
                    lag_sum: None,
                    lag_max: None,
                    messages_consumed_per_sec: None,
                });
            entry.partitions += 1;
            entry.committed_offset_sum += offset.committed_offset;
            if let Some(lag) = offset.lag {
                entry.lag_sum = Some(entry.lag_sum.unwrap_or(0) + lag);
                entry.lag_max = Some(entry.lag_max.unwrap_or(0).max(lag));
            }
            if let Some(rate) = offset.messages_consumed_per_sec {
                *entry.messages_consumed_per_sec.get_or_insert(0.0) += rate;
            }
        }
        topics.into_values().collect()
    }
}

pub trait ClusterExt {
    fn partition_count(&self) -> usize;
    fn offline_partition_count(&self) -> usize;
    fn under_replicated_partition_count(&self) -> usize;
    fn under_min_isr_partition_count(&self) -> usize;
    /// This cycle's errors counted by kind, in kind order.
    fn errors_by_kind(&self) -> Vec<(&str, usize)>;
    /// When the snapshot's figures were collected; `None` for a stale
    /// placeholder published before any cycle succeeded.
    fn last_success_ms(&self) -> Option<i64>;
}

impl ClusterExt for ClusterSnapshot {
    fn partition_count(&self) -> usize {
        self.topics.values().map(|t| t.partitions.len()).sum()
    }

    fn offline_partition_count(&self) -> usize {
        self.topics.values().map(TopicExt::offline_count).sum()
    }

    fn under_replicated_partition_count(&self) -> usize {
        self.topics
            .values()
            .map(Topic::under_replicated_count)
            .sum()
    }

    fn under_min_isr_partition_count(&self) -> usize {
        self.topics
            .values()
            .map(TopicExt::under_min_isr_count)
            .sum()
    }

    fn errors_by_kind(&self) -> Vec<(&str, usize)> {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for error in &self.errors {
            *kinds.entry(error.kind.as_str()).or_default() += 1;
        }
        kinds.into_iter().collect()
    }

    fn last_success_ms(&self) -> Option<i64> {
        Some(self.collected_at_ms).filter(|&ms| ms > 0)
    }
}

#[cfg(test)]
mod tests {
    use kafkascope_collector::snapshot::{CollectionError, PartitionLag};

    use super::*;

    fn lag(topic: &str, partition: i32, committed: i64, lag: Option<i64>) -> PartitionLag {
        PartitionLag {
            topic: topic.into(),
            partition,
            committed_offset: committed,
            latest_offset: lag.map(|l| committed + l),
            lag,
            messages_consumed_per_sec: None,
        }
    }

    #[test]
    fn unknown_lag_is_not_zero() {
        let group = ConsumerGroup {
            offsets: vec![lag("a", 0, 10, None), lag("b", 0, 5, Some(0))],
            ..Default::default()
        };
        assert_eq!(group.total_lag(), Some(0));
        assert_eq!(group.max_lag(), Some(0));
        let topics = group.topic_lags();
        assert_eq!(topics[0].topic, "a");
        assert_eq!(topics[0].lag_sum, None);
        assert_eq!(topics[0].committed_offset_sum, 10);
        assert_eq!(topics[1].lag_sum, Some(0));

        let unknown = ConsumerGroup {
            offsets: vec![lag("a", 0, 10, None)],
            ..Default::default()
        };
        assert_eq!(unknown.total_lag(), None);
        assert_eq!(unknown.max_lag(), None);
    }

    #[test]
    fn topic_lags_group_unsorted_offsets() {
        let group = ConsumerGroup {
            offsets: vec![
                lag("b", 0, 1, Some(3)),
                lag("a", 0, 1, Some(1)),
                lag("b", 1, 1, Some(4)),
            ],
            ..Default::default()
        };
        let topics = group.topic_lags();
        assert_eq!(topics.len(), 2);
        assert_eq!(
            (
                topics[1].topic,
                topics[1].partitions,
                topics[1].lag_sum,
                topics[1].lag_max
            ),
            ("b", 2, Some(7), Some(4))
        );
    }

    #[test]
    fn errors_by_kind_counts_in_kind_order() {
        let error = |kind: &str| CollectionError {
            collector: "c".into(),
            kind: kind.into(),
            broker: None,
            message: String::new(),
        };
        let snapshot = ClusterSnapshot {
            errors: vec![error("timeout"), error("kafka"), error("timeout")],
            ..Default::default()
        };
        assert_eq!(snapshot.errors_by_kind(), [("kafka", 1), ("timeout", 2)]);
        assert_eq!(snapshot.last_success_ms(), None);
    }
}
