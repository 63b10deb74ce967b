//! DescribeGroups: state and members with consumer-protocol encoded assignments.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedPartition;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, DescribeGroupsRequest,
    DescribeGroupsResponse, GroupId, TopicName,
};
use kafka_protocol::protocol::Encodable;

use super::{Api, Ctx, s};
use crate::cluster_state::{GroupSpec, MemberSpec};

/// From v6 Kafka reports unknown groups as GROUP_ID_NOT_FOUND instead of "Dead".
const NOT_FOUND_FROM: i16 = 6;

pub(super) struct DescribeGroups;

impl Api for DescribeGroups {
    type Req = DescribeGroupsRequest;

    fn handle(ctx: &mut Ctx, req: DescribeGroupsRequest, version: i16) -> DescribeGroupsResponse {
        let groups = req
            .groups
            .into_iter()
            .map(|id| describe(ctx, id, version))
            .collect();
        DescribeGroupsResponse::default().with_groups(groups)
    }

    fn error(req: &DescribeGroupsRequest, _version: i16, code: i16) -> DescribeGroupsResponse {
        let groups = req
            .groups
            .iter()
            .map(|id| failed(id.clone(), code, None))
            .collect();
        DescribeGroupsResponse::default().with_groups(groups)
    }
}

fn describe(ctx: &Ctx, id: GroupId, version: i16) -> DescribedGroup {
    if ctx.model.coordinator_of(id.0.as_str()) != Some(ctx.broker_id) {
        return failed(id, ResponseError::NotCoordinator.code(), None);
    }
    let Some(group) = ctx.model.groups.get(id.0.as_str()) else {
        if version >= NOT_FOUND_FROM {
            let msg = format!("Group {} not found.", id.0.as_str());
            return failed(id, ResponseError::GroupIdNotFound.code(), Some(msg));
        }
        return failed(id, 0, None).with_group_state(s("Dead"));
    };
    DescribedGroup::default()
        .with_group_id(id)
        .with_group_state(s(&group.state))
        .with_protocol_type(s(&group.protocol_type))
        .with_protocol_data(s(&group.protocol))
        .with_members(group.members.iter().map(|m| member(group, m)).collect())
}

fn failed(id: GroupId, code: i16, message: Option<String>) -> DescribedGroup {
    DescribedGroup::default()
        .with_group_id(id)
        .with_error_code(code)
        .with_error_message(message.as_deref().map(s))
}

fn member(group: &GroupSpec, m: &MemberSpec) -> DescribedGroupMember {
    DescribedGroupMember::default()
        .with_member_id(s(&m.member_id))
        .with_client_id(s(&m.client_id))
        .with_client_host(s(&m.client_host))
        .with_member_metadata(subscription(group, m))
        .with_member_assignment(assignment(group, m))
}

/// The member's assignment as the Java consumer writes it: a 2-byte version prefix, then
/// a ConsumerProtocolAssignment at that version.
fn assignment(group: &GroupSpec, m: &MemberSpec) -> Bytes {
    let partitions = m
        .assignment
        .iter()
        .map(|(topic, parts)| {
            TopicPartition::default()
                .with_topic(TopicName(s(topic)))
                .with_partitions(parts.clone())
        })
        .collect();
    let body = ConsumerProtocolAssignment::default().with_assigned_partitions(partitions);
    prefixed(&body, group.assignment_version)
}

/// The subscription metadata: the member subscribes to the topics it is assigned and
/// (from v1) owns those partitions.
fn subscription(group: &GroupSpec, m: &MemberSpec) -> Bytes {
    let topics = m.assignment.iter().map(|(t, _)| s(t)).collect();
    let version = group.assignment_version;
    let mut body = ConsumerProtocolSubscription::default().with_topics(topics);
    if version >= 1 {
        body.owned_partitions = m
            .assignment
            .iter()
            .map(|(t, p)| {
                OwnedPartition::default()
                    .with_topic(TopicName(s(t)))
                    .with_partitions(p.clone())
            })
            .collect();
    }
    prefixed(&body, version)
}

fn prefixed<M: Encodable>(msg: &M, version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    // An out-of-range version in the model yields just the prefix, never a panic.
    let _ = msg.encode(&mut buf, version);
    buf.freeze()
}
