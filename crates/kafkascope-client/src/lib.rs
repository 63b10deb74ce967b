//! kafkascope's Kafka client: connections, security and the admin layer.
//!
//! Protocol messages come from the `kafka-protocol` crate; this crate starts
//! at the connection. Layers read in one direction:
//! [`connection`] (one multiplexed socket, version negotiation) →
//! [`broker_pool`] (a connection per broker, reconnect with backoff) →
//! [`admin`] (one logical request sharded by leader or coordinator, results
//! merged, failures reported per shard). kafkascope only reads: nothing here
//! creates, alters or deletes anything in a cluster, or joins a group.
//!
//! Beside them, [`http_client`]: the one small HTTP client the OAuth token
//! endpoint and the collector's HTTP sources share, over the same TLS.

pub mod admin;
pub mod api_versions;
pub mod broker_pool;
pub mod client_properties;
pub mod config;
pub mod connection;
pub mod error;
mod frame;
pub mod http_client;
pub mod request_counts;
pub mod security;

pub use broker_pool::BrokerPool;
pub use config::{ClientConfig, SaslMechanism, SaslSettings, TlsSettings};
pub use connection::Connection;
pub use error::{ClientError, Result};
pub use request_counts::RequestCounts;

/// Kafka's name for an error code (`NotLeaderOrFollower`), for messages.
pub fn kafka_error_name(code: i16) -> String {
    match kafka_protocol::error::ResponseError::try_from_code(code) {
        Some(kafka_protocol::error::ResponseError::Unknown(c)) => format!("unknown error {c}"),
        Some(error) => format!("{error:?}"),
        None => "none".to_string(),
    }
}
