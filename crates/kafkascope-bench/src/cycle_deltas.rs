//! What changed across one collection cycle: the requests it sent, by API
//! (from the client's cumulative counters read before and after), and the
//! group-partitions whose committed offset moved since the cycle before.

use std::collections::{BTreeMap, BTreeSet};

use kafkascope_collector::ClusterSnapshot;

use crate::median;

/// Requests sent per API name.
pub type RequestsByApi = BTreeMap<String, u64>;

/// (group, topic, partition) → committed offset.
pub type CommittedOffsets = BTreeMap<(String, String, i32), i64>;

/// The requests sent between two readings of the cumulative counters; APIs
/// that sent nothing in between are left out.
pub fn requests_between(before: &RequestsByApi, after: &RequestsByApi) -> RequestsByApi {
    after
        .iter()
        .map(|(api, &total)| {
            let earlier = before.get(api).copied().unwrap_or(0);
            (api.clone(), total.saturating_sub(earlier))
        })
        .filter(|(_, sent)| *sent > 0)
        .collect()
}

/// Per API, the median over cycles of the requests sent; a cycle that sent
/// none of an API counts as zero for it.
pub fn median_by_api(cycles: &[RequestsByApi]) -> BTreeMap<String, f64> {
    let apis: BTreeSet<&String> = cycles.iter().flat_map(|c| c.keys()).collect();
    apis.into_iter()
        .map(|api| {
            let counts: Vec<f64> = cycles
                .iter()
                .map(|c| c.get(api).copied().unwrap_or(0) as f64)
                .collect();
            (api.clone(), median(&counts))
        })
        .collect()
}

/// Every committed offset in a snapshot.
pub fn committed_offsets(snapshot: &ClusterSnapshot) -> CommittedOffsets {
    snapshot
        .groups
        .iter()
        .flat_map(|(group, g)| {
            g.offsets.iter().map(move |o| {
                (
                    (group.clone(), o.topic.to_string(), o.partition),
                    o.committed_offset,
                )
            })
        })
        .collect()
}

/// Group-partitions seen in both and committed at a different offset.
pub fn moved(previous: &CommittedOffsets, current: &CommittedOffsets) -> usize {
    current
        .iter()
        .filter(|(key, offset)| previous.get(*key).is_some_and(|before| before != *offset))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> RequestsByApi {
        pairs.iter().map(|(a, n)| (a.to_string(), *n)).collect()
    }

    #[test]
    fn requests_between_subtracts_and_drops_idle_apis() {
        let before = counts(&[("Fetch", 4), ("Metadata", 10)]);
        let after = counts(&[("Fetch", 4), ("ListOffsets", 3), ("Metadata", 12)]);
        assert_eq!(
            requests_between(&before, &after),
            counts(&[("ListOffsets", 3), ("Metadata", 2)])
        );
    }

    #[test]
    fn median_by_api_counts_missing_as_zero() {
        let cycles = [
            counts(&[("Fetch", 1), ("Metadata", 1)]),
            counts(&[("Metadata", 1)]),
            counts(&[("Fetch", 3), ("Metadata", 1)]),
        ];
        let medians = median_by_api(&cycles);
        assert_eq!(medians["Fetch"], 1.0);
        assert_eq!(medians["Metadata"], 1.0);
        assert_eq!(medians.len(), 2);
        assert!(median_by_api(&[]).is_empty());
    }

    #[test]
    fn moved_counts_changed_offsets_present_in_both() {
        let key = |g: &str, p: i32| (g.to_string(), "t".to_string(), p);
        let previous: CommittedOffsets = [(key("a", 0), 5), (key("a", 1), 7), (key("b", 0), 1)]
            .into_iter()
            .collect();
        let current: CommittedOffsets = [(key("a", 0), 6), (key("a", 1), 7), (key("c", 0), 9)]
            .into_iter()
            .collect();
        assert_eq!(moved(&previous, &current), 1);
    }
}
