//! How to reach a cluster: timeouts, frame cap, and security settings. Built
//! by the binary from flags, a config file or a Kafka client properties file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::request_counts::RequestCounts;
pub use crate::security::sasl::oauthbearer::OAuthBearerTokens;

/// Settings shared by every connection to one cluster.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub client_id: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Largest response frame accepted; anything larger closes the connection.
    pub max_response_bytes: usize,
    pub reconnect_backoff: Duration,
    pub reconnect_backoff_max: Duration,
    /// Connections kept to each broker. Requests are pipelined on each; a
    /// broker works on one connection's requests in order but on several
    /// connections at once, so the big independent reads of a cycle
    /// (Metadata and ListOffsets latest on lane 0, earliest and
    /// read_committed on lanes 1-2, ListGroups and DescribeGroups on lane 3,
    /// DescribeLogDirs and the controllers' questions on lane 4, OffsetFetch
    /// on lane 5) go on separate ones. Fewer lanes fold onto the ones there
    /// are.
    pub connections_per_broker: usize,
    pub tls: Option<TlsSettings>,
    pub sasl: Option<SaslSettings>,
    /// Requests sent by every connection made with this config or a clone.
    pub request_counts: Arc<RequestCounts>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            client_id: "kafkascope".to_string(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_response_bytes: 100 * 1024 * 1024,
            reconnect_backoff: Duration::from_millis(200),
            reconnect_backoff_max: Duration::from_secs(10),
            connections_per_broker: 6,
            tls: None,
            sasl: None,
            request_counts: Arc::default(),
        }
    }
}

/// TLS from PEM files, as librdkafka's `ssl.*.location` settings name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// CA bundle; `None` trusts the platform's web roots.
    pub ca_pem: Option<PathBuf>,
    /// Client certificate and key for mutual TLS.
    pub client_cert_pem: Option<PathBuf>,
    pub client_key_pem: Option<PathBuf>,
    /// `ssl.endpoint.identification.algorithm=https` (Kafka's default since 2.0).
    pub verify_hostname: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    Plain,
    ScramSha256,
    ScramSha512,
    /// RFC 7628 bearer tokens (KIP-255), from the given source. The
    /// settings' `username` only names the principal in logs and `password`
    /// is unused.
    OAuthBearer(OAuthBearerTokens),
}

impl SaslMechanism {
    /// The name Kafka uses on the wire and in `sasl.mechanism`.
    pub fn kafka_name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
            SaslMechanism::OAuthBearer(_) => "OAUTHBEARER",
        }
    }

    /// The mechanisms that need only a username and password; OAUTHBEARER
    /// needs a token source, see [`OAuthBearerTokens`].
    pub fn from_kafka_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PLAIN" => Some(SaslMechanism::Plain),
            "SCRAM-SHA-256" => Some(SaslMechanism::ScramSha256),
            "SCRAM-SHA-512" => Some(SaslMechanism::ScramSha512),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SaslSettings {
    pub mechanism: SaslMechanism,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SaslSettings {
    // Keeps the password out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslSettings")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}
