//! Instant and range queries: parse, plan, fetch once, evaluate per step.

use std::collections::BTreeMap;

use crate::error::QueryError;
use crate::evaluator::Evaluator;
use crate::plan::{Plan, QueryPlan};
use crate::selector::{DEFAULT_LOOKBACK_MS, FetchedSeries};
use crate::source::{Labels, SeriesSource};
use crate::value::{QueryValue, Series, Value};

/// Prometheus's cap on points per series in a range query.
pub const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// Whether `query` parses and lies within the subset this engine
/// evaluates, without running it: alert rules are checked when loaded.
pub fn check_expression(query: &str) -> Result<(), QueryError> {
    QueryPlan::parse(query).map(|_| ())
}

/// A query parsed once and evaluated many times: an alert rule's
/// expression, which would otherwise be parsed again at every evaluation.
#[derive(Debug, Clone)]
pub struct PreparedQuery {
    plan: QueryPlan,
}

impl PreparedQuery {
    /// Parses `query`, with the errors [`check_expression`] gives.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        Ok(Self {
            plan: QueryPlan::parse(query)?,
        })
    }

    /// Evaluates the query at `time_ms`, as [`instant_query`] does.
    pub fn instant(
        &self,
        source: &dyn SeriesSource,
        time_ms: i64,
    ) -> Result<QueryValue, QueryError> {
        instant_plan(source, self.plan.clone(), time_ms)
    }
}

/// Evaluates `query` at `time_ms`.
///
/// Parsing and evaluation recurse with the query's nesting: run queries
/// from untrusted input on a thread with [`QUERY_THREAD_STACK_BYTES`] of
/// stack, as the HTTP API does.
///
/// [`QUERY_THREAD_STACK_BYTES`]: crate::QUERY_THREAD_STACK_BYTES
pub fn instant_query(
    source: &dyn SeriesSource,
    query: &str,
    time_ms: i64,
) -> Result<QueryValue, QueryError> {
    instant_plan(source, QueryPlan::parse(query)?, time_ms)
}

fn instant_plan(
    source: &dyn SeriesSource,
    mut plan: QueryPlan,
    time_ms: i64,
) -> Result<QueryValue, QueryError> {
    plan.resolve_at(time_ms, time_ms);
    let fetched = fetch_all(source, &plan, time_ms, time_ms)?;
    let evaluator = Evaluator::for_one_time(&plan, fetched, DEFAULT_LOOKBACK_MS, time_ms);
    Ok(match evaluator.evaluate(time_ms)? {
        Value::Scalar(value) => QueryValue::Scalar { time_ms, value },
        Value::Vector(samples) => QueryValue::Vector { time_ms, samples },
        Value::Matrix(series) => QueryValue::Matrix(series),
    })
}

/// Evaluates `query` at `start_ms`, `start_ms + step_ms`, … up to `end_ms`;
/// always a matrix, with series sorted by labels. Needs a deep stack, as
/// [`instant_query`] does.
pub fn range_query(
    source: &dyn SeriesSource,
    query: &str,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
) -> Result<QueryValue, QueryError> {
    check_range(start_ms, end_ms, step_ms)?;
    let mut plan = QueryPlan::parse(query)?;
    plan.resolve_at(start_ms, end_ms);
    if matches!(plan.root, Plan::Range(_)) {
        return Err(QueryError::BadData(
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
                .to_owned(),
        ));
    }
    let fetched = fetch_all(source, &plan, start_ms, end_ms)?;
    let evaluator = Evaluator::new(&plan, fetched, DEFAULT_LOOKBACK_MS);
    let mut series: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    let mut t = start_ms;
    while t <= end_ms {
        match evaluator.evaluate(t)? {
            Value::Scalar(value) => series.entry(Labels::new()).or_default().push((t, value)),
            Value::Vector(samples) => {
                for sample in samples {
                    series
                        .entry(sample.labels)
                        .or_default()
                        .push((t, sample.value));
                }
            }
            Value::Matrix(_) => unreachable_matrix()?,
        }
        t = match t.checked_add(step_ms) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(QueryValue::Matrix(
        series
            .into_iter()
            .map(|(labels, points)| Series { labels, points })
            .collect(),
    ))
}

/// The same limits, with the same messages, as Prometheus's API.
fn check_range(start_ms: i64, end_ms: i64, step_ms: i64) -> Result<(), QueryError> {
    if end_ms < start_ms {
        return Err(QueryError::BadData(
            "invalid parameter \"end\": end timestamp must not be before start time".to_owned(),
        ));
    }
    if step_ms <= 0 {
        return Err(QueryError::BadData(
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".to_owned(),
        ));
    }
    if end_ms.saturating_sub(start_ms) / step_ms > MAX_POINTS_PER_SERIES {
        return Err(QueryError::BadData(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
                .to_owned(),
        ));
    }
    Ok(())
}

fn fetch_all(
    source: &dyn SeriesSource,
    plan: &QueryPlan,
    start_ms: i64,
    end_ms: i64,
) -> Result<Vec<Vec<FetchedSeries>>, QueryError> {
    plan.selectors
        .iter()
        .map(|selector| selector.fetch(source, start_ms, end_ms, DEFAULT_LOOKBACK_MS))
        .collect()
}

/// A bare range selector is refused before evaluation; this keeps the
/// impossible case an error instead of a panic.
fn unreachable_matrix() -> Result<(), QueryError> {
    Err(QueryError::BadData(
        "a range vector cannot be the result of a range query".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory_source::MemorySource;
    use crate::value::Sample;

    /// Two offset counters growing 1/s and 2/s, sampled every 10 s for 2
    /// minutes, and a lag gauge with one sample at 0 s.
    fn source() -> MemorySource {
        let mut source = MemorySource::new();
        for (partition, per_second) in [("0", 1.0), ("1", 2.0)] {
            let samples: Vec<(i64, f64)> = (0..=12)
                .map(|i| (i * 10_000, 100.0 + per_second * 10.0 * i as f64))
                .collect();
            source.insert([("__name__", "offset"), ("partition", partition)], &samples);
        }
        source.insert([("__name__", "lag"), ("partition", "0")], &[(0, 5.0)]);
        source.insert([("__name__", "lag_copy"), ("partition", "0")], &[(0, 5.0)]);
        source
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn instant_rate_and_sum_have_exact_values() {
        let source = source();
        let value = instant_query(&source, "sum(rate(offset[1m])) * 60", 120_000).unwrap();
        assert_eq!(
            value,
            QueryValue::Vector {
                time_ms: 120_000,
                samples: vec![Sample {
                    labels: Labels::new(),
                    value: 180.0
                }]
            }
        );
        let value = instant_query(&source, "offset{partition=\"1\"} - 100", 65_000).unwrap();
        let QueryValue::Vector { samples, .. } = value else {
            panic!("not a vector: {value:?}")
        };
        assert_eq!(
            samples,
            vec![Sample {
                labels: labels(&[("partition", "1")]),
                value: 120.0
            }]
        );
    }

    #[test]
    fn scalar_expression_gives_scalar_result() {
        let value = instant_query(&source(), "(1 + 2) * 4", 7_000).unwrap();
        assert_eq!(
            value,
            QueryValue::Scalar {
                time_ms: 7_000,
                value: 12.0
            }
        );
    }

    #[test]
    fn range_query_steps_from_start_and_drops_series_after_lookback() {
        let value = range_query(&source(), "lag", 0, 600_000, 100_000).unwrap();
        // The one sample at 0 s is visible for 300 s (inclusive).
        assert_eq!(
            value,
            QueryValue::Matrix(vec![Series {
                labels: labels(&[("__name__", "lag"), ("partition", "0")]),
                points: vec![(0, 5.0), (100_000, 5.0), (200_000, 5.0), (300_000, 5.0)],
            }])
        );
    }

    #[test]
    fn range_query_of_scalar_is_one_unlabelled_series() {
        let value = range_query(&source(), "2 ^ 2", 5_000, 25_000, 10_000).unwrap();
        assert_eq!(
            value,
            QueryValue::Matrix(vec![Series {
                labels: Labels::new(),
                points: vec![(5_000, 4.0), (15_000, 4.0), (25_000, 4.0)],
            }])
        );
    }

    #[test]
    fn bare_range_selector_returns_raw_samples_in_instant_queries_only() {
        let source = source();
        let value = instant_query(&source, "offset{partition=\"0\"}[20s]", 30_000).unwrap();
        assert_eq!(
            value,
            QueryValue::Matrix(vec![Series {
                labels: labels(&[("__name__", "offset"), ("partition", "0")]),
                points: vec![(10_000, 110.0), (20_000, 120.0), (30_000, 130.0)],
            }])
        );
        let err = range_query(&source, "offset[1m]", 0, 10, 1).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid expression type \"range vector\""),
            "{err}"
        );
    }

    #[test]
    fn dropping_metric_name_into_duplicates_is_an_execution_error() {
        let err = instant_query(&source(), "-{__name__=~\"lag.*\"}", 0).unwrap_err();
        assert!(matches!(err, QueryError::Execution(_)));
        assert_eq!(
            err.to_string(),
            "vector cannot contain metrics with the same labelset"
        );
    }

    #[test]
    fn range_parameters_are_checked_like_prometheus() {
        let source = source();
        let err = range_query(&source, "lag", 10, 0, 1).unwrap_err();
        assert!(
            err.to_string()
                .contains("end timestamp must not be before start time")
        );
        let err = range_query(&source, "lag", 0, 10, 0).unwrap_err();
        assert!(
            err.to_string()
                .contains("zero or negative query resolution step")
        );
        let err = range_query(&source, "lag", 0, 11_001, 1).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("exceeded maximum resolution of 11,000 points")
        );
        assert!(range_query(&source, "lag", 0, 11_000, 1).is_ok());
    }
}
