//! The detectors, one per kind of event, in one table: each rule names the
//! text that must be in a record for its reader to run. One Aho-Corasick
//! pass over a record's message finds which rules to run, so an ordinary
//! line costs a single scan.

mod failures;
mod fields;
mod membership;
mod replication;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::event::Detected;
use crate::isr_tracker::IsrTracker;
use crate::record::Record;

/// What detectors may read and change beyond the record.
pub struct DetectContext<'a> {
    /// The ISRs last seen in this file set.
    pub isr: &'a mut IsrTracker,
    /// A flush at least this long is slow.
    pub slow_flush_ms: u64,
}

type Reader = fn(&Record<'_>, &mut DetectContext<'_>, &mut Vec<Detected>);

/// Where a rule's text is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The first line's message.
    Message,
    /// The message or any continuation line (exceptions in stack traces).
    Anywhere,
}

struct Rule {
    needle: &'static str,
    scope: Scope,
    read: Reader,
}

/// Every rule; the wording is Kafka's (4.x, and what 3.x shares).
const RULES: &[Rule] = &[
    Rule {
        needle: "Shrinking ISR from ",
        scope: Scope::Message,
        read: replication::leader_driven_isr_change,
    },
    Rule {
        needle: "Expanding ISR from ",
        scope: Scope::Message,
        read: replication::leader_driven_isr_change,
    },
    Rule {
        needle: "ISR updated to ",
        scope: Scope::Message,
        read: replication::isr_updated,
    },
    Rule {
        needle: ", isr=[",
        scope: Scope::Message,
        read: replication::partition_registration,
    },
    Rule {
        needle: " starts at leader epoch ",
        scope: Scope::Message,
        read: replication::leader_started,
    },
    Rule {
        needle: "using an unclean election",
        scope: Scope::Message,
        read: replication::unclean_election,
    },
    Rule {
        needle: "In the new epoch ",
        scope: Scope::Message,
        read: membership::controller_change,
    },
    Rule {
        needle: "Becoming the active controller at epoch ",
        scope: Scope::Message,
        read: membership::controller_change,
    },
    Rule {
        needle: "RegisterBrokerRecord for broker ",
        scope: Scope::Message,
        read: membership::broker_registered,
    },
    Rule {
        needle: "RegisterBrokerRecord establishing a new incarnation of broker ",
        scope: Scope::Message,
        read: membership::broker_registered,
    },
    Rule {
        needle: "modifying the registration for broker ",
        scope: Scope::Message,
        read: membership::broker_registration_change,
    },
    Rule {
        needle: "] shut down completed",
        scope: Scope::Message,
        read: membership::broker_shut_down,
    },
    Rule {
        needle: "Stopped serving replicas in dir ",
        scope: Scope::Message,
        read: failures::log_dir_failure,
    },
    Rule {
        needle: "Shutdown broker because all log dirs in ",
        scope: Scope::Message,
        read: failures::log_dir_failure,
    },
    Rule {
        needle: "java.lang.OutOfMemoryError",
        scope: Scope::Anywhere,
        read: failures::out_of_memory,
    },
    Rule {
        needle: "Too many open files",
        scope: Scope::Anywhere,
        read: failures::too_many_open_files,
    },
    Rule {
        needle: "Failed authentication with ",
        scope: Scope::Message,
        read: failures::authentication_failure,
    },
    Rule {
        needle: "Unexpected exception thrown when cleaning log ",
        scope: Scope::Message,
        read: failures::log_cleaner_exception,
    },
    Rule {
        needle: "Error while flushing log for ",
        scope: Scope::Message,
        read: failures::log_flush_failed,
    },
    Rule {
        needle: "Error flushing topic ",
        scope: Scope::Message,
        read: failures::log_flush_failed,
    },
    Rule {
        needle: " took ",
        scope: Scope::Message,
        read: failures::log_flush_slow,
    },
];

// Which rules matched is kept in one u64.
const _: () = assert!(RULES.len() <= 64);

/// The compiled table.
pub struct DetectorSet {
    message_needles: AhoCorasick,
    /// Rule index of each needle of `anywhere_needles`.
    anywhere_rules: Vec<usize>,
    anywhere_needles: AhoCorasick,
}

impl Default for DetectorSet {
    fn default() -> Self {
        DetectorSet::new()
    }
}

impl DetectorSet {
    pub fn new() -> DetectorSet {
        let anywhere_rules: Vec<usize> = (0..RULES.len())
            .filter(|&i| RULES[i].scope == Scope::Anywhere)
            .collect();
        DetectorSet {
            message_needles: automaton(RULES.iter().map(|r| r.needle)),
            anywhere_needles: automaton(anywhere_rules.iter().map(|&i| RULES[i].needle)),
            anywhere_rules,
        }
    }

    /// Runs every rule whose text is in `record`, each once, in table order.
    pub fn detect(
        &self,
        record: &Record<'_>,
        context: &mut DetectContext<'_>,
        out: &mut Vec<Detected>,
    ) {
        let mut hits: u64 = 0;
        for found in self.message_needles.find_overlapping_iter(record.message()) {
            hits |= 1 << found.pattern().as_usize();
        }
        if !record.continuation.is_empty() {
            for found in self
                .anywhere_needles
                .find_overlapping_iter(record.continuation)
            {
                hits |= 1 << self.anywhere_rules[found.pattern().as_usize()];
            }
        }
        while hits != 0 {
            let rule = &RULES[hits.trailing_zeros() as usize];
            hits &= hits - 1;
            (rule.read)(record, context, out);
        }
        if record.level().is_some_and(|level| level.is_error()) && is_log_cleaner(record.logger()) {
            failures::log_cleaner_error_record(record, out);
        }
    }
}

fn is_log_cleaner(logger: &str) -> bool {
    logger.contains("LogCleaner")
}

fn automaton<'a>(needles: impl Iterator<Item = &'a str>) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(needles)
        .expect("the detector needles compile")
}

#[cfg(test)]
mod tests;
