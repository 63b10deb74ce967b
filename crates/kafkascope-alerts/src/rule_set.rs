//! The loaded rules and their alerts: evaluated together at one time over
//! the history, each rule's health kept, and the whole saved and restored
//! so a firing alert stays firing across a restart.

use std::collections::BTreeMap;
use std::time::Instant;

use kafkascope_query::{Labels, METRIC_NAME, QueryValue, SeriesSource};
use serde::{Deserialize, Serialize};

use crate::alert_state::{Alert, AlertEvent, AlertState, Found, RuleAlerts, Timing};
use crate::rule::Rule;

/// More alerts than this from one rule is a mistake in the rule (a label
/// that varies per partition, say): refused rather than held and sent.
pub const MAX_ALERTS_PER_RULE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Unknown,
    Ok,
    Err,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHealth {
    pub health: Health,
    pub last_error: Option<String>,
    pub last_evaluation_ms: Option<i64>,
    pub evaluation_seconds: f64,
}

/// A rule, its alerts and how its last evaluation went.
#[derive(Debug, Clone)]
pub struct RuleEntry {
    pub rule: Rule,
    pub alerts: RuleAlerts,
    pub health: RuleHealth,
}

#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    entries: Vec<RuleEntry>,
    /// Wall-clock time of the last [`RuleSet::evaluate`], every rule included.
    evaluation_seconds: f64,
}

impl RuleEntry {
    fn evaluate(&mut self, source: &dyn SeriesSource, at_ms: i64) -> Vec<AlertEvent> {
        let started = Instant::now();
        let outcome = find_alerts(&self.rule, source, at_ms);
        self.health.last_evaluation_ms = Some(at_ms);
        let events = match outcome {
            Ok(found) => {
                self.health.health = Health::Ok;
                self.health.last_error = None;
                let rule = &self.rule;
                let timing = Timing {
                    for_ms: rule.for_ms,
                    keep_firing_for_ms: rule.keep_firing_for_ms,
                };
                self.alerts.update(found, at_ms, timing, &|labels, value| {
                    expand_on_sample_labels(rule, labels, value)
                })
            }
            Err(error) => {
                tracing::warn!(rule = self.rule.name(), "alert rule failed: {error}");
                self.health.health = Health::Err;
                self.health.last_error = Some(error);
                Vec::new()
            }
        };
        self.health.evaluation_seconds = started.elapsed().as_secs_f64();
        events
    }
}

/// What is saved between runs: each rule's alerts, by group and name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedAlerts {
    pub rules: Vec<SavedRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRule {
    pub group: String,
    pub alert: String,
    #[serde(flatten)]
    pub alerts: RuleAlerts,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Self {
        let entries = rules
            .into_iter()
            .map(|rule| RuleEntry {
                rule,
                alerts: RuleAlerts::default(),
                health: RuleHealth {
                    health: Health::Unknown,
                    last_error: None,
                    last_evaluation_ms: None,
                    evaluation_seconds: 0.0,
                },
            })
            .collect();
        RuleSet {
            entries,
            evaluation_seconds: 0.0,
        }
    }

    /// How long the last evaluation of every rule took, start to end.
    pub fn evaluation_seconds(&self) -> f64 {
        self.evaluation_seconds
    }

    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    /// Evaluates every rule at `at_ms`; a rule that fails keeps its alerts
    /// as they were and reports the error in its health.
    ///
    /// One thread evaluates them all: sharing them among two was measured
    /// at half the wall time with glibc's default malloc arenas, but twice
    /// it under `serve`'s single arena (`malloc_arenas.rs`), where the
    /// threads queue on the allocator's lock.
    pub fn evaluate(&mut self, source: &dyn SeriesSource, at_ms: i64) -> Vec<AlertEvent> {
        let started = Instant::now();
        let events = self
            .entries
            .iter_mut()
            .flat_map(|entry| entry.evaluate(source, at_ms))
            .collect();
        self.evaluation_seconds = started.elapsed().as_secs_f64();
        events
    }

    /// Every alert pending or firing, with its rule.
    pub fn active(&self) -> impl Iterator<Item = (&Rule, &Alert)> {
        self.entries
            .iter()
            .flat_map(|e| e.alerts.active().map(move |a| (&e.rule, a)))
    }

    /// Every alert held, resolved ones too (the notifiers send those).
    pub fn all_alerts(&self) -> impl Iterator<Item = (&Rule, &Alert)> {
        self.entries
            .iter()
            .flat_map(|e| e.alerts.alerts.values().map(move |a| (&e.rule, a)))
    }

    /// Prometheus's `ALERTS` series of the active alerts: the alert's
    /// labels and `alertstate`, value 1; recorded in the history so
    /// alerts can be seen over time with the same queries as there.
    pub fn alerts_series(&self) -> Vec<Labels> {
        self.active()
            .map(|(_, alert)| {
                let mut labels = alert.labels.clone();
                labels.insert(METRIC_NAME.to_string(), "ALERTS".to_string());
                labels.insert("alertstate".to_string(), alert.state.name().to_string());
                labels
            })
            .collect()
    }

    pub fn saved(&self) -> SavedAlerts {
        SavedAlerts {
            rules: self
                .entries
                .iter()
                .filter(|e| !e.alerts.alerts.is_empty())
                .map(|e| SavedRule {
                    group: e.rule.group.clone(),
                    alert: e.rule.name().to_string(),
                    alerts: e.alerts.clone(),
                })
                .collect(),
        }
    }

    /// Takes back the alerts of rules still loaded; those of rules gone
    /// from the config are dropped. Returns how many alerts came back.
    pub fn restore(&mut self, saved: SavedAlerts) -> usize {
        let mut restored = 0;
        for rule in saved.rules {
            if let Some(entry) = self
                .entries
                .iter_mut()
                .find(|e| e.rule.group == rule.group && e.rule.name() == rule.alert)
            {
                restored += rule.alerts.alerts.len();
                entry.alerts = rule.alerts;
            }
        }
        restored
    }
}

/// What the rule's expression returns at `at_ms`, as alerts: each sample's
/// labels without the metric name, the rule's labels, and `alertname`.
fn find_alerts(rule: &Rule, source: &dyn SeriesSource, at_ms: i64) -> Result<Vec<Found>, String> {
    let samples = match rule
        .query
        .instant(source, at_ms)
        .map_err(|e| e.to_string())?
    {
        QueryValue::Vector { samples, .. } => samples,
        QueryValue::Scalar { value, .. } => vec![kafkascope_query::Sample {
            labels: Labels::new(),
            value,
        }],
        QueryValue::Matrix(_) => {
            return Err(
                "the expression gives a range vector; an alert needs an instant vector".into(),
            );
        }
    };
    if samples.len() > MAX_ALERTS_PER_RULE {
        return Err(format!(
            "{} alerts, more than the {MAX_ALERTS_PER_RULE} a rule may raise",
            samples.len()
        ));
    }
    let mut found = Vec::with_capacity(samples.len());
    for sample in samples {
        let mut labels = sample.labels;
        labels.remove(METRIC_NAME);
        let added = expand(&rule.labels, &labels, sample.value);
        // Written now only if the rule's labels hide some of the sample's;
        // otherwise the alert's own labels give the sample's back, and the
        // update writes them only when needed.
        let overrides =
            labels.contains_key(ALERTNAME) || added.keys().any(|k| labels.contains_key(k));
        let annotations = overrides.then(|| expand(&rule.annotations, &labels, sample.value));
        labels.extend(added);
        labels.insert(ALERTNAME.to_string(), rule.name().to_string());
        found.push(Found {
            labels,
            annotations,
            value: sample.value,
        });
    }
    let distinct: foldhash::HashSet<&Labels> = found.iter().map(|f| &f.labels).collect();
    if distinct.len() < found.len() {
        return Err("two results share a label set once the rule's labels are applied".into());
    }
    Ok(found)
}

fn expand(
    templates: &[(String, crate::template::Template)],
    labels: &Labels,
    value: f64,
) -> BTreeMap<String, String> {
    templates
        .iter()
        .map(|(name, template)| (name.clone(), template.expand(labels, value)))
        .collect()
}

const ALERTNAME: &str = "alertname";

/// The annotations written from the sample's own labels, as Prometheus
/// does: the rule's labels and `alertname` (which, here, override none of
/// the sample's) are set aside while the templates run.
fn expand_on_sample_labels(
    rule: &Rule,
    labels: &mut Labels,
    value: f64,
) -> BTreeMap<String, String> {
    let mut set_aside: Vec<(String, String)> = Vec::with_capacity(rule.labels.len() + 1);
    for name in rule
        .labels
        .iter()
        .map(|(n, _)| n.as_str())
        .chain([ALERTNAME])
    {
        if let Some(entry) = labels.remove_entry(name) {
            set_aside.push(entry);
        }
    }
    let annotations = expand(&rule.annotations, labels, value);
    labels.extend(set_aside);
    annotations
}

/// Whether the alert is one a notifier should send now: firing, or
/// resolved after having fired.
pub fn is_notified(alert: &Alert) -> bool {
    alert.state == AlertState::Firing
        || (alert.state == AlertState::Inactive && alert.fired_at_ms.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::RuleSpec;
    use kafkascope_query::MemorySource;

    const MINUTE: i64 = 60_000;

    fn lag_rule() -> Rule {
        Rule::new(
            "kafka",
            RuleSpec {
                alert: "ConsumerGroupLagging".into(),
                expr: "kafkascope_consumergroup_max_lag_seconds > 300".into(),
                for_: Some("2m".into()),
                labels: BTreeMap::from([("severity".into(), "warning".into())]),
                annotations: BTreeMap::from([(
                    "summary".into(),
                    "{{ $labels.consumergroup }} is {{ $value | humanizeDuration }} behind".into(),
                )]),
                ..RuleSpec::default()
            },
        )
        .unwrap()
    }

    fn lag(source: &mut MemorySource, group: &str, points: &[(i64, f64)]) {
        source.insert(
            [
                ("__name__", "kafkascope_consumergroup_max_lag_seconds"),
                ("cluster", "prod"),
                ("consumergroup", group),
            ],
            points,
        );
    }

    #[test]
    fn a_lagging_group_goes_pending_then_firing_with_its_labels_and_summary() {
        let mut source = MemorySource::new();
        lag(
            &mut source,
            "billing",
            &[(0, 400.0), (MINUTE, 450.0), (2 * MINUTE, 3_725.0)],
        );
        lag(
            &mut source,
            "audit",
            &[(0, 10.0), (MINUTE, 10.0), (2 * MINUTE, 10.0)],
        );
        let mut rules = RuleSet::new(vec![lag_rule()]);

        let events = rules.evaluate(&source, 0);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].state, AlertState::Pending);
        assert!(rules.evaluate(&source, MINUTE).is_empty());
        let events = rules.evaluate(&source, 2 * MINUTE);
        assert_eq!(events.len(), 1);
        let alert = &events[0].alert;
        assert_eq!(alert.state, AlertState::Firing);
        assert_eq!(
            alert.labels,
            Labels::from([
                ("alertname".into(), "ConsumerGroupLagging".into()),
                ("cluster".into(), "prod".into()),
                ("consumergroup".into(), "billing".into()),
                ("severity".into(), "warning".into()),
            ])
        );
        assert_eq!(alert.annotations["summary"], "billing is 1h 2m 5s behind");
        assert_eq!(alert.value, 3_725.0);
        let health = &rules.entries()[0].health;
        assert_eq!(
            (health.health, health.last_evaluation_ms),
            (Health::Ok, Some(2 * MINUTE))
        );

        let series = rules.alerts_series();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0]["__name__"], "ALERTS");
        assert_eq!(series[0]["alertstate"], "firing");
    }

    #[test]
    fn annotations_follow_the_value_and_see_only_the_samples_labels() {
        let mut source = MemorySource::new();
        lag(
            &mut source,
            "billing",
            &[(0, 400.0), (MINUTE, 400.0), (2 * MINUTE, 3_725.0)],
        );
        let mut rule = lag_rule();
        // A template naming a label the rule adds: Prometheus gives it the
        // sample's labels only, so it stays empty.
        rule.annotations.push((
            "severity_seen".into(),
            crate::template::Template::parse("[{{ $labels.severity }}]").unwrap(),
        ));
        let mut rules = RuleSet::new(vec![rule]);
        let summary = |rules: &RuleSet| {
            let (_, alert) = rules.active().next().unwrap();
            (
                alert.annotations["summary"].clone(),
                alert.annotations["severity_seen"].clone(),
            )
        };
        rules.evaluate(&source, 0);
        assert_eq!(
            summary(&rules),
            ("billing is 6m 40s behind".into(), "[]".into())
        );
        rules.evaluate(&source, MINUTE);
        assert_eq!(
            summary(&rules),
            ("billing is 6m 40s behind".into(), "[]".into())
        );
        rules.evaluate(&source, 2 * MINUTE);
        assert_eq!(
            summary(&rules),
            ("billing is 1h 2m 5s behind".into(), "[]".into())
        );
    }

    #[test]
    fn a_firing_alert_restored_after_a_restart_stays_firing_without_a_new_event() {
        let mut source = MemorySource::new();
        lag(
            &mut source,
            "billing",
            &[(0, 400.0), (2 * MINUTE, 400.0), (3 * MINUTE, 400.0)],
        );
        let mut before = RuleSet::new(vec![lag_rule()]);
        before.evaluate(&source, 0);
        before.evaluate(&source, 2 * MINUTE);
        let saved = serde_json::to_string(&before.saved()).unwrap();

        let mut after = RuleSet::new(vec![lag_rule()]);
        assert_eq!(after.restore(serde_json::from_str(&saved).unwrap()), 1);
        assert!(after.evaluate(&source, 3 * MINUTE).is_empty());
        let (_, alert) = after.active().next().unwrap();
        assert_eq!(
            (alert.state, alert.fired_at_ms),
            (AlertState::Firing, Some(2 * MINUTE))
        );
    }

    #[test]
    fn a_failing_rule_reports_its_error_and_keeps_its_alerts() {
        let mut source = MemorySource::new();
        lag(&mut source, "billing", &[(0, 400.0)]);
        // Both sides match one series each, but `on(cluster)` pairs two
        // left series with one right: an execution error at evaluation.
        lag(&mut source, "audit", &[(0, 500.0)]);
        let rule = Rule::new(
            "kafka",
            RuleSpec {
                alert: "Broken".into(),
                expr: "kafkascope_consumergroup_max_lag_seconds + on(cluster) kafkascope_consumergroup_max_lag_seconds".into(),
                ..RuleSpec::default()
            },
        )
        .unwrap();
        let mut rules = RuleSet::new(vec![rule]);
        assert!(rules.evaluate(&source, 0).is_empty());
        let health = &rules.entries()[0].health;
        assert_eq!(health.health, Health::Err);
        assert!(
            health
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("many")),
            "{health:?}"
        );
    }

    #[test]
    fn labels_that_collide_after_the_rules_labels_are_an_error() {
        let mut source = MemorySource::new();
        lag(&mut source, "billing", &[(0, 400.0)]);
        lag(&mut source, "audit", &[(0, 500.0)]);
        let rule = Rule::new(
            "kafka",
            RuleSpec {
                alert: "Collide".into(),
                expr: "kafkascope_consumergroup_max_lag_seconds".into(),
                labels: BTreeMap::from([("consumergroup".into(), "all".into())]),
                ..RuleSpec::default()
            },
        )
        .unwrap();
        let mut rules = RuleSet::new(vec![rule]);
        rules.evaluate(&source, 0);
        assert_eq!(
            rules.entries()[0].health.last_error.as_deref(),
            Some("two results share a label set once the rule's labels are applied")
        );
    }
}
