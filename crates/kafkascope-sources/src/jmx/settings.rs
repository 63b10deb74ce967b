//! Where a cluster's JMX targets are (JMX exporter pages or Jolokia
//! agents) and how to read them.

use std::time::Duration;

use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpUrl};

use crate::client_liveness::LivenessSettings;
use crate::jmx_figures::Role;

/// One JMX target: a JMX exporter page or a Jolokia agent.
#[derive(Debug, Clone)]
pub struct JmxTarget {
    pub url: HttpUrl,
    /// Detected from the page's series when not given.
    pub role: Option<Role>,
    /// The KRaft node (or broker) id the page belongs to.
    pub node_id: Option<i32>,
    /// Credentials; those in the URL are used when `None`.
    pub basic_auth: Option<BasicAuth>,
}

#[derive(Debug, Clone)]
pub struct JmxSettings {
    pub targets: Vec<JmxTarget>,
    /// Also read `http://<broker host>:<port><discover_path>` for every
    /// broker of the latest snapshot, as that broker's target.
    pub discover_port: Option<u16>,
    pub discover_path: String,
    pub discover_basic_auth: Option<BasicAuth>,
    /// For connecting, and again for the whole page.
    pub timeout: Duration,
    /// A larger page is refused (and the target reported down).
    pub max_page_bytes: usize,
    /// For `https` targets.
    pub tls: TlsSettings,
    /// When a client on a page is judged dead.
    pub clients: LivenessSettings,
}

impl JmxSettings {
    /// The HTTP client these settings read targets with.
    pub fn http_client(&self) -> HttpClient {
        let mut client = HttpClient::new(self.timeout, self.timeout, self.max_page_bytes);
        client.tls = self.tls.clone();
        client
    }

    /// Prometheus's own default scrape timeout: the agent renders a large
    /// broker's page in seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// A broker's page (or Jolokia answer) at 10,000 partitions is a few MB.
    pub const DEFAULT_MAX_PAGE_BYTES: usize = 32 << 20;

    pub fn new(targets: Vec<JmxTarget>) -> Self {
        Self {
            targets,
            discover_port: None,
            discover_path: "/metrics".to_string(),
            discover_basic_auth: None,
            timeout: Self::DEFAULT_TIMEOUT,
            max_page_bytes: Self::DEFAULT_MAX_PAGE_BYTES,
            tls: TlsSettings {
                verify_hostname: true,
                ..TlsSettings::default()
            },
            clients: LivenessSettings::default(),
        }
    }
}
