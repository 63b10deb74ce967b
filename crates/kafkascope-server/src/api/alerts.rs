//! The alert rules and their alerts, in the shapes of Prometheus's
//! `/api/v1/alerts` and `/api/v1/rules` (Grafana's alert list and other
//! Prometheus tools read them unchanged), and the latest alert changes.

use axum::Json;
use axum::extract::State;
use kafkascope_alerts::published::RuleView;
use kafkascope_alerts::{Alert, AlertState, EventView, Health};
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::timestamp::rfc3339_ms;

/// Every alert pending or firing.
pub async fn alerts(State(state): State<AppState>) -> Json<Value> {
    let view = state.alerts.latest();
    let alerts: Vec<Value> = view.active().map(|(_, alert)| alert_json(alert)).collect();
    Json(json!({"status": "success", "data": {"alerts": alerts}}))
}

/// Every rule by group, with its health and alerts.
pub async fn rules(State(state): State<AppState>) -> Json<Value> {
    let view = state.alerts.latest();
    let mut groups: Vec<(String, Vec<&RuleView>)> = Vec::new();
    for rule in &view.rules {
        match groups.iter_mut().find(|(name, _)| *name == rule.group) {
            Some((_, rules)) => rules.push(rule),
            None => groups.push((rule.group.clone(), vec![rule])),
        }
    }
    let last = view.evaluated_at_ms.map(rfc3339_ms);
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, rules)| {
            let seconds: f64 = rules.iter().map(|r| r.health.evaluation_seconds).sum();
            json!({
                "name": name,
                "file": if rules.first().is_some_and(|r| r.curated) { "curated" } else { "config" },
                "rules": rules.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
                "interval": 0,
                "evaluationTime": seconds,
                "lastEvaluation": last,
            })
        })
        .collect();
    Json(json!({"status": "success", "data": {"groups": groups}}))
}

#[derive(Serialize)]
struct Events<'a> {
    events: &'a [EventView],
}

/// The latest changes (pending, firing, resolved), newest last.
pub async fn events(State(state): State<AppState>) -> Json<Value> {
    let view = state.alerts.latest();
    Json(
        serde_json::to_value(Events {
            events: &view.recent_events,
        })
        .unwrap_or(Value::Null),
    )
}

fn rule_json(rule: &RuleView) -> Value {
    let state = rule
        .alerts
        .iter()
        .map(|a| a.state)
        .filter(|s| *s != AlertState::Inactive)
        .max_by_key(|s| matches!(s, AlertState::Firing))
        .map_or("inactive", AlertState::name);
    json!({
        "type": "alerting",
        "name": rule.name,
        "query": rule.expr,
        "duration": rule.for_ms as f64 / 1000.0,
        "keepFiringFor": rule.keep_firing_for_ms as f64 / 1000.0,
        "labels": rule.labels,
        "annotations": rule.annotations,
        "alerts": rule.alerts.iter().filter(|a| a.state != AlertState::Inactive).map(alert_json).collect::<Vec<_>>(),
        "health": match rule.health.health {
            Health::Ok => "ok",
            Health::Err => "err",
            Health::Unknown => "unknown",
        },
        "lastError": rule.health.last_error.clone().unwrap_or_default(),
        "evaluationTime": rule.health.evaluation_seconds,
        "lastEvaluation": rule.health.last_evaluation_ms.map(rfc3339_ms),
        "state": state,
        "curated": rule.curated,
    })
}

fn alert_json(alert: &Alert) -> Value {
    let mut value = json!({
        "labels": alert.labels,
        "annotations": alert.annotations,
        "state": alert.state.name(),
        "activeAt": rfc3339_ms(alert.active_at_ms),
        // Prometheus sends the value as a string, as it does every sample.
        "value": kafkascope_alerts::template::go_shortest(alert.value),
    });
    if let Some(since) = alert.keep_firing_since_ms {
        value["keepFiringSince"] = json!(rfc3339_ms(since));
    }
    // Not in Prometheus's shape (silences are Alertmanager's there): the
    // silences that keep this alert from being sent.
    if !alert.silenced_by.is_empty() {
        value["silencedBy"] = json!(alert.silenced_by);
    }
    value
}

/// How notifications are going per receiver (no secrets: names, kinds,
/// counts and the last error); `{"receivers": {}}` without notifications.
pub async fn notifications(State(state): State<AppState>) -> Json<Value> {
    match &state.notifier {
        Some(notifier) => Json(serde_json::to_value(notifier.stats()).unwrap_or(Value::Null)),
        None => Json(json!({"receivers": {}, "snapshots_dropped": 0})),
    }
}
