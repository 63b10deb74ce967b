//! The seam between the query engine and a history store: what the engine
//! asks of any store, and nothing more.
//!
//! A store adapter implements [`SeriesSource`]; [`crate::MemorySource`] is the
//! reference implementation the tests use. Label semantics follow
//! Prometheus: a label with an empty value is the same as no label, and a
//! matcher on a label a series lacks is tested against the empty string.

use std::collections::BTreeMap;
use std::error::Error;

use crate::label_matcher::LabelMatcher;

/// A series' identity: label name → value, including the metric name under
/// [`METRIC_NAME`]. Sorted, so it doubles as a stable sort key.
pub type Labels = BTreeMap<String, String>;

/// The label that holds the metric name.
pub const METRIC_NAME: &str = "__name__";

/// Prometheus's staleness marker: a NaN with this exact bit pattern,
/// written when a series goes away, so queries stop seeing its last value
/// at once rather than for the whole lookback.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// Whether a stored value is a staleness marker (and not a NaN reading).
pub fn is_stale_marker(value: f64) -> bool {
    value.to_bits() == STALE_NAN_BITS
}

/// A label name as Prometheus allows it: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One series the store found: an id only the store interprets, and the
/// series' labels, which the engine reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRef {
    pub id: u64,
    pub labels: Labels,
}

/// A store failure, with the store's own context in the message.
#[derive(Debug, thiserror::Error)]
#[error("history store: {message}")]
pub struct SourceError {
    message: String,
    #[source]
    cause: Option<Box<dyn Error + Send + Sync>>,
}

impl SourceError {
    pub fn new(message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            cause: None,
        }
    }

    pub fn with_cause(
        message: impl Into<String>,
        cause: impl Error + Send + Sync + 'static,
    ) -> Self {
        SourceError {
            message: message.into(),
            cause: Some(Box::new(cause)),
        }
    }
}

/// A series and its samples `(ms, value)`, ascending.
pub type SeriesWithSamples = (SeriesRef, Vec<(i64, f64)>);

/// What the query engine needs from a history store.
///
/// Every time is in milliseconds since the Unix epoch and every range is
/// inclusive at both ends. Calls are synchronous: the HTTP layer runs
/// queries on a blocking thread, so a store may do disk I/O here.
pub trait SeriesSource: Send + Sync {
    /// Series that match all `matchers` (the metric name is the label
    /// [`METRIC_NAME`]) and have at least one sample in `[start_ms, end_ms]`.
    /// Returning a series without samples in the range is allowed (it
    /// simply contributes nothing); missing one that has samples is not.
    fn select(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesRef>, SourceError>;

    /// Samples `(ms, value)` of one series within `[start_ms, end_ms]`,
    /// ascending by time, one per timestamp.
    fn samples(
        &self,
        series: &SeriesRef,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError>;

    /// Every matching series with its samples in `[start_ms, end_ms]`, in
    /// one go: what a selector needs. A store overrides it to read all the
    /// series in one pass (one read transaction rather than one per
    /// series, which at 10,000 series is most of an alert rule's time).
    fn select_with_samples(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        self.select(matchers, start_ms, end_ms)?
            .into_iter()
            .map(|series| {
                let samples = self.samples(&series, start_ms, end_ms)?;
                Ok((series, samples))
            })
            .collect()
    }

    /// Every matching series with only its latest sample (a staleness
    /// marker included) in `[start_ms, end_ms]`: all an instant selector
    /// evaluated at one time needs. A store overrides it to answer from
    /// memory what it holds there, without reading the whole window.
    fn select_latest(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        let mut series = self.select_with_samples(matchers, start_ms, end_ms)?;
        for (_, samples) in &mut series {
            let latest = samples.len().saturating_sub(1);
            samples.drain(..latest);
        }
        Ok(series)
    }

    /// Every label name used by a series with samples in the range, sorted,
    /// [`METRIC_NAME`] included.
    fn label_names(&self, start_ms: i64, end_ms: i64) -> Result<Vec<String>, SourceError>;

    /// Every value of label `name` among series with samples in the range,
    /// sorted, without duplicates.
    fn label_values(
        &self,
        name: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<String>, SourceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_prometheus_rules() {
        assert!(is_label_name("__name__"));
        assert!(is_label_name("topic2"));
        assert!(!is_label_name("2topic"));
        assert!(!is_label_name("to-pic"));
        assert!(!is_label_name(""));
    }
}
