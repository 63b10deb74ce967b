//! Functions over a range of samples: `rate`, `increase`, `delta`,
//! `irate`, `idelta`, `deriv`, `predict_linear`, and (in `over_time.rs`)
//! the summaries `changes`, `resets` and the `*_over_time` family.
//!
//! The arithmetic follows Prometheus 2.x so values agree with a real
//! Prometheus: `rate`/`increase`/`delta` take the difference between the
//! first and last sample (correcting counter resets), then extrapolate it
//! towards the range boundaries, but by no more than half a sample interval
//! where the series seems to start or end inside the range; `irate` and
//! `idelta` look at the last two samples only; `deriv` and
//! `predict_linear` fit a least-squares line.

use crate::over_time::{self, KahanSum};

/// The range functions the engine evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFunction {
    Rate,
    Increase,
    Delta,
    Irate,
    Idelta,
    Deriv,
    PredictLinear,
    Changes,
    Resets,
    AvgOverTime,
    MinOverTime,
    MaxOverTime,
    SumOverTime,
    CountOverTime,
    LastOverTime,
    PresentOverTime,
    QuantileOverTime,
    StddevOverTime,
    StdvarOverTime,
}

/// Where a range function is evaluated, in milliseconds: the window it
/// reads (both ends included) and the evaluation time itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    /// `predict_linear` anchors its line here, not at the window's end:
    /// Prometheus does so even under `offset` and `@`.
    pub eval_ms: i64,
}

impl RangeFunction {
    pub fn from_name(name: &str) -> Option<Self> {
        use RangeFunction::*;
        Some(match name {
            "rate" => Rate,
            "increase" => Increase,
            "delta" => Delta,
            "irate" => Irate,
            "idelta" => Idelta,
            "deriv" => Deriv,
            "predict_linear" => PredictLinear,
            "changes" => Changes,
            "resets" => Resets,
            "avg_over_time" => AvgOverTime,
            "min_over_time" => MinOverTime,
            "max_over_time" => MaxOverTime,
            "sum_over_time" => SumOverTime,
            "count_over_time" => CountOverTime,
            "last_over_time" => LastOverTime,
            "present_over_time" => PresentOverTime,
            "quantile_over_time" => QuantileOverTime,
            "stddev_over_time" => StddevOverTime,
            "stdvar_over_time" => StdvarOverTime,
            _ => return None,
        })
    }

    /// `last_over_time` picks a sample like a selector with `offset` would,
    /// so Prometheus keeps its metric name; every other one drops it.
    pub fn keeps_metric_name(self) -> bool {
        self == RangeFunction::LastOverTime
    }

    /// The function's value over `samples` (ascending, all inside
    /// `window`), or `None` when there are too few samples to say
    /// anything. `param` is the scalar argument of `quantile_over_time`
    /// and `predict_linear`.
    pub fn apply(self, samples: &[(i64, f64)], window: Window, param: Option<f64>) -> Option<f64> {
        use RangeFunction::*;
        let param = param.unwrap_or(f64::NAN);
        let values = || samples.iter().map(|&(_, v)| v);
        if samples.is_empty() {
            return None;
        }
        Some(match self {
            Rate => extrapolated_change(samples, window, true, true)?,
            Increase => extrapolated_change(samples, window, true, false)?,
            Delta => extrapolated_change(samples, window, false, false)?,
            Irate => last_change(samples, true)?,
            Idelta => last_change(samples, false)?,
            Deriv => linear_regression(samples, samples[0].0)?.0,
            PredictLinear => {
                let (slope, intercept) = linear_regression(samples, window.eval_ms)?;
                slope * param + intercept
            }
            Changes => over_time::changes(samples),
            Resets => over_time::resets(samples),
            AvgOverTime => over_time::mean(values()),
            MinOverTime => over_time::extreme(true, samples),
            MaxOverTime => over_time::extreme(false, samples),
            SumOverTime => over_time::sum(values()),
            CountOverTime => samples.len() as f64,
            LastOverTime => samples[samples.len() - 1].1,
            PresentOverTime => 1.0,
            QuantileOverTime => over_time::quantile(param, samples),
            StddevOverTime => over_time::variance(samples).sqrt(),
            StdvarOverTime => over_time::variance(samples),
        })
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

/// The change between the last two samples; for `irate` per second, and
/// after a counter reset the last value is the increase.
fn last_change(samples: &[(i64, f64)], per_second: bool) -> Option<f64> {
    let [.., (previous_t, previous_v), (last_t, last_v)] = samples else {
        return None;
    };
    if last_t == previous_t {
        return None;
    }
    let change = if per_second && last_v < previous_v {
        *last_v
    } else {
        last_v - previous_v
    };
    Some(if per_second {
        change / seconds(last_t - previous_t)
    } else {
        change
    })
}

/// What counter resets took away: the value before each drop.
fn reset_correction(samples: &[(i64, f64)]) -> f64 {
    samples
        .windows(2)
        .filter(|pair| pair[1].1 < pair[0].1)
        .map(|pair| pair[0].1)
        .sum()
}

/// Slope (per second) and intercept at `origin_ms` of the least-squares
/// line through the samples; `None` below two samples.
fn linear_regression(samples: &[(i64, f64)], origin_ms: i64) -> Option<(f64, f64)> {
    let &(_, first_v) = samples.first()?;
    if samples.len() < 2 {
        return None;
    }
    if samples.iter().all(|&(_, v)| v == first_v) {
        // A flat series has slope zero even where the sums below would lose
        // precision; an infinite one has no line.
        if first_v.is_infinite() {
            return Some((f64::NAN, f64::NAN));
        }
        return Some((0.0, first_v));
    }
    // Times are taken relative to the origin so the squares stay small
    // enough for f64 to hold exactly.
    let n = samples.len() as f64;
    let (mut sum_x, mut sum_y, mut sum_xy, mut sum_x2) = (
        KahanSum::default(),
        KahanSum::default(),
        KahanSum::default(),
        KahanSum::default(),
    );
    for &(t, v) in samples {
        let x = seconds(t - origin_ms);
        sum_x.add(x);
        sum_y.add(v);
        sum_xy.add(x * v);
        sum_x2.add(x * x);
    }
    let (sum_x, sum_y) = (sum_x.total_unguarded(), sum_y.total_unguarded());
    let covariance = sum_xy.total_unguarded() - sum_x * sum_y / n;
    let variance = sum_x2.total_unguarded() - sum_x * sum_x / n;
    let slope = covariance / variance;
    Some((slope, sum_y / n - slope * sum_x / n))
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
        eval_ms: 60_000,
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
        assert_eq!(
            RangeFunction::Increase.apply(&samples, MINUTE, None),
            Some(60.0)
        );
        assert_eq!(RangeFunction::Rate.apply(&samples, MINUTE, None), Some(1.0));
        assert_eq!(
            RangeFunction::Delta.apply(&samples, MINUTE, None),
            Some(60.0)
        );
    }

    #[test]
    fn extrapolates_to_boundaries_within_one_point_one_gaps() {
        // Samples at 5..55 s: 5 s short of each boundary, under 11 s.
        let samples = every_10s(&[100.0, 110.0, 120.0, 130.0, 140.0, 150.0], 5_000);
        // 50 over 50 s sampled, stretched to 60 s.
        assert_eq!(
            RangeFunction::Increase.apply(&samples, MINUTE, None),
            Some(60.0)
        );
    }

    #[test]
    fn extrapolates_half_a_gap_where_series_starts_inside_range() {
        // Samples at 30..60 s: 30 s from the start is beyond 11 s, so only
        // half a gap (5 s) is added there.
        let samples = every_10s(&[100.0, 110.0, 120.0, 130.0], 30_000);
        assert_eq!(
            RangeFunction::Increase.apply(&samples, MINUTE, None),
            Some(35.0)
        );
    }

    #[test]
    fn counter_extrapolation_stops_at_zero() {
        // 30 over 30 s from value 3: the zero point is 3 s before the first
        // sample, nearer than the 5 s boundary, so 33 s are covered.
        let samples = every_10s(&[3.0, 13.0, 23.0, 33.0], 5_000);
        let window = Window {
            start_ms: 0,
            end_ms: 35_000,
            eval_ms: 35_000,
        };
        let increase = RangeFunction::Increase
            .apply(&samples, window, None)
            .unwrap();
        assert!((increase - 33.0).abs() < 1e-12, "{increase}");
        // delta is not a counter function and extrapolates the full 5 s.
        assert_eq!(
            RangeFunction::Delta.apply(&samples, window, None),
            Some(35.0)
        );
    }

    #[test]
    fn counter_reset_adds_the_value_before_the_drop() {
        let samples = every_10s(&[100.0, 120.0, 5.0, 25.0, 45.0, 65.0, 85.0], 0);
        // 85 - 100 + 120 = 105.
        assert_eq!(
            RangeFunction::Increase.apply(&samples, MINUTE, None),
            Some(105.0)
        );
        assert_eq!(
            RangeFunction::Delta.apply(&samples, MINUTE, None),
            Some(-15.0)
        );
    }

    #[test]
    fn fewer_than_two_samples_give_nothing() {
        let one = every_10s(&[1.0], 0);
        for function in [
            RangeFunction::Rate,
            RangeFunction::Increase,
            RangeFunction::Delta,
            RangeFunction::Irate,
            RangeFunction::Idelta,
            RangeFunction::Deriv,
            RangeFunction::PredictLinear,
        ] {
            assert_eq!(function.apply(&one, MINUTE, None), None);
            assert_eq!(function.apply(&[], MINUTE, None), None);
        }
    }

    #[test]
    fn deriv_is_least_squares_slope_per_second() {
        // y = 2x + noise symmetric around the line: slope stays 2 per 10 s.
        let samples = every_10s(&[0.0, 21.0, 39.0, 60.0], 1_700_000_000_000);
        // x = 0,10,20,30; mean x 15, mean y 30; cov = 2100 - 4*15*30 = ...
        // sum xy = 0+210+780+1800 = 2790, cov = 2790 - 60*120/4 = 990;
        // sum x² = 1400, var = 1400 - 3600/4 = 500; slope = 1.98.
        let slope = RangeFunction::Deriv.apply(&samples, MINUTE, None).unwrap();
        assert!((slope - 1.98).abs() < 1e-12, "{slope}");
        let flat = every_10s(&[7.0, 7.0, 7.0], 0);
        assert_eq!(RangeFunction::Deriv.apply(&flat, MINUTE, None), Some(0.0));
    }

    #[test]
    fn predict_linear_anchors_the_line_at_the_evaluation_time() {
        // 2 per second from 100 at 0 s; evaluated at 60 s the line is at
        // 220 there, and 240 ten seconds later.
        let samples = every_10s(&[100.0, 120.0, 140.0, 160.0], 0);
        let predict = |param| RangeFunction::PredictLinear.apply(&samples, MINUTE, Some(param));
        assert_eq!(predict(10.0), Some(240.0));
        assert_eq!(predict(-60.0), Some(100.0));
        let flat = every_10s(&[7.0, 7.0], 0);
        let flat = RangeFunction::PredictLinear.apply(&flat, MINUTE, Some(1e6));
        assert_eq!(flat, Some(7.0));
    }

    #[test]
    fn summaries_dispatch_to_their_functions() {
        let samples = every_10s(&[3.0, 1.0, 2.0], 0);
        let apply = |function: RangeFunction, param| function.apply(&samples, MINUTE, param);
        assert_eq!(apply(RangeFunction::AvgOverTime, None), Some(2.0));
        assert_eq!(apply(RangeFunction::MinOverTime, None), Some(1.0));
        assert_eq!(apply(RangeFunction::MaxOverTime, None), Some(3.0));
        assert_eq!(apply(RangeFunction::SumOverTime, None), Some(6.0));
        assert_eq!(apply(RangeFunction::CountOverTime, None), Some(3.0));
        assert_eq!(apply(RangeFunction::LastOverTime, None), Some(2.0));
        assert_eq!(apply(RangeFunction::PresentOverTime, None), Some(1.0));
        assert_eq!(
            apply(RangeFunction::QuantileOverTime, Some(0.25)),
            Some(1.5)
        );
        assert_eq!(apply(RangeFunction::Changes, None), Some(2.0));
        assert_eq!(apply(RangeFunction::Resets, None), Some(1.0));
        assert_eq!(apply(RangeFunction::StdvarOverTime, None), Some(2.0 / 3.0));
        assert!(RangeFunction::LastOverTime.keeps_metric_name());
        assert!(!RangeFunction::MaxOverTime.keeps_metric_name());
    }

    #[test]
    fn irate_and_idelta_use_the_last_two_samples() {
        let samples = every_10s(&[100.0, 150.0, 160.0, 175.0], 0);
        assert_eq!(
            RangeFunction::Irate.apply(&samples, MINUTE, None),
            Some(1.5)
        );
        assert_eq!(
            RangeFunction::Idelta.apply(&samples, MINUTE, None),
            Some(15.0)
        );
        // After a reset the counter counted up from zero to 20.
        let reset = every_10s(&[100.0, 150.0, 20.0], 0);
        assert_eq!(RangeFunction::Irate.apply(&reset, MINUTE, None), Some(2.0));
        assert_eq!(
            RangeFunction::Idelta.apply(&reset, MINUTE, None),
            Some(-130.0)
        );
    }
}
