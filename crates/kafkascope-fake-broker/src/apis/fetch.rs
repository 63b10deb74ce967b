//! Fetch: offsets, errors and the record batches of each partition's declared log.
//!
//! Bytes are limited as Kafka limits them: each partition gets at most
//! `partition_max_bytes` of the request's remaining `max_bytes`, cut at that byte even
//! mid-batch, except that the first partition to return data gets at least its whole first
//! batch. Only data below the high watermark is served (a read_uncommitted consumer's
//! view). The fake answers at once instead of waiting `max_wait_ms` for new data.

use bytes::{Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::fetch_response::{
    FetchableTopicResponse, LeaderIdAndEpoch, PartitionData,
};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse};

use super::list_offsets::leader_error;
use super::{Api, Ctx};
use crate::cluster_state::{FakeCluster, PartitionSpec, TopicSpec};

/// Fetch v13 switched from topic names to topic ids.
const TOPIC_IDS_FROM: i16 = 13;
const TOP_LEVEL_ERROR_FROM: i16 = 7;
const CURRENT_LEADER_FROM: i16 = 12;

pub(super) struct Fetch;

impl Api for Fetch {
    type Req = FetchRequest;

    fn handle(ctx: &mut Ctx, req: FetchRequest, version: i16) -> FetchResponse {
        let mut budget = Budget {
            remaining: usize::try_from(req.max_bytes).unwrap_or(0),
            min_one_batch: true,
        };
        let responses = req
            .topics
            .iter()
            .map(|t| {
                let spec = find_topic(ctx.model, t, version);
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| answer(ctx.broker_id, spec, p, version, &mut budget))
                    .collect();
                echo(t).with_partitions(partitions)
            })
            .collect();
        FetchResponse::default().with_responses(responses)
    }

    fn error(req: &FetchRequest, version: i16, code: i16) -> FetchResponse {
        if version >= TOP_LEVEL_ERROR_FROM {
            return FetchResponse::default().with_error_code(code);
        }
        let responses = req
            .topics
            .iter()
            .map(|t| {
                let partitions = t
                    .partitions
                    .iter()
                    .map(|p| failed(p.partition, code))
                    .collect();
                echo(t).with_partitions(partitions)
            })
            .collect();
        FetchResponse::default().with_responses(responses)
    }
}

fn find_topic<'a>(model: &'a FakeCluster, t: &FetchTopic, version: i16) -> Option<&'a TopicSpec> {
    if version >= TOPIC_IDS_FROM {
        model.topic_by_id(t.topic_id)
    } else {
        model.topics.get(t.topic.0.as_str())
    }
}

fn echo(t: &FetchTopic) -> FetchableTopicResponse {
    FetchableTopicResponse::default()
        .with_topic(t.topic.clone())
        .with_topic_id(t.topic_id)
}

/// What is left of the request's `max_bytes`, and whether no partition has returned data
/// yet (Kafka's "at least one batch" applies to that first one only).
struct Budget {
    remaining: usize,
    min_one_batch: bool,
}

fn answer(
    me: i32,
    topic: Option<&TopicSpec>,
    req: &FetchPartition,
    version: i16,
    budget: &mut Budget,
) -> PartitionData {
    let index = req.partition;
    let Some(topic) = topic else {
        let err = if version >= TOPIC_IDS_FROM {
            ResponseError::UnknownTopicId
        } else {
            ResponseError::UnknownTopicOrPartition
        };
        return failed(index, err.code());
    };
    let Some(part) = topic.partitions.iter().find(|p| p.index == index) else {
        return failed(index, ResponseError::UnknownTopicOrPartition.code());
    };
    if let Some(err) = leader_error(me, part, req.current_leader_epoch) {
        return with_leader(failed(index, err.code()), part, version);
    }
    let in_range = (part.log_start_offset..=part.high_watermark).contains(&req.fetch_offset);
    let (code, records) = if in_range {
        (0, records_from(part, req, budget))
    } else {
        (ResponseError::OffsetOutOfRange.code(), Bytes::new())
    };
    PartitionData::default()
        .with_partition_index(index)
        .with_error_code(code)
        .with_high_watermark(part.high_watermark)
        .with_last_stable_offset(part.stable_offset())
        .with_log_start_offset(part.log_start_offset)
        .with_records(Some(records))
}

/// The log's bytes from the batch holding `fetch_offset`, cut as Kafka cuts a file slice.
fn records_from(part: &PartitionSpec, req: &FetchPartition, budget: &mut Budget) -> Bytes {
    let mut batches = part
        .log
        .iter()
        .filter(|b| b.last_offset() >= req.fetch_offset && b.end_offset() <= part.high_watermark)
        .map(|b| b.encode());
    let Some(first) = batches.next() else {
        return Bytes::new();
    };
    let mut limit = usize::try_from(req.partition_max_bytes)
        .unwrap_or(0)
        .min(budget.remaining);
    if budget.min_one_batch {
        limit = limit.max(first.len());
    }
    let mut log = BytesMut::from(first.as_ref());
    for batch in batches {
        if log.len() >= limit {
            break;
        }
        log.extend_from_slice(&batch);
    }
    log.truncate(limit);
    if !log.is_empty() {
        budget.min_one_batch = false;
        budget.remaining = budget.remaining.saturating_sub(log.len());
    }
    log.freeze()
}

/// From v12 Kafka tells a misdirected client who the leader is.
fn with_leader(data: PartitionData, part: &PartitionSpec, version: i16) -> PartitionData {
    if version < CURRENT_LEADER_FROM {
        return data;
    }
    data.with_current_leader(
        LeaderIdAndEpoch::default()
            .with_leader_id(BrokerId(part.leader))
            .with_leader_epoch(part.leader_epoch),
    )
}

fn failed(index: i32, code: i16) -> PartitionData {
    PartitionData::default()
        .with_partition_index(index)
        .with_error_code(code)
        .with_high_watermark(-1)
        .with_last_stable_offset(-1)
        .with_log_start_offset(-1)
        .with_records(Some(Bytes::new()))
}
