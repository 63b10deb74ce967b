//! Which events of different nodes are one change of the cluster. In KRaft
//! every node replays the metadata log and logs what it applies, so one
//! fencing, ISR change or new controller is told once per node; kept once
//! per node, a storm of 100 shrinks on 3 nodes would read as 300.
//!
//! Two events are the same change when their kind and the fields naming
//! the change are equal, they were logged within [`SAME_CHANGE_WITHIN_MS`]
//! of each other, and the later one comes from a node the earlier one does
//! not list yet: a node telling the same change twice (a partition that
//! shrinks, expands and shrinks again) is telling two changes.

use std::collections::HashMap;

use serde_json::Value;

use super::StoredEvent;

/// How far apart two nodes may log one change: the metadata reaches every
/// node within a second or two; node clocks and slow replays get the rest.
pub const SAME_CHANGE_WITHIN_MS: i64 = 30_000;

/// The fields naming the change of each kind every node tells; the kinds
/// not here (a node's own disk, memory, clients, flushes, error bursts) are
/// only ever told by one node.
fn identifying_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "isr_shrink" | "isr_expand" => &["topic", "partition", "old_isr", "new_isr"],
        "leader_election" => &["topic", "partition", "leader", "leader_epoch"],
        "controller_change" => &["epoch", "leader"],
        "broker_registered" | "broker_fenced" | "broker_unfenced" => &["broker", "broker_epoch"],
        "broker_shutdown" => &["broker", "phase"],
        _ => return None,
    })
}

/// The change `event` tells, as a key, when other nodes may tell it too.
fn change_key(event: &StoredEvent) -> Option<String> {
    let fields = identifying_fields(&event.kind)?;
    let mut key = event.kind.clone();
    for name in fields {
        key.push('|');
        match event.fields.get(*name) {
            // Nodes may list an ISR in another order.
            Some(Value::Array(ids)) => {
                let mut ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
                ids.sort_unstable();
                key.push_str(&format!("{ids:?}"));
            }
            Some(value) => key.push_str(&value.to_string()),
            // Not an event the detectors made: too vague to be another's.
            None => return None,
        }
    }
    Some(key)
}

/// The events kept lately that other nodes may tell again, by change.
#[derive(Debug, Default)]
pub struct RecentChanges {
    /// Change → ids of the events telling it, oldest first.
    by_change: HashMap<String, Vec<u64>>,
}

impl RecentChanges {
    pub fn remember(&mut self, event: &StoredEvent) {
        if let Some(key) = change_key(event) {
            self.by_change.entry(key).or_default().push(event.id);
        }
    }

    /// The id of the latest kept event telling the change `event` tells,
    /// from another node and close enough in time; `kept` finds a kept
    /// event by id.
    pub fn same_change<'a>(
        &self,
        event: &StoredEvent,
        kept: impl Fn(u64) -> Option<&'a StoredEvent>,
    ) -> Option<u64> {
        let node = event.broker?;
        let ids = self.by_change.get(&change_key(event)?)?;
        ids.iter().rev().copied().find(|&id| {
            kept(id).is_some_and(|told| {
                !told.reported_by.contains(&node)
                    && (told.time_ms - event.time_ms).abs() <= SAME_CHANGE_WITHIN_MS
            })
        })
    }

    /// Forgets the events the store no longer keeps.
    pub fn forget_before(&mut self, oldest_id: u64) {
        self.by_change.retain(|_, ids| {
            ids.retain(|&id| id >= oldest_id);
            !ids.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn told(kind: &str, fields: Value) -> StoredEvent {
        let Value::Object(fields) = fields else {
            panic!("fields are an object")
        };
        StoredEvent {
            id: 1,
            time_ms: 0,
            broker: Some(0),
            reported_by: vec![0],
            kind: kind.to_string(),
            level: None,
            logger: String::new(),
            thread: String::new(),
            file: String::new(),
            line: 1,
            fields,
            lines: Vec::new(),
            lines_cut: 0,
        }
    }

    #[test]
    fn a_change_is_named_by_its_kind_and_identifying_fields_in_any_isr_order() {
        let shrink = |old: Value, leader: i32| {
            told(
                "isr_shrink",
                json!({"topic": "t", "partition": 2, "old_isr": old, "new_isr": [1, 0], "leader": leader}),
            )
        };
        assert_eq!(
            change_key(&shrink(json!([2, 0, 1]), 1)).as_deref(),
            Some("isr_shrink|\"t\"|2|[0, 1, 2]|[0, 1]")
        );
        // The leader a node logged is not part of the change.
        assert_eq!(
            change_key(&shrink(json!([0, 1, 2]), 0)),
            change_key(&shrink(json!([2, 0, 1]), 1))
        );
        assert_eq!(
            change_key(&told(
                "broker_fenced",
                json!({"broker": 2, "broker_epoch": null})
            ))
            .as_deref(),
            Some("broker_fenced|2|null")
        );
        assert_eq!(
            change_key(&told("broker_fenced", json!({"broker": 2}))),
            None
        );
        let own = told("out_of_memory", json!({"detail": "Java heap space"}));
        assert_eq!(change_key(&own), None);
    }
}
