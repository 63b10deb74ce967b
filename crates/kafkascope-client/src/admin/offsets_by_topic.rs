//! One offset per partition, kept by topic: each topic's name once, with its
//! (partition, offset) pairs sorted by partition.
//!
//! ListOffsets answers 10,000 partitions three times a cycle at bench size;
//! keyed by (topic, partition) that was 30,000 topic names allocated,
//! compared and freed per cycle, where by topic it is one per topic and
//! answer, and every reader wants a whole topic's offsets at once anyway.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::{MergeShard, TopicPartition};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OffsetsByTopic {
    topics: BTreeMap<String, Vec<(i32, i64)>>,
}

impl OffsetsByTopic {
    /// Adds one topic's offsets (any order; a partition given twice keeps
    /// its last offset).
    pub fn insert_topic(&mut self, topic: String, mut offsets: Vec<(i32, i64)>) {
        match self.topics.entry(topic) {
            Entry::Vacant(slot) => {
                sort_by_partition(&mut offsets);
                slot.insert(offsets);
            }
            Entry::Occupied(mut slot) => {
                let known = slot.get_mut();
                known.append(&mut offsets);
                sort_by_partition(known);
            }
        }
    }

    /// The topic's (partition, offset) pairs, by partition.
    pub fn topic(&self, topic: &str) -> &[(i32, i64)] {
        self.topics.get(topic).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, topic: &str, partition: i32) -> Option<i64> {
        let offsets = self.topic(topic);
        offsets
            .binary_search_by_key(&partition, |(p, _)| *p)
            .ok()
            .map(|i| offsets[i].1)
    }

    /// Partitions with an offset.
    pub fn len(&self) -> usize {
        self.topics.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.values().all(Vec::is_empty)
    }

    /// Every ((topic, partition), offset), in topic then partition order.
    pub fn iter(&self) -> impl Iterator<Item = ((&str, i32), i64)> {
        self.topics.iter().flat_map(|(topic, offsets)| {
            offsets
                .iter()
                .map(move |&(partition, offset)| ((topic.as_str(), partition), offset))
        })
    }
}

/// Sorted by partition, the last of any partition given twice kept.
fn sort_by_partition(offsets: &mut Vec<(i32, i64)>) {
    offsets.reverse();
    offsets.sort_by_key(|(partition, _)| *partition);
    offsets.dedup_by_key(|(partition, _)| *partition);
}

impl FromIterator<(TopicPartition, i64)> for OffsetsByTopic {
    fn from_iter<I: IntoIterator<Item = (TopicPartition, i64)>>(pairs: I) -> Self {
        let mut by_topic: BTreeMap<String, Vec<(i32, i64)>> = BTreeMap::new();
        for ((topic, partition), offset) in pairs {
            by_topic.entry(topic).or_default().push((partition, offset));
        }
        let mut table = OffsetsByTopic::default();
        for (topic, offsets) in by_topic {
            table.insert_topic(topic, offsets);
        }
        table
    }
}

impl MergeShard for OffsetsByTopic {
    /// Leaders split a topic's partitions, so a topic may come in several
    /// shards: its offsets are joined.
    fn merge(&mut self, shard: Self) {
        if self.topics.is_empty() {
            self.topics = shard.topics;
            return;
        }
        for (topic, offsets) in shard.topics {
            self.insert_topic(topic, offsets);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, i32, i64)]) -> OffsetsByTopic {
        pairs
            .iter()
            .map(|&(t, p, o)| ((t.to_string(), p), o))
            .collect()
    }

    #[test]
    fn a_topic_split_over_shards_is_joined_in_partition_order() {
        let mut merged = table(&[("orders", 2, 20), ("audit", 0, 1)]);
        merged.merge(table(&[("orders", 0, 5), ("orders", 1, 7)]));
        assert_eq!(merged.topic("orders"), &[(0, 5), (1, 7), (2, 20)]);
        assert_eq!(merged.topic("audit"), &[(0, 1)]);
        assert_eq!(merged.topic("missing"), &[]);
        assert_eq!(merged.get("orders", 1), Some(7));
        assert_eq!(merged.get("orders", 3), None);
        assert_eq!(merged.len(), 4);
        let all: Vec<_> = merged.iter().collect();
        assert_eq!(
            all,
            vec![
                (("audit", 0), 1),
                (("orders", 0), 5),
                (("orders", 1), 7),
                (("orders", 2), 20)
            ]
        );
    }

    #[test]
    fn a_partition_given_twice_keeps_its_last_offset() {
        let mut merged = table(&[("orders", 0, 5)]);
        merged.merge(table(&[("orders", 0, 9)]));
        assert_eq!(merged.topic("orders"), &[(0, 9)]);
        assert!(!merged.is_empty());
        assert!(OffsetsByTopic::default().is_empty());
    }
}
