//! ApiVersions: the advertised version table, with Kafka's v0 fallback for new clients.

use bytes::Bytes;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, ApiVersionsResponse};
use kafka_protocol::protocol::Decodable;

use super::{Ctx, IMPLEMENTED, Outcome, encode};

/// Answers ApiVersions. A version above what this broker supports gets
/// UNSUPPORTED_VERSION with the key table encoded as v0, which every client can read, so
/// the client can retry with a version from the table (this is what Kafka does).
pub(super) fn respond(ctx: &mut Ctx, version: i16, body: &mut Bytes) -> Outcome {
    let Some(range) = ctx.advertised(ApiKey::ApiVersions) else {
        return Outcome::Close;
    };
    if version > range.max {
        let resp = ApiVersionsResponse::default()
            .with_error_code(ResponseError::UnsupportedVersion.code())
            .with_api_keys(table(ctx));
        return encode(&resp, 0);
    }
    if version < range.min || ApiVersionsRequest::decode(body, version).is_err() {
        return Outcome::Close;
    }
    let resp = ApiVersionsResponse::default().with_api_keys(table(ctx));
    encode(&resp, version)
}

fn table(ctx: &Ctx) -> Vec<ApiVersion> {
    let mut keys: Vec<ApiVersion> = IMPLEMENTED
        .iter()
        .filter_map(|&key| {
            let range = ctx.advertised(key)?;
            Some(
                ApiVersion::default()
                    .with_api_key(key as i16)
                    .with_min_version(range.min)
                    .with_max_version(range.max),
            )
        })
        .collect();
    keys.sort_by_key(|k| k.api_key);
    keys
}
