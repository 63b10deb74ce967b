//! DescribeCluster: the live brokers, controller and cluster id.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};

use super::{Api, Ctx, s};

pub(super) struct DescribeCluster;

impl Api for DescribeCluster {
    type Req = DescribeClusterRequest;

    /// Always describes brokers (endpoint type 1): the fake has no separate controllers.
    fn handle(
        ctx: &mut Ctx,
        _req: DescribeClusterRequest,
        _version: i16,
    ) -> DescribeClusterResponse {
        let brokers = ctx
            .live_brokers()
            .map(|(b, addr)| {
                DescribeClusterBroker::default()
                    .with_broker_id(BrokerId(b.id))
                    .with_host(s(&addr.ip().to_string()))
                    .with_port(i32::from(addr.port()))
                    .with_rack(b.rack.as_deref().map(s))
            })
            .collect();
        DescribeClusterResponse::default()
            .with_cluster_id(s(&ctx.model.cluster_id))
            .with_controller_id(BrokerId(ctx.model.controller_id))
            .with_brokers(brokers)
    }

    fn error(_req: &DescribeClusterRequest, _version: i16, code: i16) -> DescribeClusterResponse {
        DescribeClusterResponse::default().with_error_code(code)
    }
}
