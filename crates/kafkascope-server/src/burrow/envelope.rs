//! The JSON envelope every Burrow v3 answer has:
//! `{"error": bool, "message": "...", <payload field>: ..., "request": {"url", "host"}}`,
//! and Burrow's error answers (`error: true`, no payload field).

use std::sync::OnceLock;

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::ser::SerializeMap;

/// What Burrow echoes about the request: its path and the answering host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestInfo {
    /// The request path, percent-decoded and without the query, as Go's
    /// `URL.Path` gives it.
    pub url: String,
    /// The answering machine's host name (Burrow's `os.Hostname()`).
    pub host: &'static str,
}

impl RequestInfo {
    pub fn of(uri: &Uri) -> Self {
        Self {
            url: percent_decode(uri.path()),
            host: hostname(),
        }
    }
}

/// A successful answer: `payload` goes under `field`.
pub struct Reply<P> {
    pub status: StatusCode,
    pub message: &'static str,
    pub field: &'static str,
    pub payload: P,
    pub request: RequestInfo,
}

impl<P: Serialize> Reply<P> {
    pub fn ok(
        message: &'static str,
        field: &'static str,
        payload: P,
        request: RequestInfo,
    ) -> Self {
        Self {
            status: StatusCode::OK,
            message,
            field,
            payload,
            request,
        }
    }
}

impl<P: Serialize> Serialize for Reply<P> {
    /// Burrow's field order: error, message, payload, request.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("error", &false)?;
        map.serialize_entry("message", self.message)?;
        map.serialize_entry(self.field, &self.payload)?;
        map.serialize_entry("request", &self.request)?;
        map.end()
    }
}

impl<P: Serialize> IntoResponse for Reply<P> {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

/// Burrow's error answer: `error: true` and a message, no payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurrowError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: bool,
    pub message: &'static str,
    pub request: RequestInfo,
}

impl BurrowError {
    pub fn not_found(message: &'static str, request: RequestInfo) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error: true,
            message,
            request,
        }
    }
}

impl IntoResponse for BurrowError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

/// Burrow's messages, word for word, so clients that match on them work.
pub mod messages {
    pub const CLUSTER_MODULE_NOT_FOUND: &str = "cluster module not found";
    pub const CLUSTER_NOT_FOUND: &str = "cluster not found";
    pub const CLUSTER_OR_TOPIC_NOT_FOUND: &str = "cluster or topic not found";
    pub const CLUSTER_OR_CONSUMER_NOT_FOUND: &str = "cluster or consumer not found";
    /// Burrow's catch-all for paths it has no route for.
    pub const INVALID_REQUEST_TYPE: &str = "invalid request type";
}

/// Serializes a float the way Go's `encoding/json` does for Burrow's
/// `float32` fields: whole numbers without a fraction (`1`, not `1.0`).
pub fn go_float<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// The host name, read once: the kernel's, else `$HOSTNAME`, else empty
/// (Burrow ignores the error and sends an empty name too).
pub fn hostname() -> &'static str {
    static HOSTNAME: OnceLock<String> = OnceLock::new();
    HOSTNAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_default()
    })
}

/// `%XX` escapes decoded; a malformed escape is kept as written, and bytes
/// that are not UTF-8 become U+FFFD, so no path can make this fail.
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_malformed_ones() {
        assert_eq!(percent_decode("/v3/kafka/a%2Fb%20c"), "/v3/kafka/a/b c");
        assert_eq!(percent_decode("/x%zz%4"), "/x%zz%4");
        assert_eq!(percent_decode("/%C3%A9%FF"), "/é\u{FFFD}");
    }

    #[test]
    fn replies_keep_burrows_field_order() {
        let reply = Reply::ok(
            "topic list returned",
            "topics",
            ["a"],
            RequestInfo {
                url: "/v3/kafka/c/topic".into(),
                host: "h",
            },
        );
        assert_eq!(
            serde_json::to_string(&reply).unwrap(),
            r#"{"error":false,"message":"topic list returned","topics":["a"],"request":{"url":"/v3/kafka/c/topic","host":"h"}}"#
        );
    }

    #[test]
    fn floats_like_go() {
        #[derive(Serialize)]
        struct F(#[serde(serialize_with = "go_float")] f64);
        assert_eq!(serde_json::to_value(F(1.0)).unwrap(), json!(1));
        assert_eq!(serde_json::to_value(F(0.0)).unwrap(), json!(0));
        assert_eq!(serde_json::to_value(F(0.5)).unwrap(), json!(0.5));
    }
}
