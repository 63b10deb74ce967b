//! FindCoordinator: one key (v0-3) or a batch of keys (v4+) to their coordinator.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::StrBytes;

use super::{Api, Ctx, s};

const BATCHED_FROM: i16 = 4;

pub(super) struct FindCoordinator;

/// Where a key's coordinator lives, or the error Kafka gives when it is not reachable.
struct Found {
    node_id: i32,
    host: String,
    port: i32,
    error_code: i16,
}

impl Api for FindCoordinator {
    type Req = FindCoordinatorRequest;

    fn handle(ctx: &mut Ctx, req: FindCoordinatorRequest, version: i16) -> FindCoordinatorResponse {
        if version >= BATCHED_FROM {
            let coordinators = req
                .coordinator_keys
                .into_iter()
                .map(|key| {
                    let found = lookup(ctx, key.as_str());
                    batched(key, found)
                })
                .collect();
            return FindCoordinatorResponse::default().with_coordinators(coordinators);
        }
        let found = lookup(ctx, req.key.as_str());
        FindCoordinatorResponse::default()
            .with_error_code(found.error_code)
            .with_error_message(None)
            .with_node_id(BrokerId(found.node_id))
            .with_host(s(&found.host))
            .with_port(found.port)
    }

    fn error(req: &FindCoordinatorRequest, version: i16, code: i16) -> FindCoordinatorResponse {
        let failed = || Found {
            node_id: -1,
            host: String::new(),
            port: -1,
            error_code: code,
        };
        if version >= BATCHED_FROM {
            let coordinators = req
                .coordinator_keys
                .iter()
                .map(|key| batched(key.clone(), failed()))
                .collect();
            return FindCoordinatorResponse::default().with_coordinators(coordinators);
        }
        FindCoordinatorResponse::default()
            .with_error_code(code)
            .with_node_id(BrokerId(-1))
            .with_port(-1)
    }
}

/// Groups and transactional ids share one placement rule; a coordinator that is down
/// yields COORDINATOR_NOT_AVAILABLE like a leaderless `__consumer_offsets` partition.
fn lookup(ctx: &Ctx, key: &str) -> Found {
    let addr = ctx
        .model
        .coordinator_of(key)
        .and_then(|id| Some((id, ctx.live_addr(id)?)));
    match addr {
        Some((id, addr)) => Found {
            node_id: id,
            host: addr.ip().to_string(),
            port: i32::from(addr.port()),
            error_code: 0,
        },
        None => Found {
            node_id: -1,
            host: String::new(),
            port: -1,
            error_code: ResponseError::CoordinatorNotAvailable.code(),
        },
    }
}

fn batched(key: StrBytes, found: Found) -> Coordinator {
    Coordinator::default()
        .with_key(key)
        .with_node_id(BrokerId(found.node_id))
        .with_host(s(&found.host))
        .with_port(found.port)
        .with_error_code(found.error_code)
        .with_error_message(None)
}
