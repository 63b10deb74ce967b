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
    /// Hosts (`host`, `host:port`, an IP) read at `discover_port` (or their
    /// own port) and `discover_path` INSTEAD of the snapshot's brokers: for
    /// processes Metadata does not name (controllers, Connect workers,
    /// client hosts), whose role the page shows.
    pub discover_hosts: Vec<String>,
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

    /// The target a `discover_hosts` entry names, its own port before
    /// `discover_port`; the error says what is wrong with the entry.
    pub fn host_target(&self, entry: &str) -> Result<JmxTarget, String> {
        let (host, own_port) = split_host_port(entry)?;
        let port = match own_port {
            Some(port) => parse_port(port)?,
            None => self
                .discover_port
                .ok_or_else(|| format!("'{entry}' has no port, and there is no discover_port"))?,
        };
        let authority = format!("{host}:{port}");
        let text = format!("http://{authority}{}", self.discover_path);
        // The whole URL is named: the fault may be in `discover_path`.
        let url = HttpUrl::parse(&text).map_err(|e| format!("{text}: {e}"))?;
        // The authority must come back whole: `a/b` or `a@b` would parse as
        // another host.
        if url.authority != authority {
            return Err(format!("'{entry}' is not a host name or IP"));
        }
        Ok(JmxTarget {
            url,
            role: None,
            node_id: None,
            basic_auth: self.discover_basic_auth.clone(),
        })
    }

    pub fn new(targets: Vec<JmxTarget>) -> Self {
        Self {
            targets,
            discover_port: None,
            discover_hosts: Vec::new(),
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

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address as the
/// host the URL writes (IPv6 in brackets) and the port text, if any.
fn split_host_port(entry: &str) -> Result<(String, Option<&str>), String> {
    if entry.is_empty() {
        return Err("an empty host".to_string());
    }
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, "")) => Ok((format!("[{host}]"), None)),
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => Ok((format!("[{host}]"), Some(port))),
                None => Err(format!("'{entry}' is not a host name or IP")),
            },
            None => Err(format!("'{entry}' is not a host name or IP")),
        };
    }
    match entry.split_once(':') {
        None => Ok((entry.to_string(), None)),
        // More than one colon: an IPv6 address, which can only carry a
        // port in brackets.
        Some((_, rest)) if rest.contains(':') => Ok((format!("[{entry}]"), None)),
        Some(("", _)) => Err(format!("'{entry}' has no host")),
        Some((host, port)) => Ok((host.to_string(), Some(port))),
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("'{text}' is not a port")),
    }
}
