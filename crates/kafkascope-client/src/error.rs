//! Errors of the connection and admin layers. Each carries the broker address
//! (and API, where one was involved) so a log line says where it went wrong.

use std::time::Duration;

/// Anything that can go wrong talking to one broker.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error("{addr}: connect failed: {reason}")]
    Connect { addr: String, reason: String },
    #[error("{addr}: connect timed out after {after:?}")]
    ConnectTimeout { addr: String, after: Duration },
    #[error("{addr}: {api} request timed out after {after:?}")]
    RequestTimeout {
        addr: String,
        api: &'static str,
        after: Duration,
    },
    #[error("{addr}: response frame of {size} bytes exceeds the {max}-byte cap")]
    FrameTooLarge { addr: String, size: i64, max: usize },
    #[error("{addr}: invalid frame: {reason}")]
    InvalidFrame { addr: String, reason: String },
    #[error("{addr}: could not decode {api} v{version} response: {reason}")]
    Decode {
        addr: String,
        api: &'static str,
        version: i16,
        reason: String,
    },
    #[error("{addr}: could not encode {api} v{version} request: {reason}")]
    Encode {
        addr: String,
        api: &'static str,
        version: i16,
        reason: String,
    },
    #[error("{addr}: connection closed: {reason}")]
    Closed { addr: String, reason: String },
    #[error("{addr}: broker does not support {api} (broker offers {offered})")]
    UnsupportedApi {
        addr: String,
        api: &'static str,
        offered: String,
    },
    #[error("{addr}: TLS: {reason}")]
    Tls { addr: String, reason: String },
    #[error("{addr}: SASL {mechanism}: {reason}")]
    Sasl {
        addr: String,
        mechanism: String,
        reason: String,
    },
    #[error("{addr}: {api} answered error {code} ({name}){context}")]
    Kafka {
        addr: String,
        api: &'static str,
        code: i16,
        name: String,
        context: String,
    },
    /// A partition's records could not be read (a malformed or unsupported
    /// batch); the broker itself answered fine.
    #[error("{addr}: unreadable records{context}: {reason}")]
    Records {
        addr: String,
        context: String,
        reason: String,
    },
    #[error("broker {broker_id} is not in the cluster metadata")]
    UnknownBroker { broker_id: i32 },
    #[error("{addr}: not retrying for another {retry_in:?} after: {last_error}")]
    BackingOff {
        addr: String,
        retry_in: Duration,
        last_error: String,
    },
    #[error("no bootstrap server answered: {0}")]
    NoBrokerReachable(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// A short stable label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientError::Connect { .. }
            | ClientError::ConnectTimeout { .. }
            | ClientError::Closed { .. }
            | ClientError::BackingOff { .. }
            | ClientError::NoBrokerReachable(_)
            | ClientError::UnknownBroker { .. } => "connection",
            ClientError::RequestTimeout { .. } => "timeout",
            ClientError::FrameTooLarge { .. }
            | ClientError::InvalidFrame { .. }
            | ClientError::Decode { .. }
            | ClientError::Encode { .. } => "protocol",
            ClientError::UnsupportedApi { .. } => "unsupported",
            ClientError::Tls { .. } => "tls",
            ClientError::Sasl { .. } => "auth",
            ClientError::Kafka { .. } => "kafka",
            ClientError::Records { .. } => "records",
            ClientError::Config(_) => "config",
        }
    }

    /// True when the broker itself could not be talked to (as opposed to
    /// answering with an error).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self.kind(),
            "connection" | "timeout" | "tls" | "auth" | "protocol"
        )
    }
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;
