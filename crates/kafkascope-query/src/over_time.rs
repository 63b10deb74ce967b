//! Range functions that summarise the samples in a window without
//! extrapolating: the `*_over_time` family, `changes` and `resets`.
//!
//! Each follows Prometheus 2.x's arithmetic, NaN handling included, so
//! values agree with a real Prometheus to the last bit or close to it.
//! Callers pass only non-empty windows: a series without samples in the
//! window yields no element at all.

use std::cmp::Ordering;

/// Compensated (Kahan-Babuška) summation, as Prometheus uses for sums and
/// means over time, so long windows do not accumulate rounding error.
#[derive(Default)]
pub struct KahanSum {
    sum: f64,
    compensation: f64,
}

impl KahanSum {
    pub fn add(&mut self, value: f64) {
        let next = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - next) + value;
        } else {
            self.compensation += (value - next) + self.sum;
        }
        self.sum = next;
    }

    /// The sum; an infinite sum stands as it is, since its compensation
    /// term is meaningless (Inf - Inf) and would turn it into NaN.
    pub fn total(&self) -> f64 {
        if self.sum.is_infinite() {
            self.sum
        } else {
            self.total_unguarded()
        }
    }

    /// The plain compensated total, as Welford's steps and least squares
    /// use it.
    pub fn total_unguarded(&self) -> f64 {
        self.sum + self.compensation
    }
}

pub fn sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut sum = KahanSum::default();
    values.for_each(|v| sum.add(v));
    sum.total()
}

/// The mean, kept as a running value so large values cannot overflow an
/// intermediate sum.
pub fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut mean, mut count) = (KahanSum::default(), 0.0);
    for value in values {
        count += 1.0;
        let current = mean.sum;
        // Once the mean is infinite, a finite value or the same infinity
        // cannot change it, and subtracting would make it NaN.
        if current.is_infinite()
            && (value.is_finite() || (value.is_infinite() && (current > 0.0) == (value > 0.0)))
        {
            continue;
        }
        mean.add(value / count - current / count);
    }
    mean.total()
}

/// The smallest (`smallest`) or largest value; NaN loses to any number and
/// is the result only when every value is NaN.
pub fn extreme(smallest: bool, values: &[(i64, f64)]) -> f64 {
    values
        .iter()
        .map(|&(_, v)| v)
        .reduce(|best, v| {
            let better = if smallest { v < best } else { v > best };
            if better || best.is_nan() { v } else { best }
        })
        .unwrap_or(f64::NAN)
}

/// The population variance, by Welford's online method with compensated
/// sums as in Prometheus (`stdvar_over_time`; its root is
/// `stddev_over_time`).
pub fn variance(values: &[(i64, f64)]) -> f64 {
    let (mut count, mut mean, mut aux) = (0.0, KahanSum::default(), KahanSum::default());
    for &(_, v) in values {
        count += 1.0;
        let delta = v - mean.total_unguarded();
        mean.add(delta / count);
        aux.add(delta * (v - mean.total_unguarded()));
    }
    aux.total_unguarded() / count
}

/// How often the value changed; NaN followed by NaN is no change.
pub fn changes(values: &[(i64, f64)]) -> f64 {
    values
        .windows(2)
        .filter(|pair| {
            let (previous, current) = (pair[0].1, pair[1].1);
            current != previous && !(current.is_nan() && previous.is_nan())
        })
        .count() as f64
}

/// How often the value dropped, i.e. a counter was reset.
pub fn resets(values: &[(i64, f64)]) -> f64 {
    values
        .windows(2)
        .filter(|pair| pair[1].1 < pair[0].1)
        .count() as f64
}

/// The `q` quantile with linear interpolation between the two nearest
/// ranks; below 0 is -Inf, above 1 is +Inf, NaN values rank first.
pub fn quantile(q: f64, values: &[(i64, f64)]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut sorted: Vec<f64> = values.iter().map(|&(_, v)| v).collect();
    sorted.sort_by(|a, b| nan_first(*a, *b));
    let n = sorted.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    sorted[lower as usize] * (1.0 - weight) + sorted[upper as usize] * weight
}

/// Ascending order with NaN before everything, as Prometheus sorts.
fn nan_first(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.total_cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<(i64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as i64 * 10_000, v))
            .collect()
    }

    #[test]
    fn sum_and_mean_keep_infinities() {
        let values = [41.0, f64::INFINITY, 43.0];
        assert_eq!(sum(values.into_iter()), f64::INFINITY);
        assert_eq!(mean(values.into_iter()), f64::INFINITY);
        assert!((mean([1.0, 2.0, 4.0].into_iter()) - 7.0 / 3.0).abs() < 1e-15);
        assert!(mean([f64::INFINITY, f64::NEG_INFINITY].into_iter()).is_nan());
        // Compensation recovers what plain addition loses.
        assert_eq!(sum([1e16, 1.0, -1e16].into_iter()), 1.0);
    }

    #[test]
    fn extremes_skip_nan_unless_all_nan() {
        let values = points(&[f64::NAN, 3.0, 1.0, f64::NAN, 2.0]);
        assert_eq!(extreme(true, &values), 1.0);
        assert_eq!(extreme(false, &values), 3.0);
        assert!(extreme(true, &points(&[f64::NAN, f64::NAN])).is_nan());
    }

    #[test]
    fn variance_is_population_variance() {
        let values = points(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(variance(&values), 4.0);
        assert_eq!(variance(&points(&[3.0])), 0.0);
    }

    #[test]
    fn changes_and_resets_count_steps() {
        let values = points(&[1.0, 1.0, 2.0, f64::NAN, f64::NAN, 0.0, 5.0]);
        // 1→2, 2→NaN, NaN→0, 0→5; NaN→NaN is no change.
        assert_eq!(changes(&values), 4.0);
        // 5→3 and 4→1.
        assert_eq!(resets(&points(&[5.0, 3.0, 4.0, 1.0])), 2.0);
        assert_eq!(changes(&points(&[7.0])), 0.0);
    }

    #[test]
    fn quantile_interpolates_and_ranks_nan_first() {
        let values = points(&[10.0, 40.0, 20.0, 30.0]);
        assert_eq!(quantile(0.5, &values), 25.0);
        assert_eq!(quantile(0.0, &values), 10.0);
        assert_eq!(quantile(1.0, &values), 40.0);
        assert_eq!(quantile(-0.1, &values), f64::NEG_INFINITY);
        assert_eq!(quantile(1.1, &values), f64::INFINITY);
        assert!(quantile(f64::NAN, &values).is_nan());
        // [NaN, NaN, 36, 37, 38, 39, 41]: the middle rank is 37.
        let with_nan = points(&[f64::NAN, 36.0, 37.0, 38.0, 39.0, f64::NAN, 41.0]);
        assert_eq!(quantile(0.5, &with_nan), 37.0);
    }
}
