//! DescribeQuorum (KIP-595, KIP-853): the KRaft metadata quorum. In KRaft,
//! Metadata's controller id names a random live broker, not the active
//! controller; the quorum's leader is the active controller. Any broker
//! forwards the request to the controllers.

use kafka_protocol::messages::describe_quorum_request::{PartitionData, TopicData};
use kafka_protocol::messages::{DescribeQuorumRequest, TopicName, describe_quorum_response};

use serde::Serialize;

use super::{Admin, kafka_error, str_bytes};
use crate::error::{ClientError, Result};

const API: &str = "DescribeQuorumRequest";
/// The KRaft metadata log: one topic, one partition.
const METADATA_TOPIC: &str = "__cluster_metadata";

/// The metadata quorum as its leader sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetadataQuorum {
    /// The active controller.
    pub leader_id: i32,
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub voters: Vec<QuorumReplica>,
    /// Replicas that fetch the log without voting: the brokers.
    pub observers: Vec<QuorumReplica>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuorumReplica {
    pub replica_id: i32,
    pub log_end_offset: i64,
    /// Unix milliseconds; `None` where the leader has not seen one (-1).
    pub last_fetch_ms: Option<i64>,
    pub last_caught_up_ms: Option<i64>,
}

impl MetadataQuorum {
    /// Records the replica's log is behind the leader's high watermark.
    pub fn lag(&self, replica: &QuorumReplica) -> i64 {
        (self.high_watermark - replica.log_end_offset).max(0)
    }

    /// `leader`, `voter` or `observer`, for a node id; `None` for a node
    /// the quorum does not know.
    pub fn role_of(&self, node: i32) -> Option<&'static str> {
        let has = |replicas: &[QuorumReplica]| replicas.iter().any(|r| r.replica_id == node);
        if node == self.leader_id {
            Some("leader")
        } else if has(&self.voters) {
            Some("voter")
        } else if has(&self.observers) {
            Some("observer")
        } else {
            None
        }
    }

    /// Voters then observers, each with its role.
    pub fn replicas(&self) -> impl Iterator<Item = (&'static str, &QuorumReplica)> {
        let voters = self.voters.iter().map(|r| ("voter", r));
        voters.chain(self.observers.iter().map(|r| ("observer", r)))
    }
}

impl Admin {
    /// The metadata quorum, asked of the first broker that answers. Fails
    /// with [`ClientError::UnsupportedApi`] on clusters without KRaft.
    pub async fn describe_quorum(&self) -> Result<MetadataQuorum> {
        let request = DescribeQuorumRequest::default().with_topics(vec![
            TopicData::default()
                .with_topic_name(TopicName(str_bytes(METADATA_TOPIC)))
                .with_partitions(vec![PartitionData::default().with_partition_index(0)]),
        ]);
        self.on_any_broker(|connection| {
            let request = request.clone();
            async move {
                let response = connection.send(&request).await?;
                if response.error_code != 0 {
                    return Err(kafka_error(
                        &connection,
                        API,
                        response.error_code,
                        String::new(),
                    ));
                }
                let partition = response
                    .topics
                    .into_iter()
                    .flat_map(|t| t.partitions)
                    .find(|p| p.partition_index == 0);
                let Some(partition) = partition else {
                    return Err(ClientError::InvalidFrame {
                        addr: connection.addr().to_string(),
                        reason: format!("DescribeQuorum answered without {METADATA_TOPIC}-0"),
                    });
                };
                if partition.error_code != 0 {
                    return Err(kafka_error(
                        &connection,
                        API,
                        partition.error_code,
                        format!(" for {METADATA_TOPIC}-0"),
                    ));
                }
                Ok(MetadataQuorum {
                    leader_id: partition.leader_id.0,
                    leader_epoch: partition.leader_epoch,
                    high_watermark: partition.high_watermark,
                    voters: replicas(partition.current_voters),
                    observers: replicas(partition.observers),
                })
            }
        })
        .await
    }
}

fn replicas(states: Vec<describe_quorum_response::ReplicaState>) -> Vec<QuorumReplica> {
    let known = |ms: i64| (ms >= 0).then_some(ms);
    let mut replicas: Vec<QuorumReplica> = states
        .into_iter()
        .map(|r| QuorumReplica {
            replica_id: r.replica_id.0,
            log_end_offset: r.log_end_offset,
            last_fetch_ms: known(r.last_fetch_timestamp),
            last_caught_up_ms: known(r.last_caught_up_timestamp),
        })
        .collect();
    replicas.sort_by_key(|r| r.replica_id);
    replicas
}
