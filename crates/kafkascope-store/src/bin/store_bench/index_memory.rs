//! What the series index holds in memory at full size: a store is given production-shaped
//! series (`/metrics` names with cluster, topic, partition and consumergroup labels for
//! 1,000 topics of 10 partitions and 1,000 groups reading 2 topics each, ~217,000 series),
//! closed, and reopened with a 1 MiB database cache; the heap bytes that reopening keeps
//! are the index (plus the store's small fixed parts).

use kafkascope_store::{SeriesKey, Store, StoreConfig};

use crate::counting_allocator::live_bytes;

const CLUSTER: &str = "prod-eu-west-1";
const PARTITION_METRICS: [&str; 10] = [
    "kafka_topic_partition_current_offset",
    "kafka_topic_partition_oldest_offset",
    "kafka_topic_partition_in_sync_replica",
    "kafka_topic_partition_leader",
    "kafka_topic_partition_replicas",
    "kafka_topic_partition_leader_is_preferred",
    "kafka_topic_partition_under_replicated_partition",
    "kafkascope_topic_partition_offline",
    "kafkascope_topic_partition_under_min_isr",
    "kafkascope_topic_partition_last_stable_offset",
];
const GROUP_PARTITION_METRICS: [&str; 5] = [
    "kafka_consumergroup_current_offset",
    "kafka_consumergroup_lag",
    "kafkascope_consumergroup_lag_seconds",
    "kafkascope_consumergroup_partition_status",
    "kafkascope_consumergroup_commit_rate",
];
const GROUP_TOPIC_METRICS: [&str; 2] = [
    "kafka_consumergroup_current_offset_sum",
    "kafka_consumergroup_lag_sum",
];
const GROUP_METRICS: [&str; 4] = [
    "kafka_consumergroup_members",
    "kafkascope_consumergroup_state",
    "kafkascope_consumergroup_lag_seconds_max",
    "kafkascope_consumergroup_rebalances",
];
const TOPIC_METRICS: [&str; 8] = [
    "kafka_topic_partitions",
    "kafkascope_topic_bytes_in_per_second",
    "kafkascope_topic_partitions_offline",
    "kafkascope_topic_partitions_under_replicated",
    "kafkascope_topic_min_insync_replicas",
    "kafkascope_topic_replication_factor",
    "kafkascope_topic_messages_in_per_second",
    "kafkascope_topic_size_bytes",
];

fn key(name: &str, labels: &[(&str, &str)]) -> SeriesKey {
    let mut pairs = vec![("cluster".to_string(), CLUSTER.to_string())];
    pairs.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    SeriesKey::new(name, pairs)
}

/// Every series key of the production-shaped cluster, handed over one at a time.
fn for_each_key(topics: usize, groups: usize, mut f: impl FnMut(&SeriesKey)) {
    for t in 0..topics {
        let topic = format!("payments.ledger-events.v{t:04}");
        for name in TOPIC_METRICS {
            f(&key(name, &[("topic", &topic)]));
        }
        for p in 0..10 {
            let partition = p.to_string();
            for name in PARTITION_METRICS {
                f(&key(name, &[("topic", &topic), ("partition", &partition)]));
            }
        }
    }
    for g in 0..groups {
        let group = format!("ledger-projection-service-{g:04}");
        for name in GROUP_METRICS {
            f(&key(name, &[("consumergroup", &group)]));
        }
        for k in 0..2 {
            let topic = format!("payments.ledger-events.v{:04}", (g + k * 7) % topics);
            for name in GROUP_TOPIC_METRICS {
                f(&key(name, &[("consumergroup", &group), ("topic", &topic)]));
            }
            for p in 0..10 {
                let partition = p.to_string();
                for name in GROUP_PARTITION_METRICS {
                    let labels = [
                        ("consumergroup", group.as_str()),
                        ("topic", topic.as_str()),
                        ("partition", partition.as_str()),
                    ];
                    f(&key(name, &labels));
                }
            }
        }
    }
}

/// Registers the series in a store under `dir`, reopens it and returns (series, heap bytes
/// the reopened store holds).
pub fn index_bytes(
    dir: &std::path::Path,
    topics: usize,
    groups: usize,
) -> anyhow::Result<(usize, usize)> {
    let mut config = StoreConfig::new(dir);
    config.wal_fsync = false;
    config.cache_bytes = 1 << 20;
    let mut store = Store::open(config.clone())?;
    let mut series = 0;
    let mut failure = None;
    for_each_key(topics, groups, |key| match store.series_id(key) {
        Ok(_) => series += 1,
        Err(error) => failure = Some(error),
    });
    if let Some(error) = failure {
        return Err(error.into());
    }
    store.append(1, [])?;
    store.close()?;
    let before = live_bytes();
    let store = Store::open(config)?;
    let held = live_bytes().saturating_sub(before);
    drop(store);
    Ok((series, held))
}
