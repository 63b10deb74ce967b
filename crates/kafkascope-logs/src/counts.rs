//! What the follower counts: records by level and logger (bounded), events
//! by kind, skipped lines by reason with the first few of them, and what
//! the record bounds cut.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::event::EventKind;
use crate::level::Level;
use crate::line_check::SkipReason;

/// How many skipped lines are kept as samples.
pub const SKIPPED_SAMPLES: usize = 16;

/// The logger name under which loggers beyond the bound are counted.
pub const OTHER_LOGGER: &str = "other";

/// A skipped line: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    pub file: String,
    pub line: u64,
    pub reason: SkipReason,
}

/// Counts, as published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogCounts {
    /// Lines read, whatever became of them.
    pub lines: u64,
    pub bytes: u64,
    pub records: u64,
    pub records_by_level: BTreeMap<Level, u64>,
    /// The most frequent loggers, the rest under [`OTHER_LOGGER`].
    pub records_by_logger: BTreeMap<String, u64>,
    pub events: BTreeMap<EventKind, u64>,
    pub skipped: BTreeMap<SkipReason, u64>,
    /// The first skipped lines, with their file and line number.
    pub skipped_samples: Vec<SkippedLine>,
    /// Continuation lines not kept with their record, and their bytes.
    pub lines_cut: u64,
    pub bytes_cut: u64,
    pub rotations: u64,
    pub truncations: u64,
}

/// Counts being gathered; loggers are tracked up to a bound.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub lines: u64,
    pub bytes: u64,
    pub records: u64,
    by_level: [u64; Level::ALL.len()],
    loggers: HashMap<String, u64>,
    other_loggers: u64,
    events: BTreeMap<EventKind, u64>,
    skipped: BTreeMap<SkipReason, u64>,
    skipped_samples: Vec<SkippedLine>,
    pub lines_cut: u64,
    pub bytes_cut: u64,
    pub rotations: u64,
    pub truncations: u64,
}

impl Tally {
    /// Counts a record; loggers beyond `tracked_loggers` distinct names
    /// count as [`OTHER_LOGGER`].
    pub fn record(&mut self, level: Option<Level>, logger: &str, tracked_loggers: usize) {
        self.records += 1;
        if let Some(level) = level {
            self.by_level[level as usize] += 1;
        }
        if let Some(count) = self.loggers.get_mut(logger) {
            *count += 1;
        } else if self.loggers.len() < tracked_loggers {
            self.loggers.insert(logger.to_string(), 1);
        } else {
            self.other_loggers += 1;
        }
    }

    pub fn event(&mut self, kind: EventKind) {
        *self.events.entry(kind).or_default() += 1;
    }

    pub fn skipped(&mut self, file: &str, line: u64, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
        if self.skipped_samples.len() < SKIPPED_SAMPLES {
            self.skipped_samples.push(SkippedLine {
                file: file.to_string(),
                line,
                reason,
            });
        }
    }

    /// Records by level, levels with none left out.
    pub fn records_by_level(&self) -> BTreeMap<Level, u64> {
        Level::ALL
            .iter()
            .zip(self.by_level)
            .filter(|(_, count)| *count > 0)
            .map(|(level, count)| (*level, count))
            .collect()
    }

    /// Skipped lines by reason.
    pub fn skipped_by_reason(&self) -> &BTreeMap<SkipReason, u64> {
        &self.skipped
    }

    /// Adds `other`'s counts to these.
    pub fn absorb(&mut self, other: &Tally, tracked_loggers: usize) {
        self.lines += other.lines;
        self.bytes += other.bytes;
        self.records += other.records;
        for (mine, theirs) in self.by_level.iter_mut().zip(other.by_level) {
            *mine += theirs;
        }
        for (logger, count) in &other.loggers {
            if let Some(mine) = self.loggers.get_mut(logger) {
                *mine += count;
            } else if self.loggers.len() < tracked_loggers {
                self.loggers.insert(logger.clone(), *count);
            } else {
                self.other_loggers += count;
            }
        }
        self.other_loggers += other.other_loggers;
        for (kind, count) in &other.events {
            *self.events.entry(*kind).or_default() += count;
        }
        for (reason, count) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += count;
        }
        let room = SKIPPED_SAMPLES.saturating_sub(self.skipped_samples.len());
        self.skipped_samples
            .extend(other.skipped_samples.iter().take(room).cloned());
        self.lines_cut += other.lines_cut;
        self.bytes_cut += other.bytes_cut;
        self.rotations += other.rotations;
        self.truncations += other.truncations;
    }

    /// The counts with the `top_loggers` most frequent loggers named.
    pub fn counts(&self, top_loggers: usize) -> LogCounts {
        let mut loggers: Vec<(&String, &u64)> = self.loggers.iter().collect();
        loggers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut records_by_logger: BTreeMap<String, u64> = loggers
            .iter()
            .take(top_loggers)
            .map(|(name, count)| ((*name).clone(), **count))
            .collect();
        let rest: u64 = loggers.iter().skip(top_loggers).map(|(_, c)| **c).sum();
        if rest + self.other_loggers > 0 {
            *records_by_logger
                .entry(OTHER_LOGGER.to_string())
                .or_default() += rest + self.other_loggers;
        }
        LogCounts {
            lines: self.lines,
            bytes: self.bytes,
            records: self.records,
            records_by_level: self.records_by_level(),
            records_by_logger,
            events: self.events.clone(),
            skipped: self.skipped.clone(),
            skipped_samples: self.skipped_samples.clone(),
            lines_cut: self.lines_cut,
            bytes_cut: self.bytes_cut,
            rotations: self.rotations,
            truncations: self.truncations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loggers_beyond_the_bound_count_as_other() {
        let mut tally = Tally::default();
        for logger in ["a", "a", "a", "b", "b", "c", "d"] {
            tally.record(Some(Level::Info), logger, 3);
        }
        let counts = tally.counts(2);
        assert_eq!(
            counts.records_by_logger,
            BTreeMap::from([("a".into(), 3), ("b".into(), 2), ("other".into(), 2)])
        );
        assert_eq!(counts.records_by_level, BTreeMap::from([(Level::Info, 7)]));
        assert_eq!(counts.records, 7);
    }

    #[test]
    fn absorbing_adds_and_keeps_only_the_first_samples() {
        let mut total = Tally::default();
        let mut batch = Tally::default();
        for line in 1..=20 {
            batch.skipped("server.log", line, SkipReason::Binary);
        }
        batch.event(EventKind::IsrShrink);
        total.absorb(&batch, 10);
        total.absorb(&batch, 10);
        let counts = total.counts(10);
        assert_eq!(counts.skipped, BTreeMap::from([(SkipReason::Binary, 40)]));
        assert_eq!(counts.skipped_samples.len(), SKIPPED_SAMPLES);
        assert_eq!(counts.skipped_samples[15].line, 16);
        assert_eq!(counts.events, BTreeMap::from([(EventKind::IsrShrink, 2)]));
    }
}
