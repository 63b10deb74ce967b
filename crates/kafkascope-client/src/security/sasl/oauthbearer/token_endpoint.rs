//! OAuth 2 client credentials grant (RFC 6749 section 4.4) against a token
//! endpoint, as Kafka's `ClientCredentialsJwtRetriever` does it: one POST of
//! `grant_type=client_credentials[&scope=…]`, form encoded, with the client
//! id and secret as HTTP Basic authentication; `access_token` and
//! `expires_in` are read from the JSON answer.
//!
//! HTTP/1.1 over hyper's connection API, TLS through [`crate::security::tls`]
//! (rustls), so no second TLS stack comes in.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::TlsSettings;
use crate::connection::BoxedStream;
use crate::security::tls;

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
    let target = Target::parse(&credentials.endpoint)?;
    let stream = connect(&target, credentials).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let driver = tokio::spawn(connection);

    let mut body = String::from("grant_type=client_credentials");
    if let Some(scope) = credentials.scope.as_deref().filter(|s| !s.is_empty()) {
        body.push_str("&scope=");
        body.push_str(&form_encode(scope));
    }
    let basic = BASE64.encode(format!(
        "{}:{}",
        credentials.client_id, credentials.client_secret
    ));
    let request = Request::post(target.path_and_query.as_str())
        .header(HOST, target.authority.as_str())
        .header(AUTHORIZATION, format!("Basic {basic}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .header(CACHE_CONTROL, "no-cache")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))?;

    let exchange = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, body))
    };
    let outcome = tokio::time::timeout(credentials.read_timeout, exchange).await;
    driver.abort();
    let (status, body) = outcome.map_err(|_| {
        format!(
            "no answer within {:?} (sasl.login.read.timeout.ms)",
            credentials.read_timeout
        )
    })??;
    parse_token_response(status.as_u16(), &body)
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

/// The first 200 characters of an answer, for a message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "empty answer".to_string();
    }
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
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

/// A parsed `http(s)://host[:port]/path?query` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    https: bool,
    /// `host:port` to connect to.
    addr: String,
    /// The `Host` header: as written in the URL.
    authority: String,
    path_and_query: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("not a valid URL: {e}"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("the URL must start with http:// or https://".to_string()),
        };
        let authority = uri
            .authority()
            .ok_or("the URL has no host")?
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let host = uri.host().ok_or("the URL has no host")?;
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let addr = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path_and_query = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_string());
        Ok(Target {
            https,
            addr,
            authority,
            path_and_query,
        })
    }
}

async fn connect(target: &Target, credentials: &ClientCredentials) -> Result<BoxedStream, String> {
    let connecting = async {
        let tcp = TcpStream::connect(&target.addr)
            .await
            .map_err(|e| format!("connect failed: {e}"))?;
        let _ = tcp.set_nodelay(true);
        if !target.https {
            return Ok(Box::new(tcp) as BoxedStream);
        }
        let settings = TlsSettings {
            ca_pem: credentials.ca_pem.clone(),
            client_cert_pem: None,
            client_key_pem: None,
            verify_hostname: true,
        };
        tls::wrap(tcp, &target.addr, &settings)
            .await
            .map_err(|e| match e {
                crate::ClientError::Tls { reason, .. } => format!("TLS: {reason}"),
                other => other.to_string(),
            })
    };
    tokio::time::timeout(credentials.connect_timeout, connecting)
        .await
        .map_err(|_| {
            format!(
                "connect timed out after {:?} (sasl.login.connect.timeout.ms)",
                credentials.connect_timeout
            )
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Target::parse("https://idp.example.com/realms/kafka/token?x=1").unwrap(),
            Target {
                https: true,
                addr: "idp.example.com:443".into(),
                authority: "idp.example.com".into(),
                path_and_query: "/realms/kafka/token?x=1".into(),
            }
        );
        assert_eq!(
            Target::parse("http://127.0.0.1:8080").unwrap(),
            Target {
                https: false,
                addr: "127.0.0.1:8080".into(),
                authority: "127.0.0.1:8080".into(),
                path_and_query: "/".into(),
            }
        );
        assert_eq!(
            Target::parse("http://[::1]:9/t").unwrap().addr,
            "[::1]:9".to_string()
        );
        assert_eq!(
            Target::parse("ftp://x/").unwrap_err(),
            "the URL must start with http:// or https://"
        );
    }

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
