//! DescribeLogDirs: one log dir holding every replica this broker hosts.

use kafka_protocol::messages::describe_log_dirs_response::{
    DescribeLogDirsPartition, DescribeLogDirsResult, DescribeLogDirsTopic,
};
use kafka_protocol::messages::{DescribeLogDirsRequest, DescribeLogDirsResponse, TopicName};

use super::{Api, Ctx, s};
use crate::cluster_state::TopicSpec;

/// The single log directory every fake broker reports.
pub const LOG_DIR: &str = "/var/lib/kafka/data";
const TOP_LEVEL_ERROR_FROM: i16 = 3;

pub(super) struct DescribeLogDirs;

impl Api for DescribeLogDirs {
    type Req = DescribeLogDirsRequest;

    fn handle(
        ctx: &mut Ctx,
        req: DescribeLogDirsRequest,
        _version: i16,
    ) -> DescribeLogDirsResponse {
        let topics = ctx
            .model
            .topics
            .values()
            .filter_map(|t| hosted(ctx.broker_id, t, &req))
            .collect();
        let dir = DescribeLogDirsResult::default()
            .with_log_dir(s(LOG_DIR))
            .with_topics(topics);
        DescribeLogDirsResponse::default().with_results(vec![dir])
    }

    fn error(_req: &DescribeLogDirsRequest, version: i16, code: i16) -> DescribeLogDirsResponse {
        if version >= TOP_LEVEL_ERROR_FROM {
            return DescribeLogDirsResponse::default().with_error_code(code);
        }
        let dir = DescribeLogDirsResult::default()
            .with_log_dir(s(LOG_DIR))
            .with_error_code(code);
        DescribeLogDirsResponse::default().with_results(vec![dir])
    }
}

/// The partitions of `topic` with a replica on `me` that the request asks for
/// (`topics` = null means all).
fn hosted(
    me: i32,
    topic: &TopicSpec,
    req: &DescribeLogDirsRequest,
) -> Option<DescribeLogDirsTopic> {
    let filter = match &req.topics {
        None => None,
        Some(list) => Some(
            &list
                .iter()
                .find(|t| t.topic.0.as_str() == topic.name)?
                .partitions,
        ),
    };
    let partitions: Vec<_> = topic
        .partitions
        .iter()
        .filter(|p| p.replicas.contains(&me) && !p.offline_replicas.contains(&me))
        .filter(|p| filter.is_none_or(|f| f.contains(&p.index)))
        .map(|p| {
            DescribeLogDirsPartition::default()
                .with_partition_index(p.index)
                .with_partition_size(p.size_bytes)
        })
        .collect();
    (!partitions.is_empty()).then(|| {
        DescribeLogDirsTopic::default()
            .with_name(TopicName(s(&topic.name)))
            .with_partitions(partitions)
    })
}
