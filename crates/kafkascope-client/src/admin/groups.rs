//! ListGroups on every broker (each lists the groups it coordinates, which
//! spares a FindCoordinator per group), then each group described by the
//! API of its type, batched per coordinator: DescribeGroups for classic
//! groups, ConsumerGroupDescribe for KIP-848 consumer groups (which
//! DescribeGroups answers as not found) and ShareGroupDescribe for KIP-932
//! share groups.

use std::collections::BTreeMap;

use kafka_protocol::messages::{
    ConsumerGroupDescribeRequest, DescribeGroupsRequest, GroupId, ListGroupsRequest,
    ShareGroupDescribeRequest,
};
use serde::Serialize;

use super::{Admin, Partial, ShardError, consumer_protocol, kafka_error, merge_shards, str_bytes};
use crate::connection::Connection;
use crate::error::Result;

const LIST_API: &str = "ListGroupsRequest";
const DESCRIBE_API: &str = "DescribeGroupsRequest";
const CONSUMER_DESCRIBE_API: &str = "ConsumerGroupDescribeRequest";
const SHARE_DESCRIBE_API: &str = "ShareGroupDescribeRequest";

/// The protocol a group runs, from ListGroups v5's `GroupType`; it decides
/// which API describes the group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupType {
    /// The classic rebalance protocol, and every group of a broker that
    /// predates group types.
    #[default]
    Classic,
    /// KIP-848's consumer protocol (`group.protocol=consumer`).
    Consumer,
    /// A KIP-932 share group: no committed offsets, so no lag as consumer
    /// groups have it.
    Share,
    /// A KIP-1071 Streams group.
    Streams,
    /// A type newer than this client.
    Unknown,
}

impl GroupType {
    /// The type a ListGroups answer gives (empty before v5: classic).
    pub fn from_listing(group_type: &str) -> Self {
        match group_type {
            "" | "classic" => Self::Classic,
            "consumer" => Self::Consumer,
            "share" => Self::Share,
            "streams" => Self::Streams,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Consumer => "consumer",
            Self::Share => "share",
            Self::Streams => "streams",
            Self::Unknown => "unknown",
        }
    }

    /// Whether the group commits offsets that OffsetFetch reads.
    pub fn commits_offsets(self) -> bool {
        matches!(self, Self::Classic | Self::Consumer | Self::Streams)
    }
}
/// Groups per DescribeGroups request: large enough to be few requests, small
/// enough that one answer stays far below the frame cap.
const DESCRIBE_BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    pub protocol_type: String,
    /// Empty where the broker's ListGroups predates states (v4).
    pub state: String,
    pub group_type: GroupType,
    pub coordinator: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedGroup {
    pub group_id: String,
    pub group_type: GroupType,
    pub state: String,
    pub protocol_type: String,
    /// The classic protocol's assignor, or the server-side assignor of a
    /// consumer or share group.
    pub protocol: String,
    pub coordinator: i32,
    /// The group and assignment epochs of consumer and share groups; the
    /// classic protocol's DescribeGroups carries none.
    pub group_epoch: Option<i32>,
    pub assignment_epoch: Option<i32>,
    pub members: Vec<DescribedMember>,
    /// Why the group could not be described (a type kafkascope does not
    /// describe); its listing is all there is.
    pub not_described: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// Topic → partitions, decoded for `consumer` groups.
    pub assignment: Vec<(String, Vec<i32>)>,
    /// Consumer groups only: the member's epoch and the assignment the
    /// coordinator is moving it to (equal to `assignment` once reconciled).
    pub member_epoch: Option<i32>,
    pub target_assignment: Option<Vec<(String, Vec<i32>)>>,
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
                            group_type: GroupType::from_listing(&g.group_type),
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

    /// Describes `groups` (coordinator → group ids and types), batched per
    /// coordinator and type.
    pub async fn describe_groups(
        &self,
        groups: &BTreeMap<i32, Vec<(String, GroupType)>>,
    ) -> Partial<Vec<DescribedGroup>> {
        let mut shards = Vec::new();
        for (&coordinator, located) in groups {
            let mut by_type: BTreeMap<GroupType, Vec<String>> = BTreeMap::new();
            for (id, group_type) in located {
                by_type.entry(*group_type).or_default().push(id.clone());
            }
            for (group_type, ids) in by_type {
                for chunk in ids.chunks(DESCRIBE_BATCH) {
                    shards.push((coordinator, (coordinator, group_type, chunk.to_vec())));
                }
            }
        }
        // A lane of its own: a cycle reads the groups' commits (OffsetFetch,
        // lane 0) at the same time.
        let answers = self
            .fan_out_on_lane(
                DESCRIBE_LANE,
                shards,
                |connection, (coordinator, group_type, ids)| async move {
                    match group_type {
                        GroupType::Classic => describe(&connection, coordinator, ids).await,
                        GroupType::Consumer => {
                            describe_consumer_groups(&connection, coordinator, ids).await
                        }
                        GroupType::Share => {
                            describe_share_groups(&connection, coordinator, ids).await
                        }
                        GroupType::Streams | GroupType::Unknown => {
                            Ok(not_described(coordinator, group_type, ids))
                        }
                    }
                },
            )
            .await;
        merge_shards(DESCRIBE_API, answers)
    }
}

/// Groups of a type kafkascope does not describe: kept with their type
/// and the reason, so they are never mistaken for dead consumer groups.
fn not_described(
    coordinator: i32,
    group_type: GroupType,
    ids: Vec<String>,
) -> Partial<Vec<DescribedGroup>> {
    let value = ids
        .into_iter()
        .map(|group_id| DescribedGroup {
            group_id,
            group_type,
            coordinator,
            not_described: Some(format!(
                "{} groups are listed but not described by kafkascope",
                group_type.as_str()
            )),
            ..DescribedGroup::default()
        })
        .collect();
    Partial {
        value,
        errors: Vec::new(),
    }
}

fn group_error(
    connection: &Connection,
    api: &'static str,
    group_id: &str,
    code: i16,
    message: Option<&str>,
) -> ShardError {
    let detail = message.map(|m| format!(": {m}")).unwrap_or_default();
    ShardError {
        broker: None,
        api,
        error: kafka_error(
            connection,
            api,
            code,
            format!(" for group {group_id}{detail}"),
        ),
        subject: format!("group {group_id}"),
    }
}

/// Topic → partitions from a ConsumerGroupDescribe/ShareGroupDescribe
/// assignment, which names each topic as well as giving its id.
fn assignment_by_name<'a>(
    topics: impl Iterator<Item = (&'a str, &'a [i32])>,
) -> Vec<(String, Vec<i32>)> {
    let mut assignment: Vec<(String, Vec<i32>)> = topics
        .map(|(topic, partitions)| {
            let mut partitions = partitions.to_vec();
            partitions.sort_unstable();
            (topic.to_string(), partitions)
        })
        .collect();
    assignment.sort();
    assignment
}

async fn describe_consumer_groups(
    connection: &Connection,
    coordinator: i32,
    ids: Vec<String>,
) -> Result<Partial<Vec<DescribedGroup>>> {
    let request = ConsumerGroupDescribeRequest::default()
        .with_group_ids(ids.iter().map(|id| GroupId(str_bytes(id))).collect());
    let response = connection.send(&request).await?;
    let mut shard = Partial::<Vec<DescribedGroup>>::empty();
    for group in response.groups {
        let group_id = group.group_id.0.to_string();
        if group.error_code != 0 {
            let message = group.error_message.as_deref();
            shard.errors.push(group_error(
                connection,
                CONSUMER_DESCRIBE_API,
                &group_id,
                group.error_code,
                message,
            ));
            continue;
        }
        let topics =
            |a: &kafka_protocol::messages::consumer_group_describe_response::Assignment| {
                assignment_by_name(
                    a.topic_partitions
                        .iter()
                        .map(|t| (t.topic_name.0.as_str(), t.partitions.as_slice())),
                )
            };
        shard.value.push(DescribedGroup {
            group_id,
            group_type: GroupType::Consumer,
            state: group.group_state.to_string(),
            protocol_type: "consumer".to_string(),
            protocol: group.assignor_name.to_string(),
            coordinator,
            group_epoch: Some(group.group_epoch),
            assignment_epoch: Some(group.assignment_epoch),
            members: group
                .members
                .iter()
                .map(|m| DescribedMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.instance_id.as_ref().map(|s| s.to_string()),
                    client_id: m.client_id.to_string(),
                    client_host: m.client_host.to_string(),
                    assignment: topics(&m.assignment),
                    member_epoch: Some(m.member_epoch),
                    target_assignment: Some(topics(&m.target_assignment)),
                })
                .collect(),
            not_described: None,
        });
    }
    Ok(shard)
}

async fn describe_share_groups(
    connection: &Connection,
    coordinator: i32,
    ids: Vec<String>,
) -> Result<Partial<Vec<DescribedGroup>>> {
    let request = ShareGroupDescribeRequest::default()
        .with_group_ids(ids.iter().map(|id| GroupId(str_bytes(id))).collect());
    let response = connection.send(&request).await?;
    let mut shard = Partial::<Vec<DescribedGroup>>::empty();
    for group in response.groups {
        let group_id = group.group_id.0.to_string();
        if group.error_code != 0 {
            let message = group.error_message.as_deref();
            shard.errors.push(group_error(
                connection,
                SHARE_DESCRIBE_API,
                &group_id,
                group.error_code,
                message,
            ));
            continue;
        }
        shard.value.push(DescribedGroup {
            group_id,
            group_type: GroupType::Share,
            state: group.group_state.to_string(),
            protocol_type: "share".to_string(),
            protocol: group.assignor_name.to_string(),
            coordinator,
            group_epoch: Some(group.group_epoch),
            assignment_epoch: Some(group.assignment_epoch),
            members: group
                .members
                .iter()
                .map(|m| DescribedMember {
                    member_id: m.member_id.to_string(),
                    client_id: m.client_id.to_string(),
                    client_host: m.client_host.to_string(),
                    assignment: assignment_by_name(
                        m.assignment
                            .topic_partitions
                            .iter()
                            .map(|t| (t.topic_name.0.as_str(), t.partitions.as_slice())),
                    ),
                    member_epoch: Some(m.member_epoch),
                    ..DescribedMember::default()
                })
                .collect(),
            not_described: None,
        });
    }
    Ok(shard)
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
            shard.errors.push(group_error(
                connection,
                DESCRIBE_API,
                &group_id,
                group.error_code,
                None,
            ));
            continue;
        }
        let is_consumer = group.protocol_type.as_str() == "consumer";
        shard.value.push(DescribedGroup {
            group_id,
            group_type: GroupType::Classic,
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
                    ..DescribedMember::default()
                })
                .collect(),
            ..DescribedGroup::default()
        });
    }
    Ok(shard)
}
