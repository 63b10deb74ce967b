//! Restarts of connectors and tasks, seen between polls. Connect counts
//! none itself, so a restart is inferred from two consecutive statuses:
//!
//! - back to `RUNNING` from `FAILED` or `UNASSIGNED` (an operator's
//!   restart, or a task reassigned after its worker died);
//! - out of `RESTARTING` in any state but `UNASSIGNED` (failing again
//!   with the same trace included);
//! - onto another worker in any state but `UNASSIGNED` (a rebalance moved
//!   it; a worker killed hard leaves its tasks `RUNNING` on it in the
//!   statuses until they move, so this is often the only sign);
//! - `FAILED` again with another trace (restarted and failed anew).
//!
//! A resume (`PAUSED` or `STOPPED` to `RUNNING`) is no restart. One
//! transition counts once even when several of these hold. Restarts that
//! begin and end between two polls are not seen.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use crate::connect_rest_figures::{ConnectClusterFigures, ConnectState};

/// What the last poll said of a connector or task.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    state: ConnectState,
    worker: Option<String>,
    /// A hash, as traces are large.
    trace: Option<u64>,
    restarts: u64,
}

/// A connector (`task` `None`) or a task, within a Connect cluster.
type Key = (String, String, Option<i32>);

/// Restart counts of every connector and task, kept across polls.
#[derive(Debug, Default)]
pub struct RestartTracker {
    seen: BTreeMap<Key, Seen>,
}

impl RestartTracker {
    /// Counts the restarts since the last poll into `cluster`'s figures.
    /// A cluster that did not answer keeps its counts for when it does.
    pub fn observe(&mut self, cluster: &mut ConnectClusterFigures) {
        if !cluster.up() {
            return;
        }
        let mut present = BTreeSet::new();
        for connector in &mut cluster.connectors {
            let key = (cluster.name.clone(), connector.name.clone(), None);
            connector.restarts = self.update(
                key.clone(),
                &connector.state,
                &connector.worker,
                &connector.trace,
            );
            present.insert(key);
            for task in &mut connector.tasks {
                let key = (cluster.name.clone(), connector.name.clone(), Some(task.id));
                task.restarts = self.update(key.clone(), &task.state, &task.worker, &task.trace);
                present.insert(key);
            }
        }
        // Deleted connectors and tasks are forgotten: one created again
        // under the same name starts from zero.
        self.seen
            .retain(|key, _| key.0 != cluster.name || present.contains(key));
    }

    fn update(
        &mut self,
        key: Key,
        state: &ConnectState,
        worker: &Option<String>,
        trace: &Option<String>,
    ) -> u64 {
        let now = Seen {
            state: state.clone(),
            worker: worker.clone(),
            trace: trace.as_deref().map(hash),
            restarts: 0,
        };
        let restarts = match self.seen.get(&key) {
            Some(before) => before.restarts + u64::from(restarted(before, &now)),
            None => 0,
        };
        self.seen.insert(key, Seen { restarts, ..now });
        restarts
    }
}

fn restarted(before: &Seen, now: &Seen) -> bool {
    use ConnectState::{Failed, Restarting, Running, Unassigned};
    let recovered = now.state == Running && matches!(before.state, Failed | Unassigned);
    // Whatever it came back as, even FAILED with the same trace.
    let restart_done = before.state == Restarting && !matches!(now.state, Restarting | Unassigned);
    let moved = now.state != Unassigned
        && before.worker.is_some()
        && now.worker.is_some()
        && before.worker != now.worker;
    let failed_anew = before.state == Failed && now.state == Failed && before.trace != now.trace;
    recovered || restart_done || moved || failed_anew
}

fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}
