//! Series selectors: fetching a selector's series once for a whole query,
//! then picking, per evaluation time, the latest sample within the lookback
//! window (instant selectors) or every sample within the range (range
//! selectors).
//!
//! An `@` modifier pins the time read to one instant, `offset` moves it
//! back; each evaluation time then reads the same data.
//!
//! Windows include both ends, as in Prometheus 2.x. Staleness markers do
//! not exist in kafkascope's history, so a series simply stays visible for
//! the lookback window after its last sample.

use crate::error::QueryError;
use crate::label_matcher::LabelMatcher;
use crate::source::{Labels, SeriesSource, is_stale_marker};
use crate::value::{Sample, Series};

/// How far back an instant selector looks for a sample, as Prometheus's
/// default `--query.lookback-delta`.
pub const DEFAULT_LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// A vector or range selector from the query.
#[derive(Debug, Clone)]
pub struct Selector {
    pub matchers: Vec<LabelMatcher>,
    /// `offset`: evaluate this many ms earlier (negative: later).
    pub offset_ms: i64,
    /// `[range]` of a range selector; `None` for an instant selector.
    pub range_ms: Option<i64>,
    /// `@`: read at this time whatever the evaluation time.
    pub at: Option<At>,
}

/// The time an `@` modifier pins a selector to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// `@ <unix seconds>`, in ms.
    Time(i64),
    /// `@ start()`: the query's start, known only when it runs.
    Start,
    /// `@ end()`.
    End,
}

/// A sample: milliseconds and value.
type Point = (i64, f64);

/// One series with every sample any evaluation time of the query may need.
#[derive(Debug, Clone)]
pub struct FetchedSeries {
    pub labels: Labels,
    /// The samples, staleness markers left out.
    pub samples: Vec<(i64, f64)>,
    /// When the series went away (its staleness markers), ascending.
    pub stale_ms: Vec<i64>,
}

/// One series' samples inside a range window.
#[derive(Debug, Clone, Copy)]
pub struct RangeView<'a> {
    pub labels: &'a Labels,
    pub samples: &'a [(i64, f64)],
}

impl Selector {
    /// How far before an evaluation time this selector reads.
    fn reach_ms(&self, lookback_ms: i64) -> i64 {
        self.range_ms.unwrap_or(lookback_ms)
    }

    /// Turns `@ start()` and `@ end()` into the query's times.
    pub fn resolve_at(&mut self, start_ms: i64, end_ms: i64) {
        self.at = match self.at {
            Some(At::Start) => Some(At::Time(start_ms)),
            Some(At::End) => Some(At::Time(end_ms)),
            other => other,
        };
    }

    /// The time whose data this selector reads when evaluated at `time_ms`:
    /// the `@` time if any, moved back by the offset.
    fn read_time(&self, time_ms: i64) -> i64 {
        let at = match self.at {
            Some(At::Time(at)) => at,
            _ => time_ms,
        };
        at.saturating_sub(self.offset_ms)
    }

    /// Loads every series and sample needed to evaluate this selector at
    /// any time in `[start_ms, end_ms]`, sorted by labels.
    pub fn fetch(
        &self,
        source: &dyn SeriesSource,
        start_ms: i64,
        end_ms: i64,
        lookback_ms: i64,
    ) -> Result<Vec<FetchedSeries>, QueryError> {
        let from = self
            .read_time(start_ms)
            .saturating_sub(self.reach_ms(lookback_ms));
        let to = self.read_time(end_ms);
        // An instant selector read at one time needs each series' latest
        // point only: if that is a staleness marker the series is gone.
        let selected = if self.range_ms.is_none() && start_ms == end_ms {
            source.select_latest(&self.matchers, from, to)?
        } else {
            source.select_with_samples(&self.matchers, from, to)?
        };
        let mut fetched = Vec::new();
        for (series, points) in selected {
            // Most series have no marker: keep their samples as read.
            let (samples, stale_ms) = if points.iter().any(|(_, v)| is_stale_marker(*v)) {
                let (stale, samples): (Vec<Point>, Vec<Point>) =
                    points.into_iter().partition(|(_, v)| is_stale_marker(*v));
                (samples, stale.into_iter().map(|(t, _)| t).collect())
            } else {
                (points, Vec::new())
            };
            if !samples.is_empty() {
                fetched.push(FetchedSeries {
                    labels: series.labels,
                    samples,
                    stale_ms,
                });
            }
        }
        fetched.sort_by(|a, b| a.labels.cmp(&b.labels));
        Ok(fetched)
    }

    /// The instant vector at `time_ms`: each series' latest sample no older
    /// than the lookback window, unless the series went away after it (a
    /// staleness marker), as in Prometheus.
    pub fn instant_vector(
        &self,
        fetched: &[FetchedSeries],
        time_ms: i64,
        lookback_ms: i64,
    ) -> Vec<Sample> {
        let at = self.read_time(time_ms);
        fetched
            .iter()
            .filter_map(|series| {
                let value = latest_visible(series, at, lookback_ms)?;
                Some(Sample {
                    labels: series.labels.clone(),
                    value,
                })
            })
            .collect()
    }

    /// [`Selector::instant_vector`] for a query evaluated at one time only:
    /// the labels are moved out of `fetched` (which is left empty) instead
    /// of copied, which at thousands of series is much of an alert rule's
    /// cost.
    pub fn take_instant_vector(
        &self,
        fetched: &mut Vec<FetchedSeries>,
        time_ms: i64,
        lookback_ms: i64,
    ) -> Vec<Sample> {
        let at = self.read_time(time_ms);
        fetched
            .drain(..)
            .filter_map(|series| {
                let value = latest_visible(&series, at, lookback_ms)?;
                Some(Sample {
                    labels: series.labels,
                    value,
                })
            })
            .collect()
    }

    /// Each series' samples within the range ending at `time_ms`; series
    /// without any are left out.
    pub fn range_vector<'a>(
        &self,
        fetched: &'a [FetchedSeries],
        time_ms: i64,
    ) -> Vec<RangeView<'a>> {
        let (start, end) = self.range_window(time_ms);
        fetched
            .iter()
            .filter_map(|series| {
                let from = series.samples.partition_point(|(t, _)| *t < start);
                let to = series.samples.partition_point(|(t, _)| *t <= end);
                (to > from).then(|| RangeView {
                    labels: &series.labels,
                    samples: &series.samples[from..to],
                })
            })
            .collect()
    }

    /// The `[start, end]` window, in ms, a range selector covers when
    /// evaluated at `time_ms`.
    pub fn range_window(&self, time_ms: i64) -> (i64, i64) {
        let end = self.read_time(time_ms);
        (end.saturating_sub(self.range_ms.unwrap_or(0)), end)
    }

    /// The raw samples of a range selector, as an instant query of a bare
    /// `metric[5m]` returns them.
    pub fn raw_matrix(&self, fetched: &[FetchedSeries], time_ms: i64) -> Vec<Series> {
        self.range_vector(fetched, time_ms)
            .into_iter()
            .map(|view| Series {
                labels: view.labels.clone(),
                points: view.samples.to_vec(),
            })
            .collect()
    }
}

/// A series' latest value at `at` within the lookback window, unless a
/// staleness marker after it says the series went away.
fn latest_visible(series: &FetchedSeries, at: i64, lookback_ms: i64) -> Option<f64> {
    let upto = series.samples.partition_point(|(t, _)| *t <= at);
    let &(t, value) = series.samples.get(upto.checked_sub(1)?)?;
    let stale_upto = series.stale_ms.partition_point(|m| *m <= at);
    let gone = stale_upto > 0 && series.stale_ms[stale_upto - 1] > t;
    (t >= at.saturating_sub(lookback_ms) && !gone).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory_source::MemorySource;

    fn fetched() -> Vec<FetchedSeries> {
        let mut source = MemorySource::new();
        source.insert(
            [("__name__", "lag"), ("topic", "b")],
            &[(0, 1.0), (60_000, 2.0)],
        );
        source.insert(
            [("__name__", "lag"), ("topic", "a")],
            &[(0, 5.0), (400_000, 6.0)],
        );
        source.insert([("__name__", "other")], &[(0, 9.0)]);
        let selector = instant(0);
        selector
            .fetch(&source, 0, 1_000_000, DEFAULT_LOOKBACK_MS)
            .unwrap()
    }

    fn instant(offset_ms: i64) -> Selector {
        Selector {
            matchers: vec![LabelMatcher::equal("__name__", "lag")],
            offset_ms,
            range_ms: None,
            at: None,
        }
    }

    fn values(samples: &[Sample]) -> Vec<(String, f64)> {
        samples
            .iter()
            .map(|s| (s.labels["topic"].clone(), s.value))
            .collect()
    }

    #[test]
    fn fetch_sorts_series_by_labels() {
        let fetched = fetched();
        let topics: Vec<&str> = fetched.iter().map(|f| f.labels["topic"].as_str()).collect();
        assert_eq!(topics, vec!["a", "b"]);
    }

    #[test]
    fn instant_vector_takes_latest_sample_within_lookback_inclusive() {
        let fetched = fetched();
        let lookback = DEFAULT_LOOKBACK_MS;
        let at = |t| values(&instant(0).instant_vector(&fetched, t, lookback));
        assert_eq!(at(60_000), vec![("a".into(), 5.0), ("b".into(), 2.0)]);
        // 300 s after topic a's first sample is still inside the window.
        assert_eq!(at(300_000), vec![("a".into(), 5.0), ("b".into(), 2.0)]);
        assert_eq!(at(300_001), vec![("b".into(), 2.0)]);
        assert_eq!(at(360_001), vec![]);
        assert_eq!(at(400_000), vec![("a".into(), 6.0)]);
        assert_eq!(at(-1), vec![]);
    }

    #[test]
    fn a_staleness_marker_ends_a_series_at_once() {
        let mut source = MemorySource::new();
        let stale = f64::from_bits(crate::source::STALE_NAN_BITS);
        source.insert(
            [("__name__", "lag"), ("topic", "a")],
            &[(0, 1.0), (10_000, 2.0), (20_000, stale), (40_000, 3.0)],
        );
        let selector = instant(0);
        let fetched = selector
            .fetch(&source, 0, 60_000, DEFAULT_LOOKBACK_MS)
            .unwrap();
        assert_eq!(fetched[0].stale_ms, [20_000]);
        let at = |t| values(&selector.instant_vector(&fetched, t, DEFAULT_LOOKBACK_MS));
        assert_eq!(at(15_000), [("a".to_string(), 2.0)]);
        // Gone from the marker on, within the lookback of its last value.
        assert_eq!(at(20_000), []);
        assert_eq!(at(30_000), []);
        // Back when written again.
        assert_eq!(at(40_000), [("a".to_string(), 3.0)]);
        assert_eq!(fetched[0].samples, [(0, 1.0), (10_000, 2.0), (40_000, 3.0)]);
    }

    #[test]
    fn offset_moves_the_evaluation_time_back() {
        let fetched = fetched();
        let shifted = instant(340_000).instant_vector(&fetched, 400_000, DEFAULT_LOOKBACK_MS);
        assert_eq!(values(&shifted), vec![("a".into(), 5.0), ("b".into(), 2.0)]);
    }

    #[test]
    fn range_vector_includes_both_window_ends() {
        let fetched = fetched();
        let selector = Selector {
            range_ms: Some(60_000),
            ..instant(0)
        };
        let views = selector.range_vector(&fetched, 60_000);
        assert_eq!(views.len(), 2);
        assert_eq!(views[0].samples, &[(0, 5.0)]);
        assert_eq!(views[1].samples, &[(0, 1.0), (60_000, 2.0)]);
        assert_eq!(selector.range_vector(&fetched, 60_001).len(), 1);
    }

    #[test]
    fn at_pins_the_read_time_and_offset_applies_after_it() {
        let fetched = fetched();
        let mut pinned = Selector {
            at: Some(At::End),
            ..instant(0)
        };
        pinned.resolve_at(0, 60_000);
        let late = pinned.instant_vector(&fetched, 900_000, DEFAULT_LOOKBACK_MS);
        assert_eq!(values(&late), vec![("a".into(), 5.0), ("b".into(), 2.0)]);
        pinned.offset_ms = 60_000;
        let earlier = pinned.instant_vector(&fetched, 900_000, DEFAULT_LOOKBACK_MS);
        assert_eq!(values(&earlier), vec![("a".into(), 5.0), ("b".into(), 1.0)]);
    }
}
