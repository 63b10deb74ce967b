//! Lag in seconds of one group-partition: the age of the oldest record the
//! group has not consumed. In order of preference: exactly 0 when caught up;
//! the timestamp of the record at the committed offset; an estimate from
//! when the log end passed the committed offset. Records deleted before the
//! group read them are counted as lost, and the age is then that of the
//! oldest record still there, never a time computed from an offset that no
//! longer exists.

use kafkascope_client::admin::RecordAt;

use crate::snapshot::LagSecondsSource;

use super::log_end_history::{AppendedAt, LogEndHistory};

/// What is known about one group-partition this cycle.
#[derive(Debug, Clone, Copy, Default)]
pub struct LagFacts<'a> {
    pub committed: i64,
    pub log_end: Option<i64>,
    /// The read_committed end: below the log end while a transaction is open.
    pub last_stable: Option<i64>,
    pub log_start: Option<i64>,
    /// What the log holds at the committed offset, when it was read.
    pub record: Option<&'a RecordAt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LagAge {
    pub seconds: Option<f64>,
    pub source: Option<LagSecondsSource>,
    pub messages_lost: Option<i64>,
}

/// Nothing is left for the group to consume: it committed the log end; or
/// only transaction markers follow its commit (a transactional producer's
/// commit marker leaves a lag of one forever); or it committed the
/// read_committed end while a transaction is still open.
pub fn is_caught_up(facts: &LagFacts<'_>) -> bool {
    let at_log_end = facts.log_end.is_some_and(|end| facts.committed >= end);
    let nothing_to_read = matches!(
        facts.record,
        Some(RecordAt::OnlyControlRecords | RecordAt::AtLogEnd)
    );
    let at_stable_end = matches!(
        (facts.last_stable, facts.log_end),
        (Some(stable), Some(end)) if stable < end && facts.committed >= stable
    );
    at_log_end || nothing_to_read || at_stable_end
}

pub fn lag_age(facts: &LagFacts<'_>, history: Option<&LogEndHistory>, now_ms: i64) -> LagAge {
    if is_caught_up(facts) {
        return LagAge {
            seconds: Some(0.0),
            source: Some(LagSecondsSource::CaughtUp),
            messages_lost: None,
        };
    }
    match facts.record {
        Some(RecordAt::Timestamp(timestamp)) => LagAge {
            seconds: Some(age_seconds(now_ms, *timestamp as f64)),
            source: Some(LagSecondsSource::RecordTimestamp),
            messages_lost: None,
        },
        Some(RecordAt::BelowLogStart(said)) => {
            lost(facts, said.or(facts.log_start), history, now_ms)
        }
        _ => match facts.log_start.filter(|&start| start > facts.committed) {
            Some(start) => lost(facts, Some(start), history, now_ms),
            None => estimated(facts.committed, history, now_ms),
        },
    }
}

/// The commit is below the log start: the records in between are gone and
/// the age is that of the first record still there.
fn lost(
    facts: &LagFacts<'_>,
    log_start: Option<i64>,
    history: Option<&LogEndHistory>,
    now_ms: i64,
) -> LagAge {
    let Some(log_start) = log_start else {
        return LagAge::default();
    };
    LagAge {
        messages_lost: Some(log_start - facts.committed).filter(|&lost| lost > 0),
        ..estimated(log_start, history, now_ms)
    }
}

/// From when the log end passed `offset`. For an offset older than the whole
/// history the age since the oldest observation is a lower bound; it is
/// still reported (as an estimate) once that observation is in the past,
/// since a bound is more useful than nothing for an old backlog.
fn estimated(offset: i64, history: Option<&LogEndHistory>, now_ms: i64) -> LagAge {
    let appended = history.and_then(|h| h.appended_at(offset));
    let seconds = match appended {
        Some(AppendedAt::Before(oldest_ms)) if oldest_ms >= now_ms => None,
        Some(at) => Some(age_seconds(now_ms, at.ms())),
        None => None,
    };
    LagAge {
        seconds,
        source: seconds.map(|_| LagSecondsSource::Estimated),
        messages_lost: None,
    }
}

/// Clock skew between kafkascope and a producer must not make an age negative.
fn age_seconds(now_ms: i64, then_ms: f64) -> f64 {
    (now_ms as f64 - then_ms).max(0.0) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 100_000;

    fn facts(committed: i64, log_end: i64) -> LagFacts<'static> {
        LagFacts {
            committed,
            log_end: Some(log_end),
            ..LagFacts::default()
        }
    }

    fn history(points: &[(i64, i64)]) -> LogEndHistory {
        let mut history = LogEndHistory::default();
        for &(log_end, at_ms) in points {
            history.observe(log_end, at_ms);
        }
        history
    }

    #[test]
    fn caught_up_is_exactly_zero_even_with_history() {
        let old = history(&[(0, 0), (50, 1_000)]);
        let age = lag_age(&facts(50, 50), Some(&old), NOW);
        assert_eq!(age.seconds, Some(0.0));
        assert_eq!(age.source, Some(LagSecondsSource::CaughtUp));
    }

    #[test]
    fn transactional_marker_lag_of_one_counts_as_caught_up() {
        let marker = RecordAt::OnlyControlRecords;
        let facts = LagFacts {
            record: Some(&marker),
            ..facts(41, 42)
        };
        assert!(is_caught_up(&facts));
        assert_eq!(lag_age(&facts, None, NOW).seconds, Some(0.0));
    }

    #[test]
    fn commit_at_the_read_committed_end_is_caught_up() {
        let open_transaction = LagFacts {
            last_stable: Some(30),
            ..facts(30, 42)
        };
        assert!(is_caught_up(&open_transaction));
        let behind_it = LagFacts {
            last_stable: Some(30),
            ..facts(29, 42)
        };
        assert!(!is_caught_up(&behind_it));
    }

    #[test]
    fn record_timestamp_gives_the_age() {
        let record = RecordAt::Timestamp(NOW - 12_500);
        let facts = LagFacts {
            record: Some(&record),
            ..facts(10, 20)
        };
        let age = lag_age(&facts, None, NOW);
        assert_eq!(age.seconds, Some(12.5));
        assert_eq!(age.source, Some(LagSecondsSource::RecordTimestamp));
    }

    #[test]
    fn record_from_the_future_is_zero_seconds_old() {
        let record = RecordAt::Timestamp(NOW + 5_000);
        let facts = LagFacts {
            record: Some(&record),
            ..facts(10, 20)
        };
        assert_eq!(lag_age(&facts, None, NOW).seconds, Some(0.0));
    }

    #[test]
    fn estimate_interpolation_exact_values() {
        let history = history(&[(0, 40_000), (100, 60_000), (200, 80_000)]);
        // Record 149 was appended at 70 s: 30 s ago.
        let age = lag_age(&facts(149, 200), Some(&history), NOW);
        assert_eq!(age.seconds, Some(30.0));
        assert_eq!(age.source, Some(LagSecondsSource::Estimated));
        // Record 9 was appended at 42 s.
        let age = lag_age(&facts(9, 200), Some(&history), NOW);
        assert_eq!(age.seconds, Some(58.0));
    }

    #[test]
    fn commit_older_than_all_history_is_a_lower_bound() {
        let history = history(&[(500, 70_000), (600, 80_000)]);
        let age = lag_age(&facts(10, 600), Some(&history), NOW);
        assert_eq!(age.seconds, Some(30.0));
        assert_eq!(age.source, Some(LagSecondsSource::Estimated));
        // A single observation made right now bounds nothing.
        let fresh = history_at_now();
        assert_eq!(
            lag_age(&facts(10, 600), Some(&fresh), NOW),
            LagAge::default()
        );
    }

    fn history_at_now() -> LogEndHistory {
        history(&[(600, NOW)])
    }

    #[test]
    fn no_history_no_record_no_age() {
        assert_eq!(lag_age(&facts(10, 20), None, NOW), LagAge::default());
    }

    #[test]
    fn lost_messages_from_the_brokers_log_start() {
        let history = history(&[(0, 40_000), (100, 60_000), (200, 80_000)]);
        let record = RecordAt::BelowLogStart(Some(150));
        let facts = LagFacts {
            record: Some(&record),
            log_start: Some(120),
            ..facts(30, 200)
        };
        let age = lag_age(&facts, Some(&history), NOW);
        // The broker's own answer wins over the snapshot's log start.
        assert_eq!(age.messages_lost, Some(120));
        // Aged from record 150 (appended at 70.2 s), not from offset 30.
        assert_eq!(age.seconds, Some(29.8));
        assert_eq!(age.source, Some(LagSecondsSource::Estimated));
    }

    #[test]
    fn lost_messages_from_the_snapshots_log_start() {
        let record = RecordAt::BelowLogStart(None);
        let below = LagFacts {
            record: Some(&record),
            log_start: Some(80),
            ..facts(30, 200)
        };
        let age = lag_age(&below, None, NOW);
        assert_eq!(
            (age.messages_lost, age.seconds, age.source),
            (Some(50), None, None)
        );
        // Without a record read, a commit under the log start is still a loss.
        let unread = LagFacts {
            log_start: Some(80),
            ..facts(30, 200)
        };
        assert_eq!(lag_age(&unread, None, NOW).messages_lost, Some(50));
        // Without any log start the loss is unknown, not zero.
        let unknown = LagFacts {
            record: Some(&record),
            ..facts(30, 200)
        };
        assert_eq!(lag_age(&unknown, None, NOW), LagAge::default());
    }
}
