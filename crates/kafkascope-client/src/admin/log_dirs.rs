//! DescribeLogDirs on every broker: bytes on disk per broker, per log
//! directory (with the volume's total and usable bytes, v4+) and per
//! replica, each follower's distance behind its leader, and the
//! directories that failed.

use std::collections::BTreeMap;

use kafka_protocol::messages::DescribeLogDirsRequest;

use super::{Admin, Partial, SIDE_LANE, TopicPartition, kafka_error, merge_shards};

const API: &str = "DescribeLogDirsRequest";

/// What one broker holds on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerLogDirs {
    pub broker: i32,
    /// Bytes of every replica in the broker's online directories.
    pub total_bytes: u64,
    /// Size of each replica this broker hosts (current, not future, replicas).
    pub partition_bytes: BTreeMap<TopicPartition, u64>,
    /// How far each replica here is behind its leader's log end (0 on the
    /// leader; the broker reports it for followers).
    pub partition_offset_lag: BTreeMap<TopicPartition, i64>,
    pub dirs: Vec<LogDir>,
}

/// One of a broker's log directories.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogDir {
    pub path: String,
    /// The broker's error for the directory (`KAFKA_STORAGE_ERROR` for a
    /// failed disk); its replicas are then unknown.
    pub error: Option<String>,
    /// Bytes of the replicas in it.
    pub size_bytes: u64,
    /// The volume's capacity and free space (DescribeLogDirs v4+, Kafka
    /// 3.3+); `None` from older brokers.
    pub volume_total_bytes: Option<u64>,
    pub volume_usable_bytes: Option<u64>,
}

impl Admin {
    pub async fn describe_log_dirs(&self) -> Partial<Vec<BrokerLogDirs>> {
        let shards = self.pool.brokers().into_keys().map(|id| (id, id)).collect();
        let answers = self
            .fan_out_on_lane(SIDE_LANE, shards, |connection, broker| async move {
                // Null topics: every replica in every directory.
                let response = connection
                    .send(&DescribeLogDirsRequest::default().with_topics(None))
                    .await?;
                if response.error_code != 0 {
                    return Err(kafka_error(
                        &connection,
                        API,
                        response.error_code,
                        String::new(),
                    ));
                }
                let mut dirs = BrokerLogDirs {
                    broker,
                    ..BrokerLogDirs::default()
                };
                for dir in response.results {
                    let known = |bytes: i64| (bytes >= 0).then_some(bytes as u64);
                    let mut log_dir = LogDir {
                        path: dir.log_dir.to_string(),
                        error: (dir.error_code != 0)
                            .then(|| crate::kafka_error_name(dir.error_code)),
                        size_bytes: 0,
                        volume_total_bytes: known(dir.total_bytes),
                        volume_usable_bytes: known(dir.usable_bytes),
                    };
                    if dir.error_code == 0 {
                        for topic in dir.topics {
                            let name = topic.name.0.to_string();
                            for p in topic.partitions.into_iter().filter(|p| !p.is_future_key) {
                                let size = p.partition_size.max(0) as u64;
                                log_dir.size_bytes += size;
                                let key = (name.clone(), p.partition_index);
                                if p.offset_lag > 0 {
                                    dirs.partition_offset_lag.insert(key.clone(), p.offset_lag);
                                }
                                dirs.partition_bytes.insert(key, size);
                            }
                        }
                    }
                    dirs.total_bytes += log_dir.size_bytes;
                    dirs.dirs.push(log_dir);
                }
                Ok(Partial {
                    value: vec![dirs],
                    errors: Vec::new(),
                })
            })
            .await;
        merge_shards(API, answers)
    }
}
