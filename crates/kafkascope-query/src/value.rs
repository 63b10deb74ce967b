//! The values a PromQL expression evaluates to, and the result of a query.

use crate::error::QueryError;
use crate::source::{Labels, METRIC_NAME};

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub value: f64,
}

/// One series of a range result: `(ms, value)` points, ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

/// What an expression yields at one evaluation time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
    /// Only a bare range selector yields this, and only at the top of an
    /// instant query.
    Matrix(Vec<Series>),
}

/// A query's answer, shaped like Prometheus's `resultType`s.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Scalar { time_ms: i64, value: f64 },
    Vector { time_ms: i64, samples: Vec<Sample> },
    Matrix(Vec<Series>),
}

/// Removes the metric name, as every operation that changes a value's
/// meaning does.
pub fn without_metric_name(mut labels: Labels) -> Labels {
    labels.remove(METRIC_NAME);
    labels
}

/// Prometheus refuses a vector in which two elements share a label set,
/// which happens when dropping the metric name merges two series.
pub fn ensure_distinct_labels(samples: &[Sample]) -> Result<(), QueryError> {
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(samples.len(), Default::default());
    for sample in samples {
        if !seen.insert(&sample.labels) {
            return Err(QueryError::Execution(
                "vector cannot contain metrics with the same labelset".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A value as Prometheus writes it, in results and in `count_values`
/// labels (Go's `FormatFloat(v, 'f', -1, 64)`): the shortest decimal that
/// reads back exactly, never an exponent; `NaN`, `+Inf`, `-Inf`.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}
