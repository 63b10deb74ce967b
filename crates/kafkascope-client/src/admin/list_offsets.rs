//! ListOffsets, one request per partition leader, all leaders at once.

use std::collections::BTreeMap;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{BrokerId, ListOffsetsRequest, TopicName};

use super::{
    Admin, ClusterMetadata, OffsetsByTopic, Partial, ShardError, kafka_error, merge_shards,
    str_bytes,
};
use crate::connection::Connection;
use crate::error::Result;

const API: &str = "ListOffsetsRequest";

/// Which offset of each partition to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (high watermark).
    Latest,
    /// The last stable offset: the end as a read_committed consumer sees it,
    /// short of open transactions and their markers.
    LatestCommitted,
}

impl OffsetSpec {
    fn timestamp(self) -> i64 {
        match self {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest | OffsetSpec::LatestCommitted => -1,
        }
    }

    fn isolation_level(self) -> i8 {
        i8::from(self == OffsetSpec::LatestCommitted)
    }

    /// Each spec has its own connection lane, so the three reads of a cycle
    /// run in parallel on the broker when several lanes are configured.
    fn lane(self) -> usize {
        match self {
            OffsetSpec::Latest => 0,
            OffsetSpec::Earliest => 1,
            OffsetSpec::LatestCommitted => 2,
        }
    }

    /// read_committed needs ListOffsets v2 or later.
    fn min_version(self) -> i16 {
        if self == OffsetSpec::LatestCommitted {
            2
        } else {
            1
        }
    }
}

type Offsets = OffsetsByTopic;

impl Admin {
    /// The `spec` offset of every partition that has a leader.
    pub async fn list_offsets(
        &self,
        metadata: &ClusterMetadata,
        spec: OffsetSpec,
    ) -> Partial<Offsets> {
        let mut by_leader: BTreeMap<i32, BTreeMap<&str, Vec<i32>>> = BTreeMap::new();
        for (topic, partition, leader) in metadata.led_partitions() {
            by_leader
                .entry(leader)
                .or_default()
                .entry(topic)
                .or_default()
                .push(partition);
        }
        let shards: Vec<(i32, ListOffsetsRequest)> = by_leader
            .into_iter()
            .map(|(leader, topics)| (leader, request_for(&topics, spec)))
            .collect();
        let answers = self
            .fan_out_on_lane(spec.lane(), shards, |connection, request| async move {
                send(&connection, &request, spec).await
            })
            .await;
        merge_shards(API, answers)
    }
}

fn request_for(topics: &BTreeMap<&str, Vec<i32>>, spec: OffsetSpec) -> ListOffsetsRequest {
    ListOffsetsRequest::default()
        // -1: we are a consumer, not a follower replica.
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(spec.isolation_level())
        .with_topics(
            topics
                .iter()
                .map(|(topic, partitions)| {
                    ListOffsetsTopic::default()
                        .with_name(TopicName(str_bytes(topic)))
                        .with_partitions(
                            partitions
                                .iter()
                                .map(|&p| {
                                    ListOffsetsPartition::default()
                                        .with_partition_index(p)
                                        .with_timestamp(spec.timestamp())
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

async fn send(
    connection: &Connection,
    request: &ListOffsetsRequest,
    spec: OffsetSpec,
) -> Result<Partial<Offsets>> {
    let version = connection.version_for::<ListOffsetsRequest>(None)?;
    if version < spec.min_version() {
        return Err(crate::ClientError::UnsupportedApi {
            addr: connection.addr().to_string(),
            api: "ListOffsetsRequest(read_committed)",
            offered: format!("up to v{version}"),
        });
    }
    let response = connection.send_at(request, version).await?;
    let mut shard = Partial::<Offsets>::empty();
    for topic in response.topics {
        let name = topic.name.0.to_string();
        let mut offsets = Vec::with_capacity(topic.partitions.len());
        for partition in topic.partitions {
            if partition.error_code != 0 {
                let subject = format!("{name}-{}", partition.partition_index);
                shard.errors.push(ShardError {
                    broker: None,
                    api: API,
                    error: kafka_error(
                        connection,
                        API,
                        partition.error_code,
                        format!(" for {subject}"),
                    ),
                    subject,
                });
            } else if partition.offset >= 0 {
                offsets.push((partition.partition_index, partition.offset));
            }
        }
        shard.value.insert_topic(name, offsets);
    }
    Ok(shard)
}
