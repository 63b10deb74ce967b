//! The history store as the query engine's [`SeriesSource`]: label matchers
//! translated, series ids passed through, damage logged and skipped.

use std::sync::Arc;

use kafkascope_query::{
    LabelMatcher, Labels, METRIC_NAME, MatchKind, SeriesRef, SeriesSource, SeriesWithSamples,
    SourceError,
};
use kafkascope_store::{Matcher, QueryResult, SeriesKey, Store, StoreError};

use super::History;

/// Reads [`History`] for the query API.
pub struct StoreSource {
    history: Arc<History>,
}

impl StoreSource {
    pub fn new(history: Arc<History>) -> Self {
        Self { history }
    }

    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, SourceError>) -> Result<T, SourceError> {
        let store = self
            .history
            .store()
            .read()
            .map_err(|_| SourceError::new("store lock poisoned"))?;
        f(&store)
    }
}

impl StoreSource {
    /// Runs one of the store's queries with the matchers translated, damage
    /// logged, and each series handed out with its labels.
    fn query(
        &self,
        matchers: &[LabelMatcher],
        run: impl FnOnce(&Store, &[Matcher]) -> Result<QueryResult, StoreError>,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        let matchers = matchers
            .iter()
            .map(store_matcher)
            .collect::<Result<Vec<_>, _>>()?;
        self.read(|store| {
            let result =
                run(store, &matchers).map_err(|e| SourceError::with_cause("reading samples", e))?;
            for problem in &result.problems {
                tracing::warn!("history: {problem}");
            }
            Ok(result
                .series
                .into_iter()
                .map(|s| {
                    let series = SeriesRef {
                        id: u64::from(s.id),
                        labels: labels_of(s.key),
                    };
                    (series, s.samples)
                })
                .collect())
        })
    }
}

fn store_matcher(m: &LabelMatcher) -> Result<Matcher, SourceError> {
    let invalid = |e| SourceError::with_cause(format!("matcher on {}", m.name), e);
    Ok(match &m.kind {
        MatchKind::Equal => Matcher::equal(&m.name, &m.value),
        MatchKind::NotEqual => Matcher::not_equal(&m.name, &m.value),
        MatchKind::Regex(_) => Matcher::matches(&m.name, &m.value).map_err(invalid)?,
        MatchKind::NotRegex(_) => Matcher::not_matches(&m.name, &m.value).map_err(invalid)?,
    })
}

/// The key's strings moved into the query's labels: a query hands out
/// thousands of series, and copying each string again showed in the cost of
/// evaluating the alert rules.
fn labels_of(key: SeriesKey) -> Labels {
    let (name, labels) = key.into_parts();
    let mut labels: Labels = labels.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    labels.insert(METRIC_NAME.to_string(), name);
    labels
}

impl SeriesSource for StoreSource {
    fn select(
        &self,
        matchers: &[LabelMatcher],
        _start_ms: i64,
        _end_ms: i64,
    ) -> Result<Vec<SeriesRef>, SourceError> {
        let matchers = matchers
            .iter()
            .map(store_matcher)
            .collect::<Result<Vec<_>, _>>()?;
        self.read(|store| {
            Ok(store
                .select(&matchers)
                .into_iter()
                .map(|(id, key)| SeriesRef {
                    id: u64::from(id),
                    labels: labels_of(key),
                })
                .collect())
        })
    }

    fn samples(
        &self,
        series: &SeriesRef,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        let id = u32::try_from(series.id)
            .map_err(|_| SourceError::new(format!("series id {} out of range", series.id)))?;
        self.read(|store| {
            let range = store
                .samples(id, start_ms, end_ms)
                .map_err(|e| SourceError::with_cause("reading samples", e))?;
            for problem in &range.problems {
                tracing::warn!("history: {problem}");
            }
            Ok(range.samples)
        })
    }

    fn select_with_samples(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        self.query(matchers, |store, m| store.query(m, start_ms, end_ms))
    }

    fn select_latest(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesWithSamples>, SourceError> {
        self.query(matchers, |store, m| store.query_latest(m, start_ms, end_ms))
    }

    fn label_names(&self, _start_ms: i64, _end_ms: i64) -> Result<Vec<String>, SourceError> {
        self.read(|store| Ok(store.label_names(&[])))
    }

    fn label_values(
        &self,
        name: &str,
        _start_ms: i64,
        _end_ms: i64,
    ) -> Result<Vec<String>, SourceError> {
        self.read(|store| Ok(store.label_values(name, &[])))
    }
}
