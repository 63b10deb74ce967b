//! The Prometheus alert life cycle of one rule: each label set its
//! expression returns becomes an alert, pending until it has held for
//! `for`, then firing; once it is gone (and `keep_firing_for` has passed)
//! it is resolved, and kept a while so the resolution can be sent.

use std::collections::BTreeMap;

use foldhash::HashSet;

use kafkascope_query::Labels;
use serde::{Deserialize, Serialize};

/// How long a resolved alert is kept, as in Prometheus: long enough for
/// every notifier to send the resolution.
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Pending,
    Firing,
    /// Resolved: no longer returned by the expression.
    Inactive,
}

impl AlertState {
    pub fn name(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Inactive => "inactive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The sample's labels, the rule's labels and `alertname`: the alert's
    /// identity.
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    /// The expression's value at the last evaluation that returned it.
    pub value: f64,
    pub active_at_ms: i64,
    pub fired_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    /// Since when it is gone from the result but kept firing.
    pub keep_firing_since_ms: Option<i64>,
    /// The active silences (acknowledgements too) that match it: it is
    /// shown, not sent. Worked out when the alerts are published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silenced_by: Vec<String>,
}

/// A change an evaluation made, for the history, the notifiers and the log.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub state: AlertState,
    pub alert: Alert,
}

/// One evaluation's result for an alert: labels, annotations and value.
#[derive(Debug, Clone)]
pub struct Found {
    pub labels: Labels,
    /// `None`: not written yet; [`RuleAlerts::update`] has them written
    /// only for a new alert or a new value (the same labels and value
    /// would give the same text, and writing it was a good part of a
    /// rule's cost).
    pub annotations: Option<BTreeMap<String, String>>,
    pub value: f64,
}

/// A rule's `for` and `keep_firing_for`, in ms.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
}

/// The alerts of one rule, by label set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleAlerts {
    #[serde(with = "alerts_as_list")]
    pub alerts: BTreeMap<Labels, Alert>,
}

impl RuleAlerts {
    /// Applies one evaluation at `at_ms` that found `found`; returns what
    /// changed. `annotations` writes the annotations `found` left unwritten,
    /// from an alert's labels and value.
    pub fn update(
        &mut self,
        found: Vec<Found>,
        at_ms: i64,
        timing: Timing,
        annotations: &dyn Fn(&mut Labels, f64) -> BTreeMap<String, String>,
    ) -> Vec<AlertEvent> {
        let Timing {
            for_ms,
            keep_firing_for_ms,
        } = timing;
        // Alerts gone from the result first, while `found` can still be
        // looked into without copying a label set; their events come last.
        let mut gone_events = Vec::new();
        // foldhash: thousands of label sets an evaluation, and SipHash over
        // their strings showed in the profile; its seeds are still random.
        let seen: HashSet<&Labels> = found.iter().map(|f| &f.labels).collect();
        self.alerts.retain(|labels, alert| {
            seen.contains(labels) || gone(alert, at_ms, keep_firing_for_ms, &mut gone_events)
        });
        drop(seen);
        let mut events = Vec::new();
        for mut f in found {
            match self.alerts.get_mut(&f.labels) {
                Some(alert) if alert.state != AlertState::Inactive => {
                    if let Some(written) = f.annotations {
                        alert.annotations = written;
                    } else if alert.value.to_bits() != f.value.to_bits() {
                        alert.annotations = annotations(&mut f.labels, f.value);
                    }
                    alert.value = f.value;
                    alert.keep_firing_since_ms = None;
                }
                _ => {
                    let written = match f.annotations.take() {
                        Some(written) => written,
                        None => annotations(&mut f.labels, f.value),
                    };
                    let alert = Alert {
                        labels: f.labels.clone(),
                        annotations: written,
                        state: AlertState::Pending,
                        value: f.value,
                        active_at_ms: at_ms,
                        fired_at_ms: None,
                        resolved_at_ms: None,
                        keep_firing_since_ms: None,
                        silenced_by: Vec::new(),
                    };
                    if for_ms > 0 {
                        events.push(event(&alert));
                    }
                    self.alerts.insert(f.labels, alert);
                }
            }
        }
        events.append(&mut gone_events);
        for alert in self.alerts.values_mut() {
            if alert.state == AlertState::Pending && at_ms - alert.active_at_ms >= for_ms {
                alert.state = AlertState::Firing;
                alert.fired_at_ms = Some(at_ms);
                events.push(event(alert));
            }
        }
        events
    }

    /// Alerts pending or firing.
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.alerts
            .values()
            .filter(|a| a.state != AlertState::Inactive)
    }
}

/// An alert the evaluation did not return; whether it is kept.
fn gone(
    alert: &mut Alert,
    at_ms: i64,
    keep_firing_for_ms: i64,
    events: &mut Vec<AlertEvent>,
) -> bool {
    match alert.state {
        AlertState::Pending => false,
        AlertState::Firing => {
            if keep_firing_for_ms > 0 {
                let since = *alert.keep_firing_since_ms.get_or_insert(at_ms);
                if at_ms - since < keep_firing_for_ms {
                    return true;
                }
            }
            alert.state = AlertState::Inactive;
            alert.resolved_at_ms = Some(at_ms);
            alert.keep_firing_since_ms = None;
            events.push(event(alert));
            true
        }
        AlertState::Inactive => alert
            .resolved_at_ms
            .is_some_and(|resolved| at_ms - resolved < RESOLVED_RETENTION_MS),
    }
}

fn event(alert: &Alert) -> AlertEvent {
    AlertEvent {
        state: alert.state,
        alert: alert.clone(),
    }
}

/// JSON objects need string keys: the alerts are saved as a list, each
/// carrying its labels.
mod alerts_as_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        alerts: &BTreeMap<Labels, Alert>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(alerts.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Labels, Alert>, D::Error> {
        let list = Vec::<Alert>::deserialize(deserializer)?;
        Ok(list.into_iter().map(|a| (a.labels.clone(), a)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn timing(for_ms: i64, keep_firing_for_ms: i64) -> Timing {
        Timing {
            for_ms,
            keep_firing_for_ms,
        }
    }

    /// The tests' alerts carry their annotations.
    fn written_by_test(_: &mut Labels, _: f64) -> BTreeMap<String, String> {
        unreachable!("every found alert has its annotations")
    }

    fn found(topic: &str, value: f64) -> Found {
        Found {
            labels: Labels::from([
                ("alertname".to_string(), "Lag".to_string()),
                ("topic".to_string(), topic.to_string()),
            ]),
            annotations: Some(BTreeMap::new()),
            value,
        }
    }

    fn states(events: &[AlertEvent]) -> Vec<(&str, AlertState)> {
        events
            .iter()
            .map(|e| (e.alert.labels["topic"].as_str(), e.state))
            .collect()
    }

    #[test]
    fn an_alert_is_pending_until_it_held_for_its_duration_then_fires_then_resolves() {
        let mut rule = RuleAlerts::default();
        let events = rule.update(
            vec![found("orders", 5.0)],
            0,
            timing(5 * MINUTE, 0),
            &written_by_test,
        );
        assert_eq!(states(&events), [("orders", AlertState::Pending)]);
        assert!(
            rule.update(
                vec![found("orders", 6.0)],
                4 * MINUTE,
                timing(5 * MINUTE, 0),
                &written_by_test
            )
            .is_empty()
        );
        let events = rule.update(
            vec![found("orders", 7.0)],
            5 * MINUTE,
            timing(5 * MINUTE, 0),
            &written_by_test,
        );
        assert_eq!(states(&events), [("orders", AlertState::Firing)]);
        let alert = rule.active().next().unwrap();
        assert_eq!(
            (alert.active_at_ms, alert.fired_at_ms, alert.value),
            (0, Some(5 * MINUTE), 7.0)
        );

        let events = rule.update(vec![], 6 * MINUTE, timing(5 * MINUTE, 0), &written_by_test);
        assert_eq!(states(&events), [("orders", AlertState::Inactive)]);
        assert_eq!(events[0].alert.resolved_at_ms, Some(6 * MINUTE));
        assert_eq!(rule.active().count(), 0);
        // Kept for the resolution to be sent, then forgotten.
        assert_eq!(rule.alerts.len(), 1);
        rule.update(
            vec![],
            6 * MINUTE + RESOLVED_RETENTION_MS,
            timing(5 * MINUTE, 0),
            &written_by_test,
        );
        assert!(rule.alerts.is_empty());
    }

    #[test]
    fn a_pending_alert_that_goes_away_is_dropped_without_an_event() {
        let mut rule = RuleAlerts::default();
        rule.update(
            vec![found("orders", 1.0)],
            0,
            timing(5 * MINUTE, 0),
            &written_by_test,
        );
        assert!(
            rule.update(vec![], MINUTE, timing(5 * MINUTE, 0), &written_by_test)
                .is_empty()
        );
        assert!(rule.alerts.is_empty());
    }

    #[test]
    fn without_for_an_alert_fires_at_once() {
        let mut rule = RuleAlerts::default();
        let events = rule.update(
            vec![found("a", 1.0), found("b", 2.0)],
            0,
            timing(0, 0),
            &written_by_test,
        );
        assert_eq!(
            states(&events),
            [("a", AlertState::Firing), ("b", AlertState::Firing)]
        );
    }

    #[test]
    fn keep_firing_for_holds_a_firing_alert_after_it_went_away() {
        let mut rule = RuleAlerts::default();
        rule.update(
            vec![found("orders", 1.0)],
            0,
            timing(0, 2 * MINUTE),
            &written_by_test,
        );
        assert!(
            rule.update(vec![], MINUTE, timing(0, 2 * MINUTE), &written_by_test)
                .is_empty()
        );
        // Back within the window: the window starts again when it leaves.
        assert!(
            rule.update(
                vec![found("orders", 1.0)],
                2 * MINUTE,
                timing(0, 2 * MINUTE),
                &written_by_test
            )
            .is_empty()
        );
        assert!(
            rule.update(vec![], 3 * MINUTE, timing(0, 2 * MINUTE), &written_by_test)
                .is_empty()
        );
        let events = rule.update(vec![], 5 * MINUTE, timing(0, 2 * MINUTE), &written_by_test);
        assert_eq!(states(&events), [("orders", AlertState::Inactive)]);
    }

    #[test]
    fn a_resolved_alert_that_returns_starts_pending_again() {
        let mut rule = RuleAlerts::default();
        rule.update(
            vec![found("orders", 1.0)],
            0,
            timing(MINUTE, 0),
            &written_by_test,
        );
        rule.update(
            vec![found("orders", 1.0)],
            MINUTE,
            timing(MINUTE, 0),
            &written_by_test,
        );
        rule.update(vec![], 2 * MINUTE, timing(MINUTE, 0), &written_by_test);
        let events = rule.update(
            vec![found("orders", 1.0)],
            3 * MINUTE,
            timing(MINUTE, 0),
            &written_by_test,
        );
        assert_eq!(states(&events), [("orders", AlertState::Pending)]);
        assert_eq!(rule.active().next().unwrap().active_at_ms, 3 * MINUTE);
    }

    #[test]
    fn alerts_save_and_restore_as_json() {
        let mut rule = RuleAlerts::default();
        rule.update(
            vec![found("orders", 1.0)],
            0,
            timing(0, 0),
            &written_by_test,
        );
        let saved = serde_json::to_string(&rule).unwrap();
        let restored: RuleAlerts = serde_json::from_str(&saved).unwrap();
        assert_eq!(restored, rule);
    }
}
