//! The evaluation window of one group-partition: the last `intervals`
//! samples of its committed offset, lag and log end, at least `min_distance`
//! apart (Burrow's ring of offsets). A fixed-capacity ring: memory does not
//! grow with the number of cycles.

use std::collections::VecDeque;

/// One observation of a group-partition, as the window keeps it.
///
/// Kept at 32 bytes (unknown figures as a negative value rather than an
/// `Option`): there is a window of these for every group-partition, 20,000
/// windows of ten at the benchmark's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffsetSample {
    pub at_ms: i64,
    pub committed: i64,
    lag: i64,
    log_end: i64,
}

/// Lag and log ends are never negative, so a negative value can stand for "unknown".
const UNKNOWN: i64 = -1;

impl OffsetSample {
    pub fn new(at_ms: i64, committed: i64, lag: Option<i64>, log_end: Option<i64>) -> Self {
        let known = |v: Option<i64>| v.filter(|v| *v >= 0).unwrap_or(UNKNOWN);
        Self {
            at_ms,
            committed,
            lag: known(lag),
            log_end: known(log_end),
        }
    }

    /// Lag as the rules see it: 0 when caught up (including a lone
    /// transaction marker or the read_committed end), `None` when the log
    /// end was unknown that cycle.
    pub fn lag(&self) -> Option<i64> {
        (self.lag >= 0).then_some(self.lag)
    }

    pub fn log_end(&self) -> Option<i64> {
        (self.log_end >= 0).then_some(self.log_end)
    }
}

#[derive(Debug, Clone)]
pub struct OffsetWindow {
    samples: VecDeque<OffsetSample>,
    capacity: usize,
}

impl OffsetWindow {
    /// A window of `capacity` samples; at least two, since every rule
    /// compares samples.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2);
        Self {
            samples: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Takes the sample when at least `min_distance_ms` passed since the
    /// previous one, dropping the oldest when full; returns whether it was
    /// taken. A sample too close is ignored rather than replacing the last
    /// one, so cycles faster than `min_distance` still fill the window.
    pub fn offer(&mut self, sample: OffsetSample, min_distance_ms: i64) -> bool {
        if let Some(last) = self.samples.back()
            && sample.at_ms - last.at_ms < min_distance_ms
        {
            return false;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        // Kept in one piece so the rules can read it as a slice.
        self.samples.make_contiguous();
        true
    }

    /// Share of the window filled, 0 to 1.
    pub fn fill(&self) -> f64 {
        self.samples.len() as f64 / self.capacity as f64
    }

    pub fn is_full(&self) -> bool {
        self.samples.len() == self.capacity
    }

    pub fn samples(&self) -> &VecDeque<OffsetSample> {
        &self.samples
    }

    /// The samples, oldest first.
    pub fn as_slice(&self) -> &[OffsetSample] {
        self.samples.as_slices().0
    }

    /// Milliseconds between the first and last sample.
    pub fn span_ms(&self) -> i64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(first), Some(last)) => last.at_ms - first.at_ms,
            _ => 0,
        }
    }

    /// Committed-offset changes seen per second over the window; `None`
    /// until two samples span some time. We see commits only through
    /// OffsetFetch, so this counts moves between samples, not every commit.
    pub fn offset_changes_per_sec(&self) -> Option<f64> {
        let changes = self
            .pairs()
            .filter(|(before, after)| before.committed != after.committed)
            .count();
        per_second(i64::try_from(changes).unwrap_or(i64::MAX), self.span_ms())
    }

    /// Records consumed per second over the window. A rewind counts as no
    /// consumption rather than negative consumption.
    pub fn consumed_per_sec(&self) -> Option<f64> {
        let consumed: i64 = self
            .pairs()
            .map(|(before, after)| (after.committed - before.committed).max(0))
            .sum();
        per_second(consumed, self.span_ms())
    }

    /// Records produced per second, over the sample pairs whose log ends
    /// are both known.
    pub fn produced_per_sec(&self) -> Option<f64> {
        let (produced, elapsed_ms) = self
            .pairs()
            .filter_map(|(before, after)| {
                let grown = after.log_end()? - before.log_end()?;
                Some((grown.max(0), after.at_ms - before.at_ms))
            })
            .fold((0i64, 0i64), |(p, t), (dp, dt)| (p + dp, t + dt));
        per_second(produced, elapsed_ms)
    }

    fn pairs(&self) -> impl Iterator<Item = (&OffsetSample, &OffsetSample)> {
        self.samples.iter().zip(self.samples.iter().skip(1))
    }
}

/// Every rate goes through this one expression, so that equal counts over
/// equal spans give bit-identical rates: the forecast compares the consume
/// and produce rates, and a last-bit difference between them reads as
/// catching up in 10^15 seconds.
fn per_second(count: i64, elapsed_ms: i64) -> Option<f64> {
    (elapsed_ms > 0).then(|| count as f64 * 1000.0 / elapsed_ms as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, committed: i64, log_end: Option<i64>) -> OffsetSample {
        OffsetSample::new(
            at_ms,
            committed,
            log_end.map(|end| end - committed),
            log_end,
        )
    }

    #[test]
    fn keeps_the_last_capacity_samples() {
        let mut window = OffsetWindow::new(3);
        let allocated = window.samples().capacity();
        for i in 0..5 {
            assert!(window.offer(sample(i * 1000, i, Some(10)), 1000));
        }
        // The ring never grows past what it allocated up front.
        assert_eq!(window.samples().capacity(), allocated);
        let kept: Vec<i64> = window.as_slice().iter().map(|s| s.committed).collect();
        assert_eq!(kept, [2, 3, 4]);
        assert!(window.is_full());
        assert_eq!(window.span_ms(), 2000);
    }

    #[test]
    fn ignores_samples_closer_than_min_distance() {
        let mut window = OffsetWindow::new(3);
        assert!(window.offer(sample(0, 1, None), 1000));
        assert!(!window.offer(sample(600, 2, None), 1000));
        // Measured from the last sample taken (0), not the ignored one.
        assert!(window.offer(sample(1000, 3, None), 1000));
        let kept: Vec<i64> = window.samples().iter().map(|s| s.committed).collect();
        assert_eq!(kept, [1, 3]);
        assert!(!window.is_full());
        assert_eq!(window.fill(), 2.0 / 3.0);
    }

    #[test]
    fn capacity_below_two_is_raised_to_two() {
        let mut window = OffsetWindow::new(0);
        window.offer(sample(0, 1, None), 0);
        assert!(!window.is_full());
        window.offer(sample(1, 1, None), 0);
        assert!(window.is_full());
    }

    #[test]
    fn rates_over_the_window() {
        let mut window = OffsetWindow::new(4);
        window.offer(sample(0, 100, Some(200)), 0);
        window.offer(sample(10_000, 150, Some(300)), 0);
        window.offer(sample(20_000, 150, None), 0);
        window.offer(sample(30_000, 40, Some(400)), 0);
        // Moves: 100→150, 150→40 (a rewind still moved the offset).
        assert_eq!(window.offset_changes_per_sec(), Some(2.0 / 30.0));
        // Only the forward move counts as consumption.
        assert_eq!(window.consumed_per_sec(), Some(50.0 / 30.0));
        // Only the first pair has both log ends: 100 in 10 s.
        assert_eq!(window.produced_per_sec(), Some(10.0));
    }

    /// Regression: a consumer keeping pace with its producer (lag steady at
    /// 4) was forecast to catch up in 4.5e15 seconds. Consumption was
    /// divided by the span in seconds and production multiplied by 1000 over
    /// the span in milliseconds; over 3001 ms the two differ in the last bit.
    #[test]
    fn steady_consumer_was_forecast_to_catch_up_in_aeons() {
        let mut window = OffsetWindow::new(4);
        for (at_ms, committed) in [(0, 0), (1000, 2), (2001, 5), (3001, 8)] {
            window.offer(sample(at_ms, committed, Some(committed + 4)), 1000);
        }
        let (consumed, produced) = (window.consumed_per_sec(), window.produced_per_sec());
        assert_eq!(consumed, Some(8000.0 / 3001.0));
        assert_eq!(consumed, produced);
        assert_eq!(
            super::super::forecast::forecast(4, consumed, produced),
            Some(crate::snapshot::CatchUpForecast::FallingBehind {
                messages_per_minute: 0.0
            })
        );
    }

    #[test]
    fn no_rates_from_one_sample() {
        let mut window = OffsetWindow::new(4);
        window.offer(sample(0, 100, Some(200)), 0);
        assert_eq!(window.offset_changes_per_sec(), None);
        assert_eq!(window.consumed_per_sec(), None);
        assert_eq!(window.produced_per_sec(), None);
    }
}
