//! The evaluation window of one group-partition: the last `intervals`
//! samples of its committed offset, lag and log end, at least `min_distance`
//! apart (Burrow's ring of offsets). A fixed-capacity ring: memory does not
//! grow with the number of cycles.

use std::collections::VecDeque;

/// One observation of a group-partition, as the window keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffsetSample {
    pub at_ms: i64,
    pub committed: i64,
    /// Lag as the rules see it: 0 when caught up (including a lone
    /// transaction marker or the read_committed end), `None` when the log
    /// end was unknown that cycle.
    pub lag: Option<i64>,
    pub log_end: Option<i64>,
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
        let seconds = self.span_seconds()?;
        let changes = self
            .pairs()
            .filter(|(before, after)| before.committed != after.committed)
            .count();
        Some(changes as f64 / seconds)
    }

    /// Records consumed per second over the window. A rewind counts as no
    /// consumption rather than negative consumption.
    pub fn consumed_per_sec(&self) -> Option<f64> {
        let seconds = self.span_seconds()?;
        let consumed: i64 = self
            .pairs()
            .map(|(before, after)| (after.committed - before.committed).max(0))
            .sum();
        Some(consumed as f64 / seconds)
    }

    /// Records produced per second, over the sample pairs whose log ends
    /// are both known.
    pub fn produced_per_sec(&self) -> Option<f64> {
        let (produced, elapsed_ms) = self
            .pairs()
            .filter_map(|(before, after)| {
                let grown = after.log_end? - before.log_end?;
                Some((grown.max(0), after.at_ms - before.at_ms))
            })
            .fold((0i64, 0i64), |(p, t), (dp, dt)| (p + dp, t + dt));
        (elapsed_ms > 0).then(|| produced as f64 * 1000.0 / elapsed_ms as f64)
    }

    fn span_seconds(&self) -> Option<f64> {
        let span = self.span_ms();
        (span > 0).then(|| span as f64 / 1000.0)
    }

    fn pairs(&self) -> impl Iterator<Item = (&OffsetSample, &OffsetSample)> {
        self.samples.iter().zip(self.samples.iter().skip(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, committed: i64, log_end: Option<i64>) -> OffsetSample {
        OffsetSample {
            at_ms,
            committed,
            lag: log_end.map(|end| end - committed),
            log_end,
        }
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

    #[test]
    fn no_rates_from_one_sample() {
        let mut window = OffsetWindow::new(4);
        window.offer(sample(0, 100, Some(200)), 0);
        assert_eq!(window.offset_changes_per_sec(), None);
        assert_eq!(window.consumed_per_sec(), None);
        assert_eq!(window.produced_per_sec(), None);
    }
}
