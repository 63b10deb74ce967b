//! Burrow's lag evaluation rules, as pure functions of one group-partition's
//! window. Burrow users should recognise every status; where kafkascope
//! differs it is because it sees committed offsets by polling OffsetFetch,
//! not every commit in `__consumer_offsets`:
//!
//! - Burrow's STALL is "committing the same offset over and over". We cannot
//!   see repeated commits of one offset, so our observable for it is "the
//!   offset did not move across the window while a live member could own
//!   the partition". Without such a member the same picture is STOP.
//! - Burrow's STOP compares the age of the last commit with the window's
//!   span. Our samples are taken every cycle whether or not anyone commits,
//!   so "no movement for longer than the window spans" is "unchanged across
//!   the whole window".
//! - REWIND is checked before Burrow's "lag was zero somewhere in the
//!   window" rule, so an offset reset of a caught-up group is reported.
//! - WARN needs the lag never to decrease *and* to have grown overall: a
//!   consumer holding a constant lag while committing is keeping pace, and
//!   Burrow's plain "never decreased" rule warns about it forever.
//! - No window exception: until the window is full the answer is "not
//!   enough data", even for a caught-up partition, so a freshly started
//!   kafkascope never claims OK or ERR without evidence.

use crate::snapshot::{GroupStatus, PartitionStatus};

use super::offset_window::OffsetSample;

/// What the rules need to know about one group-partition this cycle.
#[derive(Debug, Clone, Copy)]
pub struct StatusInput<'a> {
    /// The window, oldest first; `window_full` says whether it has
    /// `intervals` samples.
    pub window: &'a [OffsetSample],
    pub window_full: bool,
    /// This cycle's lag, 0 when caught up; `None` when the log end is unknown.
    pub lag_now: Option<i64>,
    /// A live member owns the partition, or the group has members whose
    /// assignments are unknown (tansu reports them empty).
    pub live_member: bool,
}

pub fn partition_status(input: StatusInput<'_>) -> PartitionStatus {
    let window = input.window;
    let Some(lag_now) = input.lag_now else {
        return PartitionStatus::NotEnoughData;
    };
    if !input.window_full || window.len() < 2 {
        return PartitionStatus::NotEnoughData;
    }
    if lag_now == 0 {
        return PartitionStatus::Ok;
    }
    if offsets_rewound(window) {
        return PartitionStatus::Rewind;
    }
    if lag_was_zero(window) {
        return PartitionStatus::Ok;
    }
    if offsets_unchanged(window) {
        return if input.live_member {
            PartitionStatus::Stall
        } else {
            PartitionStatus::Stop
        };
    }
    if lag_grew_without_decreasing(window) {
        return PartitionStatus::Warn;
    }
    PartitionStatus::Ok
}

/// The group's status is its worst partition's: STOP, STALL and REWIND are
/// errors; a partition still gathering data outranks OK, so a group is only
/// OK when every partition has shown it. A group without partitions has
/// shown nothing.
pub fn group_status(partitions: impl IntoIterator<Item = PartitionStatus>) -> GroupStatus {
    partitions
        .into_iter()
        .map(partition_severity)
        .max_by_key(|&status| rank(status))
        .unwrap_or(GroupStatus::NotEnoughData)
}

fn partition_severity(status: PartitionStatus) -> GroupStatus {
    match status {
        PartitionStatus::Stop | PartitionStatus::Stall | PartitionStatus::Rewind => {
            GroupStatus::Err
        }
        PartitionStatus::Warn => GroupStatus::Warn,
        PartitionStatus::NotEnoughData => GroupStatus::NotEnoughData,
        PartitionStatus::Ok => GroupStatus::Ok,
    }
}

fn rank(status: GroupStatus) -> u8 {
    match status {
        GroupStatus::Ok => 0,
        GroupStatus::NotEnoughData => 1,
        GroupStatus::Warn => 2,
        GroupStatus::Err => 3,
    }
}

fn offsets_rewound(window: &[OffsetSample]) -> bool {
    window.windows(2).any(|w| w[1].committed < w[0].committed)
}

/// Burrow's rule 1: a consumer that was caught up at some point in the
/// window is keeping up; the lag now is a burst.
fn lag_was_zero(window: &[OffsetSample]) -> bool {
    window.iter().any(|s| s.lag() == Some(0))
}

fn offsets_unchanged(window: &[OffsetSample]) -> bool {
    window.windows(2).all(|w| w[1].committed == w[0].committed)
}

/// Over the samples whose lag is known: it never went down, and the last
/// is above the first.
fn lag_grew_without_decreasing(window: &[OffsetSample]) -> bool {
    let lags: Vec<i64> = window.iter().filter_map(|s| s.lag()).collect();
    let never_decreased = lags.windows(2).all(|w| w[1] >= w[0]);
    let grew = matches!((lags.first(), lags.last()), (Some(first), Some(last)) if last > first);
    never_decreased && grew
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window of (committed, lag) pairs ten seconds apart.
    fn window(points: &[(i64, Option<i64>)]) -> Vec<OffsetSample> {
        points
            .iter()
            .enumerate()
            .map(|(i, &(committed, lag))| {
                OffsetSample::new(
                    i as i64 * 10_000,
                    committed,
                    lag,
                    lag.map(|l| committed + l),
                )
            })
            .collect()
    }

    fn status(points: &[(i64, Option<i64>)], live_member: bool) -> PartitionStatus {
        let window = window(points);
        partition_status(StatusInput {
            window: &window,
            window_full: true,
            lag_now: window.last().and_then(|s| s.lag()),
            live_member,
        })
    }

    #[test]
    fn partial_window_is_not_enough_data() {
        let window = window(&[(5, Some(0)), (5, Some(0))]);
        let input = StatusInput {
            window: &window,
            window_full: false,
            lag_now: Some(0),
            live_member: true,
        };
        assert_eq!(partition_status(input), PartitionStatus::NotEnoughData);
    }

    #[test]
    fn unknown_lag_now_is_not_enough_data() {
        let window = window(&[(5, Some(3)), (5, Some(3)), (5, None)]);
        let input = StatusInput {
            window: &window,
            window_full: true,
            lag_now: None,
            live_member: false,
        };
        assert_eq!(partition_status(input), PartitionStatus::NotEnoughData);
    }

    #[test]
    fn caught_up_with_an_unmoving_offset_is_ok() {
        let points = [(7, Some(0)), (7, Some(0)), (7, Some(0))];
        assert_eq!(status(&points, false), PartitionStatus::Ok);
    }

    #[test]
    fn offset_moving_backwards_is_rewind() {
        let points = [(50, Some(10)), (60, Some(10)), (20, Some(60))];
        assert_eq!(status(&points, true), PartitionStatus::Rewind);
        // Even when the group had been caught up before the reset.
        let reset = [(60, Some(0)), (60, Some(0)), (0, Some(60))];
        assert_eq!(status(&reset, true), PartitionStatus::Rewind);
    }

    #[test]
    fn unmoving_offset_with_lag_is_stall_with_a_live_member_and_stop_without() {
        let points = [(40, Some(5)), (40, Some(8)), (40, Some(9))];
        assert_eq!(status(&points, true), PartitionStatus::Stall);
        assert_eq!(status(&points, false), PartitionStatus::Stop);
    }

    #[test]
    fn lag_zero_earlier_in_the_window_is_ok() {
        let points = [(40, Some(0)), (40, Some(8)), (40, Some(9))];
        assert_eq!(status(&points, false), PartitionStatus::Ok);
    }

    #[test]
    fn growing_lag_while_committing_is_warn() {
        let points = [(10, Some(5)), (20, Some(5)), (30, Some(9)), (40, Some(12))];
        assert_eq!(status(&points, true), PartitionStatus::Warn);
        // Unknown lags are skipped, as Burrow skips them.
        let gaps = [(10, Some(5)), (20, None), (30, Some(9))];
        assert_eq!(status(&gaps, true), PartitionStatus::Warn);
    }

    #[test]
    fn lag_that_decreased_once_or_held_steady_is_ok() {
        let dipped = [(10, Some(5)), (20, Some(4)), (30, Some(9))];
        assert_eq!(status(&dipped, true), PartitionStatus::Ok);
        let steady = [(10, Some(5)), (20, Some(5)), (30, Some(5))];
        assert_eq!(status(&steady, true), PartitionStatus::Ok);
    }

    #[test]
    fn group_status_is_the_worst_partition() {
        use PartitionStatus as P;
        assert_eq!(group_status([P::Ok, P::Ok]), GroupStatus::Ok);
        assert_eq!(
            group_status([P::Ok, P::NotEnoughData]),
            GroupStatus::NotEnoughData
        );
        assert_eq!(group_status([P::NotEnoughData, P::Warn]), GroupStatus::Warn);
        for error in [P::Stop, P::Stall, P::Rewind] {
            assert_eq!(group_status([P::Warn, error, P::Ok]), GroupStatus::Err);
        }
        assert_eq!(group_status([]), GroupStatus::NotEnoughData);
    }
}
