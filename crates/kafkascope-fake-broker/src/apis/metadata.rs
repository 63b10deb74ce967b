//! Metadata: live brokers, controller, cluster id and the requested topics.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};

use super::{Api, Ctx, s};
use crate::cluster_state::{FakeCluster, PartitionSpec, TopicSpec};

pub(super) struct Metadata;

impl Api for Metadata {
    type Req = MetadataRequest;

    fn handle(ctx: &mut Ctx, req: MetadataRequest, version: i16) -> MetadataResponse {
        // Down brokers vanish from the broker list, as fenced brokers do in KRaft.
        let brokers = ctx
            .live_brokers()
            .map(|(b, addr)| {
                MetadataResponseBroker::default()
                    .with_node_id(BrokerId(b.id))
                    .with_host(s(&addr.ip().to_string()))
                    .with_port(i32::from(addr.port()))
                    .with_rack(b.rack.as_deref().map(s))
            })
            .collect();
        MetadataResponse::default()
            .with_brokers(brokers)
            .with_cluster_id(Some(s(&ctx.model.cluster_id)))
            .with_controller_id(BrokerId(ctx.model.controller_id))
            .with_topics(topics(ctx.model, &req, version))
    }

    fn error(req: &MetadataRequest, version: i16, code: i16) -> MetadataResponse {
        let topics = req
            .topics
            .iter()
            .flatten()
            .map(|t| {
                MetadataResponseTopic::default()
                    .with_error_code(code)
                    .with_name(t.name.clone())
                    .with_topic_id(t.topic_id)
            })
            .collect();
        let resp = MetadataResponse::default().with_topics(topics);
        if version >= 13 {
            resp.with_error_code(code)
        } else {
            resp
        }
    }
}

fn topics(model: &FakeCluster, req: &MetadataRequest, version: i16) -> Vec<MetadataResponseTopic> {
    let wanted = match &req.topics {
        // v0 has no null array: an empty list there means "all topics".
        Some(list) if !(version == 0 && list.is_empty()) => list,
        _ => return model.topics.values().map(topic).collect(),
    };
    wanted
        .iter()
        .map(|t| match &t.name {
            Some(name) => match model.topics.get(name.0.as_str()) {
                Some(spec) => topic(spec),
                None => missing(
                    Some(name.clone()),
                    t.topic_id,
                    ResponseError::UnknownTopicOrPartition,
                ),
            },
            None => match model.topic_by_id(t.topic_id) {
                Some(spec) => topic(spec),
                // Names became nullable in v12; older versions need some string.
                None => {
                    let name = (version < 12).then(|| TopicName(s("")));
                    missing(name, t.topic_id, ResponseError::UnknownTopicId)
                }
            },
        })
        .collect()
}

fn missing(name: Option<TopicName>, id: uuid::Uuid, err: ResponseError) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_error_code(err.code())
        .with_name(name)
        .with_topic_id(id)
}

fn topic(spec: &TopicSpec) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(s(&spec.name))))
        .with_topic_id(FakeCluster::topic_id(&spec.name))
        .with_is_internal(spec.is_internal)
        .with_partitions(spec.partitions.iter().map(partition).collect())
}

fn partition(p: &PartitionSpec) -> MetadataResponsePartition {
    let error = if p.leader == -1 {
        ResponseError::LeaderNotAvailable.code()
    } else {
        0
    };
    MetadataResponsePartition::default()
        .with_error_code(error)
        .with_partition_index(p.index)
        .with_leader_id(BrokerId(p.leader))
        .with_leader_epoch(p.leader_epoch)
        .with_replica_nodes(ids(&p.replicas))
        .with_isr_nodes(ids(&p.isr))
        .with_offline_replicas(ids(&p.offline_replicas))
}

fn ids(list: &[i32]) -> Vec<BrokerId> {
    list.iter().copied().map(BrokerId).collect()
}
