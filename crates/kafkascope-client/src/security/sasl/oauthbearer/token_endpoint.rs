//! OAuth 2 client credentials grant (RFC 6749 section 4.4) against a token
//! endpoint, as Kafka's `ClientCredentialsJwtRetriever` does it: one POST of
//! `grant_type=client_credentials[&scope=…]`, form encoded, with the client
//! id and secret as HTTP Basic authentication; `access_token` and
//! `expires_in` are read from the JSON answer.
//!
//! Over the crate's one HTTP client ([`crate::http_client`]).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, HeaderValue};

use crate::http_client::{BasicAuth, HttpClient, HttpError, HttpRequest, HttpUrl, excerpt};

/// Token endpoint answers larger than this are refused.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Where and as whom to ask for a token.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// `http://` or `https://` URL of the token endpoint.
    pub endpoint: String,
    pub client_id: String,
    pub client_secret: String,
    /// `sasl.oauthbearer.scope`: sent as `scope=` when set.
    pub scope: Option<String>,
    /// CA bundle (PEM) trusted for an `https` endpoint; `None` trusts the
    /// built-in web PKI roots.
    pub ca_pem: Option<PathBuf>,
    /// `sasl.login.connect.timeout.ms`, default 10 s.
    pub connect_timeout: Duration,
    /// `sasl.login.read.timeout.ms`, default 10 s.
    pub read_timeout: Duration,
}

impl ClientCredentials {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    pub fn new(endpoint: &str, client_id: &str, client_secret: &str) -> Self {
        Self {
            endpoint: endpoint.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            scope: None,
            ca_pem: None,
            connect_timeout: Self::DEFAULT_TIMEOUT,
            read_timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// The endpoint for messages: any `user:password@` part is left out.
    pub fn endpoint_for_display(&self) -> String {
        let Some((scheme, rest)) = self.endpoint.split_once("://") else {
            return self.endpoint.clone();
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        match rest[..authority_end].rfind('@') {
            Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
            None => self.endpoint.clone(),
        }
    }
}

impl std::fmt::Debug for ClientCredentials {
    // Keeps the secret out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("endpoint", &self.endpoint_for_display())
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scope", &self.scope)
            .field("ca_pem", &self.ca_pem)
            .finish_non_exhaustive()
    }
}

/// A token from the endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    /// `expires_in`, when the answer has it.
    pub expires_in: Option<Duration>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Asks the endpoint for a token. The error says what failed, without the
/// URL (the caller names it) and without the secret.
pub async fn request_token(credentials: &ClientCredentials) -> Result<IssuedToken, String> {
    let url = HttpUrl::parse(&credentials.endpoint).map_err(|e| e.to_string())?;
    let mut body = String::from("grant_type=client_credentials");
    if let Some(scope) = credentials.scope.as_deref().filter(|s| !s.is_empty()) {
        body.push_str("&scope=");
        body.push_str(&form_encode(scope));
    }
    let auth = BasicAuth {
        user: credentials.client_id.clone(),
        password: credentials.client_secret.clone(),
    };
    let no_cache = [(CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    let request = HttpRequest {
        url: &url,
        body: Some(("application/x-www-form-urlencoded", Bytes::from(body))),
        accept: "application/json",
        basic_auth: Some(&auth),
        headers: &no_cache,
    };
    let mut client = HttpClient::new(
        credentials.connect_timeout,
        credentials.read_timeout,
        MAX_RESPONSE_BYTES,
    );
    client.tls.ca_pem = credentials.ca_pem.clone();
    let answer = client.send(request).await.map_err(|e| match e {
        HttpError::ConnectTimeout(after) => {
            format!("connect timed out after {after:?} (sasl.login.connect.timeout.ms)")
        }
        HttpError::Timeout(after) => {
            format!("no answer within {after:?} (sasl.login.read.timeout.ms)")
        }
        other => other.to_string(),
    })?;
    parse_token_response(answer.status, &answer.body)
}

/// The answer of a token endpoint: a token, or why there is none.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<IssuedToken, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        access_token: Option<String>,
        expires_in: Option<serde_json::Value>,
        error: Option<String>,
        error_description: Option<String>,
    }
    let answer: Option<Answer> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        let detail = match &answer {
            Some(Answer {
                error: Some(error),
                error_description,
                ..
            }) => match error_description {
                Some(description) => format!("{error}: {description}"),
                None => error.clone(),
            },
            _ => excerpt(body),
        };
        return Err(format!("HTTP {status}: {detail}"));
    }
    let Some(answer) = answer else {
        return Err(format!(
            "HTTP {status} but the answer is not JSON: {}",
            excerpt(body)
        ));
    };
    let access_token = answer
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| format!("HTTP {status} but the answer has no access_token"))?;
    // Some servers send the number as a string.
    let expires_in = match answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s > 0.0)
    .map(Duration::from_secs_f64);
    Ok(IssuedToken {
        access_token: access_token.trim().to_string(),
        expires_in,
    })
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_not_displayed() {
        let credentials = ClientCredentials::new("https://u:pw@idp/token", "id", "s3cr3t-value");
        assert_eq!(credentials.endpoint_for_display(), "https://idp/token");
        let debug = format!("{credentials:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("pw"),
            "{debug}"
        );
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            parse_token_response(
                200,
                br#"{"access_token":"abc","token_type":"Bearer","expires_in":3600}"#
            ),
            Ok(IssuedToken {
                access_token: "abc".into(),
                expires_in: Some(Duration::from_secs(3600)),
            })
        );
        assert_eq!(
            parse_token_response(200, br#"{"access_token":"abc","expires_in":"60"}"#)
                .unwrap()
                .expires_in,
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_token_response(
                401,
                br#"{"error":"invalid_client","error_description":"bad secret"}"#
            ),
            Err("HTTP 401: invalid_client: bad secret".into())
        );
        assert_eq!(
            parse_token_response(503, b""),
            Err("HTTP 503: empty answer".into())
        );
        assert_eq!(
            parse_token_response(200, b"<html>"),
            Err("HTTP 200 but the answer is not JSON: <html>".into())
        );
        assert_eq!(
            parse_token_response(200, br#"{"token_type":"Bearer"}"#),
            Err("HTTP 200 but the answer has no access_token".into())
        );
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("kafka read:all"), "kafka+read%3Aall");
        assert_eq!(form_encode("a&b=c/é"), "a%26b%3Dc%2F%C3%A9");
    }
}
