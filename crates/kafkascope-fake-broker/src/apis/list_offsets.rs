//! ListOffsets: earliest / latest offsets, answered only by the partition leader.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::list_offsets_request::ListOffsetsPartition;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};

use super::{Api, Ctx};
use crate::cluster_state::PartitionSpec;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const EARLIEST_LOCAL: i64 = -4;
const EARLIEST_TIERED: i64 = -5;
const READ_COMMITTED: i8 = 1;

pub(super) struct ListOffsets;

impl Api for ListOffsets {
    type Req = ListOffsetsRequest;

    fn handle(ctx: &mut Ctx, req: ListOffsetsRequest, version: i16) -> ListOffsetsResponse {
        let topics = req
            .topics
            .into_iter()
            .map(|t| {
                let spec = ctx.model.topics.get(t.name.0.as_str());
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| {
                        let part = spec.and_then(|s| {
                            s.partitions.iter().find(|x| x.index == p.partition_index)
                        });
                        answer(ctx.broker_id, part, p, req.isolation_level, version)
                    })
                    .collect();
                ListOffsetsTopicResponse::default()
                    .with_name(t.name)
                    .with_partitions(partitions)
            })
            .collect();
        ListOffsetsResponse::default().with_topics(topics)
    }

    fn error(req: &ListOffsetsRequest, _version: i16, code: i16) -> ListOffsetsResponse {
        let topics = req
            .topics
            .iter()
            .map(|t| {
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| failed(p.partition_index, code))
                    .collect();
                ListOffsetsTopicResponse::default()
                    .with_name(t.name.clone())
                    .with_partitions(partitions)
            })
            .collect();
        ListOffsetsResponse::default().with_topics(topics)
    }
}

fn answer(
    me: i32,
    part: Option<&PartitionSpec>,
    req: &ListOffsetsPartition,
    isolation: i8,
    version: i16,
) -> ListOffsetsPartitionResponse {
    let index = req.partition_index;
    let Some(part) = part else {
        return failed(index, ResponseError::UnknownTopicOrPartition.code());
    };
    if let Some(err) = leader_error(me, part, req.current_leader_epoch) {
        return failed(index, err.code());
    }
    let offset = match req.timestamp {
        EARLIEST | EARLIEST_LOCAL | EARLIEST_TIERED => part.log_start_offset,
        LATEST if isolation == READ_COMMITTED => part.stable_offset(),
        LATEST => part.high_watermark,
        // The fake holds no records, so no record matches a timestamp lookup.
        _ => -1,
    };
    let resp = ListOffsetsPartitionResponse::default()
        .with_partition_index(index)
        .with_offset(offset);
    // leader_epoch only exists from v4; the encoder rejects it earlier.
    if version >= 4 {
        resp.with_leader_epoch(part.leader_epoch)
    } else {
        resp
    }
}

/// Kafka's leader checks: only the leader answers, and a client with a stale or future
/// epoch (v4+, -1 = unchecked) is told so.
pub(super) fn leader_error(
    me: i32,
    part: &PartitionSpec,
    client_epoch: i32,
) -> Option<ResponseError> {
    if part.leader != me {
        Some(ResponseError::NotLeaderOrFollower)
    } else if client_epoch != -1 && client_epoch < part.leader_epoch {
        Some(ResponseError::FencedLeaderEpoch)
    } else if client_epoch > part.leader_epoch {
        Some(ResponseError::UnknownLeaderEpoch)
    } else {
        None
    }
}

fn failed(index: i32, code: i16) -> ListOffsetsPartitionResponse {
    ListOffsetsPartitionResponse::default()
        .with_partition_index(index)
        .with_error_code(code)
}
