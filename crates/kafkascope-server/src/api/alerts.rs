//! The alert rules and their alerts, in the shapes of Prometheus's
//! `/api/v1/alerts` and `/api/v1/rules` (Grafana's alert list and other
//! Prometheus tools read them unchanged), and the latest alert changes.

use axum::Json;
use axum::extract::{Path, Query, State};
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

#[derive(Debug, Default, serde::Deserialize)]
pub struct RulesQuery {
    /// As in Prometheus: leave each rule's alerts out.
    #[serde(default)]
    pub exclude_alerts: bool,
}

/// Every rule by group, with its health and alerts.
pub async fn rules(State(state): State<AppState>, Query(query): Query<RulesQuery>) -> Json<Value> {
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
                "rules": rules.iter().map(|r| rule_json(r, query.exclude_alerts)).collect::<Vec<_>>(),
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
    events: Vec<&'a EventView>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EventsQuery {
    /// Only this cluster's (and those of alerts without a cluster label).
    pub cluster: Option<String>,
    /// Only the newest this many.
    pub limit: Option<usize>,
}

/// The latest changes (pending, firing, resolved), newest last.
pub async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
) -> Json<Value> {
    let view = state.alerts.latest();
    let mut events: Vec<&EventView> = view
        .recent_events
        .iter()
        .filter(|e| of_cluster(&e.labels, query.cluster.as_deref()))
        .collect();
    if let Some(limit) = query.limit {
        events.drain(..events.len().saturating_sub(limit));
    }
    Json(serde_json::to_value(Events { events }).unwrap_or(Value::Null))
}

fn of_cluster(labels: &std::collections::BTreeMap<String, String>, cluster: Option<&str>) -> bool {
    match (cluster, labels.get("cluster")) {
        (Some(wanted), Some(has)) => wanted == has,
        _ => true,
    }
}

/// The most alerts one page of a cluster's alerts holds.
pub const MAX_ALERTS_PAGE: usize = 1_000;

/// A cluster's alerts, worst first, a page at a time, with the counts a
/// badge needs: so no page of the UI fetches every alert of a cluster
/// where a thousand groups may each have one. `any=LABEL` or
/// `any=LABEL=VALUE` (repeatable) keeps the alerts with any of them.
pub async fn cluster_alerts(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, crate::ApiError> {
    let filter = AlertFilter::read(&params)?;
    let view = state.alerts.latest();
    let mut mine: Vec<&Alert> = view
        .active()
        .map(|(_, alert)| alert)
        .filter(|a| of_cluster(&a.labels, Some(&cluster)) && filter.keeps(a))
        .collect();
    let count = |f: &dyn Fn(&Alert) -> bool| mine.iter().filter(|a| f(a)).count();
    let firing = count(&|a| a.state == AlertState::Firing);
    let silenced = count(&|a| !a.silenced_by.is_empty());
    let firing_unsilenced = count(&|a| a.state == AlertState::Firing && a.silenced_by.is_empty());
    let pending = mine.len() - firing;
    mine.retain(|a| filter.state.as_deref().is_none_or(|s| a.state.name() == s));
    mine.sort_by_key(|a| (rank(a), a.active_at_ms));
    let total = mine.len();
    let page: Vec<Value> = mine
        .into_iter()
        .skip(filter.offset)
        .take(filter.limit)
        .map(alert_json)
        .collect();
    Ok(Json(json!({
        "total": total,
        "offset": filter.offset,
        "firing": firing,
        "pending": pending,
        "silenced": silenced,
        "firing_unsilenced": firing_unsilenced,
        "alerts": page,
    })))
}

struct AlertFilter {
    limit: usize,
    offset: usize,
    state: Option<String>,
    any: Vec<(String, Option<String>)>,
}

impl AlertFilter {
    fn read(params: &[(String, String)]) -> Result<AlertFilter, crate::ApiError> {
        let bad = |name: &str, message: String| crate::ApiError::BadParameter {
            name: name.to_string(),
            message,
        };
        let mut filter = AlertFilter {
            limit: 100,
            offset: 0,
            state: None,
            any: Vec::new(),
        };
        for (name, value) in params {
            match name.as_str() {
                "limit" => {
                    filter.limit = value
                        .parse()
                        .map_err(|_| bad("limit", format!("{value:?} is not a number")))?
                }
                "offset" => {
                    filter.offset = value
                        .parse()
                        .map_err(|_| bad("offset", format!("{value:?} is not a number")))?
                }
                "state" if matches!(value.as_str(), "firing" | "pending") => {
                    filter.state = Some(value.clone())
                }
                "state" => return Err(bad("state", format!("{value:?} is not firing or pending"))),
                "any" => filter.any.push(match value.split_once('=') {
                    Some((label, wanted)) => (label.to_string(), Some(wanted.to_string())),
                    None => (value.clone(), None),
                }),
                _ => {}
            }
        }
        if filter.limit > MAX_ALERTS_PAGE {
            return Err(bad("limit", format!("at most {MAX_ALERTS_PAGE}")));
        }
        Ok(filter)
    }

    fn keeps(&self, alert: &Alert) -> bool {
        self.any.is_empty()
            || self.any.iter().any(|(label, wanted)| match wanted {
                Some(wanted) => alert.labels.get(label) == Some(wanted),
                None => alert.labels.contains_key(label),
            })
    }
}

/// Firing before pending, then by severity.
fn rank(alert: &Alert) -> u8 {
    let state = if alert.state == AlertState::Firing {
        0
    } else {
        10
    };
    let severity = match alert.labels.get("severity").map(String::as_str) {
        Some("critical") => 0,
        Some("warning") => 1,
        Some("info") => 2,
        _ => 3,
    };
    state + severity
}

fn rule_json(rule: &RuleView, exclude_alerts: bool) -> Value {
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
        "alerts": if exclude_alerts {
            Vec::new()
        } else {
            rule.alerts.iter().filter(|a| a.state != AlertState::Inactive).map(alert_json).collect::<Vec<_>>()
        },
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
