//! The ZooKeeper source: every member of an ensemble asked its four-letter
//! words (`ruok`, `srvr`, `mntr`) on its client port, read into
//! [`ZookeeperFigures`] with a verdict on the ensemble.
//!
//! All members are asked at once, each word on its own connection within
//! the timeout and with a bound on the answer; a member that is down,
//! slow, or answers garbage is reported as such and the others still
//! count. A member whose `4lw.commands.whitelist` leaves a word out is up,
//! and its status says which words and which figures are therefore
//! missing. Packet counters become rates against the same member's
//! previous poll.
//!
//! [`ZookeeperFigures`]: crate::zookeeper_figures::ZookeeperFigures

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

use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind};
use crate::zookeeper_figures::{MemberFigures, ZookeeperFigures};

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
    /// `host:port` of its client port.
    pub address: String,
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
    /// A 3.9 member's `mntr` is about 20 KB.
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
