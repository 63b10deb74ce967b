//! ListGroups on every broker (each lists the groups it coordinates, which
//! spares a FindCoordinator per group) and DescribeGroups batched per
//! coordinator.

use std::collections::BTreeMap;

use kafka_protocol::messages::{DescribeGroupsRequest, GroupId, ListGroupsRequest};

use super::{Admin, Partial, ShardError, consumer_protocol, kafka_error, merge_shards, str_bytes};
use crate::connection::Connection;
use crate::error::Result;

const LIST_API: &str = "ListGroupsRequest";
const DESCRIBE_API: &str = "DescribeGroupsRequest";
/// Groups per DescribeGroups request: large enough to be few requests, small
/// enough that one answer stays far below the frame cap.
const DESCRIBE_BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    pub protocol_type: String,
    /// Empty where the broker's ListGroups predates states (v4).
    pub state: String,
    pub coordinator: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedGroup {
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub coordinator: i32,
    pub members: Vec<DescribedMember>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// Topic → partitions, decoded for `consumer` groups.
    pub assignment: Vec<(String, Vec<i32>)>,
}

/// The connection lane DescribeGroups goes on (see `ClientConfig::connections_per_broker`).
const DESCRIBE_LANE: usize = 3;

impl Admin {
    /// Every group on every known broker, tagged with its coordinator.
    pub async fn list_groups(&self) -> Partial<Vec<ListedGroup>> {
        self.list_groups_on(self.pool.brokers().into_keys()).await
    }

    /// Every group on the given brokers, tagged with its coordinator. On the
    /// DescribeGroups lane: the descriptions follow the listing there, and
    /// the lane is free while Metadata answers on lane 0.
    pub async fn list_groups_on(
        &self,
        brokers: impl IntoIterator<Item = i32>,
    ) -> Partial<Vec<ListedGroup>> {
        let shards = brokers.into_iter().map(|id| (id, ())).collect();
        let answers = self
            .fan_out_on_lane(DESCRIBE_LANE, shards, |connection, ()| async move {
                let response = connection.send(&ListGroupsRequest::default()).await?;
                if response.error_code != 0 {
                    return Err(kafka_error(
                        &connection,
                        LIST_API,
                        response.error_code,
                        String::new(),
                    ));
                }
                Ok(Partial {
                    value: response.groups,
                    errors: Vec::new(),
                })
            })
            .await;
        let with_coordinator = answers
            .into_iter()
            .map(|(broker, answer)| {
                let listed = answer.map(|shard| Partial {
                    value: shard
                        .value
                        .into_iter()
                        .map(|g| ListedGroup {
                            group_id: g.group_id.0.to_string(),
                            protocol_type: g.protocol_type.to_string(),
                            state: g.group_state.to_string(),
                            coordinator: broker,
                        })
                        .collect::<Vec<_>>(),
                    errors: shard.errors,
                });
                (broker, listed)
            })
            .collect();
        merge_shards(LIST_API, with_coordinator)
    }

    /// Describes `groups` (coordinator → group ids), batched per coordinator.
    pub async fn describe_groups(
        &self,
        groups: &BTreeMap<i32, Vec<String>>,
    ) -> Partial<Vec<DescribedGroup>> {
        let shards = groups
            .iter()
            .flat_map(|(&coordinator, ids)| {
                ids.chunks(DESCRIBE_BATCH)
                    .map(move |chunk| (coordinator, (coordinator, chunk.to_vec())))
            })
            .collect();
        // A lane of its own: a cycle reads the groups' commits (OffsetFetch,
        // lane 0) at the same time.
        let answers = self
            .fan_out_on_lane(
                DESCRIBE_LANE,
                shards,
                |connection, (coordinator, ids)| async move {
                    describe(&connection, coordinator, ids).await
                },
            )
            .await;
        merge_shards(DESCRIBE_API, answers)
    }
}

async fn describe(
    connection: &Connection,
    coordinator: i32,
    ids: Vec<String>,
) -> Result<Partial<Vec<DescribedGroup>>> {
    let request = DescribeGroupsRequest::default()
        .with_groups(ids.iter().map(|id| GroupId(str_bytes(id))).collect());
    let response = connection.send(&request).await?;
    let mut shard = Partial::<Vec<DescribedGroup>>::empty();
    for group in response.groups {
        let group_id = group.group_id.0.to_string();
        if group.error_code != 0 {
            shard.errors.push(ShardError {
                broker: None,
                api: DESCRIBE_API,
                error: kafka_error(
                    connection,
                    DESCRIBE_API,
                    group.error_code,
                    format!(" for group {group_id}"),
                ),
                subject: format!("group {group_id}"),
            });
            continue;
        }
        let is_consumer = group.protocol_type.as_str() == "consumer";
        shard.value.push(DescribedGroup {
            group_id,
            state: group.group_state.to_string(),
            protocol_type: group.protocol_type.to_string(),
            protocol: group.protocol_data.to_string(),
            coordinator,
            members: group
                .members
                .into_iter()
                .map(|m| DescribedMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.group_instance_id.map(|s| s.to_string()),
                    client_id: m.client_id.to_string(),
                    client_host: m.client_host.to_string(),
                    assignment: is_consumer
                        .then(|| {
                            consumer_protocol::decode_consumer_assignment(&m.member_assignment)
                        })
                        .flatten()
                        .unwrap_or_default(),
                })
                .collect(),
        });
    }
    Ok(shard)
}
