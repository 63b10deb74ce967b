//! A series' identity: metric name plus labels sorted by name, and its byte encoding.

use crate::varint::{self, Reader};

/// Metric name plus labels; labels are kept sorted by name so equal sets compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    name: String,
    labels: Vec<(String, String)>,
}

/// The label that carries the metric name in matchers, as in Prometheus.
pub const METRIC_NAME_LABEL: &str = "__name__";

impl SeriesKey {
    /// Sorts the labels; a label given twice keeps its last value.
    pub fn new(
        name: impl Into<String>,
        labels: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut labels: Vec<(String, String)> = labels.into_iter().collect();
        labels.reverse();
        labels.sort_by(|a, b| a.0.cmp(&b.0));
        labels.dedup_by(|later, earlier| later.0 == earlier.0);
        Self {
            name: name.into(),
            labels,
        }
    }

    /// A key from labels already sorted by name and distinct, as the
    /// index hands them out.
    pub(crate) fn from_sorted(name: &str, labels: Vec<(String, String)>) -> Self {
        debug_assert!(labels.windows(2).all(|w| w[0].0 < w[1].0));
        Self {
            name: name.to_string(),
            labels,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }

    /// The name and the labels, moved out (no copy of the strings).
    pub fn into_parts(self) -> (String, Vec<(String, String)>) {
        (self.name, self.labels)
    }

    /// The value of a label; `__name__` gives the metric name, a missing label gives "".
    pub fn label(&self, label: &str) -> &str {
        if label == METRIC_NAME_LABEL {
            return &self.name;
        }
        self.labels
            .binary_search_by(|(k, _)| k.as_str().cmp(label))
            .map(|i| self.labels[i].1.as_str())
            .unwrap_or("")
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.name);
        varint::put_u64(out, self.labels.len() as u64);
        for (k, v) in &self.labels {
            put_str(out, k);
            put_str(out, v);
        }
    }

    pub(crate) fn decode(reader: &mut Reader<'_>) -> Result<Self, String> {
        let name = take_str(reader)?;
        let count = reader.usize(reader.bytes.len())?;
        let mut labels = Vec::with_capacity(count);
        for _ in 0..count {
            labels.push((take_str(reader)?, take_str(reader)?));
        }
        Ok(Self::new(name, labels))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    varint::put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn take_str(reader: &mut Reader<'_>) -> Result<String, String> {
    let len = reader.usize(reader.bytes.len())?;
    let bytes = reader.take(len)?;
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("label not UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_are_sorted_deduplicated_and_round_trip() {
        let key = SeriesKey::new(
            "lag",
            labels(&[("topic", "t"), ("group", "g"), ("topic", "u")]),
        );
        assert_eq!(
            key.labels(),
            labels(&[("group", "g"), ("topic", "u")]).as_slice()
        );
        assert_eq!(key.label("__name__"), "lag");
        assert_eq!(key.label("missing"), "");
        let mut bytes = Vec::new();
        key.encode(&mut bytes);
        let decoded = SeriesKey::decode(&mut Reader::new(&bytes)).unwrap();
        assert_eq!(decoded, key);
        assert!(SeriesKey::decode(&mut Reader::new(&bytes[..bytes.len() - 1])).is_err());
    }
}
