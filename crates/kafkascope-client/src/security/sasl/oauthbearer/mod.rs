//! SASL/OAUTHBEARER (RFC 7628; Kafka's KIP-255): the client sends
//! `n,,\x01auth=Bearer <token>\x01\x01` in one SaslAuthenticate; the broker
//! answers with an empty message once it accepts the token, or with a JSON
//! error status (`{"status":"invalid_token"}`), to which the client answers
//! `\x01` and the broker then fails the authentication with that status.
//!
//! Tokens come from a [`TokenSource`]: an unsecured JWS made here (Kafka's
//! unsecured login module, for test clusters), a file another process keeps
//! current, or a token endpoint (OAuth 2 client credentials). Made and
//! fetched tokens are cached and renewed after 80% of their lifetime, as
//! Kafka's `sasl.login.refresh.window.factor` does; a file is read at every
//! authentication, so a rewritten token is used from the next connection.

pub mod jwt;
pub mod token_endpoint;

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

pub use jwt::{TokenClaims, UnsecuredLogin};
pub use token_endpoint::ClientCredentials;

/// A token file larger than this is not a token.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;
/// Kafka's `sasl.login.refresh.window.factor` default.
const REFRESH_WINDOW_FACTOR: f64 = 0.8;
/// How long a token whose lifetime is unknown (no `expires_in`, not a JWT
/// with `exp`) is reused before asking again.
const UNKNOWN_LIFETIME_REUSE: Duration = Duration::from_secs(60);

/// Where OAUTHBEARER tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// An unsecured JWS (`{"alg":"none"}`) built here, as Kafka's
    /// `OAuthBearerUnsecuredLoginCallbackHandler` does; only brokers with
    /// Kafka's default (unsecured) validator accept it.
    Unsecured(UnsecuredLogin),
    /// A file holding a token, kept current by another process; read at
    /// every authentication (Kafka's `file:` token endpoint URL).
    File(PathBuf),
    /// OAuth 2 client credentials against a token endpoint.
    ClientCredentials(ClientCredentials),
}

impl TokenSource {
    /// Names the source in messages, without secrets.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Unsecured(login) => format!(
                "unsecured token for {}={}",
                login.principal_claim_name,
                login.principal().unwrap_or("?")
            ),
            TokenSource::File(path) => format!("token file {}", path.display()),
            TokenSource::ClientCredentials(credentials) => {
                format!("token endpoint {}", credentials.endpoint_for_display())
            }
        }
    }
}

/// A handle on a token source and its cached token, shared by every
/// connection and every clone of the config that names it.
///
/// It is `Copy` so that [`crate::SaslMechanism`] stays `Copy`: the state
/// lives for the rest of the process, made once per distinct source (asking
/// again for an equal source returns the same handle), so a program that
/// re-reads its configuration does not accumulate them.
#[derive(Clone, Copy)]
pub struct OAuthBearerTokens {
    state: &'static TokenState,
}

struct TokenState {
    source: TokenSource,
    /// Held while a token is made or fetched, so connections opening at
    /// once wait for one request to the endpoint instead of each sending one.
    cached: tokio::sync::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    token: Token,
    renew_at: SystemTime,
}

impl OAuthBearerTokens {
    pub fn new(source: TokenSource) -> Self {
        static SOURCES: Mutex<Vec<&'static TokenState>> = Mutex::new(Vec::new());
        let mut sources = SOURCES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = sources.iter().find(|s| s.source == source) {
            return Self { state };
        }
        let state: &'static TokenState = Box::leak(Box::new(TokenState {
            source,
            cached: tokio::sync::Mutex::new(None),
        }));
        sources.push(state);
        Self { state }
    }

    pub fn source(&self) -> &'static TokenSource {
        &self.state.source
    }

    /// The token to authenticate with now: the cached one while it is in
    /// the first 80% of its life, else a new one. If renewing fails while
    /// the cached token is still valid, that one is used (and the failure
    /// logged). Errors name the source and never contain a secret.
    pub async fn token(&self) -> Result<Token, String> {
        let source = &self.state.source;
        if let TokenSource::File(path) = source {
            return read_token_file(path).await;
        }
        let mut cached = self.state.cached.lock().await;
        let now = SystemTime::now();
        if let Some(current) = cached.as_ref()
            && now < current.renew_at
        {
            return Ok(current.token.clone());
        }
        let fresh = match source {
            TokenSource::Unsecured(login) => login
                .token(now)
                .map(|value| Token::new(value, Some(now + login.lifetime))),
            TokenSource::ClientCredentials(credentials) => {
                token_endpoint::request_token(credentials)
                    .await
                    .map(|issued| {
                        let expires_at = issued.expires_in.map(|lifetime| now + lifetime);
                        Token::new(issued.access_token, expires_at)
                    })
                    .map_err(|reason| {
                        format!("cannot get a token from {}: {reason}", source.describe())
                    })
            }
            TokenSource::File(_) => unreachable!("read above"),
        };
        match fresh {
            Ok(token) => {
                let renew_at = match token.expires_at {
                    Some(expires_at) => {
                        let lifetime = expires_at.duration_since(now).unwrap_or_default();
                        now + lifetime.mul_f64(REFRESH_WINDOW_FACTOR)
                    }
                    None => now + UNKNOWN_LIFETIME_REUSE,
                };
                tracing::debug!(
                    source = source.describe(),
                    subject = token.subject(),
                    expires_in = ?token.expires_at.and_then(|e| e.duration_since(now).ok()),
                    "OAUTHBEARER token obtained"
                );
                *cached = Some(CachedToken {
                    token: token.clone(),
                    renew_at,
                });
                Ok(token)
            }
            Err(reason) => match cached.as_ref() {
                Some(current) if current.token.expires_at.is_some_and(|e| now < e) => {
                    tracing::warn!(
                        "renewing the OAUTHBEARER token failed, using the current one until \
                         it expires: {reason}"
                    );
                    Ok(current.token.clone())
                }
                _ => Err(reason),
            },
        }
    }
}

impl PartialEq for OAuthBearerTokens {
    fn eq(&self, other: &Self) -> bool {
        // Equal sources share one state (see `new`).
        std::ptr::eq(self.state, other.state)
    }
}

impl Eq for OAuthBearerTokens {}

impl std::fmt::Debug for OAuthBearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OAuthBearerTokens")
            .field(&self.state.source)
            .finish()
    }
}

/// A bearer token and what is known about it.
#[derive(Clone)]
pub struct Token {
    value: String,
    claims: Option<TokenClaims>,
    /// From the source (`expires_in`, the unsecured lifetime) or else the
    /// token's `exp` claim.
    expires_at: Option<SystemTime>,
}

impl Token {
    pub(crate) fn new(value: String, expires_at: Option<SystemTime>) -> Self {
        let claims = jwt::read_claims(&value);
        let expires_at = expires_at.or(claims.as_ref().and_then(|c| c.expires_at));
        Self {
            value,
            claims,
            expires_at,
        }
    }

    pub fn subject(&self) -> Option<&str> {
        self.claims.as_ref()?.subject.as_deref()
    }

    /// Why a broker may have refused this token, as far as the client can
    /// tell: its `exp` claim is in the past.
    pub fn expiry_hint(&self, now: SystemTime) -> Option<String> {
        let exp = self.claims.as_ref()?.expires_at?;
        let ago = now.duration_since(exp).ok()?;
        Some(format!(
            "the token's exp claim ({}) is {} s in the past",
            jwt::unix_seconds(exp),
            ago.as_secs()
        ))
    }
}

impl std::fmt::Debug for Token {
    // The token is a credential: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// Reads a token file: its trimmed content, which must be one token.
async fn read_token_file(path: &std::path::Path) -> Result<Token, String> {
    let describe = || format!("token file {}", path.display());
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", describe()))?;
    if meta.len() > MAX_TOKEN_FILE_BYTES {
        return Err(format!(
            "{} is {} bytes, more than a token ({MAX_TOKEN_FILE_BYTES} at most)",
            describe(),
            meta.len()
        ));
    }
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", describe()))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(format!("{} is empty", describe()));
    }
    check_b64token(value).map_err(|reason| format!("{}: {reason}", describe()))?;
    Ok(Token::new(value.to_string(), None))
}

/// RFC 6750's `b64token`, the only form a bearer token can take in the
/// OAUTHBEARER message: `[A-Za-z0-9-._~+/]+=*`.
fn check_b64token(token: &str) -> Result<(), String> {
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(
            "does not hold a bearer token (expected one JWT or other b64token, \
             without spaces or JSON around it)"
                .to_string(),
        )
    }
}

/// The client's first (and only) message: GS2 header without authzid, then
/// the `auth` key-value pair.
pub fn client_first_message(token: &Token) -> Result<Vec<u8>, String> {
    check_b64token(&token.value)?;
    Ok(format!("n,,\x01auth=Bearer {}\x01\x01", token.value).into_bytes())
}

/// The client's answer to a server error message (RFC 7628 section 3.2.3).
pub const ERROR_ACKNOWLEDGEMENT: &[u8] = b"\x01";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_first_message_is_rfc_7628() {
        let token = Token::new("eyJh.eyJz.".to_string(), None);
        assert_eq!(
            client_first_message(&token).unwrap(),
            b"n,,\x01auth=Bearer eyJh.eyJz.\x01\x01".to_vec()
        );
        let spaced = Token::new("two words".to_string(), None);
        assert!(client_first_message(&spaced).is_err());
    }

    #[test]
    fn b64tokens() {
        assert_eq!(check_b64token("abc-._~+/=="), Ok(()));
        assert!(check_b64token("{\"access_token\":1}").is_err());
        assert!(check_b64token("==").is_err());
    }

    #[test]
    fn equal_sources_share_one_handle() {
        let a = OAuthBearerTokens::new(TokenSource::File("/x/shared-handle".into()));
        let b = OAuthBearerTokens::new(TokenSource::File("/x/shared-handle".into()));
        let c = OAuthBearerTokens::new(TokenSource::File("/x/other-handle".into()));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[tokio::test]
    async fn unsecured_tokens_are_cached_until_renewal() {
        let tokens = OAuthBearerTokens::new(TokenSource::Unsecured(UnsecuredLogin::for_principal(
            "cached-principal",
        )));
        let first = tokens.token().await.unwrap();
        let second = tokens.token().await.unwrap();
        assert_eq!(first.value, second.value);
        assert_eq!(first.subject(), Some("cached-principal"));
        let lifetime = first
            .expires_at
            .unwrap()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(lifetime > Duration::from_secs(3590), "{lifetime:?}");
    }

    #[tokio::test]
    async fn token_files_are_read_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let tokens = OAuthBearerTokens::new(TokenSource::File(path.clone()));
        let missing = tokens.token().await.unwrap_err();
        assert!(
            missing.starts_with(&format!("cannot read token file {}: ", path.display())),
            "{missing}"
        );
        std::fs::write(&path, "first\n").unwrap();
        assert_eq!(tokens.token().await.unwrap().value, "first");
        std::fs::write(&path, "second").unwrap();
        assert_eq!(tokens.token().await.unwrap().value, "second");
        std::fs::write(&path, "  \n").unwrap();
        assert_eq!(
            tokens.token().await.unwrap_err(),
            format!("token file {} is empty", path.display())
        );
    }

    #[test]
    fn expiry_hint_only_for_expired_jwts() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000);
        let expired = Token::new(
            jwt::unsecured_jws(&serde_json::json!({"sub": "s", "exp": 1_900})),
            None,
        );
        assert_eq!(
            expired.expiry_hint(now).as_deref(),
            Some("the token's exp claim (1900) is 100 s in the past")
        );
        let valid = Token::new(
            jwt::unsecured_jws(&serde_json::json!({"sub": "s", "exp": 2_100})),
            None,
        );
        assert_eq!(valid.expiry_hint(now), None);
        assert_eq!(Token::new("opaque".into(), None).expiry_hint(now), None);
    }
}
