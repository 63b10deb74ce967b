//! SaslAuthenticate: one SASL token per request, checked by the rsasl server session.

use bytes::Bytes;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslAuthenticateResponse};

use super::{Api, Ctx, Outcome, s};
use crate::sasl::{self, SaslPhase, Step};

pub(super) struct SaslAuthenticate;

impl Api for SaslAuthenticate {
    type Req = SaslAuthenticateRequest;

    fn handle(
        ctx: &mut Ctx,
        req: SaslAuthenticateRequest,
        version: i16,
    ) -> SaslAuthenticateResponse {
        let SaslPhase::Exchanging {
            session,
            mechanism,
            raw: false,
        } = &mut ctx.conn.sasl
        else {
            // No SASL, no handshake yet, or already done: Kafka rejects and, with SASL
            // enabled, closes the connection.
            ctx.conn.close_after = ctx.model.sasl.is_some();
            return Self::error(&req, version, ResponseError::IllegalSaslState.code());
        };
        match sasl::step(session, mechanism, &req.auth_bytes) {
            Step::Continue(bytes) => ok(bytes),
            Step::Done(bytes) => {
                ctx.conn.sasl = SaslPhase::Authenticated;
                ok(bytes)
            }
            Step::Failed(msg) => {
                ctx.conn.close_after = true;
                SaslAuthenticateResponse::default()
                    .with_error_code(ResponseError::SaslAuthenticationFailed.code())
                    .with_error_message(Some(s(&msg)))
            }
        }
    }

    fn error(_req: &SaslAuthenticateRequest, _version: i16, code: i16) -> SaslAuthenticateResponse {
        SaslAuthenticateResponse::default()
            .with_error_code(code)
            .with_error_message(Some(s("Unexpected SaslAuthenticate request")))
    }
}

fn ok(bytes: Vec<u8>) -> SaslAuthenticateResponse {
    SaslAuthenticateResponse::default()
        .with_error_message(None)
        .with_auth_bytes(Bytes::from(bytes))
}

/// After a v0 handshake tokens arrive as bare size-prefixed frames and are answered the
/// same way; a failure simply closes the connection, as Kafka does.
pub(crate) fn raw_token(ctx: &mut Ctx, token: &[u8]) -> Outcome {
    let SaslPhase::Exchanging {
        session, mechanism, ..
    } = &mut ctx.conn.sasl
    else {
        return Outcome::Close;
    };
    match sasl::step(session, mechanism, token) {
        Step::Continue(bytes) => Outcome::Raw(Bytes::from(bytes)),
        Step::Done(bytes) => {
            ctx.conn.sasl = SaslPhase::Authenticated;
            Outcome::Raw(Bytes::from(bytes))
        }
        Step::Failed(_) => Outcome::Close,
    }
}
