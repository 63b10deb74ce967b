//! OffsetFetch: committed offsets, one group (v1-7) or many groups (v8+) per request.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{GroupId, OffsetFetchRequest, OffsetFetchResponse, TopicName};

use super::{Api, Ctx, s};

const GROUPS_FROM: i16 = 8;
const TOP_LEVEL_ERROR_FROM: i16 = 2;
/// Committed offset reported for a partition without a commit.
const NO_OFFSET: i64 = -1;

/// (topic, [(partition, offset)]) rows, version independent.
type Rows = Vec<(String, Vec<(i32, i64)>)>;
/// The requested (topic, partitions), or `None` for "everything committed".
type Wanted = Option<Vec<(String, Vec<i32>)>>;

pub(super) struct OffsetFetch;

impl Api for OffsetFetch {
    type Req = OffsetFetchRequest;

    fn handle(ctx: &mut Ctx, req: OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
        if version >= GROUPS_FROM {
            let groups = req
                .groups
                .iter()
                .map(|g| {
                    let wanted = g.topics.as_ref().map(|ts| {
                        ts.iter()
                            .map(|t| (t.name.0.to_string(), t.partition_indexes.clone()))
                            .collect()
                    });
                    group_result(ctx, &g.group_id, wanted)
                })
                .collect();
            return OffsetFetchResponse::default().with_groups(groups);
        }
        let wanted: Wanted = req.topics.as_ref().map(|ts| {
            ts.iter()
                .map(|t| (t.name.0.to_string(), t.partition_indexes.clone()))
                .collect()
        });
        if !is_coordinator(ctx, &req.group_id) {
            return single_error(&req, version, ResponseError::NotCoordinator.code());
        }
        let rows = lookup(ctx, &req.group_id, wanted);
        OffsetFetchResponse::default().with_topics(single_topics(rows, 0))
    }

    fn error(req: &OffsetFetchRequest, version: i16, code: i16) -> OffsetFetchResponse {
        if version >= GROUPS_FROM {
            let groups = req
                .groups
                .iter()
                .map(|g| failed_group(&g.group_id, code))
                .collect();
            return OffsetFetchResponse::default().with_groups(groups);
        }
        single_error(req, version, code)
    }
}

fn is_coordinator(ctx: &Ctx, group: &GroupId) -> bool {
    ctx.model.coordinator_of(group.0.as_str()) == Some(ctx.broker_id)
}

fn group_result(ctx: &Ctx, id: &GroupId, wanted: Wanted) -> OffsetFetchResponseGroup {
    if !is_coordinator(ctx, id) {
        return failed_group(id, ResponseError::NotCoordinator.code());
    }
    let topics = lookup(ctx, id, wanted)
        .into_iter()
        .map(|(name, parts)| {
            let partitions = parts
                .into_iter()
                .map(|(p, off)| {
                    OffsetFetchResponsePartitions::default()
                        .with_partition_index(p)
                        .with_committed_offset(off)
                })
                .collect();
            OffsetFetchResponseTopics::default()
                .with_name(TopicName(s(&name)))
                .with_partitions(partitions)
        })
        .collect();
    OffsetFetchResponseGroup::default()
        .with_group_id(id.clone())
        .with_topics(topics)
}

fn failed_group(id: &GroupId, code: i16) -> OffsetFetchResponseGroup {
    OffsetFetchResponseGroup::default()
        .with_group_id(id.clone())
        .with_error_code(code)
}

/// v2-7 carry a top-level error code; v1 only has per-partition codes, so the error is
/// repeated on every requested partition there.
fn single_error(req: &OffsetFetchRequest, version: i16, code: i16) -> OffsetFetchResponse {
    if version >= TOP_LEVEL_ERROR_FROM {
        return OffsetFetchResponse::default().with_error_code(code);
    }
    let rows = req
        .topics
        .iter()
        .flatten()
        .map(|t| {
            let parts = t
                .partition_indexes
                .iter()
                .map(|&p| (p, NO_OFFSET))
                .collect();
            (t.name.0.to_string(), parts)
        })
        .collect();
    OffsetFetchResponse::default().with_topics(single_topics(rows, code))
}

fn single_topics(rows: Rows, code: i16) -> Vec<OffsetFetchResponseTopic> {
    rows.into_iter()
        .map(|(name, parts)| {
            let partitions = parts
                .into_iter()
                .map(|(p, off)| {
                    OffsetFetchResponsePartition::default()
                        .with_partition_index(p)
                        .with_committed_offset(off)
                        .with_error_code(code)
                })
                .collect();
            OffsetFetchResponseTopic::default()
                .with_name(TopicName(s(&name)))
                .with_partitions(partitions)
        })
        .collect()
}

/// Committed offsets of a group: everything it committed when `wanted` is `None`,
/// otherwise each requested partition with -1 where nothing was committed. Unknown groups
/// simply have no commits, as in Kafka.
fn lookup(ctx: &Ctx, group: &GroupId, wanted: Wanted) -> Rows {
    let offsets = ctx.model.groups.get(group.0.as_str()).map(|g| &g.offsets);
    let Some(wanted) = wanted else {
        let mut rows: Rows = Vec::new();
        for ((topic, p), off) in offsets.into_iter().flatten() {
            match rows.last_mut() {
                Some((t, parts)) if t == topic => parts.push((*p, *off)),
                _ => rows.push((topic.clone(), vec![(*p, *off)])),
            }
        }
        return rows;
    };
    wanted
        .into_iter()
        .map(|(topic, parts)| {
            let found = parts
                .into_iter()
                .map(|p| {
                    let off = offsets.and_then(|o| o.get(&(topic.clone(), p)));
                    (p, off.copied().unwrap_or(NO_OFFSET))
                })
                .collect();
            (topic, found)
        })
        .collect()
}
