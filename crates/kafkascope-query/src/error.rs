//! Why a query failed, in the categories Prometheus's API reports.

use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The request itself is wrong: a parse error or a bad parameter.
    #[error("{0}")]
    BadData(String),
    /// Valid PromQL outside the subset kafkascope evaluates.
    #[error(
        "unsupported expression: {construct} is not in kafkascope's PromQL subset (selectors with offset and @; rate, increase, delta, irate, idelta, deriv, predict_linear, changes, resets, {{avg,min,max,sum,count,last,present,quantile,stddev,stdvar,absent}}_over_time; sum, min, max, avg, count, count_values, topk, bottomk by/without; arithmetic, comparison and set (and, or, unless) operators with on/ignoring; absent, vector, scalar, time, histogram_quantile, label_replace, label_join, abs, ceil, floor, round, sqrt, exp, ln, log2, log10, clamp, clamp_min, clamp_max)"
    )]
    Unsupported { construct: String },
    /// The expression is valid but cannot be evaluated on this data, e.g. a
    /// one-to-one match that finds several partners.
    #[error("{0}")]
    Execution(String),
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl QueryError {
    pub(crate) fn unsupported(construct: impl Into<String>) -> Self {
        QueryError::Unsupported {
            construct: construct.into(),
        }
    }
}
