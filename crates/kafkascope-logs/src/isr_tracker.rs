//! The last ISR seen of each partition, per file set, so that a record
//! giving only the new ISR (KRaft brokers log the partition registration,
//! not the change) still yields the old and new ISR.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::event::{Detected, IsrChange};

/// Partition → the ISR last seen, as logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsrTracker {
    /// `topic-partition` → ISR; a string key keeps the positions file simple.
    partitions: HashMap<String, Vec<i32>>,
}

impl IsrTracker {
    /// Records `new_isr` for the partition and says how it changed: a
    /// shrink if replicas left, an expand if replicas joined (both if both).
    /// The first ISR seen of a partition is no change.
    pub fn observe(
        &mut self,
        topic: &str,
        partition: i32,
        new_isr: Vec<i32>,
        leader: Option<i32>,
        out: &mut Vec<Detected>,
    ) {
        let key = format!("{topic}-{partition}");
        let Some(old_isr) = self.partitions.get(&key) else {
            self.partitions.insert(key, new_isr);
            return;
        };
        let old: BTreeSet<i32> = old_isr.iter().copied().collect();
        let new: BTreeSet<i32> = new_isr.iter().copied().collect();
        if old == new {
            return;
        }
        let change = IsrChange {
            topic: topic.to_string(),
            partition,
            old_isr: old_isr.clone(),
            new_isr: new_isr.clone(),
            leader,
        };
        if old.difference(&new).next().is_some() {
            out.push(Detected::IsrShrink(change.clone()));
        }
        if new.difference(&old).next().is_some() {
            out.push(Detected::IsrExpand(change));
        }
        self.partitions.insert(key, new_isr);
    }

    pub fn len(&self) -> usize {
        self.partitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.partitions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(old: &[i32], new: &[i32]) -> IsrChange {
        IsrChange {
            topic: "t".into(),
            partition: 0,
            old_isr: old.to_vec(),
            new_isr: new.to_vec(),
            leader: Some(1),
        }
    }

    #[test]
    fn the_first_isr_is_no_change_and_a_reordering_is_none_either() {
        let mut tracker = IsrTracker::default();
        let mut out = Vec::new();
        tracker.observe("t", 0, vec![1, 2, 0], Some(1), &mut out);
        tracker.observe("t", 0, vec![0, 1, 2], Some(1), &mut out);
        assert_eq!(out, []);
        assert_eq!(tracker.len(), 1);
    }

    #[test]
    fn a_replica_leaving_then_joining_is_a_shrink_then_an_expand() {
        let mut tracker = IsrTracker::default();
        let mut out = Vec::new();
        tracker.observe("t", 0, vec![1, 2, 0], Some(1), &mut out);
        tracker.observe("t", 0, vec![1, 0], Some(1), &mut out);
        tracker.observe("t", 0, vec![0, 1, 2], Some(1), &mut out);
        assert_eq!(
            out,
            [
                Detected::IsrShrink(change(&[1, 2, 0], &[1, 0])),
                Detected::IsrExpand(change(&[1, 0], &[0, 1, 2])),
            ]
        );
    }

    #[test]
    fn a_swap_is_both_a_shrink_and_an_expand() {
        let mut tracker = IsrTracker::default();
        let mut out = Vec::new();
        tracker.observe("t", 0, vec![1, 2], Some(1), &mut out);
        tracker.observe("t", 0, vec![1, 3], Some(1), &mut out);
        assert_eq!(
            out,
            [
                Detected::IsrShrink(change(&[1, 2], &[1, 3])),
                Detected::IsrExpand(change(&[1, 2], &[1, 3])),
            ]
        );
    }
}
