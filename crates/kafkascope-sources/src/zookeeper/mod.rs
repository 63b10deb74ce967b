//! The ZooKeeper source: every member of an ensemble asked its four-letter
//! words (`ruok`, `srvr`, `mntr`) on its client port, or the same questions
//! through its AdminServer (`GET /commands/ruok`, `/commands/server_stats`,
//! `/commands/monitor` over HTTP or HTTPS, answered in JSON), read into
//! [`ZookeeperFigures`] with a verdict on the ensemble.
//!
//! All members are asked at once, each word or command on its own
//! connection within the timeout and with a bound on the answer; a member
//! that is down, slow, or answers garbage is reported as such and the
//! others still count. The two ways give the same figures
//! (`admin_json.rs` maps the JSON fields onto what `srvr.rs` and `mntr.rs`
//! read), so the verdict, the families and the API do not tell them apart.
//! A member whose `4lw.commands.whitelist` leaves a word out is up, and its
//! status says which words and which figures are therefore missing; the
//! AdminServer is where operators read members whose whitelist forbids the
//! words. Packet counters become rates against the same member's previous
//! poll.
//!
//! [`ZookeeperFigures`]: crate::zookeeper_figures::ZookeeperFigures

mod admin_json;
mod admin_server;
mod answer_lines;
mod ensemble;
mod four_letter_words;
mod member;
mod mntr;
mod srvr;
mod unreadable_lines;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpUrl};

use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind};
use crate::zookeeper_figures::{MemberFigures, ZookeeperFigures};

pub use admin_json::{
    AdminAnswerError, AdminCommand, CommandAnswer, monitor_answer, parse_command_answer,
    server_stats_answer,
};
pub use admin_server::AdminCommandError;
pub use ensemble::judge;
pub use four_letter_words::{AnswerKind, AskError, AskLimits, answer_kind, ask};
pub use member::{MemberReading, missing_figures, read_member};
pub use mntr::{MntrAnswer, MntrError, parse_mntr};
pub use srvr::{SrvrAnswer, SrvrError, parse_srvr};

/// One member of the ensemble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZookeeperTarget {
    /// How verdicts and labels name it (e.g. `zk-1`).
    pub name: String,
    /// Where and how it is asked.
    pub endpoint: MemberEndpoint,
}

impl ZookeeperTarget {
    /// A member asked its four-letter words on `address` (`host:port`).
    pub fn client_port(name: impl Into<String>, address: impl Into<String>) -> Self {
        ZookeeperTarget {
            name: name.into(),
            endpoint: MemberEndpoint::ClientPort(address.into()),
        }
    }

    /// A member read through its AdminServer at `url`, without credentials
    /// and with hostnames verified.
    pub fn admin_server(name: impl Into<String>, url: HttpUrl) -> Self {
        ZookeeperTarget {
            name: name.into(),
            endpoint: MemberEndpoint::AdminServer(Box::new(AdminServerTarget::new(url))),
        }
    }

    /// How figures and statuses name where it is read: the client port's
    /// `host:port`, or the AdminServer's URL (without credentials).
    pub fn address(&self) -> String {
        match &self.endpoint {
            MemberEndpoint::ClientPort(address) => address.clone(),
            MemberEndpoint::AdminServer(admin) => admin.url.to_string(),
        }
    }
}

/// How a member is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberEndpoint {
    /// `host:port` of its client port: the four-letter words.
    ClientPort(String),
    /// Its AdminServer (`admin.serverPort`, 8080 by default).
    AdminServer(Box<AdminServerTarget>),
}

/// A member's AdminServer and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminServerTarget {
    /// Its root (`http://zk-1:8080`); `/commands/<name>` is added to its
    /// path, so one behind a proxy at `/zk-1` keeps it.
    pub url: HttpUrl,
    /// Credentials (a proxy's); those in the URL are used when `None`.
    pub basic_auth: Option<BasicAuth>,
    /// For an `https` URL.
    pub tls: TlsSettings,
}

impl AdminServerTarget {
    pub fn new(url: HttpUrl) -> Self {
        AdminServerTarget {
            url,
            basic_auth: None,
            tls: TlsSettings {
                verify_hostname: true,
                ..TlsSettings::default()
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct ZookeeperSettings {
    /// Every member of the ensemble: the verdict counts them.
    pub targets: Vec<ZookeeperTarget>,
    /// For connecting, and again for each whole answer.
    pub timeout: Duration,
    /// A larger answer is refused (and its figures missing).
    pub max_answer_bytes: usize,
}

impl ZookeeperSettings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// A 3.9 member's `mntr` is about 20 KB, its `monitor` JSON about as much.
    pub const DEFAULT_MAX_ANSWER_BYTES: usize = 1 << 20;

    /// `targets` with the default timeout and bound.
    pub fn new(targets: Vec<ZookeeperTarget>) -> Self {
        ZookeeperSettings {
            targets,
            timeout: Self::DEFAULT_TIMEOUT,
            max_answer_bytes: Self::DEFAULT_MAX_ANSWER_BYTES,
        }
    }

    fn limits(&self) -> AskLimits {
        AskLimits {
            timeout: self.timeout,
            max_answer_bytes: self.max_answer_bytes,
        }
    }
}

pub struct ZookeeperSource {
    settings: ZookeeperSettings,
    /// Each member's figures of the last poll where it was up, for rates.
    previous: BTreeMap<String, (Instant, MemberFigures)>,
}

impl ZookeeperSource {
    pub fn new(settings: ZookeeperSettings) -> Self {
        ZookeeperSource {
            settings,
            previous: BTreeMap::new(),
        }
    }

    /// The poll's result from every member's reading, in target order.
    fn finish(&mut self, readings: Vec<MemberReading>) -> Polled {
        let mut targets = Vec::with_capacity(readings.len());
        let mut members = Vec::with_capacity(readings.len());
        for MemberReading {
            status,
            mut figures,
            at,
        } in readings
        {
            let key = figures.address.clone();
            if figures.up {
                if let Some((then, before)) = self.previous.get(&key) {
                    figures.add_rates(before, at.duration_since(*then).as_secs_f64());
                }
                self.previous.insert(key, (at, figures.clone()));
            } else {
                // A member that comes back starts its rates afresh.
                self.previous.remove(&key);
            }
            targets.push(status);
            members.push(figures);
        }
        let current: Vec<&str> = members.iter().map(|m| m.address.as_str()).collect();
        self.previous
            .retain(|key, _| current.contains(&key.as_str()));
        let ensemble = judge(&members);
        Polled {
            targets,
            figures: SourceFigures::Zookeeper(ZookeeperFigures { members, ensemble }),
        }
    }
}

impl Source for ZookeeperSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Zookeeper
    }

    fn poll<'a>(&'a mut self, _context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let limits = self.settings.limits();
            let readings = futures::future::join_all(
                self.settings.targets.iter().map(|t| read_member(t, limits)),
            )
            .await;
            self.finish(readings)
        })
    }
}

#[cfg(test)]
mod tests;
