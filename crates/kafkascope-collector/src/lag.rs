//! Lag arithmetic: pure functions of commits and log offsets, which is what
//! the unit tests exercise.

/// How many records lie between a group's commit and the log end. Never
/// negative: a commit read before the log end can only trail it, and a
/// commit past the end (log truncated under the group) counts as caught up.
/// `None` when the log end is unknown this cycle.
pub fn partition_lag(committed: i64, log_end: Option<i64>) -> Option<i64> {
    log_end.map(|end| (end - committed).max(0))
}

/// Records per second between two readings of a monotonic offset, or
/// `None` when it went backwards (topic re-created, offset reset) or no
/// time passed.
pub fn offset_rate(now: i64, before: i64, seconds: f64) -> Option<f64> {
    (seconds > 0.0 && now >= before).then(|| (now - before) as f64 / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_distance_to_log_end() {
        assert_eq!(partition_lag(2, Some(5)), Some(3));
        assert_eq!(partition_lag(5, Some(5)), Some(0));
    }

    #[test]
    fn lag_is_clamped_at_zero() {
        assert_eq!(partition_lag(9, Some(5)), Some(0));
    }

    #[test]
    fn lag_unknown_without_log_end() {
        assert_eq!(partition_lag(3, None), None);
    }

    #[test]
    fn rate_over_interval() {
        assert_eq!(offset_rate(150, 100, 10.0), Some(5.0));
        assert_eq!(offset_rate(100, 100, 10.0), Some(0.0));
        assert_eq!(offset_rate(90, 100, 10.0), None);
        assert_eq!(offset_rate(150, 100, 0.0), None);
    }
}
