//! The label sets the families share, built on the stack.

use kafkascope_collector::snapshot::{ClusterSnapshot, ConsumerGroup, Partition, Topic};

use crate::writer::LabelValue;

pub(super) type Label<'a> = (&'static str, LabelValue<'a>);

pub(super) fn cluster(c: &ClusterSnapshot) -> [Label<'_>; 1] {
    [("cluster", c.cluster.as_str().into())]
}

pub(super) fn topic<'a>(c: &'a ClusterSnapshot, t: &'a Topic) -> [Label<'a>; 2] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("topic", t.name.as_str().into()),
    ]
}

pub(super) fn partition<'a>(c: &'a ClusterSnapshot, t: &'a Topic, p: &Partition) -> [Label<'a>; 3] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("topic", t.name.as_str().into()),
        ("partition", p.partition.into()),
    ]
}

pub(super) fn group<'a>(c: &'a ClusterSnapshot, g: &'a ConsumerGroup) -> [Label<'a>; 2] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("consumergroup", g.name.as_str().into()),
    ]
}

pub(super) fn group_topic<'a>(
    c: &'a ClusterSnapshot,
    g: &'a ConsumerGroup,
    topic: &'a str,
) -> [Label<'a>; 3] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("consumergroup", g.name.as_str().into()),
        ("topic", topic.into()),
    ]
}

pub(super) fn group_partition<'a>(
    c: &'a ClusterSnapshot,
    g: &'a ConsumerGroup,
    topic: &'a str,
    partition: i32,
) -> [Label<'a>; 4] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("consumergroup", g.name.as_str().into()),
        ("topic", topic.into()),
        ("partition", partition.into()),
    ]
}

/// Every partition of every cluster, in cluster, topic, partition order.
pub(super) fn partitions<'a>(
    clusters: &'a [&'a ClusterSnapshot],
) -> impl Iterator<Item = (&'a ClusterSnapshot, &'a Topic, &'a Partition)> {
    clusters
        .iter()
        .flat_map(|c| c.partitions().map(move |(t, p)| (*c, t, p)))
}

/// Every consumer group of every cluster.
pub(super) fn groups<'a>(
    clusters: &'a [&'a ClusterSnapshot],
) -> impl Iterator<Item = (&'a ClusterSnapshot, &'a ConsumerGroup)> {
    clusters
        .iter()
        .flat_map(|c| c.groups.values().map(move |g| (*c, g)))
}
