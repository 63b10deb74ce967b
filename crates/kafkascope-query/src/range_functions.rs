//! Functions over a range of samples: `rate`, `increase`, `delta`, `deriv`.
//!
//! The arithmetic follows Prometheus 2.x so values agree with a real
//! Prometheus: `rate`/`increase`/`delta` take the difference between the
//! first and last sample (correcting counter resets), then extrapolate it
//! towards the range boundaries, but by no more than half a sample interval
//! where the series seems to start or end inside the range; `deriv` is the
//! slope of a least-squares line.

/// The range functions the engine evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFunction {
    Rate,
    Increase,
    Delta,
    Deriv,
}

/// The window a range function looks at, in milliseconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl RangeFunction {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rate" => Some(RangeFunction::Rate),
            "increase" => Some(RangeFunction::Increase),
            "delta" => Some(RangeFunction::Delta),
            "deriv" => Some(RangeFunction::Deriv),
            _ => None,
        }
    }

    /// The function's value over `samples` (ascending, all inside `window`),
    /// or `None` when there are too few samples to say anything.
    pub fn apply(self, samples: &[(i64, f64)], window: Window) -> Option<f64> {
        match self {
            RangeFunction::Rate => extrapolated_change(samples, window, true, true),
            RangeFunction::Increase => extrapolated_change(samples, window, true, false),
            RangeFunction::Delta => extrapolated_change(samples, window, false, false),
            RangeFunction::Deriv => least_squares_slope(samples),
        }
    }
}

/// The change over the window, extrapolated; per second when `per_second`.
fn extrapolated_change(
    samples: &[(i64, f64)],
    window: Window,
    is_counter: bool,
    per_second: bool,
) -> Option<f64> {
    let (&(first_t, first_v), &(last_t, last_v)) = (samples.first()?, samples.last()?);
    if samples.len() < 2 {
        return None;
    }
    let mut change = last_v - first_v;
    if is_counter {
        change += reset_correction(samples);
    }
    let mut to_start = seconds(first_t - window.start_ms);
    let to_end = seconds(window.end_ms - last_t);
    let sampled = seconds(last_t - first_t);
    let average_gap = sampled / (samples.len() - 1) as f64;

    // A counter cannot go below zero: when extrapolating backwards would
    // cross zero, the series most likely started at that zero point.
    if is_counter && change > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / change);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }

    // Within 1.1 gaps of a boundary the series is taken to continue to it;
    // further away it is taken to start (or end) half a gap past the last
    // sample seen.
    let threshold = average_gap * 1.1;
    let mut covered = sampled;
    covered += if to_start < threshold {
        to_start
    } else {
        average_gap / 2.0
    };
    covered += if to_end < threshold {
        to_end
    } else {
        average_gap / 2.0
    };

    let mut factor = covered / sampled;
    if per_second {
        factor /= seconds(window.end_ms - window.start_ms);
    }
    Some(change * factor)
}

/// What counter resets took away: the value before each drop.
fn reset_correction(samples: &[(i64, f64)]) -> f64 {
    samples
        .windows(2)
        .filter(|pair| pair[1].1 < pair[0].1)
        .map(|pair| pair[0].1)
        .sum()
}

/// Slope (per second) of the least-squares line through the samples.
fn least_squares_slope(samples: &[(i64, f64)]) -> Option<f64> {
    let &(origin_t, first_v) = samples.first()?;
    if samples.len() < 2 {
        return None;
    }
    if samples.iter().all(|&(_, v)| v == first_v) {
        // A flat series has slope zero even where the sums below would lose
        // precision; an infinite one has none.
        return Some(if first_v.is_infinite() { f64::NAN } else { 0.0 });
    }
    // Times are taken relative to the first sample so the squares stay
    // small enough for f64 to hold exactly.
    let n = samples.len() as f64;
    let (mut sum_x, mut sum_y, mut sum_xy, mut sum_x2) = (
        KahanSum::default(),
        KahanSum::default(),
        KahanSum::default(),
        KahanSum::default(),
    );
    for &(t, v) in samples {
        let x = seconds(t - origin_t);
        sum_x.add(x);
        sum_y.add(v);
        sum_xy.add(x * v);
        sum_x2.add(x * x);
    }
    let (sum_x, sum_y) = (sum_x.total(), sum_y.total());
    let covariance = sum_xy.total() - sum_x * sum_y / n;
    let variance = sum_x2.total() - sum_x * sum_x / n;
    Some(covariance / variance)
}

/// Compensated summation, so long ranges do not accumulate rounding error.
#[derive(Default)]
struct KahanSum {
    sum: f64,
    compensation: f64,
}

impl KahanSum {
    fn add(&mut self, value: f64) {
        let next = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - next) + value;
        } else {
            self.compensation += (value - next) + self.sum;
        }
        self.sum = next;
    }

    fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Window = Window {
        start_ms: 0,
        end_ms: 60_000,
    };

    fn every_10s(values: &[f64], first_ms: i64) -> Vec<(i64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (first_ms + 10_000 * i as i64, v))
            .collect()
    }

    #[test]
    fn samples_on_both_boundaries_need_no_extrapolation() {
        let samples = every_10s(&[100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0], 0);
        assert_eq!(RangeFunction::Increase.apply(&samples, MINUTE), Some(60.0));
        assert_eq!(RangeFunction::Rate.apply(&samples, MINUTE), Some(1.0));
        assert_eq!(RangeFunction::Delta.apply(&samples, MINUTE), Some(60.0));
    }

    #[test]
    fn extrapolates_to_boundaries_within_one_point_one_gaps() {
        // Samples at 5..55 s: 5 s short of each boundary, under 11 s.
        let samples = every_10s(&[100.0, 110.0, 120.0, 130.0, 140.0, 150.0], 5_000);
        // 50 over 50 s sampled, stretched to 60 s.
        assert_eq!(RangeFunction::Increase.apply(&samples, MINUTE), Some(60.0));
    }

    #[test]
    fn extrapolates_half_a_gap_where_series_starts_inside_range() {
        // Samples at 30..60 s: 30 s from the start is beyond 11 s, so only
        // half a gap (5 s) is added there.
        let samples = every_10s(&[100.0, 110.0, 120.0, 130.0], 30_000);
        assert_eq!(RangeFunction::Increase.apply(&samples, MINUTE), Some(35.0));
    }

    #[test]
    fn counter_extrapolation_stops_at_zero() {
        // 30 over 30 s from value 3: the zero point is 3 s before the first
        // sample, nearer than the 5 s boundary, so 33 s are covered.
        let samples = every_10s(&[3.0, 13.0, 23.0, 33.0], 5_000);
        let window = Window {
            start_ms: 0,
            end_ms: 35_000,
        };
        let increase = RangeFunction::Increase.apply(&samples, window).unwrap();
        assert!((increase - 33.0).abs() < 1e-12, "{increase}");
        // delta is not a counter function and extrapolates the full 5 s.
        assert_eq!(RangeFunction::Delta.apply(&samples, window), Some(35.0));
    }

    #[test]
    fn counter_reset_adds_the_value_before_the_drop() {
        let samples = every_10s(&[100.0, 120.0, 5.0, 25.0, 45.0, 65.0, 85.0], 0);
        // 85 - 100 + 120 = 105.
        assert_eq!(RangeFunction::Increase.apply(&samples, MINUTE), Some(105.0));
        assert_eq!(RangeFunction::Delta.apply(&samples, MINUTE), Some(-15.0));
    }

    #[test]
    fn fewer_than_two_samples_give_nothing() {
        let one = every_10s(&[1.0], 0);
        for function in [
            RangeFunction::Rate,
            RangeFunction::Increase,
            RangeFunction::Delta,
            RangeFunction::Deriv,
        ] {
            assert_eq!(function.apply(&one, MINUTE), None);
            assert_eq!(function.apply(&[], MINUTE), None);
        }
    }

    #[test]
    fn deriv_is_least_squares_slope_per_second() {
        // y = 2x + noise symmetric around the line: slope stays 2 per 10 s.
        let samples = every_10s(&[0.0, 21.0, 39.0, 60.0], 1_700_000_000_000);
        // x = 0,10,20,30; mean x 15, mean y 30; cov = 2100 - 4*15*30 = ...
        // sum xy = 0+210+780+1800 = 2790, cov = 2790 - 60*120/4 = 990;
        // sum x² = 1400, var = 1400 - 3600/4 = 500; slope = 1.98.
        let slope = RangeFunction::Deriv.apply(&samples, MINUTE).unwrap();
        assert!((slope - 1.98).abs() < 1e-12, "{slope}");
        let flat = every_10s(&[7.0, 7.0, 7.0], 0);
        assert_eq!(RangeFunction::Deriv.apply(&flat, MINUTE), Some(0.0));
    }
}
