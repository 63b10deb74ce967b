//! Metadata: brokers, controller, topics and partition placement. Also keeps
//! the broker pool's directory current, since every other shard routes by it.

use kafka_protocol::messages::{MetadataRequest, MetadataResponse};

use super::Admin;
use crate::error::Result;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterMetadata {
    pub cluster_id: Option<String>,
    pub controller_id: Option<i32>,
    pub brokers: Vec<BrokerMetadata>,
    pub topics: Vec<TopicMetadata>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrokerMetadata {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl BrokerMetadata {
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopicMetadata {
    pub name: String,
    /// Kafka's topic id (Metadata v10+); `None` when the broker gave none.
    pub topic_id: Option<uuid::Uuid>,
    pub internal: bool,
    /// Non-zero when the broker could not describe the topic.
    pub error_code: i16,
    pub partitions: Vec<PartitionMetadata>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionMetadata {
    pub partition: i32,
    /// `None` when the partition has no leader (leader id -1).
    pub leader: Option<i32>,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    pub error_code: i16,
}

impl ClusterMetadata {
    /// Every partition that has a leader, with it.
    pub fn led_partitions(&self) -> impl Iterator<Item = (&str, i32, i32)> {
        self.topics.iter().flat_map(|t| {
            t.partitions
                .iter()
                .filter_map(move |p| Some((t.name.as_str(), p.partition, p.leader?)))
        })
    }

    fn from_response(response: MetadataResponse) -> Self {
        let positive = |id: i32| (id >= 0).then_some(id);
        ClusterMetadata {
            cluster_id: response.cluster_id.map(|s| s.to_string()),
            controller_id: positive(response.controller_id.0),
            brokers: response
                .brokers
                .into_iter()
                .map(|b| BrokerMetadata {
                    id: b.node_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                    rack: b.rack.map(|r| r.to_string()),
                })
                .collect(),
            topics: response
                .topics
                .into_iter()
                .map(|t| TopicMetadata {
                    name: t.name.map(|n| n.0.to_string()).unwrap_or_default(),
                    topic_id: (!t.topic_id.is_nil()).then_some(t.topic_id),
                    internal: t.is_internal,
                    error_code: t.error_code,
                    partitions: t
                        .partitions
                        .into_iter()
                        .map(|p| PartitionMetadata {
                            partition: p.partition_index,
                            leader: positive(p.leader_id.0),
                            leader_epoch: p.leader_epoch,
                            replicas: p.replica_nodes.into_iter().map(|b| b.0).collect(),
                            isr: p.isr_nodes.into_iter().map(|b| b.0).collect(),
                            offline_replicas: p.offline_replicas.into_iter().map(|b| b.0).collect(),
                            error_code: p.error_code,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl Admin {
    /// Metadata for every topic, from whichever broker answers first.
    pub async fn metadata(&self) -> Result<ClusterMetadata> {
        let connection = self.pool.any_connection().await?;
        // Never let a monitoring read create a topic.
        let request = MetadataRequest::default()
            .with_topics(None)
            .with_allow_auto_topic_creation(false);
        let response = connection.send(&request).await?;
        let metadata = ClusterMetadata::from_response(response);
        self.pool
            .set_brokers(metadata.brokers.iter().map(|b| (b.id, b.address())));
        Ok(metadata)
    }
}
