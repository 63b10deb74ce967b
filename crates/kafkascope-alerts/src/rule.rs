//! An alerting rule as written (in the config or a Prometheus rule file)
//! and as checked: its expression parsed by the query engine, its
//! durations read, its label and annotation templates read.

use std::collections::BTreeMap;

use kafkascope_query::PreparedQuery;
use serde::{Deserialize, Serialize};

use crate::duration::parse_duration;
use crate::template::Template;

/// A rule as a file or the config writes it; durations as text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub alert: String,
    pub expr: String,
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    /// The rule group it came from (`kafkascope` for the curated ones).
    pub group: String,
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
    pub labels: Vec<(String, Template)>,
    pub annotations: Vec<(String, Template)>,
    /// `spec.expr`, parsed once.
    pub query: PreparedQuery,
}

impl Rule {
    /// Checks `spec` as Prometheus would load it; the error names the
    /// field and says what is wrong.
    pub fn new(group: &str, spec: RuleSpec) -> Result<Rule, String> {
        if !is_metric_name(&spec.alert) {
            return Err(format!("alert: {:?} is not a valid alert name", spec.alert));
        }
        let query = PreparedQuery::parse(&spec.expr).map_err(|e| format!("expr: {e}"))?;
        let for_ms = duration_field("for", spec.for_.as_deref())?;
        let keep_firing_for_ms =
            duration_field("keep_firing_for", spec.keep_firing_for.as_deref())?;
        let labels = templates("labels", &spec.labels, true)?;
        let annotations = templates("annotations", &spec.annotations, false)?;
        Ok(Rule {
            group: group.to_string(),
            for_ms,
            keep_firing_for_ms,
            labels,
            annotations,
            query,
            spec,
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.alert
    }
}

fn duration_field(field: &str, text: Option<&str>) -> Result<i64, String> {
    text.map_or(Ok(0), parse_duration)
        .map_err(|e| format!("{field}: {e}"))
}

fn templates(
    field: &str,
    entries: &BTreeMap<String, String>,
    label_names: bool,
) -> Result<Vec<(String, Template)>, String> {
    entries
        .iter()
        .map(|(name, text)| {
            if label_names && !is_label_name(name) {
                return Err(format!("{field}: {name:?} is not a valid label name"));
            }
            let template = Template::parse(text).map_err(|e| format!("{field}.{name}: {e}"))?;
            Ok((name.clone(), template))
        })
        .collect()
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(alert: &str, expr: &str) -> RuleSpec {
        RuleSpec {
            alert: alert.into(),
            expr: expr.into(),
            ..RuleSpec::default()
        }
    }

    #[test]
    fn a_rule_reads_its_durations_and_templates() {
        let rule = Rule::new(
            "kafka",
            RuleSpec {
                for_: Some("5m".into()),
                keep_firing_for: Some("1m".into()),
                labels: BTreeMap::from([("severity".into(), "critical".into())]),
                annotations: BTreeMap::from([(
                    "summary".into(),
                    "{{ $labels.topic }} has {{ $value }} offline partitions".into(),
                )]),
                ..spec(
                    "KafkaOfflinePartitions",
                    "kafkascope_offline_partitions > 0",
                )
            },
        )
        .unwrap();
        assert_eq!((rule.for_ms, rule.keep_firing_for_ms), (300_000, 60_000));
        assert_eq!(rule.name(), "KafkaOfflinePartitions");
        assert_eq!(rule.group, "kafka");
        assert_eq!(rule.labels.len(), 1);
    }

    #[test]
    fn each_mistake_names_its_field() {
        let cases = [
            (
                spec("bad name", "up"),
                "alert: \"bad name\" is not a valid alert name",
            ),
            (
                RuleSpec {
                    for_: Some("5 minutes".into()),
                    ..spec("A", "up")
                },
                "for: \"5 minutes\" is not a duration (like 30s, 5m or 1h30m)",
            ),
            (
                RuleSpec {
                    labels: BTreeMap::from([("__reserved".into(), "x".into())]),
                    ..spec("A", "up")
                },
                "labels: \"__reserved\" is not a valid label name",
            ),
            (
                RuleSpec {
                    annotations: BTreeMap::from([("summary".into(), "{{ $oops }}".into())]),
                    ..spec("A", "up")
                },
                "annotations.summary: {{ $oops }}: only $value and $labels.<name> can be used in a template",
            ),
        ];
        for (spec, wanted) in cases {
            assert_eq!(Rule::new("g", spec).unwrap_err(), wanted);
        }
        let error = Rule::new("g", spec("A", "sum(")).unwrap_err();
        assert!(error.starts_with("expr: "), "{error}");
    }
}
