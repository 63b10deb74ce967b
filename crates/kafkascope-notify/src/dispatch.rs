//! The dispatcher: a tokio task fed snapshots of the alerts through a
//! bounded queue, which routes them, groups them, and starts a delivery
//! task per notification so no receiver waits on another, and the caller
//! never waits at all ([`Notifier::offer`] drops a snapshot when the queue
//! is full, and counts it: the next one is whole and makes up for it).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafkascope_alerts::{Alert, RuleSet};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use crate::aggregation::{Aggregator, DeliveryState, GroupId, Placement};
use crate::config::NotifyPlan;
use crate::delivery::with_retries;
use crate::model::{Labels, Notification, NotifiedAlert};
use crate::receivers::Receiver;
use crate::receivers::alertmanager::PushState;
use crate::stats::{NotifyStats, SharedStats};

/// Deliveries at once to one grouping receiver; past that a notification
/// is dropped (and counted), and its group tries again at its next
/// interval. Bounds the tasks a receiver that never answers can hold.
const MAX_IN_FLIGHT: usize = 32;

/// What an evaluation hands over: every alert it holds. Pending alerts
/// and resolved ones that never fired are ignored; silenced ones (their
/// `silenced_by` set) are held but not sent.
#[derive(Debug, Clone, Default)]
pub struct AlertSnapshot {
    pub alerts: Vec<Alert>,
    /// The time between evaluations: an Alertmanager is told a firing
    /// alert holds for four of them.
    pub evaluation_interval_ms: i64,
}

impl AlertSnapshot {
    /// The alerts of `rules` to notify: firing, or resolved after firing.
    pub fn from_rule_set(rules: &RuleSet, evaluation_interval_ms: i64) -> AlertSnapshot {
        AlertSnapshot {
            alerts: rules
                .all_alerts()
                .map(|(_, alert)| alert)
                .filter(|alert| kafkascope_alerts::rule_set::is_notified(alert))
                .cloned()
                .collect(),
            evaluation_interval_ms,
        }
    }

    /// Marks each alert with the silences that match it (the caller's
    /// `Silences::silencing`), as the published alerts are marked.
    pub fn mark_silenced(&mut self, silencing: impl Fn(&Labels) -> Vec<String>) {
        for alert in &mut self.alerts {
            alert.silenced_by = silencing(&alert.labels);
        }
    }
}

/// The running dispatcher, as the caller holds it.
#[derive(Debug)]
pub struct Notifier {
    queue: mpsc::Sender<AlertSnapshot>,
    stats: SharedStats,
    state: Arc<Mutex<DeliveryState>>,
    task: JoinHandle<()>,
}

impl Notifier {
    /// Starts the dispatcher on the current tokio runtime, with what was
    /// delivered before a restart.
    pub fn start(plan: NotifyPlan, restored: DeliveryState) -> Notifier {
        let (queue, snapshots) = mpsc::channel(plan.queue_capacity);
        let stats = SharedStats::new(
            plan.receivers
                .iter()
                .map(|(name, receiver)| (name.clone(), receiver.kind())),
        );
        let state = Arc::new(Mutex::new(restored.clone()));
        let dispatcher = Dispatcher::new(plan, restored, stats.clone(), state.clone());
        let task = tokio::spawn(dispatcher.run(snapshots));
        Notifier {
            queue,
            stats,
            state,
            task,
        }
    }

    /// Hands a snapshot over without waiting; `false` when it was dropped
    /// (the queue is full, or the dispatcher is gone).
    pub fn offer(&self, snapshot: AlertSnapshot) -> bool {
        let taken = self.queue.try_send(snapshot).is_ok();
        if !taken {
            self.stats.snapshot_dropped();
        }
        taken
    }

    pub fn stats(&self) -> NotifyStats {
        self.stats.snapshot()
    }

    /// What was delivered for each group, for the caller to save and hand
    /// to [`Notifier::start`] after a restart.
    pub fn delivery_state(&self) -> DeliveryState {
        lock(&self.state).clone()
    }

    /// Stops taking snapshots and waits for the dispatcher to finish what
    /// it was doing; deliveries under way go on by themselves.
    pub async fn stop(self) {
        drop(self.queue);
        if let Err(error) = self.task.await {
            tracing::error!("the alert dispatcher ended abnormally: {error}");
        }
    }
}

struct Dispatcher {
    plan: NotifyPlan,
    aggregator: Aggregator,
    pushes: BTreeMap<String, PushState>,
    limits: BTreeMap<String, Arc<Semaphore>>,
    stats: SharedStats,
    state: Arc<Mutex<DeliveryState>>,
    results_tx: mpsc::UnboundedSender<(GroupId, bool)>,
    results: mpsc::UnboundedReceiver<(GroupId, bool)>,
}

impl Dispatcher {
    fn new(
        plan: NotifyPlan,
        restored: DeliveryState,
        stats: SharedStats,
        state: Arc<Mutex<DeliveryState>>,
    ) -> Dispatcher {
        let mut aggregator = Aggregator::default();
        aggregator.restore(restored);
        let limits = plan
            .receivers
            .iter()
            .map(|(name, receiver)| {
                // One push to an Alertmanager at a time: the next
                // evaluation sends everything again anyway.
                let limit = match **receiver {
                    Receiver::Alertmanager(_) => 1,
                    _ => MAX_IN_FLIGHT,
                };
                (name.clone(), Arc::new(Semaphore::new(limit)))
            })
            .collect();
        let (results_tx, results) = mpsc::unbounded_channel();
        Dispatcher {
            plan,
            aggregator,
            pushes: BTreeMap::new(),
            limits,
            stats,
            state,
            results_tx,
            results,
        }
    }

    async fn run(mut self, mut snapshots: mpsc::Receiver<AlertSnapshot>) {
        loop {
            let wait = self
                .aggregator
                .next_due_ms()
                .map(|due| Duration::from_millis((due - now_ms()).max(0) as u64));
            tokio::select! {
                snapshot = snapshots.recv() => match snapshot {
                    Some(snapshot) => self.ingest(snapshot),
                    None => break,
                },
                Some((id, ok)) = self.results.recv() => self.aggregator.delivered(&id, ok),
                () = sleep_or_never(wait) => {}
            }
            self.flush_due();
            *lock(&self.state) = self.aggregator.state();
        }
    }

    fn ingest(&mut self, snapshot: AlertSnapshot) {
        let now = now_ms();
        let mut placed = Vec::new();
        let mut pushed: BTreeMap<String, Vec<NotifiedAlert>> = BTreeMap::new();
        for alert in snapshot.alerts.iter().filter_map(NotifiedAlert::from_alert) {
            for route in self.plan.route.matching(&alert.labels) {
                let Some(receiver) = self.plan.receivers.get(&route.receiver) else {
                    continue;
                };
                if let Receiver::Alertmanager(_) = **receiver {
                    // kafkascope's silences hold there too: a silenced
                    // alert is not pushed, and ends there by itself.
                    if alert.silenced {
                        continue;
                    }
                    pushed
                        .entry(route.receiver.clone())
                        .or_default()
                        .push(alert.clone());
                    continue;
                }
                let group_labels = route.group_labels(&alert.labels);
                let placement = Placement {
                    id: GroupId {
                        receiver: route.receiver.clone(),
                        group_key: route.group_key(&group_labels),
                    },
                    group_labels,
                    timing: route.timing,
                    send_resolved: receiver.send_resolved(),
                };
                placed.push((placement, alert.clone()));
            }
        }
        self.aggregator.ingest(placed, now);
        self.push(pushed, now, snapshot.evaluation_interval_ms);
    }

    /// Sends each Alertmanager the alerts due to it this evaluation.
    fn push(
        &mut self,
        mut pushed: BTreeMap<String, Vec<NotifiedAlert>>,
        now: i64,
        interval_ms: i64,
    ) {
        for (name, receiver) in &self.plan.receivers {
            let Receiver::Alertmanager(alertmanager) = &**receiver else {
                continue;
            };
            let mut alerts = pushed.remove(name).unwrap_or_default();
            // Two routes with `continue` may bring the same alert.
            let mut seen = BTreeSet::new();
            alerts.retain(|a| seen.insert(a.fingerprint));
            let state = self.pushes.entry(name.clone()).or_default();
            if self.limits[name].available_permits() == 0 {
                // Still sending the last one: this evaluation is skipped
                // and the next sends what is due then.
                self.stats.with(name, |s| s.dropped += 1);
                continue;
            }
            let due = state.due(&alerts, now, alertmanager.resend_delay_ms);
            if due.is_empty() {
                continue;
            }
            let notification = Notification {
                receiver: name.clone(),
                group_key: String::new(),
                group_labels: Labels::new(),
                alerts: due,
                external_url: self.plan.external_url.clone(),
                valid_until_ms: Some(alertmanager.valid_until(now, interval_ms)),
            };
            self.deliver(notification, None);
        }
    }

    fn flush_due(&mut self) {
        for flush in self.aggregator.due(now_ms()) {
            let notification = Notification {
                receiver: flush.id.receiver.clone(),
                group_key: flush.id.group_key.clone(),
                group_labels: flush.group_labels,
                alerts: flush.alerts,
                external_url: self.plan.external_url.clone(),
                valid_until_ms: None,
            };
            self.deliver(notification, Some(flush.id));
        }
    }

    /// Starts a delivery task; its group (if any) learns how it ended.
    fn deliver(&self, notification: Notification, group: Option<GroupId>) {
        let name = notification.receiver.clone();
        let (Some(receiver), Some(limit)) = (
            self.plan.receivers.get(&name).cloned(),
            self.limits.get(&name).cloned(),
        ) else {
            return;
        };
        let Ok(permit) = limit.try_acquire_owned() else {
            self.stats.with(&name, |s| s.dropped += 1);
            if let Some(id) = group {
                let _ = self.results_tx.send((id, false));
            }
            return;
        };
        let stats = self.stats.clone();
        let policy = self.plan.retry;
        let results = self.results_tx.clone();
        tokio::spawn(async move {
            let delivered = with_retries(
                &policy,
                || receiver.send(&notification),
                |error| {
                    stats.with(&name, |s| {
                        s.last_error = Some(error.to_string());
                        s.last_error_at_ms = Some(now_ms());
                    })
                },
            )
            .await;
            drop(permit);
            stats.with(&name, |s| {
                s.retries += u64::from(delivered.attempts - 1);
                match delivered.result {
                    Ok(()) => s.sent += 1,
                    Err(_) => s.failed += 1,
                }
            });
            match &delivered.result {
                Ok(()) => tracing::debug!(receiver = %name, "notification delivered"),
                Err(error) => tracing::warn!(
                    receiver = %name,
                    attempts = delivered.attempts,
                    "notification not delivered: {error}"
                ),
            }
            if let Some(id) = group {
                let _ = results.send((id, delivered.result.is_ok()));
            }
        });
    }
}

async fn sleep_or_never(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}

/// Wall-clock milliseconds: delivery times are saved and outlive the
/// process.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafkascope_alerts::{Rule, RuleSpec, SavedAlerts};
    use serde_json::json;

    fn saved_alert(
        topic: &str,
        state: &str,
        fired: Option<i64>,
        resolved: Option<i64>,
    ) -> serde_json::Value {
        json!({
            "labels": {"alertname": "Lag", "topic": topic},
            "annotations": {},
            "state": state,
            "value": 1.0,
            "active_at_ms": 0,
            "fired_at_ms": fired,
            "resolved_at_ms": resolved,
            "keep_firing_since_ms": null,
        })
    }

    #[test]
    fn a_snapshot_of_a_rule_set_holds_the_alerts_to_notify() {
        let rule = Rule::new(
            "kafka",
            RuleSpec {
                alert: "Lag".into(),
                expr: "up > 0".into(),
                ..RuleSpec::default()
            },
        )
        .unwrap();
        let mut rules = RuleSet::new(vec![rule]);
        let saved: SavedAlerts = serde_json::from_value(json!({
            "rules": [{
                "group": "kafka",
                "alert": "Lag",
                "alerts": [
                    saved_alert("pending", "pending", None, None),
                    saved_alert("firing", "firing", Some(10), None),
                    saved_alert("resolved", "inactive", Some(10), Some(20)),
                    saved_alert("never-fired", "inactive", None, Some(20)),
                ],
            }],
        }))
        .unwrap();
        assert_eq!(rules.restore(saved), 4);
        let snapshot = AlertSnapshot::from_rule_set(&rules, 15_000);
        let topics: Vec<&str> = snapshot
            .alerts
            .iter()
            .map(|a| a.labels["topic"].as_str())
            .collect();
        assert_eq!(topics, ["firing", "resolved"]);
        assert_eq!(snapshot.evaluation_interval_ms, 15_000);
    }
}
