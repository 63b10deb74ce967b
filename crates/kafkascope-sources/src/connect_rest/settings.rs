//! Which Connect clusters to read and how.

use std::time::Duration;

use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpUrl};

/// One Connect cluster: the REST URLs of some of its workers.
#[derive(Debug, Clone)]
pub struct ConnectClusterSettings {
    /// Its name in kafkascope (labels, the API).
    pub name: String,
    /// Workers of the one cluster, tried in order: the first that answers
    /// is read. Each is also checked, so a dead worker shows.
    pub urls: Vec<HttpUrl>,
    /// Credentials; those in a URL are used when `None`.
    pub basic_auth: Option<BasicAuth>,
    /// For `https` URLs.
    pub tls: TlsSettings,
    /// The workers' `consumer.group.id`, when set: every sink without a
    /// `consumer.override.group.id` then consumes in that group, not in
    /// `connect-<name>`. The REST API does not show a worker's config.
    pub worker_consumer_group_id: Option<String>,
}

impl ConnectClusterSettings {
    pub fn new(name: impl Into<String>, urls: Vec<HttpUrl>) -> Self {
        Self {
            name: name.into(),
            urls,
            basic_auth: None,
            tls: TlsSettings {
                verify_hostname: true,
                ..TlsSettings::default()
            },
            worker_consumer_group_id: None,
        }
    }
}

/// The Connect clusters of one kafkascope cluster.
#[derive(Debug, Clone)]
pub struct ConnectRestSettings {
    pub clusters: Vec<ConnectClusterSettings>,
    /// For connecting, and again for each whole answer.
    pub timeout: Duration,
    /// A larger answer is refused.
    pub max_answer_bytes: usize,
    /// Connectors' topics read at once, per Connect cluster.
    pub topics_concurrency: usize,
    /// Each connector's topics are read again every this many polls (and
    /// at once for a connector not seen before): they change far less
    /// often than states, and cost a request per connector.
    pub topics_every_polls: u32,
}

impl ConnectRestSettings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// A listing of a thousand connectors with their configs is a few MB.
    pub const DEFAULT_MAX_ANSWER_BYTES: usize = 32 << 20;
    pub const DEFAULT_TOPICS_CONCURRENCY: usize = 8;
    pub const DEFAULT_TOPICS_EVERY_POLLS: u32 = 4;

    pub fn new(clusters: Vec<ConnectClusterSettings>) -> Self {
        Self {
            clusters,
            timeout: Self::DEFAULT_TIMEOUT,
            max_answer_bytes: Self::DEFAULT_MAX_ANSWER_BYTES,
            topics_concurrency: Self::DEFAULT_TOPICS_CONCURRENCY,
            topics_every_polls: Self::DEFAULT_TOPICS_EVERY_POLLS,
        }
    }

    /// The HTTP client a Connect cluster is read with.
    pub fn http_client(&self, cluster: &ConnectClusterSettings) -> HttpClient {
        let mut client = HttpClient::new(self.timeout, self.timeout, self.max_answer_bytes);
        client.tls = cluster.tls.clone();
        client
    }
}
