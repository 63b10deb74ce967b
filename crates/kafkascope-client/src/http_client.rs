//! The one bare HTTP/1.1 client kafkascope talks HTTP with: the OAuth token
//! endpoint here, and every HTTP source of the collector (JMX exporter
//! pages, Jolokia, and the ones after them).
//!
//! One request per connection over hyper's connection API, TLS through
//! [`crate::security::tls`] (rustls, so no second TLS stack comes in), a
//! timeout on connecting and another on the whole exchange, a bound on the
//! answer's size, and HTTP Basic authentication. Errors say what failed
//! without the URL (the caller names its target) and never hold a secret.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::TlsSettings;
use crate::connection::BoxedStream;
use crate::security::tls;

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("not a valid URL: {0}")]
    InvalidUrl(String),
    #[error("connect failed: {0}")]
    Connect(String),
    #[error("connect timed out after {0:?}")]
    ConnectTimeout(Duration),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("HTTP exchange failed: {0}")]
    Exchange(String),
}

/// A parsed `http(s)://[user:password@]host[:port]/path?query` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpUrl {
    pub https: bool,
    /// `host:port` to connect to.
    pub addr: String,
    /// The `Host` header: as written in the URL, without user info.
    pub authority: String,
    pub path_and_query: String,
    /// `user:password@` in the URL, sent as Basic authentication.
    user_info: Option<(String, String)>,
}

impl std::fmt::Debug for HttpUrl {
    // Keeps the password out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl std::fmt::Display for HttpUrl {
    /// The URL without any `user:password@` part.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority, self.path_and_query)
    }
}

impl HttpUrl {
    pub fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let invalid = |reason: &str| HttpError::InvalidUrl(reason.to_string());
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| HttpError::InvalidUrl(e.to_string()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(invalid("the URL must start with http:// or https://")),
        };
        let full_authority = uri.authority().ok_or_else(|| invalid("no host"))?.as_str();
        let (user_info, authority) = match full_authority.rsplit_once('@') {
            Some((user_info, host)) => (Some(user_info), host),
            None => (None, full_authority),
        };
        let user_info = user_info.map(|info| match info.split_once(':') {
            Some((user, password)) => (percent_decode(user), percent_decode(password)),
            None => (percent_decode(info), String::new()),
        });
        let host = uri.host().ok_or_else(|| invalid("no host"))?;
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
        Ok(HttpUrl {
            https,
            addr,
            authority: authority.to_string(),
            path_and_query,
            user_info,
        })
    }

    /// Where a service at this base URL answers `path`: a base with a path
    /// of its own (a service behind a proxy at `/connect`) keeps it in front.
    pub fn joined(&self, path: &str) -> HttpUrl {
        let prefix = self
            .path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        HttpUrl {
            path_and_query: format!("{prefix}{path}"),
            ..self.clone()
        }
    }
}

/// HTTP Basic credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BasicAuth({}, ***)", self.user)
    }
}

/// How to reach targets: timeouts, the bound on an answer, TLS.
#[derive(Debug, Clone)]
pub struct HttpClient {
    pub connect_timeout: Duration,
    /// For the request and the whole answer.
    pub read_timeout: Duration,
    pub max_body_bytes: usize,
    /// Used for `https` URLs; the hostname is checked unless turned off.
    pub tls: TlsSettings,
}

/// One request.
#[derive(Debug, Clone)]
pub struct HttpRequest<'a> {
    pub url: &'a HttpUrl,
    /// A POST with this body and content type; a GET when `None`.
    pub body: Option<(&'static str, Bytes)>,
    pub accept: &'static str,
    /// Credentials; those in the URL are used when `None`.
    pub basic_auth: Option<&'a BasicAuth>,
    pub headers: &'a [(HeaderName, HeaderValue)],
}

impl<'a> HttpRequest<'a> {
    pub fn get(url: &'a HttpUrl, accept: &'static str) -> Self {
        Self {
            url,
            body: None,
            accept,
            basic_auth: None,
            headers: &[],
        }
    }
}

/// An answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl HttpAnswer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl HttpClient {
    pub fn new(connect_timeout: Duration, read_timeout: Duration, max_body_bytes: usize) -> Self {
        Self {
            connect_timeout,
            read_timeout,
            max_body_bytes,
            tls: TlsSettings {
                verify_hostname: true,
                ..TlsSettings::default()
            },
        }
    }

    pub async fn send(&self, request: HttpRequest<'_>) -> Result<HttpAnswer, HttpError> {
        let stream = self.connect(request.url).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| HttpError::Exchange(format!("handshake: {e}")))?;
        let driver = tokio::spawn(connection);
        let outcome = tokio::time::timeout(self.read_timeout, async {
            let response = sender
                .send_request(build(&request)?)
                .await
                .map_err(|e| HttpError::Exchange(e.to_string()))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = Limited::new(response.into_body(), self.max_body_bytes)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        HttpError::TooLarge {
                            limit: self.max_body_bytes,
                        }
                    } else {
                        HttpError::Exchange(format!("reading the answer: {e}"))
                    }
                })?
                .to_bytes();
            Ok(HttpAnswer {
                status,
                content_type,
                body,
            })
        })
        .await;
        driver.abort();
        outcome.map_err(|_| HttpError::Timeout(self.read_timeout))?
    }

    async fn connect(&self, url: &HttpUrl) -> Result<BoxedStream, HttpError> {
        let connecting = async {
            let tcp = TcpStream::connect(&url.addr)
                .await
                .map_err(|e| HttpError::Connect(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            if !url.https {
                return Ok(Box::new(tcp) as BoxedStream);
            }
            tls::wrap(tcp, &url.addr, &self.tls)
                .await
                .map_err(|e| match e {
                    crate::ClientError::Tls { reason, .. } => HttpError::Tls(reason),
                    other => HttpError::Tls(other.to_string()),
                })
        };
        tokio::time::timeout(self.connect_timeout, connecting)
            .await
            .map_err(|_| HttpError::ConnectTimeout(self.connect_timeout))?
    }
}

fn build(request: &HttpRequest<'_>) -> Result<Request<Full<Bytes>>, HttpError> {
    let url = request.url;
    let builder = match &request.body {
        Some((content_type, _)) => {
            Request::post(url.path_and_query.as_str()).header(CONTENT_TYPE, *content_type)
        }
        None => Request::get(url.path_and_query.as_str()),
    };
    let mut builder = builder
        .header(HOST, url.authority.as_str())
        .header(ACCEPT, request.accept);
    let from_url = url.user_info.as_ref().map(|(user, password)| BasicAuth {
        user: user.clone(),
        password: password.clone(),
    });
    if let Some(auth) = request.basic_auth.or(from_url.as_ref()) {
        let basic = BASE64.encode(format!("{}:{}", auth.user, auth.password));
        builder = builder.header(AUTHORIZATION, format!("Basic {basic}"));
    }
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let body = request
        .body
        .as_ref()
        .map(|(_, body)| body.clone())
        .unwrap_or_default();
    builder
        .body(Full::new(body))
        .map_err(|e| HttpError::Exchange(format!("cannot build the request: {e}")))
}

/// `%XX` sequences of URL user info decoded; anything else kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first 200 characters of an answer, for a message.
pub fn excerpt(body: &[u8]) -> String {
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

#[cfg(test)]
mod tests;
