//! What DescribeLogDirs tells beyond a broker's total: each log directory
//! with its volume's capacity and free space, failed directories, and how
//! far each follower replica is behind its leader.

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{Broker, LogDir};

use crate::labels::{self, Label};
use crate::writer::MetricsWriter;

pub const LOG_DIR_ONLINE: &str = "kafkascope_log_dir_online";
pub const LOG_DIR_SIZE_BYTES: &str = "kafkascope_log_dir_size_bytes";
pub const LOG_DIR_VOLUME_TOTAL_BYTES: &str = "kafkascope_log_dir_volume_total_bytes";
pub const LOG_DIR_VOLUME_USABLE_BYTES: &str = "kafkascope_log_dir_volume_usable_bytes";
pub const TOPIC_PARTITION_FOLLOWER_LAG: &str = "kafkascope_topic_partition_follower_lag";

/// This module's families, in the order [`write`] writes them.
pub const FAMILIES: &[&str] = &[
    LOG_DIR_ONLINE,
    LOG_DIR_SIZE_BYTES,
    LOG_DIR_VOLUME_TOTAL_BYTES,
    LOG_DIR_VOLUME_USABLE_BYTES,
    TOPIC_PARTITION_FOLLOWER_LAG,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    let dirs = || {
        clusters.iter().flat_map(|c| {
            c.brokers
                .iter()
                .flat_map(move |b| b.log_dirs.iter().map(move |d| (*c, b, d)))
        })
    };
    w.gauge(
        LOG_DIR_ONLINE,
        "1 when the broker reports the log directory healthy, 0 when it reports it failed (KAFKA_STORAGE_ERROR): its replicas are offline.",
    );
    for (c, b, d) in dirs() {
        w.sample(&dir_labels(c, b, d), d.error.is_none());
    }
    w.gauge(
        LOG_DIR_SIZE_BYTES,
        "Bytes of the replicas in the log directory.",
    );
    for (c, b, d) in dirs().filter(|(_, _, d)| d.error.is_none()) {
        w.sample(&dir_labels(c, b, d), d.size_bytes);
    }
    w.gauge(
        LOG_DIR_VOLUME_TOTAL_BYTES,
        "Capacity of the volume holding the log directory (DescribeLogDirs v4+, Kafka 3.3+).",
    );
    for (c, b, d) in dirs() {
        if let Some(bytes) = d.volume_total_bytes {
            w.sample(&dir_labels(c, b, d), bytes);
        }
    }
    w.gauge(
        LOG_DIR_VOLUME_USABLE_BYTES,
        "Free bytes the broker can still use on the volume holding the log directory (DescribeLogDirs v4+).",
    );
    for (c, b, d) in dirs() {
        if let Some(bytes) = d.volume_usable_bytes {
            w.sample(&dir_labels(c, b, d), bytes);
        }
    }
    w.gauge(
        TOPIC_PARTITION_FOLLOWER_LAG,
        "Messages a follower replica (broker) is behind its leader's log end offset, as the follower's broker reports it.",
    );
    for (c, t, p) in labels::partitions(clusters) {
        for follower in &p.follower_lag {
            let [cluster, topic, partition] = labels::partition(c, t, p);
            let labels: [Label<'_>; 4] = [
                cluster,
                topic,
                partition,
                ("broker", follower.broker.into()),
            ];
            w.sample(&labels, follower.offset_lag);
        }
    }
}

fn dir_labels<'a>(c: &'a ClusterSnapshot, b: &Broker, d: &'a LogDir) -> [Label<'a>; 3] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("broker", b.id.into()),
        ("dir", d.path.as_str().into()),
    ]
}
