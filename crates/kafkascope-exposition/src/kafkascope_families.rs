//! `kafkascope_*` families: figures kafka_exporter does not export (cluster
//! identity, broker health and load, placement problems, rates, sizes,
//! group state and whole-group lag), and the consumer-health families
//! ([`consumer_health`]).

pub mod consumer_health;
pub mod log_dirs;
pub mod metadata_quorum;

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{Broker, Partition, Topic};

use crate::labels::{self, Label};
use crate::writer::MetricsWriter;

pub const CLUSTER_INFO: &str = "kafkascope_cluster_info";
pub const CONTROLLER_ID: &str = "kafkascope_controller_id";
pub const BROKER_UP: &str = "kafkascope_broker_up";
pub const BROKER_PARTITIONS: &str = "kafkascope_broker_partitions";
pub const BROKER_LEADER_PARTITIONS: &str = "kafkascope_broker_leader_partitions";
pub const BROKER_LOG_DIR_SIZE_BYTES: &str = "kafkascope_broker_log_dir_size_bytes";
pub const TOPIC_REPLICATION_FACTOR: &str = "kafkascope_topic_replication_factor";
pub const TOPIC_MESSAGES_IN_PER_SECOND: &str = "kafkascope_topic_messages_in_per_second";
pub const TOPIC_BYTES_IN_PER_SECOND: &str = "kafkascope_topic_bytes_in_per_second";
pub const TOPIC_SIZE_BYTES: &str = "kafkascope_topic_size_bytes";
pub const TOPIC_PARTITION_OFFLINE: &str = "kafkascope_topic_partition_offline";
pub const TOPIC_PARTITION_UNDER_MIN_ISR: &str = "kafkascope_topic_partition_under_min_isr";
/// The names the Prometheus JMX exporter's Kafka rules give the broker's own
/// per-partition gauges, which Strimzi's dashboards query.
pub const TOPIC_PARTITION_REASSIGNING: &str = "kafkascope_topic_partition_reassigning";
pub const REASSIGNING_PARTITIONS: &str = "kafkascope_reassigning_partitions";
pub const CLUSTER_PARTITION_UNDER_MIN_ISR: &str = "kafka_cluster_partition_underminisr";
pub const CLUSTER_PARTITION_AT_MIN_ISR: &str = "kafka_cluster_partition_atminisr";
pub const TOPIC_PARTITION_LAST_STABLE_OFFSET: &str =
    "kafkascope_topic_partition_last_stable_offset";
pub const TOPIC_PARTITION_MESSAGES_IN_PER_SECOND: &str =
    "kafkascope_topic_partition_messages_in_per_second";
pub const CONSUMERGROUP_STATE: &str = "kafkascope_consumergroup_state";
pub const CONSUMERGROUP_MAX_LAG: &str = "kafkascope_consumergroup_max_lag";
pub const CONSUMERGROUP_TOTAL_LAG: &str = "kafkascope_consumergroup_total_lag";
pub const CONSUMERGROUP_MESSAGES_CONSUMED_PER_SECOND: &str =
    "kafkascope_consumergroup_messages_consumed_per_second";
pub const CONSUMERGROUP_TOPIC_MESSAGES_CONSUMED_PER_SECOND: &str =
    "kafkascope_consumergroup_topic_messages_consumed_per_second";
pub const OFFLINE_PARTITIONS: &str = "kafkascope_offline_partitions";
pub const UNDER_REPLICATED_PARTITIONS: &str = "kafkascope_under_replicated_partitions";
pub const UNDER_MIN_ISR_PARTITIONS: &str = "kafkascope_under_min_isr_partitions";
pub const NOT_PREFERRED_LEADER_PARTITIONS: &str = "kafkascope_not_preferred_leader_partitions";
pub const PARTITIONS: &str = "kafkascope_partitions";

/// Every family name this module writes, in the order it writes them.
pub const FAMILIES: &[&str] = &[
    CLUSTER_INFO,
    CONTROLLER_ID,
    BROKER_UP,
    BROKER_PARTITIONS,
    BROKER_LEADER_PARTITIONS,
    BROKER_LOG_DIR_SIZE_BYTES,
    TOPIC_REPLICATION_FACTOR,
    TOPIC_MESSAGES_IN_PER_SECOND,
    TOPIC_BYTES_IN_PER_SECOND,
    TOPIC_SIZE_BYTES,
    TOPIC_PARTITION_OFFLINE,
    TOPIC_PARTITION_UNDER_MIN_ISR,
    CLUSTER_PARTITION_UNDER_MIN_ISR,
    CLUSTER_PARTITION_AT_MIN_ISR,
    TOPIC_PARTITION_REASSIGNING,
    REASSIGNING_PARTITIONS,
    TOPIC_PARTITION_LAST_STABLE_OFFSET,
    TOPIC_PARTITION_MESSAGES_IN_PER_SECOND,
    CONSUMERGROUP_STATE,
    CONSUMERGROUP_MAX_LAG,
    CONSUMERGROUP_TOTAL_LAG,
    CONSUMERGROUP_MESSAGES_CONSUMED_PER_SECOND,
    CONSUMERGROUP_TOPIC_MESSAGES_CONSUMED_PER_SECOND,
    consumer_health::CONSUMERGROUP_LAG_SECONDS,
    consumer_health::CONSUMERGROUP_MAX_LAG_SECONDS,
    consumer_health::CONSUMERGROUP_TOPIC_MAX_LAG_SECONDS,
    consumer_health::CONSUMERGROUP_MESSAGES_LOST,
    consumer_health::CONSUMERGROUP_STATUS,
    consumer_health::CONSUMERGROUP_STATUS_CODE,
    consumer_health::CONSUMERGROUP_PARTITION_STATUS_CODE,
    consumer_health::CONSUMERGROUP_WINDOW_COMPLETE,
    consumer_health::CONSUMERGROUP_LAST_COMMIT_TIMESTAMP_SECONDS,
    consumer_health::CONSUMERGROUP_REBALANCES,
    consumer_health::CONSUMERGROUP_COMMITS_PER_SECOND,
    consumer_health::CONSUMERGROUP_DEAD,
    consumer_health::CONSUMERGROUP_CATCH_UP_SECONDS,
    consumer_health::CONSUMERGROUP_FALLING_BEHIND_MESSAGES_PER_MINUTE,
    log_dirs::LOG_DIR_ONLINE,
    log_dirs::LOG_DIR_SIZE_BYTES,
    log_dirs::LOG_DIR_VOLUME_TOTAL_BYTES,
    log_dirs::LOG_DIR_VOLUME_USABLE_BYTES,
    log_dirs::TOPIC_PARTITION_FOLLOWER_LAG,
    metadata_quorum::QUORUM_LEADER_EPOCH,
    metadata_quorum::QUORUM_HIGH_WATERMARK,
    metadata_quorum::QUORUM_REPLICA_LAG,
    metadata_quorum::QUORUM_REPLICA_LAST_FETCH_AGE_SECONDS,
    OFFLINE_PARTITIONS,
    UNDER_REPLICATED_PARTITIONS,
    UNDER_MIN_ISR_PARTITIONS,
    NOT_PREFERRED_LEADER_PARTITIONS,
    PARTITIONS,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    cluster(w, clusters);
    brokers(w, clusters);
    topics(w, clusters);
    partitions(w, clusters);
    groups(w, clusters);
    consumer_health::write(w, clusters);
    log_dirs::write(w, clusters);
    metadata_quorum::write(w, clusters);
    counts(w, clusters);
}

fn cluster(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CLUSTER_INFO,
        "Kafka's own id for the cluster (empty when the brokers report none); value is always 1.",
    );
    for c in clusters {
        let labels: [Label<'_>; 2] = [
            ("cluster", c.cluster.as_str().into()),
            ("cluster_id", c.cluster_id.as_deref().unwrap_or("").into()),
        ];
        w.sample(&labels, 1i64);
    }

    w.gauge(
        CONTROLLER_ID,
        "Broker id of the active controller: the KRaft metadata quorum's leader, or on a ZooKeeper cluster the controller Metadata names.",
    );
    for c in clusters {
        if let Some(id) = c.controller_id {
            w.sample(&labels::cluster(c), id);
        }
    }
}

fn broker_labels<'a>(c: &'a ClusterSnapshot, b: &Broker) -> [Label<'a>; 2] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("broker", b.id.into()),
    ]
}

fn brokers(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        BROKER_UP,
        "1 when kafkascope could talk to the broker in the last cycle, else 0.",
    );
    for c in clusters {
        for b in &c.brokers {
            w.sample(&broker_labels(c, b), b.reachable);
        }
    }

    w.gauge(
        BROKER_PARTITIONS,
        "Partition replicas the broker hosts (partitions whose replica list contains it).",
    );
    for c in clusters {
        for b in &c.brokers {
            w.sample(&broker_labels(c, b), b.partition_count);
        }
    }

    w.gauge(BROKER_LEADER_PARTITIONS, "Partitions the broker leads.");
    for c in clusters {
        for b in &c.brokers {
            w.sample(&broker_labels(c, b), b.leader_count);
        }
    }

    w.gauge(
        BROKER_LOG_DIR_SIZE_BYTES,
        "Bytes in the broker's log directories, where DescribeLogDirs answered.",
    );
    for c in clusters {
        for b in &c.brokers {
            if let Some(bytes) = b.log_dir_bytes {
                w.sample(&broker_labels(c, b), bytes);
            }
        }
    }
}

fn topics(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        TOPIC_REPLICATION_FACTOR,
        "Replication factor of the topic (its longest replica list).",
    );
    for c in clusters {
        for t in c.topics.values() {
            w.sample(&labels::topic(c, t), t.replication_factor());
        }
    }

    w.gauge(
        TOPIC_MESSAGES_IN_PER_SECOND,
        "Messages appended to the topic per second, between the last two cycles.",
    );
    for c in clusters {
        for t in c.topics.values() {
            if let Some(rate) = t.messages_in_per_sec {
                w.sample(&labels::topic(c, t), rate);
            }
        }
    }

    w.gauge(
        TOPIC_BYTES_IN_PER_SECOND,
        "Bytes appended to the topic per second, between the last two cycles.",
    );
    for c in clusters {
        for t in c.topics.values() {
            if let Some(rate) = t.bytes_in_per_sec {
                w.sample(&labels::topic(c, t), rate);
            }
        }
    }

    w.gauge(
        TOPIC_SIZE_BYTES,
        "Bytes the topic's partitions take on their leaders, when known for every partition.",
    );
    for c in clusters {
        for t in c.topics.values() {
            if let Some(bytes) = t.size_bytes() {
                w.sample(&labels::topic(c, t), bytes);
            }
        }
    }
}

/// Every partition with its topic's `min.insync.replicas`.
fn for_each_min_isr<'a>(
    clusters: &[&'a ClusterSnapshot],
    mut each: impl FnMut(&'a ClusterSnapshot, &'a Topic, &'a Partition, usize),
) {
    for c in clusters {
        for t in c.topics.values() {
            let min = t.min_insync_replicas();
            for p in &t.partitions {
                each(c, t, p, min);
            }
        }
    }
}

fn partitions(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        TOPIC_PARTITION_OFFLINE,
        "1 when the partition has no leader, else 0.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        w.sample(&labels::partition(c, t, p), p.is_offline());
    }

    w.gauge(
        TOPIC_PARTITION_UNDER_MIN_ISR,
        "1 when the partition has fewer in-sync replicas than the topic's min.insync.replicas (at most its replica count, as the broker counts), else 0.",
    );
    for_each_min_isr(clusters, |c, t, p, min| {
        w.sample(&labels::partition(c, t, p), p.is_under_min_isr(min));
    });
    w.gauge(
        CLUSTER_PARTITION_UNDER_MIN_ISR,
        "The broker's UnderMinIsr gauge under its JMX exporter name: 1 when the partition has fewer in-sync replicas than min.insync.replicas (at most its replica count), else 0.",
    );
    for_each_min_isr(clusters, |c, t, p, min| {
        w.sample(&labels::partition(c, t, p), p.is_under_min_isr(min));
    });
    w.gauge(
        CLUSTER_PARTITION_AT_MIN_ISR,
        "The broker's AtMinIsr gauge under its JMX exporter name: 1 when the partition has exactly min.insync.replicas (at most its replica count) in-sync replicas, so one more loss stops acks=all writes.",
    );
    for_each_min_isr(clusters, |c, t, p, min| {
        w.sample(&labels::partition(c, t, p), p.is_at_min_isr(min));
    });

    w.gauge(
        TOPIC_PARTITION_REASSIGNING,
        "1 while the partition's replicas are being reassigned (ListPartitionReassignments); absent otherwise.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        if p.reassignment.is_some() {
            w.sample(&labels::partition(c, t, p), 1i64);
        }
    }
    w.gauge(
        REASSIGNING_PARTITIONS,
        "Partitions whose replicas are being reassigned; absent when the controller could not be asked.",
    );
    for c in clusters {
        let moving = c
            .partitions()
            .filter(|(_, p)| p.reassignment.is_some())
            .count();
        w.sample(&labels::cluster(c), moving);
    }

    w.gauge(
        TOPIC_PARTITION_LAST_STABLE_OFFSET,
        "Last stable offset of the partition (what read_committed consumers can read up to).",
    );
    for (c, t, p) in labels::partitions(clusters) {
        if let Some(offset) = p.last_stable_offset {
            w.sample(&labels::partition(c, t, p), offset);
        }
    }

    w.gauge(
        TOPIC_PARTITION_MESSAGES_IN_PER_SECOND,
        "Messages appended to the partition per second, between the last two cycles.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        if let Some(rate) = p.messages_in_per_sec {
            w.sample(&labels::partition(c, t, p), rate);
        }
    }
}

fn groups(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_STATE,
        "The consumer group's current state (Stable, Empty, PreparingRebalance, CompletingRebalance, Assigning, Reconciling, Dead...) and type (classic, consumer, share, streams); value is always 1.",
    );
    for (c, g) in labels::groups(clusters) {
        if !g.state.is_empty() {
            let labels: [Label<'_>; 4] = [
                ("cluster", c.cluster.as_str().into()),
                ("consumergroup", g.name.as_str().into()),
                ("state", g.state.as_str().into()),
                ("type", g.group_type.as_str().into()),
            ];
            w.sample(&labels, 1i64);
        }
    }

    w.gauge(
        CONSUMERGROUP_MAX_LAG,
        "Largest lag of the consumer group over all its partitions whose lag is known.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(lag) = g.max_lag() {
            w.sample(&labels::group(c, g), lag);
        }
    }

    w.gauge(
        CONSUMERGROUP_TOTAL_LAG,
        "Lag of the consumer group summed over all its partitions whose lag is known.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(lag) = g.total_lag() {
            w.sample(&labels::group(c, g), lag);
        }
    }

    w.gauge(
        CONSUMERGROUP_MESSAGES_CONSUMED_PER_SECOND,
        "Messages the consumer group committed past per second, between the last two cycles.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(rate) = g.messages_consumed_per_sec {
            w.sample(&labels::group(c, g), rate);
        }
    }

    w.gauge(
        CONSUMERGROUP_TOPIC_MESSAGES_CONSUMED_PER_SECOND,
        "Messages the consumer group committed past on the topic per second, between the last two cycles.",
    );
    for (c, g) in labels::groups(clusters) {
        for t in g.topic_lags() {
            if let Some(rate) = t.messages_consumed_per_sec {
                w.sample(&labels::group_topic(c, g, t.topic), rate);
            }
        }
    }
}

fn counts(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(OFFLINE_PARTITIONS, "Partitions without a leader.");
    for c in clusters {
        w.sample(&labels::cluster(c), c.offline_partition_count());
    }

    w.gauge(
        UNDER_REPLICATED_PARTITIONS,
        "Partitions with fewer in-sync replicas than replicas.",
    );
    for c in clusters {
        w.sample(&labels::cluster(c), c.under_replicated_partition_count());
    }

    w.gauge(
        UNDER_MIN_ISR_PARTITIONS,
        "Partitions with fewer in-sync replicas than their topic's min.insync.replicas.",
    );
    for c in clusters {
        w.sample(&labels::cluster(c), c.under_min_isr_partition_count());
    }

    // The per-partition `kafka_topic_partition_leader_is_preferred`
    // counted: a rule on the imbalance reads one series per cluster, not
    // one per partition.
    w.gauge(
        NOT_PREFERRED_LEADER_PARTITIONS,
        "Partitions not led by their preferred (first) replica, leaderless ones included.",
    );
    for c in clusters {
        let not_preferred = c
            .topics
            .values()
            .flat_map(|t| &t.partitions)
            .filter(|p| !p.leader_is_preferred())
            .count();
        w.sample(&labels::cluster(c), not_preferred);
    }
    w.gauge(PARTITIONS, "Partitions in the cluster.");
    for c in clusters {
        let partitions: usize = c.topics.values().map(|t| t.partitions.len()).sum();
        w.sample(&labels::cluster(c), partitions);
    }
}
