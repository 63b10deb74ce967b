//! Where source loops publish and readers pick up: one slot per (cluster,
//! source kind), swapped as a whole, like the clusters' snapshots.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::source::{SourceKind, SourceSnapshot};

#[derive(Default)]
pub struct SourceSnapshots {
    slots: BTreeMap<(String, SourceKind), ArcSwapOption<SourceSnapshot>>,
}

impl SourceSnapshots {
    /// One slot per configured (cluster, source); fixed at start-up.
    pub fn new(configured: impl IntoIterator<Item = (String, SourceKind)>) -> Self {
        Self {
            slots: configured
                .into_iter()
                .map(|key| (key, ArcSwapOption::empty()))
                .collect(),
        }
    }

    pub fn publish(&self, snapshot: Arc<SourceSnapshot>) {
        let key = (snapshot.cluster.clone(), snapshot.kind);
        if let Some(slot) = self.slots.get(&key) {
            slot.store(Some(snapshot));
        }
    }

    pub fn get(&self, cluster: &str, kind: SourceKind) -> Option<Arc<SourceSnapshot>> {
        self.slots.get(&(cluster.to_string(), kind))?.load_full()
    }

    /// Every published source snapshot, by cluster then kind.
    pub fn all(&self) -> Vec<Arc<SourceSnapshot>> {
        self.slots.values().filter_map(|s| s.load_full()).collect()
    }

    /// The sources configured for `cluster`.
    pub fn kinds_of<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = SourceKind> + 'a {
        self.slots
            .keys()
            .filter(move |(c, _)| c == cluster)
            .map(|(_, kind)| *kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFigures;

    fn snapshot(cluster: &str, at: i64) -> Arc<SourceSnapshot> {
        Arc::new(SourceSnapshot {
            cluster: cluster.into(),
            kind: SourceKind::JmxExporter,
            polled_at_ms: at,
            duration_ms: 1.0,
            targets: vec![],
            figures: SourceFigures::None,
        })
    }

    #[test]
    fn publishes_only_to_configured_slots() {
        let published = SourceSnapshots::new([("a".to_string(), SourceKind::JmxExporter)]);
        assert!(published.get("a", SourceKind::JmxExporter).is_none());
        published.publish(snapshot("a", 5));
        published.publish(snapshot("b", 6));
        assert_eq!(
            published
                .get("a", SourceKind::JmxExporter)
                .map(|s| s.polled_at_ms),
            Some(5)
        );
        assert!(published.get("b", SourceKind::JmxExporter).is_none());
        assert_eq!(published.all().len(), 1);
        assert_eq!(
            published.kinds_of("a").collect::<Vec<_>>(),
            vec![SourceKind::JmxExporter]
        );
    }
}
