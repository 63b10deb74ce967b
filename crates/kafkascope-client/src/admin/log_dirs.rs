//! DescribeLogDirs on every broker: bytes on disk per broker and per replica.

use std::collections::BTreeMap;

use kafka_protocol::messages::DescribeLogDirsRequest;

use super::{Admin, Partial, TopicPartition, kafka_error, merge_shards};

const API: &str = "DescribeLogDirsRequest";

/// What one broker holds on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerLogDirs {
    pub broker: i32,
    pub total_bytes: u64,
    /// Size of each replica this broker hosts (current, not future, replicas).
    pub partition_bytes: BTreeMap<TopicPartition, u64>,
}

impl Admin {
    pub async fn describe_log_dirs(&self) -> Partial<Vec<BrokerLogDirs>> {
        let shards = self.pool.brokers().into_keys().map(|id| (id, id)).collect();
        let answers = self
            .fan_out(shards, |connection, broker| async move {
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
                for dir in response.results.into_iter().filter(|d| d.error_code == 0) {
                    for topic in dir.topics {
                        for p in topic.partitions.into_iter().filter(|p| !p.is_future_key) {
                            let size = p.partition_size.max(0) as u64;
                            dirs.total_bytes += size;
                            dirs.partition_bytes
                                .insert((topic.name.0.to_string(), p.partition_index), size);
                        }
                    }
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
