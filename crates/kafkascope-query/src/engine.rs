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

/// Evaluates `query` at `time_ms`.
pub fn instant_query(
    source: &dyn SeriesSource,
    query: &str,
    time_ms: i64,
) -> Result<QueryValue, QueryError> {
    let plan = QueryPlan::parse(query)?;
    let fetched = fetch_all(source, &plan, time_ms, time_ms)?;
    let evaluator = Evaluator::new(&plan, fetched, DEFAULT_LOOKBACK_MS);
    Ok(match evaluator.evaluate(time_ms)? {
        Value::Scalar(value) => QueryValue::Scalar { time_ms, value },
        Value::Vector(samples) => QueryValue::Vector { time_ms, samples },
        Value::Matrix(series) => QueryValue::Matrix(series),
    })
}

/// Evaluates `query` at `start_ms`, `start_ms + step_ms`, … up to `end_ms`;
/// always a matrix, with series sorted by labels.
pub fn range_query(
    source: &dyn SeriesSource,
    query: &str,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
) -> Result<QueryValue, QueryError> {
    check_range(start_ms, end_ms, step_ms)?;
    let plan = QueryPlan::parse(query)?;
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
