//! Is anyone consuming? Per group: rebalances seen between cycles, how long
//! it has been rebalancing, and the reasons to call it dead.
//!
//! DescribeGroups carries no generation id, so a rebalance is inferred: the
//! member-id set changed between two cycles, or the group entered a
//! rebalancing state. A rebalance seen entering is not counted again when
//! its new member set shows up a cycle later.

use std::collections::BTreeSet;

use crate::snapshot::DeadReason;

/// Group states in which a rebalance is in progress (`AwaitingSync` is the
/// name older brokers give `CompletingRebalance`; `Assigning` and
/// `Reconciling` are a KIP-848 consumer group's, while its assignor runs and
/// while members move to their new assignment).
const REBALANCING_STATES: [&str; 5] = [
    "PreparingRebalance",
    "CompletingRebalance",
    "AwaitingSync",
    "Assigning",
    "Reconciling",
];

pub fn is_rebalancing(state: &str) -> bool {
    REBALANCING_STATES.contains(&state)
}

#[derive(Debug, Clone, Default)]
pub struct GroupLiveness {
    /// Member ids and rebalancing flag as of the last cycle; `None` before
    /// the first.
    last: Option<(BTreeSet<String>, bool)>,
    rebalancing_since_ms: Option<i64>,
    rebalances: u64,
}

impl GroupLiveness {
    /// Takes this cycle's state and members. The first sighting counts no
    /// rebalance; a group first seen rebalancing is taken to have started
    /// then (the stuck time is a lower bound).
    pub fn observe<'a>(
        &mut self,
        state: &str,
        member_ids: impl Iterator<Item = &'a str>,
        now_ms: i64,
    ) {
        let rebalancing = is_rebalancing(state);
        let members: BTreeSet<String> = member_ids.map(str::to_string).collect();
        if let Some((last_members, was_rebalancing)) = &self.last {
            let entered = rebalancing && !was_rebalancing;
            let changed_between_cycles = !was_rebalancing && members != *last_members;
            if entered || changed_between_cycles {
                self.rebalances += 1;
            }
        }
        self.rebalancing_since_ms =
            rebalancing.then(|| self.rebalancing_since_ms.unwrap_or(now_ms));
        self.last = Some((members, rebalancing));
    }

    pub fn rebalances(&self) -> u64 {
        self.rebalances
    }

    /// How long the group has been rebalancing, if it is.
    pub fn rebalancing_for_ms(&self, now_ms: i64) -> Option<i64> {
        self.rebalancing_since_ms.map(|since| now_ms - since)
    }
}

/// What the dead-group verdict needs about one group this cycle.
#[derive(Debug, Clone, Copy, Default)]
pub struct LivenessFacts {
    pub has_members: bool,
    /// Some partition has lag left to consume (caught-up ones do not count).
    pub lagging: bool,
    /// Since the last committed-offset move on any lagging partition (or
    /// since kafkascope first saw them, when none moved since).
    pub no_progress_for_ms: Option<i64>,
    pub rebalancing_for_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct DeadThresholds {
    pub dead_after_ms: i64,
    pub rebalance_stuck_after_ms: i64,
}

pub fn dead_reasons(facts: LivenessFacts, thresholds: DeadThresholds) -> Vec<DeadReason> {
    let mut reasons = Vec::new();
    if facts.lagging && !facts.has_members {
        reasons.push(DeadReason::LagWithoutMembers);
    }
    if let Some(idle) = facts
        .no_progress_for_ms
        .filter(|&ms| facts.lagging && facts.has_members && ms >= thresholds.dead_after_ms)
    {
        reasons.push(DeadReason::NoCommitProgress {
            seconds: seconds(idle),
        });
    }
    if let Some(stuck) = facts
        .rebalancing_for_ms
        .filter(|&ms| ms >= thresholds.rebalance_stuck_after_ms)
    {
        reasons.push(DeadReason::StuckRebalancing {
            seconds: seconds(stuck),
        });
    }
    reasons
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observe(liveness: &mut GroupLiveness, state: &str, members: &[&str], now_ms: i64) {
        liveness.observe(state, members.iter().copied(), now_ms);
    }

    #[test]
    fn member_set_change_between_cycles_is_one_rebalance() {
        let mut liveness = GroupLiveness::default();
        observe(&mut liveness, "Stable", &["a"], 0);
        observe(&mut liveness, "Stable", &["a"], 10);
        assert_eq!(liveness.rebalances(), 0);
        observe(&mut liveness, "Stable", &["a", "b"], 20);
        observe(&mut liveness, "Empty", &[], 30);
        assert_eq!(liveness.rebalances(), 2);
    }

    #[test]
    fn a_rebalance_seen_in_progress_counts_once() {
        let mut liveness = GroupLiveness::default();
        observe(&mut liveness, "Stable", &["a"], 0);
        observe(&mut liveness, "PreparingRebalance", &["a"], 10);
        observe(&mut liveness, "CompletingRebalance", &["a", "b"], 20);
        observe(&mut liveness, "Stable", &["a", "b"], 30);
        assert_eq!(liveness.rebalances(), 1);
        assert_eq!(liveness.rebalancing_for_ms(30), None);
    }

    #[test]
    fn first_sighting_counts_no_rebalance_but_starts_the_stuck_clock() {
        let mut liveness = GroupLiveness::default();
        observe(&mut liveness, "PreparingRebalance", &["a"], 1_000);
        observe(&mut liveness, "PreparingRebalance", &["a"], 5_000);
        assert_eq!(liveness.rebalances(), 0);
        assert_eq!(liveness.rebalancing_for_ms(7_000), Some(6_000));
    }

    const THRESHOLDS: DeadThresholds = DeadThresholds {
        dead_after_ms: 60_000,
        rebalance_stuck_after_ms: 30_000,
    };

    #[test]
    fn lag_without_members_is_dead() {
        let facts = LivenessFacts {
            lagging: true,
            ..LivenessFacts::default()
        };
        assert_eq!(
            dead_reasons(facts, THRESHOLDS),
            [DeadReason::LagWithoutMembers]
        );
        let caught_up = LivenessFacts::default();
        assert_eq!(dead_reasons(caught_up, THRESHOLDS), []);
    }

    #[test]
    fn members_without_progress_for_dead_after_is_dead() {
        let facts = |ms| LivenessFacts {
            has_members: true,
            lagging: true,
            no_progress_for_ms: Some(ms),
            rebalancing_for_ms: None,
        };
        assert_eq!(dead_reasons(facts(59_999), THRESHOLDS), []);
        assert_eq!(
            dead_reasons(facts(90_000), THRESHOLDS),
            [DeadReason::NoCommitProgress { seconds: 90.0 }]
        );
        let not_lagging = LivenessFacts {
            lagging: false,
            ..facts(90_000)
        };
        assert_eq!(dead_reasons(not_lagging, THRESHOLDS), []);
    }

    #[test]
    fn rebalancing_for_too_long_is_stuck() {
        let facts = LivenessFacts {
            has_members: true,
            rebalancing_for_ms: Some(45_500),
            ..LivenessFacts::default()
        };
        assert_eq!(
            dead_reasons(facts, THRESHOLDS),
            [DeadReason::StuckRebalancing { seconds: 45.5 }]
        );
    }
}
