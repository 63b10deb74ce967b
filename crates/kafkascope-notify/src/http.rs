//! A JSON POST to one address, for the HTTP receivers, over kafkascope's
//! own HTTP client (timeouts, a bounded answer, rustls with an optional
//! CA bundle, Basic authentication).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpRequest, HttpUrl, excerpt};
use serde::Serialize;

use crate::config::ConfigError;
use crate::delivery::DeliveryError;

/// Receivers answer briefly; more than this is not read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Default for a receiver's `timeout`.
pub const DEFAULT_TIMEOUT_MS: i64 = 10_000;

/// Where a receiver posts to. Its `Debug` hides the URL: a webhook's path
/// is its credential.
#[derive(Clone)]
pub struct HttpTarget {
    client: HttpClient,
    url: HttpUrl,
    auth: Option<BasicAuth>,
}

impl std::fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpTarget(<secret>)")
    }
}

impl HttpTarget {
    /// `field` names the URL's field in errors; the URL itself is never
    /// part of one.
    pub fn new(
        url: &str,
        field: &str,
        timeout_ms: i64,
        ca_file: Option<&PathBuf>,
        auth: Option<BasicAuth>,
    ) -> Result<HttpTarget, ConfigError> {
        let url = HttpUrl::parse(url).map_err(|e| ConfigError::new(field, e.to_string()))?;
        let timeout = Duration::from_millis(timeout_ms.max(1) as u64);
        let mut client = HttpClient::new(timeout, timeout, MAX_ANSWER_BYTES);
        client.tls = TlsSettings {
            ca_pem: ca_file.cloned(),
            verify_hostname: true,
            ..TlsSettings::default()
        };
        Ok(HttpTarget { client, url, auth })
    }

    pub async fn post_json(&self, payload: &impl Serialize) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(payload).map_err(|e| DeliveryError::Encode(e.to_string()))?;
        let request = HttpRequest {
            url: &self.url,
            body: Some(("application/json", Bytes::from(body))),
            accept: "*/*",
            basic_auth: self.auth.as_ref(),
            headers: &[],
        };
        let answer = self.client.send(request).await?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(DeliveryError::Status {
                status: answer.status,
                excerpt: excerpt(&answer.body),
            })
        }
    }
}

/// A timeout field in milliseconds, 10s when unset.
pub fn timeout_ms(value: &Option<String>, field: &str) -> Result<i64, ConfigError> {
    let ms = crate::config::duration_or(value, field, DEFAULT_TIMEOUT_MS)?;
    if ms == 0 {
        return Err(ConfigError::new(field, "must be more than zero"));
    }
    Ok(ms)
}
