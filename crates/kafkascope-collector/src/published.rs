//! Where collection loops publish snapshots and readers pick them up.
//! Publishing swaps one pointer, so a scrape never waits for a cycle and
//! never sees half of one.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::snapshot::ClusterSnapshot;

/// The latest snapshot of every configured cluster.
#[derive(Default)]
pub struct Snapshots {
    clusters: BTreeMap<String, ArcSwapOption<ClusterSnapshot>>,
}

impl Snapshots {
    /// One slot per configured cluster name; slots are fixed at start-up.
    pub fn new<I: IntoIterator<Item = String>>(clusters: I) -> Self {
        Self {
            clusters: clusters
                .into_iter()
                .map(|name| (name, ArcSwapOption::empty()))
                .collect(),
        }
    }

    pub fn publish(&self, snapshot: impl Into<Arc<ClusterSnapshot>>) {
        let snapshot = snapshot.into();
        if let Some(slot) = self.clusters.get(&snapshot.cluster) {
            slot.store(Some(snapshot));
        }
    }

    /// The latest snapshot of `cluster`; `None` before its first cycle.
    pub fn get(&self, cluster: &str) -> Option<Arc<ClusterSnapshot>> {
        self.clusters.get(cluster)?.load_full()
    }

    pub fn cluster_names(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }

    /// Every cluster's latest snapshot, skipping ones not collected yet.
    pub fn all(&self) -> Vec<Arc<ClusterSnapshot>> {
        self.clusters
            .values()
            .filter_map(|s| s.load_full())
            .collect()
    }

    /// Ready once every cluster has published at least once.
    pub fn all_collected(&self) -> bool {
        self.clusters.values().all(|s| s.load().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_only_to_configured_clusters() {
        let snapshots = Snapshots::new(["a".to_string(), "b".to_string()]);
        assert!(!snapshots.all_collected());
        snapshots.publish(ClusterSnapshot {
            cluster: "a".into(),
            collected_at_ms: 5,
            ..Default::default()
        });
        snapshots.publish(ClusterSnapshot {
            cluster: "unknown".into(),
            ..Default::default()
        });
        assert_eq!(snapshots.get("a").unwrap().collected_at_ms, 5);
        assert!(snapshots.get("b").is_none());
        assert!(snapshots.get("unknown").is_none());
        assert_eq!(snapshots.all().len(), 1);
        assert!(!snapshots.all_collected());
    }
}
