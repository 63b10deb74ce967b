//! Each partition's log start, log end and last stable offset, with the
//! partitions Metadata named: what the groups are built and judged from.
//!
//! Taken out of the cycle once the log offsets are in and shared, so the
//! groups can be assembled and their health judged on another thread
//! while the topics still wait for their sizes (DescribeLogDirs) and the
//! controllers' answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use kafkascope_client::admin::{ClusterMetadata, OffsetsByTopic};

use crate::snapshot::Topic;

#[derive(Debug, Default)]
pub struct PartitionOffsets {
    /// Every topic Metadata named, with its partitions sorted. The name is
    /// allocated once here and shared by every group's commits on it.
    topics: BTreeMap<Arc<str>, Vec<i32>>,
    pub latest: OffsetsByTopic,
    pub earliest: OffsetsByTopic,
    pub last_stable: OffsetsByTopic,
}

/// One topic's partitions and offsets, each sorted by partition.
#[derive(Debug, Clone, Copy)]
pub struct TopicOffsets<'a> {
    pub partitions: &'a [i32],
    pub latest: &'a [(i32, i64)],
    pub earliest: &'a [(i32, i64)],
    pub last_stable: &'a [(i32, i64)],
}

impl PartitionOffsets {
    pub fn new(
        metadata: &ClusterMetadata,
        latest: OffsetsByTopic,
        earliest: OffsetsByTopic,
        last_stable: OffsetsByTopic,
    ) -> Self {
        let topics = metadata
            .topics
            .iter()
            .map(|t| {
                let mut partitions: Vec<i32> = t.partitions.iter().map(|p| p.partition).collect();
                partitions.sort_unstable();
                (Arc::from(t.name.as_str()), partitions)
            })
            .collect();
        Self {
            topics,
            latest,
            earliest,
            last_stable,
        }
    }

    /// The same facts read back from a snapshot's topics.
    pub fn of_topics(topics: &BTreeMap<String, Topic>) -> Self {
        let mut offsets = Self::default();
        for (name, topic) in topics {
            let mut partitions: Vec<i32> = topic.partitions.iter().map(|p| p.partition).collect();
            partitions.sort_unstable();
            offsets.topics.insert(Arc::from(name.as_str()), partitions);
            let column = |read: fn(&crate::snapshot::Partition) -> Option<i64>| {
                topic
                    .partitions
                    .iter()
                    .filter_map(|p| read(p).map(|offset| (p.partition, offset)))
                    .collect::<Vec<_>>()
            };
            offsets
                .latest
                .insert_topic(name.clone(), column(|p| p.latest_offset));
            offsets
                .earliest
                .insert_topic(name.clone(), column(|p| p.earliest_offset));
            offsets
                .last_stable
                .insert_topic(name.clone(), column(|p| p.last_stable_offset));
        }
        offsets
    }

    /// The topic's shared name, if Metadata named it.
    pub fn name(&self, topic: &str) -> Option<&Arc<str>> {
        self.topics.get_key_value(topic).map(|(name, _)| name)
    }

    pub fn has_topic(&self, topic: &str) -> bool {
        self.topics.contains_key(topic)
    }

    pub fn topic(&self, topic: &str) -> Option<TopicOffsets<'_>> {
        let partitions = self.topics.get(topic)?;
        Some(TopicOffsets {
            partitions,
            latest: self.latest.topic(topic),
            earliest: self.earliest.topic(topic),
            last_stable: self.last_stable.topic(topic),
        })
    }
}

impl TopicOffsets<'_> {
    pub fn has_partition(&self, partition: i32) -> bool {
        self.partitions.binary_search(&partition).is_ok()
    }

    pub fn latest(&self, partition: i32) -> Option<i64> {
        offset_of(self.latest, partition)
    }

    pub fn earliest(&self, partition: i32) -> Option<i64> {
        offset_of(self.earliest, partition)
    }

    pub fn last_stable(&self, partition: i32) -> Option<i64> {
        offset_of(self.last_stable, partition)
    }
}

/// The offset of `partition` among one topic's (partition, offset) pairs.
pub fn offset_of(offsets: &[(i32, i64)], partition: i32) -> Option<i64> {
    offsets
        .binary_search_by_key(&partition, |(p, _)| *p)
        .ok()
        .map(|i| offsets[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafkascope_client::admin::{PartitionMetadata, TopicMetadata};

    fn metadata() -> ClusterMetadata {
        let partition = |partition| PartitionMetadata {
            partition,
            ..PartitionMetadata::default()
        };
        ClusterMetadata {
            topics: vec![TopicMetadata {
                name: "orders".into(),
                partitions: vec![partition(2), partition(0), partition(1)],
                ..TopicMetadata::default()
            }],
            ..ClusterMetadata::default()
        }
    }

    #[test]
    fn a_partition_without_a_log_end_still_exists() {
        let latest = OffsetsByTopic::from_iter([(("orders".to_string(), 0), 40)]);
        let earliest = OffsetsByTopic::from_iter([(("orders".to_string(), 0), 5)]);
        let offsets =
            PartitionOffsets::new(&metadata(), latest, earliest, OffsetsByTopic::default());
        let orders = offsets.topic("orders").unwrap();
        assert_eq!(orders.partitions, &[0, 1, 2]);
        assert!(orders.has_partition(1));
        assert!(!orders.has_partition(3));
        assert_eq!(orders.latest(0), Some(40));
        assert_eq!(orders.latest(1), None);
        assert_eq!(orders.earliest(0), Some(5));
        assert_eq!(orders.last_stable(0), None);
        assert!(offsets.topic("payments").is_none());
        assert!(!offsets.has_topic("payments"));
        assert_eq!(offsets.name("orders").map(|n| &**n), Some("orders"));
    }
}
