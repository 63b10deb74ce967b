//! Request dispatch: one module per API key, all behind the [`Api`] trait.

mod api_versions;
mod describe_cluster;
mod describe_configs;
mod describe_groups;
mod describe_log_dirs;
mod fetch;
mod find_coordinator;
mod list_groups;
mod list_offsets;
mod metadata;
mod offset_fetch;
mod sasl_authenticate;
mod sasl_handshake;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::{Decodable, Encodable, Message, Request, StrBytes, VersionRange};

use crate::cluster_state::{BrokerSpec, FakeCluster};
use crate::sasl::SaslPhase;

pub(crate) use sasl_authenticate::raw_token;

/// Per-connection state that outlives a single request.
#[derive(Default)]
pub(crate) struct ConnState {
    pub sasl: SaslPhase,
    /// Set by a handler when Kafka would close the connection after this response.
    pub close_after: bool,
}

/// What a handler sees: the broker answering, a consistent view of the model, and the
/// connection it answers on.
pub(crate) struct Ctx<'a> {
    pub broker_id: i32,
    pub model: &'a FakeCluster,
    pub addrs: &'a BTreeMap<i32, SocketAddr>,
    pub down: &'a HashSet<i32>,
    pub conn: &'a mut ConnState,
}

/// What the server should do with the result of one request.
pub(crate) enum Outcome {
    /// A response body to prefix with a response header.
    Respond(BytesMut),
    /// A bare SASL token (SaslHandshake v0 mode), sent with only a size prefix.
    Raw(Bytes),
    /// Drop the connection without answering, as Kafka does for unparseable requests.
    Close,
}

/// One API key: how to answer it and how to answer it with an error everywhere.
pub(crate) trait Api {
    type Req: Request;
    fn handle(ctx: &mut Ctx, req: Self::Req, version: i16) -> <Self::Req as Request>::Response;
    /// The response Kafka sends when the whole request fails with `code`.
    fn error(req: &Self::Req, version: i16, code: i16) -> <Self::Req as Request>::Response;
}

/// APIs the fake implements; everything else closes the connection.
const IMPLEMENTED: &[ApiKey] = &[
    ApiKey::Fetch,
    ApiKey::ListOffsets,
    ApiKey::Metadata,
    ApiKey::OffsetFetch,
    ApiKey::FindCoordinator,
    ApiKey::DescribeGroups,
    ApiKey::ListGroups,
    ApiKey::SaslHandshake,
    ApiKey::ApiVersions,
    ApiKey::DescribeConfigs,
    ApiKey::DescribeLogDirs,
    ApiKey::SaslAuthenticate,
    ApiKey::DescribeCluster,
];

/// Versions kafka-protocol can both decode (request) and encode (response).
fn codec_range<R: Request>() -> VersionRange {
    R::VERSIONS.intersect(&<R::Response as Message>::VERSIONS)
}

fn library_range(key: ApiKey) -> Option<VersionRange> {
    use kafka_protocol::messages::*;
    Some(match key {
        ApiKey::Fetch => codec_range::<FetchRequest>(),
        ApiKey::ListOffsets => codec_range::<ListOffsetsRequest>(),
        ApiKey::Metadata => codec_range::<MetadataRequest>(),
        ApiKey::OffsetFetch => codec_range::<OffsetFetchRequest>(),
        ApiKey::FindCoordinator => codec_range::<FindCoordinatorRequest>(),
        ApiKey::DescribeGroups => codec_range::<DescribeGroupsRequest>(),
        ApiKey::ListGroups => codec_range::<ListGroupsRequest>(),
        ApiKey::SaslHandshake => codec_range::<SaslHandshakeRequest>(),
        ApiKey::ApiVersions => codec_range::<ApiVersionsRequest>(),
        ApiKey::DescribeConfigs => codec_range::<DescribeConfigsRequest>(),
        ApiKey::DescribeLogDirs => codec_range::<DescribeLogDirsRequest>(),
        ApiKey::SaslAuthenticate => codec_range::<SaslAuthenticateRequest>(),
        ApiKey::DescribeCluster => codec_range::<DescribeClusterRequest>(),
        _ => return None,
    })
}

impl Ctx<'_> {
    pub fn me(&self) -> Option<&BrokerSpec> {
        self.model.brokers.iter().find(|b| b.id == self.broker_id)
    }

    /// The versions this broker advertises for `key`, after its switches are applied.
    pub fn advertised(&self, key: ApiKey) -> Option<VersionRange> {
        let me = self.me();
        let hidden = me.is_some_and(|b| b.unsupported_apis.contains(&key));
        if hidden && key != ApiKey::ApiVersions {
            return None;
        }
        let mut range = library_range(key)?;
        if let Some(max) = me.and_then(|b| b.max_versions.get(&key)) {
            range.max = range.max.min(*max);
        }
        (!range.is_empty()).then_some(range)
    }

    /// Running brokers with their listener address, in model order.
    pub fn live_brokers(&self) -> impl Iterator<Item = (&BrokerSpec, SocketAddr)> {
        self.model.brokers.iter().filter_map(|b| {
            let addr = self.addrs.get(&b.id)?;
            (!self.down.contains(&b.id)).then_some((b, *addr))
        })
    }

    pub fn live_addr(&self, id: i32) -> Option<SocketAddr> {
        self.live_brokers()
            .find(|(b, _)| b.id == id)
            .map(|(_, a)| a)
    }
}

/// Answers one request whose header has already been consumed from `body`.
pub(crate) fn dispatch(ctx: &mut Ctx, key: ApiKey, version: i16, body: &mut Bytes) -> Outcome {
    match key {
        ApiKey::ApiVersions => api_versions::respond(ctx, version, body),
        ApiKey::Metadata => run::<metadata::Metadata>(ctx, version, body),
        ApiKey::ListOffsets => run::<list_offsets::ListOffsets>(ctx, version, body),
        ApiKey::FindCoordinator => run::<find_coordinator::FindCoordinator>(ctx, version, body),
        ApiKey::ListGroups => run::<list_groups::ListGroups>(ctx, version, body),
        ApiKey::DescribeGroups => run::<describe_groups::DescribeGroups>(ctx, version, body),
        ApiKey::OffsetFetch => run::<offset_fetch::OffsetFetch>(ctx, version, body),
        ApiKey::DescribeConfigs => run::<describe_configs::DescribeConfigs>(ctx, version, body),
        ApiKey::DescribeCluster => run::<describe_cluster::DescribeCluster>(ctx, version, body),
        ApiKey::DescribeLogDirs => run::<describe_log_dirs::DescribeLogDirs>(ctx, version, body),
        ApiKey::Fetch => run::<fetch::Fetch>(ctx, version, body),
        ApiKey::SaslHandshake => run::<sasl_handshake::SaslHandshake>(ctx, version, body),
        ApiKey::SaslAuthenticate => run::<sasl_authenticate::SaslAuthenticate>(ctx, version, body),
        _ => Outcome::Close,
    }
}

/// Decodes, answers (or rejects with UNSUPPORTED_VERSION) and encodes one request.
fn run<A: Api>(ctx: &mut Ctx, version: i16, body: &mut Bytes) -> Outcome {
    let range = codec_range::<A::Req>();
    if version < range.min || version > range.max {
        // Neither side of the codec knows this version: there is nothing we could answer.
        return Outcome::Close;
    }
    let Ok(req) = A::Req::decode(body, version) else {
        return Outcome::Close;
    };
    let key = ApiKey::try_from(A::Req::KEY).unwrap_or(ApiKey::ApiVersions);
    let allowed = ctx
        .advertised(key)
        .is_some_and(|r| r.min <= version && version <= r.max);
    let resp = if allowed {
        A::handle(ctx, req, version)
    } else {
        A::error(&req, version, ResponseError::UnsupportedVersion.code())
    };
    encode(&resp, version)
}

pub(crate) fn encode<M: Encodable>(msg: &M, version: i16) -> Outcome {
    let mut buf = BytesMut::new();
    match msg.encode(&mut buf, version) {
        Ok(()) => Outcome::Respond(buf),
        // A field set at a version that lacks it: a bug here, but never worth a panic.
        Err(e) => {
            eprintln!("kafkascope-fake-broker: cannot encode response v{version}: {e}");
            Outcome::Close
        }
    }
}

pub(crate) fn s(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}
