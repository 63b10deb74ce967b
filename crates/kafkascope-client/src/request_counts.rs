//! How many requests of each API a cluster's connections have sent, so
//! what a cycle costs the brokers can be shown rather than guessed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use kafka_protocol::messages::ApiKey;

/// API keys above this are counted together (none is defined today).
const TRACKED_KEYS: usize = 128;

/// Requests sent per API key; shared by every connection made with one
/// [`crate::ClientConfig`] (and its clones).
pub struct RequestCounts {
    by_key: [AtomicU64; TRACKED_KEYS],
}

impl Default for RequestCounts {
    fn default() -> Self {
        Self {
            by_key: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl RequestCounts {
    pub(crate) fn record(&self, api_key: i16) {
        let index = usize::try_from(api_key)
            .unwrap_or(TRACKED_KEYS - 1)
            .min(TRACKED_KEYS - 1);
        self.by_key[index].fetch_add(1, Ordering::Relaxed);
    }

    /// Requests sent so far, by API name (`Fetch`, `ListOffsets`, …); APIs
    /// never used are left out.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.by_key
            .iter()
            .enumerate()
            .filter_map(|(key, count)| {
                let count = count.load(Ordering::Relaxed);
                (count > 0).then(|| (api_name(key), count))
            })
            .collect()
    }
}

fn api_name(key: usize) -> String {
    i16::try_from(key)
        .ok()
        .and_then(|k| ApiKey::try_from(k).ok())
        .map_or_else(|| format!("ApiKey{key}"), |api| format!("{api:?}"))
}

impl std::fmt::Debug for RequestCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.snapshot()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_api_name_and_leaves_unused_apis_out() {
        let counts = RequestCounts::default();
        counts.record(ApiKey::Fetch as i16);
        counts.record(ApiKey::Fetch as i16);
        counts.record(ApiKey::ListOffsets as i16);
        counts.record(-3);
        let expected: BTreeMap<String, u64> = [
            ("ApiKey127".to_string(), 1),
            ("Fetch".to_string(), 2),
            ("ListOffsets".to_string(), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(counts.snapshot(), expected);
    }
}
