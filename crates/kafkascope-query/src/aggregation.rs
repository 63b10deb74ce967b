//! Aggregation operators (`sum`, `min`, `max`, `avg`, `count`, `topk`,
//! `bottomk`, `count_values`) with `by`/`without` grouping, as Prometheus
//! evaluates them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::error::QueryError;
use crate::source::{Labels, METRIC_NAME, is_label_name};
use crate::value::{Sample, format_value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateOp {
    Sum,
    Min,
    Max,
    Avg,
    Count,
    Topk,
    Bottomk,
    /// Evaluated by [`count_values`], which takes a label name.
    CountValues,
}

/// Which labels identify a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// Only these labels; `By(vec![])` (no clause) puts everything in one group.
    By(Vec<String>),
    /// Every label except these and the metric name.
    Without(Vec<String>),
}

impl AggregateOp {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sum" => Some(AggregateOp::Sum),
            "min" => Some(AggregateOp::Min),
            "max" => Some(AggregateOp::Max),
            "avg" => Some(AggregateOp::Avg),
            "count" => Some(AggregateOp::Count),
            "topk" => Some(AggregateOp::Topk),
            "bottomk" => Some(AggregateOp::Bottomk),
            "count_values" => Some(AggregateOp::CountValues),
            _ => None,
        }
    }
}

impl Grouping {
    fn group_labels(&self, labels: &Labels) -> Labels {
        match self {
            Grouping::By(names) => labels
                .iter()
                .filter(|(name, _)| names.contains(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            Grouping::Without(names) => labels
                .iter()
                .filter(|(name, _)| *name != METRIC_NAME && !names.contains(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn groups(&self, input: Vec<Sample>) -> BTreeMap<Labels, Vec<Sample>> {
        let mut groups: BTreeMap<Labels, Vec<Sample>> = BTreeMap::new();
        for sample in input {
            groups
                .entry(self.group_labels(&sample.labels))
                .or_default()
                .push(sample);
        }
        groups
    }
}

/// Aggregates `input`; `k` is the evaluated parameter of `topk`/`bottomk`.
pub fn aggregate(
    op: AggregateOp,
    grouping: &Grouping,
    k: Option<f64>,
    input: Vec<Sample>,
) -> Result<Vec<Sample>, QueryError> {
    let groups = grouping.groups(input);
    match op {
        AggregateOp::Topk | AggregateOp::Bottomk => {
            let k = whole_count(k.unwrap_or(f64::NAN))?;
            Ok(groups
                .into_values()
                .flat_map(|members| select_k(op == AggregateOp::Topk, k, members))
                .collect())
        }
        _ => Ok(groups
            .into_iter()
            .map(|(labels, members)| Sample {
                labels,
                value: fold(op, &members),
            })
            .collect()),
    }
}

/// One value for a non-empty group.
fn fold(op: AggregateOp, members: &[Sample]) -> f64 {
    let values = members.iter().map(|s| s.value);
    match op {
        AggregateOp::Sum => values.sum(),
        AggregateOp::Count => members.len() as f64,
        // NaN loses to any number, as in Prometheus.
        AggregateOp::Max => values
            .reduce(|acc, v| if acc < v || acc.is_nan() { v } else { acc })
            .unwrap_or(f64::NAN),
        AggregateOp::Min => values
            .reduce(|acc, v| if acc > v || acc.is_nan() { v } else { acc })
            .unwrap_or(f64::NAN),
        AggregateOp::Avg => running_mean(values),
        AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::CountValues => f64::NAN,
    }
}

/// `count_values("label", v)`: how many elements of each group have each
/// value, the value written into `label` as Prometheus prints it. With
/// `by` the label joins the grouping; with `without` it is simply one more
/// label the elements carry.
pub fn count_values(
    label: &str,
    grouping: &Grouping,
    input: Vec<Sample>,
) -> Result<Vec<Sample>, QueryError> {
    if !is_label_name(label) {
        // Prometheus checks this when evaluating, so it is an execution
        // error even though it could be seen in the query alone.
        return Err(QueryError::Execution(format!(
            "invalid label name {label:?}"
        )));
    }
    let grouping = match grouping {
        Grouping::By(names) => {
            Grouping::By(names.iter().cloned().chain([label.to_owned()]).collect())
        }
        Grouping::Without(names) => Grouping::Without(names.clone()),
    };
    let mut counts: BTreeMap<Labels, f64> = BTreeMap::new();
    for mut sample in input {
        sample
            .labels
            .insert(label.to_owned(), format_value(sample.value));
        *counts
            .entry(grouping.group_labels(&sample.labels))
            .or_default() += 1.0;
    }
    Ok(counts
        .into_iter()
        .map(|(labels, value)| Sample { labels, value })
        .collect())
}

/// The mean kept as a running value, so large values do not overflow a sum.
fn running_mean(mut values: impl Iterator<Item = f64>) -> f64 {
    let Some(mut mean) = values.next() else {
        return f64::NAN;
    };
    let mut count = 1.0;
    for value in values {
        count += 1.0;
        // Once the mean is infinite, finite values (or the same infinity)
        // cannot change it; subtracting would turn it into NaN.
        if mean.is_infinite()
            && ((value.is_infinite() && (mean > 0.0) == (value > 0.0)) || value.is_finite())
        {
            continue;
        }
        mean += value / count - mean / count;
    }
    mean
}

/// The `k` parameter as a count; Prometheus refuses what int64 cannot hold.
fn whole_count(k: f64) -> Result<usize, QueryError> {
    if k.is_nan() || k >= i64::MAX as f64 || k < i64::MIN as f64 {
        return Err(QueryError::Execution(format!(
            "Scalar value {k} overflows int64"
        )));
    }
    Ok(if k < 1.0 { 0 } else { k as usize })
}

/// The `k` largest (`largest`) or smallest members, in that order; NaN ranks
/// last either way, and among equal values the earlier member wins.
fn select_k(largest: bool, k: usize, mut members: Vec<Sample>) -> Vec<Sample> {
    members.sort_by(|a, b| rank(largest, a.value, b.value));
    members.truncate(k);
    members
}

fn rank(largest: bool, a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) if largest => b.total_cmp(&a),
        (false, false) => a.total_cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(topic: &str, partition: &str, value: f64) -> Sample {
        let labels = [
            ("__name__", "lag"),
            ("topic", topic),
            ("partition", partition),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Sample { labels, value }
    }

    fn input() -> Vec<Sample> {
        vec![
            sample("a", "0", 4.0),
            sample("a", "1", 10.0),
            sample("b", "0", 1.0),
            sample("b", "1", f64::NAN),
            sample("b", "2", 7.0),
        ]
    }

    fn by(names: &[&str]) -> Grouping {
        Grouping::By(names.iter().map(|s| s.to_string()).collect())
    }

    fn summary(samples: &[Sample]) -> Vec<(String, f64)> {
        samples
            .iter()
            .map(|s| {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                (labels.join(","), s.value)
            })
            .collect()
    }

    #[test]
    fn sum_by_topic_keeps_only_topic() {
        let finite: Vec<Sample> = input().into_iter().filter(|s| !s.value.is_nan()).collect();
        let out = aggregate(AggregateOp::Sum, &by(&["topic"]), None, finite).unwrap();
        assert_eq!(
            summary(&out),
            vec![("topic=a".into(), 14.0), ("topic=b".into(), 8.0)]
        );
    }

    #[test]
    fn without_drops_listed_labels_and_metric_name() {
        let grouping = Grouping::Without(vec!["partition".into()]);
        let out = aggregate(AggregateOp::Count, &grouping, None, input()).unwrap();
        assert_eq!(
            summary(&out),
            vec![("topic=a".into(), 2.0), ("topic=b".into(), 3.0)]
        );
    }

    #[test]
    fn max_and_min_skip_nan() {
        let max = aggregate(AggregateOp::Max, &by(&["topic"]), None, input()).unwrap();
        assert_eq!(
            summary(&max),
            vec![("topic=a".into(), 10.0), ("topic=b".into(), 7.0)]
        );
        let min = aggregate(AggregateOp::Min, &by(&[]), None, input()).unwrap();
        assert_eq!(summary(&min), vec![("".into(), 1.0)]);
    }

    #[test]
    fn avg_is_mean_and_nan_propagates() {
        let out = aggregate(AggregateOp::Avg, &by(&["topic"]), None, input()).unwrap();
        assert_eq!(out[0].value, 7.0);
        assert!(out[1].value.is_nan());
        assert_eq!(
            running_mean([f64::INFINITY, 3.0].into_iter()),
            f64::INFINITY
        );
    }

    #[test]
    fn topk_keeps_full_labels_per_group_largest_first() {
        let out = aggregate(AggregateOp::Topk, &by(&["topic"]), Some(2.0), input()).unwrap();
        assert_eq!(
            summary(&out),
            vec![
                ("__name__=lag,partition=1,topic=a".into(), 10.0),
                ("__name__=lag,partition=0,topic=a".into(), 4.0),
                ("__name__=lag,partition=2,topic=b".into(), 7.0),
                ("__name__=lag,partition=0,topic=b".into(), 1.0),
            ]
        );
        let bottom = aggregate(AggregateOp::Bottomk, &by(&[]), Some(1.9), input()).unwrap();
        assert_eq!(
            summary(&bottom),
            vec![("__name__=lag,partition=0,topic=b".into(), 1.0)]
        );
    }

    #[test]
    fn topk_below_one_is_empty_and_nan_k_is_an_error() {
        assert!(
            aggregate(AggregateOp::Topk, &by(&[]), Some(0.5), input())
                .unwrap()
                .is_empty()
        );
        let err = aggregate(AggregateOp::Topk, &by(&[]), Some(f64::NAN), input()).unwrap_err();
        assert_eq!(err.to_string(), "Scalar value NaN overflows int64");
    }

    #[test]
    fn count_values_counts_each_printed_value_per_group() {
        let mut input = input();
        input.push(sample("a", "2", 10.0));
        let out = count_values("v", &by(&["topic"]), input.clone()).unwrap();
        assert_eq!(
            summary(&out),
            vec![
                ("topic=a,v=10".into(), 2.0),
                ("topic=a,v=4".into(), 1.0),
                ("topic=b,v=1".into(), 1.0),
                ("topic=b,v=7".into(), 1.0),
                ("topic=b,v=NaN".into(), 1.0),
            ]
        );
        // `without` may drop the value label itself: one group of all.
        let without = Grouping::Without(vec!["partition".into(), "topic".into()]);
        let out = count_values("topic", &without, input).unwrap();
        assert_eq!(summary(&out), vec![("".into(), 6.0)]);
        let err = count_values("1v", &by(&[]), Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "invalid label name \"1v\"");
    }
}
