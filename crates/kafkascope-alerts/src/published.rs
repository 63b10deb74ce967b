//! What the HTTP side shows of the alerts: the rules, their health and
//! alerts, and the latest changes, as of the last evaluation. Published
//! whole after each evaluation, so a reader never waits for one.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::alert_state::{Alert, AlertEvent, AlertState};
use crate::rule_set::{RuleHealth, RuleSet};

/// How many of the latest alert changes are kept to show.
pub const RECENT_EVENTS: usize = 500;

#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertsView {
    /// When the rules were last evaluated; `None` before the first time.
    pub evaluated_at_ms: Option<i64>,
    /// How long that evaluation of every rule took, start to end.
    pub evaluation_seconds: f64,
    pub rules: Vec<RuleView>,
    /// The latest changes, newest last.
    pub recent_events: Vec<EventView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub group: String,
    pub name: String,
    pub expr: String,
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Whether the rule is one of the curated defaults.
    pub curated: bool,
    #[serde(flatten)]
    pub health: RuleHealth,
    pub alerts: Vec<Alert>,
}

/// One change of one alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub at_ms: i64,
    pub state: AlertState,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl EventView {
    pub fn new(event: &AlertEvent, at_ms: i64) -> Self {
        EventView {
            at_ms,
            state: event.state,
            labels: event.alert.labels.clone(),
            value: event.alert.value,
        }
    }
}

impl AlertsView {
    /// The view of `rules` after an evaluation at `at_ms`; `curated` tells
    /// the curated rules by group.
    pub fn of(
        rules: &RuleSet,
        at_ms: Option<i64>,
        events: &VecDeque<EventView>,
        curated: impl Fn(&str) -> bool,
    ) -> Self {
        let rules_set_seconds = rules.evaluation_seconds();
        let rules = rules
            .entries()
            .iter()
            .map(|e| RuleView {
                group: e.rule.group.clone(),
                name: e.rule.name().to_string(),
                expr: e.rule.spec.expr.clone(),
                for_ms: e.rule.for_ms,
                keep_firing_for_ms: e.rule.keep_firing_for_ms,
                labels: e.rule.spec.labels.clone(),
                annotations: e.rule.spec.annotations.clone(),
                curated: curated(&e.rule.group),
                health: e.health.clone(),
                alerts: e.alerts.alerts.values().cloned().collect(),
            })
            .collect();
        AlertsView {
            evaluated_at_ms: at_ms,
            evaluation_seconds: rules_set_seconds,
            rules,
            recent_events: events.iter().cloned().collect(),
        }
    }

    /// Marks every alert with the silences that match it.
    pub fn mark_silenced(&mut self, silencing: impl Fn(&BTreeMap<String, String>) -> Vec<String>) {
        for rule in &mut self.rules {
            for alert in &mut rule.alerts {
                alert.silenced_by = silencing(&alert.labels);
            }
        }
    }

    /// Alerts pending or firing, with their rule.
    pub fn active(&self) -> impl Iterator<Item = (&RuleView, &Alert)> {
        self.rules.iter().flat_map(|r| {
            r.alerts
                .iter()
                .filter(|a| a.state != AlertState::Inactive)
                .map(move |a| (r, a))
        })
    }
}

/// The latest view, swapped in whole.
#[derive(Debug, Default)]
pub struct PublishedAlerts {
    view: ArcSwap<AlertsView>,
}

impl PublishedAlerts {
    pub fn publish(&self, view: AlertsView) {
        self.view.store(Arc::new(view));
    }

    pub fn latest(&self) -> Arc<AlertsView> {
        self.view.load_full()
    }
}
