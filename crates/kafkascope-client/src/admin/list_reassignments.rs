//! ListPartitionReassignments: the partitions whose replicas are moving,
//! with the replicas being added and removed. On a ZooKeeper cluster only
//! the controller answers it (others say NOT_CONTROLLER); in KRaft any
//! broker forwards it, so it goes to the controller Metadata names either way.

use kafka_protocol::messages::ListPartitionReassignmentsRequest;

use super::{Admin, SIDE_LANE, TopicPartition, kafka_error};
use crate::connection::Connection;
use crate::error::Result;

const API: &str = "ListPartitionReassignmentsRequest";
/// How long the controller may take to answer.
const TIMEOUT_MS: i32 = 10_000;

/// One partition in the middle of a reassignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionReassignment {
    pub partition: TopicPartition,
    /// The replica set while it moves: the target plus the replicas leaving.
    pub replicas: Vec<i32>,
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
}

impl Admin {
    /// Every reassignment in progress, sorted by topic and partition, asked
    /// of `controller` (Metadata's controller id) or, unknown, any broker.
    pub async fn list_reassignments(
        &self,
        controller: Option<i32>,
    ) -> Result<Vec<PartitionReassignment>> {
        let ask = |connection: Connection| async move {
            // Null topics: every partition being reassigned.
            let request = ListPartitionReassignmentsRequest::default()
                .with_timeout_ms(TIMEOUT_MS)
                .with_topics(None);
            let response = connection.send(&request).await?;
            if response.error_code != 0 {
                let detail = response.error_message.map(|m| format!(": {m}"));
                return Err(kafka_error(
                    &connection,
                    API,
                    response.error_code,
                    detail.unwrap_or_default(),
                ));
            }
            let ids = |brokers: Vec<kafka_protocol::messages::BrokerId>| {
                brokers.into_iter().map(|b| b.0).collect::<Vec<i32>>()
            };
            let mut moving: Vec<PartitionReassignment> = response
                .topics
                .into_iter()
                .flat_map(|topic| {
                    let name = topic.name.0.to_string();
                    topic
                        .partitions
                        .into_iter()
                        .map(move |p| PartitionReassignment {
                            partition: (name.clone(), p.partition_index),
                            replicas: ids(p.replicas),
                            adding: ids(p.adding_replicas),
                            removing: ids(p.removing_replicas),
                        })
                })
                .collect();
            // tansu lists every partition, moving nothing; a reassignment
            // adds or removes some replica.
            moving.retain(|r| !(r.adding.is_empty() && r.removing.is_empty()));
            moving.sort_by(|a, b| a.partition.cmp(&b.partition));
            Ok(moving)
        };
        match controller {
            Some(id) => ask(self.pool.connection_on_lane(id, SIDE_LANE).await?).await,
            None => self.on_any_broker(ask).await,
        }
    }
}
