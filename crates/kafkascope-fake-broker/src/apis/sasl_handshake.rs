//! SaslHandshake: picks the mechanism and lists the enabled ones.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::{SaslHandshakeRequest, SaslHandshakeResponse};

use super::{Api, Ctx, s};
use crate::sasl::{self, SaslPhase};

pub(super) struct SaslHandshake;

impl Api for SaslHandshake {
    type Req = SaslHandshakeRequest;

    fn handle(ctx: &mut Ctx, req: SaslHandshakeRequest, version: i16) -> SaslHandshakeResponse {
        // Kafka answers ILLEGAL_SASL_STATE on a listener without SASL.
        let Some(spec) = &ctx.model.sasl else {
            return Self::error(&req, version, ResponseError::IllegalSaslState.code());
        };
        let enabled = spec.mechanisms.iter().map(|m| s(m)).collect();
        let resp = SaslHandshakeResponse::default().with_mechanisms(enabled);
        if !matches!(ctx.conn.sasl, SaslPhase::AwaitHandshake) {
            ctx.conn.close_after = true;
            return resp.with_error_code(ResponseError::IllegalSaslState.code());
        }
        let mechanism = req.mechanism.as_str();
        let Some(session) = sasl::start(spec, mechanism) else {
            // Kafka sends the enabled list, then drops the connection.
            ctx.conn.close_after = true;
            return resp.with_error_code(ResponseError::UnsupportedSaslMechanism.code());
        };
        ctx.conn.sasl = SaslPhase::Exchanging {
            session: Box::new(session),
            mechanism: mechanism.to_owned(),
            raw: version == 0,
        };
        resp
    }

    fn error(_req: &SaslHandshakeRequest, _version: i16, code: i16) -> SaslHandshakeResponse {
        SaslHandshakeResponse::default().with_error_code(code)
    }
}
