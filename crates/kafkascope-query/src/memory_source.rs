//! An in-memory [`SeriesSource`]: the reference a store adapter mirrors and
//! what the tests load their data into.

use std::collections::{BTreeMap, BTreeSet};

use crate::label_matcher::LabelMatcher;
use crate::source::{Labels, SeriesRef, SeriesSource, SourceError};

/// Series held in memory; the series id is its position.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    series: Vec<(Labels, Vec<(i64, f64)>)>,
    by_labels: BTreeMap<Labels, usize>,
}

impl MemorySource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds samples to the series named by `labels`, creating it if new.
    /// Empty label values are dropped (Prometheus treats them as absent); a
    /// sample at a time the series already has replaces the old value.
    pub fn insert<K, V>(&mut self, labels: impl IntoIterator<Item = (K, V)>, samples: &[(i64, f64)])
    where
        K: Into<String>,
        V: Into<String>,
    {
        let labels: Labels = labels
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let index = match self.by_labels.get(&labels) {
            Some(&index) => index,
            None => {
                self.series.push((labels.clone(), Vec::new()));
                self.by_labels.insert(labels, self.series.len() - 1);
                self.series.len() - 1
            }
        };
        let stored = &mut self.series[index].1;
        let mut merged: BTreeMap<i64, f64> = stored.iter().copied().collect();
        merged.extend(samples.iter().copied());
        *stored = merged.into_iter().collect();
    }

    fn in_range(samples: &[(i64, f64)], start_ms: i64, end_ms: i64) -> &[(i64, f64)] {
        let from = samples.partition_point(|(t, _)| *t < start_ms);
        let to = samples.partition_point(|(t, _)| *t <= end_ms);
        &samples[from..to.max(from)]
    }

    fn live_series(&self, start_ms: i64, end_ms: i64) -> impl Iterator<Item = &Labels> {
        self.series
            .iter()
            .filter(move |(_, samples)| !Self::in_range(samples, start_ms, end_ms).is_empty())
            .map(|(labels, _)| labels)
    }
}

impl SeriesSource for MemorySource {
    fn select(
        &self,
        matchers: &[LabelMatcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<SeriesRef>, SourceError> {
        Ok(self
            .series
            .iter()
            .enumerate()
            .filter(|(_, (labels, samples))| {
                LabelMatcher::all_match(matchers, labels)
                    && !Self::in_range(samples, start_ms, end_ms).is_empty()
            })
            .map(|(id, (labels, _))| SeriesRef {
                id: id as u64,
                labels: labels.clone(),
            })
            .collect())
    }

    fn samples(
        &self,
        series: &SeriesRef,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        let (_, samples) = usize::try_from(series.id)
            .ok()
            .and_then(|id| self.series.get(id))
            .ok_or_else(|| SourceError::new(format!("no series with id {}", series.id)))?;
        Ok(Self::in_range(samples, start_ms, end_ms).to_vec())
    }

    fn label_names(&self, start_ms: i64, end_ms: i64) -> Result<Vec<String>, SourceError> {
        let names: BTreeSet<&String> = self
            .live_series(start_ms, end_ms)
            .flat_map(|labels| labels.keys())
            .collect();
        Ok(names.into_iter().cloned().collect())
    }

    fn label_values(
        &self,
        name: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<String>, SourceError> {
        let values: BTreeSet<&String> = self
            .live_series(start_ms, end_ms)
            .filter_map(|labels| labels.get(name))
            .collect();
        Ok(values.into_iter().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> MemorySource {
        let mut source = MemorySource::new();
        source.insert(
            [("__name__", "lag"), ("topic", "a"), ("env", "")],
            &[(30, 3.0), (10, 1.0)],
        );
        source.insert([("__name__", "lag"), ("topic", "b")], &[(20, 2.0)]);
        source.insert(
            [("__name__", "lag"), ("topic", "a")],
            &[(10, 1.5), (40, 4.0)],
        );
        source
    }

    #[test]
    fn merges_sorts_and_replaces_samples_of_one_series() {
        let source = source();
        let found = source
            .select(&[LabelMatcher::equal("topic", "a")], 0, 100)
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 2, "empty env label dropped");
        assert_eq!(
            source.samples(&found[0], 0, 100).unwrap(),
            vec![(10, 1.5), (30, 3.0), (40, 4.0)]
        );
        assert_eq!(
            source.samples(&found[0], 30, 40).unwrap(),
            vec![(30, 3.0), (40, 4.0)]
        );
    }

    #[test]
    fn select_and_labels_only_see_series_with_samples_in_range() {
        let source = source();
        let found = source
            .select(&[LabelMatcher::equal("__name__", "lag")], 15, 25)
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels["topic"], "b");
        assert_eq!(
            source.label_values("topic", 0, 100).unwrap(),
            vec!["a", "b"]
        );
        assert_eq!(source.label_values("topic", 35, 100).unwrap(), vec!["a"]);
        assert_eq!(
            source.label_names(0, 100).unwrap(),
            vec!["__name__", "topic"]
        );
        assert!(source.label_names(50, 100).unwrap().is_empty());
    }

    #[test]
    fn unknown_series_id_is_an_error() {
        let missing = SeriesRef {
            id: 99,
            labels: Labels::new(),
        };
        let err = source().samples(&missing, 0, 1).unwrap_err();
        assert_eq!(err.to_string(), "history store: no series with id 99");
    }
}
