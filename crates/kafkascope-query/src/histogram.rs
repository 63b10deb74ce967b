//! `histogram_quantile(q, v)` over classic histograms: `_bucket` series
//! whose `le` label is each bucket's upper bound and whose value is the
//! cumulative count up to it.
//!
//! Prometheus 2.x's method: buckets are grouped by every other label (the
//! metric name included, though the result drops it), sorted by bound,
//! equal bounds merged, counts forced to be non-decreasing (rates of
//! buckets scraped at slightly different times can dip), and the quantile
//! interpolated linearly inside the bucket holding its rank.

use std::collections::BTreeMap;

use crate::source::Labels;
use crate::value::{Sample, without_metric_name};

const BUCKET_LABEL: &str = "le";

#[derive(Debug, Clone, Copy)]
struct Bucket {
    upper_bound: f64,
    count: f64,
}

/// One element per histogram in `input`; elements without a readable `le`
/// are skipped, as Prometheus does.
pub fn histogram_quantile(q: f64, input: Vec<Sample>) -> Vec<Sample> {
    let mut histograms: BTreeMap<Labels, Vec<Bucket>> = BTreeMap::new();
    for sample in input {
        let mut labels = sample.labels;
        let Some(upper_bound) = labels.remove(BUCKET_LABEL).and_then(|le| parse_bound(&le)) else {
            continue;
        };
        histograms.entry(labels).or_default().push(Bucket {
            upper_bound,
            count: sample.value,
        });
    }
    histograms
        .into_iter()
        .map(|(labels, buckets)| Sample {
            labels: without_metric_name(labels),
            value: bucket_quantile(q, buckets),
        })
        .collect()
}

/// An `le` value as Go's `strconv.ParseFloat` reads the ones clients write
/// (`0.5`, `1e-3`, `+Inf`).
fn parse_bound(text: &str) -> Option<f64> {
    text.parse().ok()
}

fn bucket_quantile(q: f64, mut buckets: Vec<Bucket>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
    // Without a +Inf bucket the total count is unknown.
    if buckets
        .last()
        .is_none_or(|b| b.upper_bound != f64::INFINITY)
    {
        return f64::NAN;
    }
    let buckets = merge_equal_bounds(buckets);
    let buckets = non_decreasing(buckets);
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // The first finite bucket whose count reaches the rank (the +Inf one
    // is never chosen: the answer is then the highest finite bound).
    let finite = &buckets[..buckets.len() - 1];
    let index = finite.partition_point(|b| b.count < rank);
    if index == finite.len() {
        return finite[finite.len() - 1].upper_bound;
    }
    if index == 0 && buckets[0].upper_bound <= 0.0 {
        return buckets[0].upper_bound;
    }
    let (mut start, end, mut count) = (0.0, buckets[index].upper_bound, buckets[index].count);
    if index > 0 {
        let below = buckets[index - 1];
        start = below.upper_bound;
        count -= below.count;
        rank -= below.count;
    }
    start + (end - start) * (rank / count)
}

/// Duplicate bounds (`le="1"` and `le="1.0"`) count as one bucket.
fn merge_equal_bounds(buckets: Vec<Bucket>) -> Vec<Bucket> {
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for bucket in buckets {
        match merged.last_mut() {
            Some(last) if last.upper_bound == bucket.upper_bound => last.count += bucket.count,
            _ => merged.push(bucket),
        }
    }
    merged
}

/// Raises each count to at least the one before it.
fn non_decreasing(mut buckets: Vec<Bucket>) -> Vec<Bucket> {
    let mut highest = f64::NEG_INFINITY;
    for bucket in &mut buckets {
        if bucket.count > highest {
            highest = bucket.count;
        } else if bucket.count < highest {
            bucket.count = highest;
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(group: &str, le: &str, count: f64) -> Sample {
        let labels = [("__name__", "latency_bucket"), ("group", group), ("le", le)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Sample {
            labels,
            value: count,
        }
    }

    fn histogram(counts: &[(&str, f64)]) -> Vec<Sample> {
        counts.iter().map(|&(le, c)| bucket("a", le, c)).collect()
    }

    fn quantile(q: f64, counts: &[(&str, f64)]) -> f64 {
        let out = histogram_quantile(q, histogram(counts));
        assert_eq!(out.len(), 1);
        out[0].value
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
    }

    const COUNTS: [(&str, f64); 4] = [("0.1", 30.0), ("0.5", 90.0), ("1", 120.0), ("+Inf", 150.0)];

    #[test]
    fn interpolates_inside_the_bucket_holding_the_rank() {
        // Rank 75 lies in (0.1, 0.5], 45 of its 60 observations in.
        assert_close(quantile(0.5, &COUNTS), 0.1 + 0.4 * 45.0 / 60.0);
        // The first bucket starts at zero.
        assert_close(quantile(0.1, &COUNTS), 0.05);
        // Beyond the highest finite bound: that bound.
        assert_eq!(quantile(0.99, &COUNTS), 1.0);
        assert_eq!(quantile(0.0, &COUNTS), 0.0);
    }

    #[test]
    fn out_of_range_quantiles_and_unusable_histograms() {
        assert_eq!(quantile(-1.0, &COUNTS), f64::NEG_INFINITY);
        assert_eq!(quantile(2.0, &COUNTS), f64::INFINITY);
        assert!(quantile(f64::NAN, &COUNTS).is_nan());
        assert!(quantile(0.5, &COUNTS[..3]).is_nan(), "no +Inf bucket");
        assert!(quantile(0.5, &[("+Inf", 5.0)]).is_nan(), "one bucket");
        assert!(quantile(0.5, &[("1", 0.0), ("+Inf", 0.0)]).is_nan());
    }

    #[test]
    fn order_duplicates_and_dips_are_tolerated() {
        let shuffled = [("+Inf", 150.0), ("1", 120.0), ("0.1", 30.0), ("0.5", 90.0)];
        assert_eq!(quantile(0.5, &shuffled), quantile(0.5, &COUNTS));
        // 0.5 and 0.50 merge into one bucket of 60 + 30.
        let duplicated = [
            ("0.1", 30.0),
            ("0.5", 60.0),
            ("0.50", 30.0),
            ("+Inf", 150.0),
        ];
        assert_close(quantile(0.5, &duplicated), 0.1 + 0.4 * 45.0 / 60.0);
        // A dip below the previous count is raised to it.
        let dipping = [("0.1", 30.0), ("0.5", 20.0), ("1", 120.0), ("+Inf", 150.0)];
        assert_close(quantile(0.1, &dipping), 0.05);
        assert_close(quantile(0.5, &dipping), 0.75);
    }

    #[test]
    fn groups_by_every_label_but_le_and_drops_the_name() {
        let mut input = histogram(&COUNTS);
        input.push(bucket("b", "1", 1.0));
        input.push(bucket("b", "+Inf", 2.0));
        input.push(bucket("b", "not-a-number", 100.0));
        let out = histogram_quantile(0.5, input);
        let groups: Vec<&str> = out.iter().map(|s| s.labels["group"].as_str()).collect();
        assert_eq!(groups, vec!["a", "b"]);
        assert_close(out[0].value, 0.4);
        assert_eq!(out[1].value, 1.0);
        assert!(!out[0].labels.contains_key("__name__"));
    }
}
