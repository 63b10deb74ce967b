//! DescribeShareGroupOffsets per coordinator (KIP-932): a share group keeps
//! no committed offsets; each partition's share-partition start offset
//! (SPSO) is where its unacknowledged records begin, what
//! `kafka-share-groups --describe` shows as its start offset and lag from.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_share_group_offsets_request::DescribeShareGroupOffsetsRequestGroup;
use kafka_protocol::messages::{DescribeShareGroupOffsetsRequest, GroupId};

use super::{Admin, GroupOffsets, Partial, ShardError, kafka_error, merge_shards, str_bytes};

const API: &str = "DescribeShareGroupOffsetsRequest";

impl Admin {
    /// Each share group's start offset per partition (coordinator → group
    /// ids); partitions the group has not started on are absent.
    pub async fn share_group_offsets(
        &self,
        groups: &BTreeMap<i32, Vec<String>>,
    ) -> Partial<Vec<GroupOffsets>> {
        let shards = groups
            .iter()
            .map(|(&coordinator, ids)| (coordinator, ids.clone()))
            .collect();
        let answers = self
            .fan_out(shards, |connection, ids| async move {
                // Null topics: every topic the group has a start offset on.
                let request = DescribeShareGroupOffsetsRequest::default().with_groups(
                    ids.iter()
                        .map(|id| {
                            DescribeShareGroupOffsetsRequestGroup::default()
                                .with_group_id(GroupId(str_bytes(id)))
                                .with_topics(None)
                        })
                        .collect(),
                );
                let response = connection.send(&request).await?;
                let mut shard = Partial::<Vec<GroupOffsets>>::empty();
                for group in response.groups {
                    let group_id = group.group_id.0.to_string();
                    if group.error_code != 0 {
                        let detail = group.error_message.map(|m| format!(": {m}"));
                        shard.errors.push(ShardError {
                            broker: None,
                            api: API,
                            subject: format!("group {group_id}"),
                            error: kafka_error(
                                &connection,
                                API,
                                group.error_code,
                                format!(
                                    " for share group {group_id}{}",
                                    detail.unwrap_or_default()
                                ),
                            ),
                        });
                        continue;
                    }
                    let offsets = group
                        .topics
                        .iter()
                        .flat_map(|t| {
                            t.partitions
                                .iter()
                                .filter(|p| p.error_code == 0 && p.start_offset >= 0)
                                .map(|p| {
                                    (
                                        (t.topic_name.0.to_string(), p.partition_index),
                                        p.start_offset,
                                    )
                                })
                        })
                        .collect();
                    shard.value.push(GroupOffsets { group_id, offsets });
                }
                Ok(shard)
            })
            .await;
        merge_shards(API, answers)
    }
}
