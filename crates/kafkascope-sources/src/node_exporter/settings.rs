//! Where a cluster's hosts' node_exporter (or `kafkascope agent`) pages
//! are, and how to read them.

use std::time::Duration;

use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpUrl};

/// One page and the host it describes.
#[derive(Debug, Clone)]
pub struct HostTarget {
    pub url: HttpUrl,
    /// The host the page describes, as the brokers' Metadata names it, so
    /// the broker page finds it; the URL's host when not given.
    pub host: String,
    /// The broker running on that host, where one does.
    pub broker: Option<i32>,
    /// Credentials; those in the URL are used when `None`.
    pub basic_auth: Option<BasicAuth>,
}

impl HostTarget {
    /// A target for `url`, describing the host the URL names.
    pub fn new(url: HttpUrl) -> Self {
        let host = url_host(&url).to_string();
        Self {
            url,
            host,
            broker: None,
            basic_auth: None,
        }
    }
}

/// The host part of the URL's `host:port` (IPv6 without its brackets).
fn url_host(url: &HttpUrl) -> &str {
    let addr = url.addr.as_str();
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

#[derive(Debug, Clone)]
pub struct NodeExporterSettings {
    pub targets: Vec<HostTarget>,
    /// Also read `http://<broker host>:<port><discover_path>` for every
    /// broker of the latest snapshot that no target describes yet
    /// (node_exporter's port is 9100).
    pub discover_port: Option<u16>,
    pub discover_path: String,
    pub discover_basic_auth: Option<BasicAuth>,
    /// For connecting, and again for the whole page.
    pub timeout: Duration,
    /// A larger page is refused (and the target reported down).
    pub max_page_bytes: usize,
    /// For `https` targets.
    pub tls: TlsSettings,
}

impl NodeExporterSettings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// A node_exporter page is tens of kB; hundreds of disks and
    /// interfaces make a few MB.
    pub const DEFAULT_MAX_PAGE_BYTES: usize = 32 << 20;

    pub fn new(targets: Vec<HostTarget>) -> Self {
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
        }
    }

    /// The HTTP client these settings read targets with.
    pub fn http_client(&self) -> HttpClient {
        let mut client = HttpClient::new(self.timeout, self.timeout, self.max_page_bytes);
        client.tls = self.tls.clone();
        client
    }

    /// The configured targets, then one per broker of the latest snapshot
    /// whose host no target describes, tagged with its id.
    pub fn targets(&self, brokers: &[(i32, String)]) -> Vec<HostTarget> {
        let mut targets = self.targets.clone();
        let Some(port) = self.discover_port else {
            return targets;
        };
        for (id, host) in brokers {
            let described = targets
                .iter()
                .any(|t| t.broker == Some(*id) || t.host.eq_ignore_ascii_case(host));
            if described {
                continue;
            }
            let written = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            let text = format!("http://{written}:{port}{}", self.discover_path);
            match HttpUrl::parse(&text) {
                Ok(url) => targets.push(HostTarget {
                    url,
                    host: host.clone(),
                    broker: Some(*id),
                    basic_auth: self.discover_basic_auth.clone(),
                }),
                Err(error) => {
                    tracing::debug!(%text, %error, "no node_exporter target for broker {id}")
                }
            }
        }
        targets
    }
}
