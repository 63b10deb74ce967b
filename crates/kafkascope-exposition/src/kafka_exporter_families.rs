//! Families named and labelled as danielqsj/kafka_exporter names them, plus
//! the `cluster` label, so its dashboards and alerts work unchanged.

use kafkascope_collector::ClusterSnapshot;

use crate::labels::{self, Label};
use crate::writer::MetricsWriter;

pub const BROKERS: &str = "kafka_brokers";
pub const BROKER_INFO: &str = "kafka_broker_info";
pub const TOPIC_PARTITIONS: &str = "kafka_topic_partitions";
pub const TOPIC_PARTITION_CURRENT_OFFSET: &str = "kafka_topic_partition_current_offset";
pub const TOPIC_PARTITION_OLDEST_OFFSET: &str = "kafka_topic_partition_oldest_offset";
pub const TOPIC_PARTITION_IN_SYNC_REPLICA: &str = "kafka_topic_partition_in_sync_replica";
pub const TOPIC_PARTITION_LEADER: &str = "kafka_topic_partition_leader";
pub const TOPIC_PARTITION_REPLICAS: &str = "kafka_topic_partition_replicas";
pub const TOPIC_PARTITION_LEADER_IS_PREFERRED: &str = "kafka_topic_partition_leader_is_preferred";
pub const TOPIC_PARTITION_UNDER_REPLICATED: &str =
    "kafka_topic_partition_under_replicated_partition";
pub const CONSUMERGROUP_CURRENT_OFFSET: &str = "kafka_consumergroup_current_offset";
pub const CONSUMERGROUP_CURRENT_OFFSET_SUM: &str = "kafka_consumergroup_current_offset_sum";
pub const CONSUMERGROUP_LAG: &str = "kafka_consumergroup_lag";
pub const CONSUMERGROUP_LAG_SUM: &str = "kafka_consumergroup_lag_sum";
pub const CONSUMERGROUP_MEMBERS: &str = "kafka_consumergroup_members";

/// Every family name this module writes, in the order it writes them.
pub const FAMILIES: &[&str] = &[
    BROKERS,
    BROKER_INFO,
    TOPIC_PARTITIONS,
    TOPIC_PARTITION_CURRENT_OFFSET,
    TOPIC_PARTITION_OLDEST_OFFSET,
    TOPIC_PARTITION_IN_SYNC_REPLICA,
    TOPIC_PARTITION_LEADER,
    TOPIC_PARTITION_REPLICAS,
    TOPIC_PARTITION_LEADER_IS_PREFERRED,
    TOPIC_PARTITION_UNDER_REPLICATED,
    CONSUMERGROUP_CURRENT_OFFSET,
    CONSUMERGROUP_CURRENT_OFFSET_SUM,
    CONSUMERGROUP_LAG,
    CONSUMERGROUP_LAG_SUM,
    CONSUMERGROUP_MEMBERS,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    brokers(w, clusters);
    topics(w, clusters);
    groups(w, clusters);
}

fn brokers(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(BROKERS, "Number of brokers in the cluster's metadata.");
    for c in clusters {
        let registered = c.brokers.iter().filter(|b| b.in_metadata).count();
        w.sample(&labels::cluster(c), registered);
    }

    w.gauge(
        BROKER_INFO,
        "Broker id and advertised address (host:port); value is always 1.",
    );
    for c in clusters {
        for b in c.brokers.iter().filter(|b| b.in_metadata) {
            let address = format!("{}:{}", b.host, b.port);
            let labels: [Label<'_>; 3] = [
                ("cluster", c.cluster.as_str().into()),
                ("id", b.id.into()),
                ("address", address.as_str().into()),
            ];
            w.sample(&labels, 1i64);
        }
    }
}

fn topics(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(TOPIC_PARTITIONS, "Number of partitions of the topic.");
    for c in clusters {
        for t in c.topics.values() {
            w.sample(&labels::topic(c, t), t.partitions.len());
        }
    }

    w.gauge(
        TOPIC_PARTITION_CURRENT_OFFSET,
        "Log end offset (high watermark) of the partition.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        if let Some(offset) = p.latest_offset {
            w.sample(&labels::partition(c, t, p), offset);
        }
    }

    w.gauge(
        TOPIC_PARTITION_OLDEST_OFFSET,
        "Log start offset (earliest available) of the partition.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        if let Some(offset) = p.earliest_offset {
            w.sample(&labels::partition(c, t, p), offset);
        }
    }

    w.gauge(
        TOPIC_PARTITION_IN_SYNC_REPLICA,
        "Number of in-sync replicas of the partition.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.isr.len());
    }

    w.gauge(
        TOPIC_PARTITION_LEADER,
        "Broker id of the partition's leader; -1 when it has none.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.leader.unwrap_or(-1));
    }

    w.gauge(
        TOPIC_PARTITION_REPLICAS,
        "Number of replicas assigned to the partition.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.replicas.len());
    }

    w.gauge(
        TOPIC_PARTITION_LEADER_IS_PREFERRED,
        "1 when the partition is led by its preferred (first) replica, else 0.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.leader_is_preferred());
    }

    w.gauge(
        TOPIC_PARTITION_UNDER_REPLICATED,
        "1 when the partition has fewer in-sync replicas than replicas, else 0.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.is_under_replicated());
    }
}

fn groups(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_CURRENT_OFFSET,
        "Offset the consumer group has committed on the partition.",
    );
    for (c, g) in labels::groups(clusters) {
        for o in &g.offsets {
            w.sample(
                &labels::group_partition(c, g, &o.topic, o.partition),
                o.committed_offset,
            );
        }
    }

    w.gauge(
        CONSUMERGROUP_CURRENT_OFFSET_SUM,
        "Committed offsets of the consumer group summed over the topic's partitions.",
    );
    for (c, g) in labels::groups(clusters) {
        for t in g.topic_lags() {
            w.sample(&labels::group_topic(c, g, t.topic), t.committed_offset_sum);
        }
    }

    w.gauge(
        CONSUMERGROUP_LAG,
        "Messages the consumer group is behind on the partition: log end offset minus committed offset, never negative.",
    );
    for (c, g) in labels::groups(clusters) {
        for o in &g.offsets {
            if let Some(lag) = o.lag {
                w.sample(&labels::group_partition(c, g, &o.topic, o.partition), lag);
            }
        }
    }

    w.gauge(
        CONSUMERGROUP_LAG_SUM,
        "Lag of the consumer group summed over the topic's partitions whose lag is known.",
    );
    for (c, g) in labels::groups(clusters) {
        for t in g.topic_lags() {
            if let Some(lag) = t.lag_sum {
                w.sample(&labels::group_topic(c, g, t.topic), lag);
            }
        }
    }

    w.gauge(
        CONSUMERGROUP_MEMBERS,
        "Number of members of the consumer group.",
    );
    for (c, g) in labels::groups(clusters) {
        w.sample(&labels::group(c, g), g.members.len());
    }
}
