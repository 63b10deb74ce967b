//! A Prometheus-compatible query API over kafkascope's own history.
//!
//! A store implements [`SeriesSource`]; [`router`] serves `/api/v1/query`,
//! `/api/v1/query_range`, `/api/v1/series`, `/api/v1/labels` and
//! `/api/v1/label/{name}/values` over it, evaluating with Prometheus 2.x
//! semantics the PromQL subset that alert rules and Kafka dashboards use:
//!
//! - selectors with `offset` and `@` (`start()`, `end()` too);
//! - range functions `rate`, `increase`, `delta`, `irate`, `idelta`,
//!   `deriv`, `predict_linear`, `changes`, `resets` and
//!   `{avg,min,max,sum,count,last,present,quantile,stddev,stdvar,absent}_over_time`;
//! - aggregations `sum`, `min`, `max`, `avg`, `count`, `count_values`,
//!   `topk`, `bottomk`, by or without labels;
//! - arithmetic, comparison and set (`and`, `or`, `unless`) operators
//!   between vectors and scalars, with `on`/`ignoring` matching;
//! - `absent`, `vector`, `scalar`, `time`, `histogram_quantile` (classic
//!   `le` buckets), `label_replace`, `label_join`, and `abs`, `ceil`,
//!   `floor`, `round`, `sqrt`, `exp`, `ln`, `log2`, `log10`, `clamp`,
//!   `clamp_min`, `clamp_max`.
//!
//! Anything else is refused with an error naming the construct.
//! docs/QUERY_API.md describes the API for users.
//!
//! Flow: `plan.rs` checks and translates the parsed query (`plan/calls.rs`
//! the function calls), `selector.rs` fetches each selector's data once,
//! `evaluator.rs` evaluates the plan at each step (`range_functions.rs`
//! and `over_time.rs`, `aggregation.rs`, `binary_ops.rs`, `set_ops.rs`,
//! `functions.rs`, `label_functions.rs`, `histogram.rs`), `engine.rs`
//! assembles instant and range results, and `api/` speaks HTTP.

mod aggregation;
mod api;
mod binary_ops;
mod engine;
mod error;
mod evaluator;
mod functions;
mod histogram;
mod label_functions;
mod label_matcher;
mod memory_source;
mod over_time;
mod plan;
mod query_limits;
mod range_functions;
mod selector;
mod set_ops;
mod source;
mod value;

pub use api::{MAX_CONCURRENT_QUERIES, PROMETHEUS_API_VERSION, router};
pub use engine::{
    MAX_POINTS_PER_SERIES, PreparedQuery, check_expression, instant_query, range_query,
};
pub use error::QueryError;
pub use label_matcher::{InvalidPattern, LabelMatcher, MatchKind};
pub use memory_source::MemorySource;
pub use query_limits::{MAX_QUERY_BYTES, MAX_STRUCTURE_BYTES, QUERY_THREAD_STACK_BYTES};
pub use selector::DEFAULT_LOOKBACK_MS;
pub use source::{
    Labels, METRIC_NAME, STALE_NAN_BITS, SeriesRef, SeriesSource, SeriesWithSamples, SourceError,
    is_stale_marker,
};
pub use value::{QueryValue, Sample, Series};
