//! What a collection loop watches and how often.

use std::time::Duration;

use regex::Regex;

/// Include/exclude regexes over topic or group names. An empty filter
/// admits everything.
#[derive(Debug, Clone, Default)]
pub struct NameFilter {
    pub include: Option<Regex>,
    pub exclude: Option<Regex>,
}

impl NameFilter {
    pub fn admits(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|r| r.is_match(name))
            && !self.exclude.as_ref().is_some_and(|r| r.is_match(name))
    }
}

#[derive(Debug, Clone)]
pub struct CollectorSettings {
    /// The `cluster` label and the name in the API.
    pub cluster: String,
    pub interval: Duration,
    pub topics: NameFilter,
    pub groups: NameFilter,
    /// Groups to describe even when no broker lists them (ListGroups may
    /// omit a group that has members but no commits yet, as tansu does).
    pub named_groups: Vec<String>,
    /// Topic configs change rarely; they are re-read at most this often.
    pub config_refresh: Duration,
    pub health: HealthSettings,
}

/// How consumer health is judged (lag status window, liveness thresholds).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSettings {
    /// Samples of committed offsets kept per group-partition; a status other
    /// than "not enough data" needs a full window (Burrow's `intervals`).
    pub intervals: usize,
    /// Two samples closer than this are one (Burrow's `min-distance`).
    pub min_distance: Duration,
    /// Window state of a group not seen for this long is forgotten.
    pub group_expiry: Duration,
    /// Members present but no committed offset moved for this long, while
    /// lagging: the group is called dead.
    pub dead_after: Duration,
    /// In PreparingRebalance/CompletingRebalance for this long: stuck.
    pub rebalance_stuck_after: Duration,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            intervals: 10,
            min_distance: Duration::from_secs(1),
            group_expiry: Duration::from_secs(7 * 24 * 3600),
            dead_after: Duration::from_secs(300),
            rebalance_stuck_after: Duration::from_secs(300),
        }
    }
}

impl CollectorSettings {
    pub fn new(cluster: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
            interval: Duration::from_secs(10),
            topics: NameFilter::default(),
            groups: NameFilter::default(),
            named_groups: Vec::new(),
            config_refresh: Duration::from_secs(300),
            health: HealthSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_then_exclude() {
        let filter = NameFilter {
            include: Some(Regex::new("^orders").unwrap()),
            exclude: Some(Regex::new("-dlq$").unwrap()),
        };
        assert!(filter.admits("orders-eu"));
        assert!(!filter.admits("orders-eu-dlq"));
        assert!(!filter.admits("payments"));
        assert!(NameFilter::default().admits("anything"));
    }
}
