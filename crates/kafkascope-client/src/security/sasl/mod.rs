//! SASL authentication over SaslHandshake / SaslAuthenticate (KIP-43,
//! KIP-152).
//!
//! After ApiVersions the client sends SaslHandshake v1 naming its mechanism;
//! the broker answers with its enabled mechanisms. Every SASL message then
//! travels as the `auth_bytes` of a SaslAuthenticate request, so the broker
//! can answer a failure with an error code and message instead of closing the
//! socket. PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER are implemented here
//! (client side only): [`plain`], [`scram`] and [`oauthbearer`].

pub mod oauthbearer;
pub mod plain;
pub mod scram;

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
};
use kafka_protocol::protocol::StrBytes;

use crate::config::{SaslMechanism, SaslSettings};
use crate::connection::Connection;
use crate::error::{ClientError, Result};
use oauthbearer::Token;
use scram::{ScramClient, ScramClientFinal, ScramHash};

/// Kafka's UNSUPPORTED_SASL_MECHANISM error code.
const UNSUPPORTED_SASL_MECHANISM: i16 = 33;

/// What the broker said about an authenticated session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaslSession {
    /// KIP-368: when set, the broker closes the connection once this has
    /// passed unless the client re-authenticates; kafkascope reconnects
    /// instead. `None` when the broker sets no limit (or speaks
    /// SaslAuthenticate v0).
    pub session_lifetime: Option<Duration>,
}

/// Authenticates `connection` as `settings` say; see [`authenticate_session`].
pub async fn authenticate(connection: &Connection, settings: &SaslSettings) -> Result<()> {
    authenticate_session(connection, settings).await.map(|_| ())
}

/// Runs the SaslHandshake and SaslAuthenticate exchange on a connection that
/// has negotiated versions and sent nothing else.
///
/// Failures are [`ClientError::Sasl`]: the mechanism not enabled (listing
/// the broker's), the broker's error code and message on rejected
/// credentials, a SCRAM server that cannot prove it knows them, or an
/// OAUTHBEARER token that could not be had (naming its source).
/// Transport failures (timeouts, closed sockets) keep their own kinds.
pub async fn authenticate_session(
    connection: &Connection,
    settings: &SaslSettings,
) -> Result<SaslSession> {
    let mechanism = settings.mechanism.kafka_name();
    let sasl_error = |reason: String| ClientError::Sasl {
        addr: connection.addr().to_string(),
        mechanism: mechanism.to_string(),
        reason,
    };
    // Before the handshake: a token endpoint that cannot be reached is
    // reported as such, not as a half-done exchange the broker times out.
    let token = match settings.mechanism {
        SaslMechanism::OAuthBearer(tokens) => Some(tokens.token().await.map_err(sasl_error)?),
        _ => None,
    };
    handshake(connection, mechanism)
        .await
        .map_err(|e| match e {
            Failure::Sasl(reason) => sasl_error(reason),
            Failure::Client(e) => e,
        })?;
    let version = connection
        .version_for::<SaslAuthenticateRequest>(None)
        .map_err(|e| {
            sasl_error(format!(
                "broker does not offer SaslAuthenticate ({e}); SASL needs Kafka 1.0 or later"
            ))
        })?;

    let mut exchange = Exchange::start(settings, token).map_err(sasl_error)?;
    let mut outgoing = exchange.initial_response();
    loop {
        let request = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(outgoing));
        let response = connection.send_at(&request, version).await?;
        check_authenticate_response(&response)
            .map_err(|reason| sasl_error(exchange.explain_failure(reason)))?;
        let next = exchange.step(&response.auth_bytes);
        match next.map_err(|reason| sasl_error(exchange.explain_failure(reason)))? {
            Some(next) => outgoing = next,
            None => {
                let session = SaslSession {
                    session_lifetime: (response.session_lifetime_ms > 0)
                        .then(|| Duration::from_millis(response.session_lifetime_ms as u64)),
                };
                tracing::debug!(
                    addr = connection.addr(),
                    mechanism,
                    user = exchange.principal().unwrap_or(&settings.username),
                    session_lifetime = ?session.session_lifetime,
                    "SASL authenticated"
                );
                return Ok(session);
            }
        }
    }
}

enum Failure {
    Sasl(String),
    Client(ClientError),
}

/// SaslHandshake v1: v0 would mean the pre-KIP-152 framing, where SASL
/// tokens go over the socket raw, which kafkascope does not speak.
async fn handshake(connection: &Connection, mechanism: &str) -> std::result::Result<(), Failure> {
    let version = connection
        .version_for::<SaslHandshakeRequest>(Some(1))
        .map_err(|e| Failure::Sasl(format!("broker does not offer SaslHandshake: {e}")))?;
    if version < 1 {
        return Err(Failure::Sasl(format!(
            "broker only speaks SaslHandshake v0 ({}); SaslAuthenticate framing needs v1 (Kafka 1.0+)",
            connection
                .api_versions()
                .offered(<SaslHandshakeRequest as kafka_protocol::protocol::Request>::KEY)
        )));
    }
    let request =
        SaslHandshakeRequest::default().with_mechanism(StrBytes::from_string(mechanism.into()));
    let response = connection
        .send_at(&request, version)
        .await
        .map_err(Failure::Client)?;
    let enabled: Vec<&str> = response.mechanisms.iter().map(|m| m.as_str()).collect();
    handshake_outcome(response.error_code, &enabled).map_err(Failure::Sasl)
}

fn handshake_outcome(error_code: i16, enabled: &[&str]) -> std::result::Result<(), String> {
    let listed = if enabled.is_empty() {
        "none".to_string()
    } else {
        enabled.join(", ")
    };
    match error_code {
        0 => Ok(()),
        UNSUPPORTED_SASL_MECHANISM => Err(format!(
            "mechanism not enabled on this listener; the broker enables: {listed}"
        )),
        code => Err(format!(
            "SaslHandshake failed with error {code} ({}); the broker enables: {listed}",
            crate::kafka_error_name(code)
        )),
    }
}

fn check_authenticate_response(
    response: &SaslAuthenticateResponse,
) -> std::result::Result<(), String> {
    if response.error_code == 0 {
        return Ok(());
    }
    let message = response
        .error_message
        .as_ref()
        .map(|m| m.as_str())
        .filter(|m| !m.is_empty())
        .unwrap_or("no message");
    Err(format!(
        "authentication failed: error {} ({}): {message}",
        response.error_code,
        crate::kafka_error_name(response.error_code)
    ))
}

/// One mechanism's client state between SaslAuthenticate round trips.
enum Exchange {
    Plain {
        initial: Vec<u8>,
    },
    ScramFirst(ScramClient),
    ScramFinal(ScramClientFinal),
    OAuthBearer {
        initial: Vec<u8>,
        token: Token,
    },
    /// The broker answered the token with an error status; the client has
    /// acknowledged it and the broker fails the exchange next.
    OAuthBearerRejected {
        status: String,
        token: Token,
    },
    /// After an OAUTHBEARER exchange, the token for the log line.
    OAuthBearerDone(Token),
    /// Transitional, while a step runs.
    Done,
}

impl Exchange {
    fn start(
        settings: &SaslSettings,
        token: Option<Token>,
    ) -> std::result::Result<Exchange, String> {
        Ok(match settings.mechanism {
            SaslMechanism::OAuthBearer(tokens) => {
                let token = token.ok_or("no token was obtained")?;
                let initial = oauthbearer::client_first_message(&token)
                    .map_err(|reason| format!("{}: {reason}", tokens.source().describe()))?;
                Exchange::OAuthBearer { initial, token }
            }
            SaslMechanism::Plain => Exchange::Plain {
                initial: plain::initial_response(&settings.username, &settings.password)?,
            },
            SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
                if settings.username.is_empty() {
                    return Err("the username is empty".to_string());
                }
                let hash = if settings.mechanism == SaslMechanism::ScramSha256 {
                    ScramHash::Sha256
                } else {
                    ScramHash::Sha512
                };
                Exchange::ScramFirst(ScramClient::new(
                    hash,
                    &settings.username,
                    &settings.password,
                ))
            }
        })
    }

    fn initial_response(&mut self) -> Vec<u8> {
        match self {
            Exchange::Plain { initial } | Exchange::OAuthBearer { initial, .. } => {
                std::mem::take(initial)
            }
            Exchange::ScramFirst(client) => client.client_first().into_bytes(),
            Exchange::ScramFinal(_)
            | Exchange::OAuthBearerRejected { .. }
            | Exchange::OAuthBearerDone(_)
            | Exchange::Done => Vec::new(),
        }
    }

    fn oauthbearer_token(&self) -> Option<&Token> {
        match self {
            Exchange::OAuthBearer { token, .. }
            | Exchange::OAuthBearerRejected { token, .. }
            | Exchange::OAuthBearerDone(token) => Some(token),
            _ => None,
        }
    }

    /// The principal a token names, for the log.
    fn principal(&self) -> Option<&str> {
        self.oauthbearer_token()?.subject()
    }

    /// Adds what the client knows about a refused token to the broker's
    /// reason: Kafka answers an expired token with only an `invalid_token`
    /// status.
    fn explain_failure(&self, reason: String) -> String {
        let hint = self
            .oauthbearer_token()
            .and_then(|token| token.expiry_hint(std::time::SystemTime::now()));
        match hint {
            Some(hint) => format!("{reason} ({hint})"),
            None => reason,
        }
    }

    /// Consumes the server's message; the next client message, or `None`
    /// when authentication is complete.
    fn step(&mut self, server: &[u8]) -> std::result::Result<Option<Vec<u8>>, String> {
        match std::mem::replace(self, Exchange::Done) {
            // The broker answers PLAIN with an empty token once it accepts.
            Exchange::Plain { .. } => Ok(None),
            Exchange::ScramFirst(client) => {
                let server_first = std::str::from_utf8(server)
                    .map_err(|_| "server-first message is not UTF-8".to_string())?;
                let last = client
                    .handle_server_first(server_first)
                    .map_err(|e| e.to_string())?;
                let message = last.message().as_bytes().to_vec();
                *self = Exchange::ScramFinal(last);
                Ok(Some(message))
            }
            Exchange::ScramFinal(last) => {
                let server_final = std::str::from_utf8(server)
                    .map_err(|_| "server-final message is not UTF-8".to_string())?;
                last.verify_server_final(server_final)
                    .map_err(|e| e.to_string())?;
                Ok(None)
            }
            Exchange::OAuthBearer { token, .. } => {
                if server.is_empty() {
                    *self = Exchange::OAuthBearerDone(token);
                    return Ok(None);
                }
                let status = String::from_utf8_lossy(server).into_owned();
                *self = Exchange::OAuthBearerRejected { status, token };
                Ok(Some(oauthbearer::ERROR_ACKNOWLEDGEMENT.to_vec()))
            }
            Exchange::OAuthBearerRejected { status, token } => {
                // A broker fails the exchange after the acknowledgement; one
                // that does not has still refused the token.
                let reason = format!("the broker refused the token: {status}");
                *self = Exchange::OAuthBearerRejected { status, token };
                Err(reason)
            }
            Exchange::OAuthBearerDone(_) | Exchange::Done => {
                Err("the broker kept the exchange going after it completed".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_outcomes() {
        assert_eq!(handshake_outcome(0, &["PLAIN"]), Ok(()));
        assert_eq!(
            handshake_outcome(33, &["PLAIN", "SCRAM-SHA-256"]),
            Err(
                "mechanism not enabled on this listener; the broker enables: PLAIN, SCRAM-SHA-256"
                    .to_string()
            )
        );
        assert_eq!(
            handshake_outcome(33, &[]),
            Err("mechanism not enabled on this listener; the broker enables: none".to_string())
        );
        assert_eq!(
            handshake_outcome(34, &["PLAIN"]),
            Err(
                "SaslHandshake failed with error 34 (IllegalSaslState); the broker enables: PLAIN"
                    .to_string()
            )
        );
    }

    #[test]
    fn authenticate_errors_carry_the_broker_message() {
        let response = SaslAuthenticateResponse::default()
            .with_error_code(58)
            .with_error_message(Some(StrBytes::from_static_str(
                "Authentication failed: Invalid username or password",
            )));
        assert_eq!(
            check_authenticate_response(&response),
            Err(
                "authentication failed: error 58 (SaslAuthenticationFailed): \
                 Authentication failed: Invalid username or password"
                    .to_string()
            )
        );
        let silent = SaslAuthenticateResponse::default().with_error_code(58);
        assert_eq!(
            check_authenticate_response(&silent),
            Err("authentication failed: error 58 (SaslAuthenticationFailed): no message".into())
        );
    }

    fn oauthbearer_exchange(token: &str) -> Exchange {
        let tokens = oauthbearer::OAuthBearerTokens::new(oauthbearer::TokenSource::File(
            "/exchange-test/token".into(),
        ));
        let settings = SaslSettings {
            mechanism: SaslMechanism::OAuthBearer(tokens),
            username: String::new(),
            password: String::new(),
        };
        Exchange::start(&settings, Some(Token::new(token.to_string(), None))).unwrap()
    }

    #[test]
    fn oauthbearer_exchange_accepted_in_one_message() {
        let mut exchange = oauthbearer_exchange("abc.def.");
        assert_eq!(
            exchange.initial_response(),
            b"n,,\x01auth=Bearer abc.def.\x01\x01".to_vec()
        );
        assert_eq!(exchange.step(b""), Ok(None));
    }

    #[test]
    fn oauthbearer_rejection_is_acknowledged_then_reported() {
        // RFC 7628 3.2.3: the server's error status is answered with %x01;
        // Kafka then fails the SaslAuthenticate with the status as message.
        let mut exchange = oauthbearer_exchange("abc.def.");
        exchange.initial_response();
        assert_eq!(
            exchange.step(br#"{"status":"invalid_token"}"#),
            Ok(Some(b"\x01".to_vec()))
        );
        assert_eq!(
            exchange.step(b""),
            Err(r#"the broker refused the token: {"status":"invalid_token"}"#.to_string())
        );
    }

    #[test]
    fn oauthbearer_failure_explains_an_expired_token() {
        let claims = r#"{"sub":"s","exp":1000}"#;
        let expired = format!(
            "eyJhbGciOiJub25lIn0.{}.",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
        );
        let exchange = oauthbearer_exchange(&expired);
        let explained = exchange.explain_failure("authentication failed".to_string());
        assert!(
            explained.starts_with("authentication failed (the token's exp claim (1000) is "),
            "{explained}"
        );
        let fresh = oauthbearer_exchange("opaque");
        assert_eq!(fresh.explain_failure("x".to_string()), "x");
    }

    #[test]
    fn plain_exchange_is_one_message() {
        let settings = SaslSettings {
            mechanism: SaslMechanism::Plain,
            username: "u".into(),
            password: "p".into(),
        };
        let mut exchange = Exchange::start(&settings, None).unwrap();
        assert_eq!(exchange.initial_response(), b"\0u\0p".to_vec());
        assert_eq!(exchange.step(b""), Ok(None));
    }

    #[test]
    fn scram_exchange_rejects_forged_server_final() {
        let settings = SaslSettings {
            mechanism: SaslMechanism::ScramSha256,
            username: "user".into(),
            password: "pencil".into(),
        };
        let mut exchange = Exchange::start(&settings, None).unwrap();
        let first = String::from_utf8(exchange.initial_response()).unwrap();
        let nonce = first.strip_prefix("n,,n=user,r=").unwrap();
        let server_first = format!("r={nonce}srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        let last = exchange.step(server_first.as_bytes()).unwrap().unwrap();
        assert!(last.starts_with(format!("c=biws,r={nonce}srv,p=").as_bytes()));
        let error = exchange
            .step(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap_err();
        assert_eq!(
            error,
            "server signature does not verify: the server does not know the credentials"
        );
    }
}
