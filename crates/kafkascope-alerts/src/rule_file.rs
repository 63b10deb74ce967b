//! Prometheus rule files (`groups: - name: … rules: - alert: …`): read with
//! line-numbered errors, and written back for teams that alert from their
//! own Prometheus (`promtool check rules` accepts what [`export`] writes).

use serde::{Deserialize, Serialize};

use crate::duration::{format_duration, parse_duration};
use crate::rule::{Rule, RuleSpec};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    groups: Vec<GroupSpec>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interval: Option<String>,
    rules: Vec<EntrySpec>,
}

/// An alerting rule, or a recording rule (refused with its line).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum EntrySpec {
    Alert(RuleSpec),
    Record(RecordSpec),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordSpec {
    record: String,
}

/// A problem in a rule file, with the line it is on where known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct RuleFileError {
    pub line: Option<usize>,
    pub message: String,
}

/// Reads every rule of a rule file; all problems are reported, not only
/// the first, so one `rules check` run shows what to fix.
pub fn parse_rule_file(text: &str) -> Result<Vec<Rule>, Vec<RuleFileError>> {
    let file: RuleFile = serde_norway::from_str(text).map_err(|e| {
        vec![RuleFileError {
            line: e.location().map(|l| l.line()),
            message: without_location(&e.to_string()),
        }]
    })?;
    let lines = rule_lines(text);
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut index = 0;
    for group in file.groups {
        if group.name.is_empty() {
            errors.push(RuleFileError {
                line: None,
                message: "a group without a name".into(),
            });
        }
        if let Some(interval) = &group.interval
            && let Err(e) = parse_duration(interval)
        {
            errors.push(RuleFileError {
                line: None,
                message: format!("group {:?}: interval: {e}", group.name),
            });
        }
        for entry in group.rules {
            let line = lines.get(index).copied();
            index += 1;
            match entry {
                EntrySpec::Alert(spec) => {
                    let name = spec.alert.clone();
                    match Rule::new(&group.name, spec) {
                        Ok(rule) => rules.push(rule),
                        Err(message) => errors.push(RuleFileError {
                            line,
                            message: format!("rule {name:?}: {message}"),
                        }),
                    }
                }
                EntrySpec::Record(record) => errors.push(RuleFileError {
                    line,
                    message: format!(
                        "recording rule {:?}: kafkascope evaluates alerting rules only",
                        record.record
                    ),
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// The line of each rule (`- alert:` or `- record:`), in file order.
fn rule_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let item = line.trim_start().strip_prefix('-').map(str::trim_start);
            item.is_some_and(|i| i.starts_with("alert:") || i.starts_with("record:"))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The parser's message ends in "at line L column C"; the line is kept apart.
fn without_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// `rules` as a Prometheus rule file, grouped as they were loaded; the
/// durations as Prometheus writes them.
pub fn export(rules: &[&Rule]) -> String {
    let mut groups: Vec<GroupSpec> = Vec::new();
    for rule in rules {
        let mut spec = rule.spec.clone();
        spec.for_ = (rule.for_ms > 0).then(|| format_duration(rule.for_ms));
        spec.keep_firing_for =
            (rule.keep_firing_for_ms > 0).then(|| format_duration(rule.keep_firing_for_ms));
        match groups.iter_mut().find(|g| g.name == rule.group) {
            Some(group) => group.rules.push(EntrySpec::Alert(spec)),
            None => groups.push(GroupSpec {
                name: rule.group.clone(),
                interval: None,
                rules: vec![EntrySpec::Alert(spec)],
            }),
        }
    }
    serde_norway::to_string(&RuleFile { groups }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
groups:
  - name: kafka
    rules:
      - alert: KafkaOfflinePartitions
        expr: kafkascope_offline_partitions > 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: \"{{ $labels.cluster }} has {{ $value }} offline partitions\"
      - alert: KafkaGroupLagging
        expr: kafkascope_consumergroup_max_lag_seconds > 300
        for: 5m
";

    #[test]
    fn a_prometheus_rule_file_reads_into_rules() {
        let rules = parse_rule_file(FILE).unwrap();
        let names: Vec<_> = rules
            .iter()
            .map(|r| (r.group.as_str(), r.name(), r.for_ms))
            .collect();
        assert_eq!(
            names,
            [
                ("kafka", "KafkaOfflinePartitions", 60_000),
                ("kafka", "KafkaGroupLagging", 300_000)
            ]
        );
    }

    #[test]
    fn each_bad_rule_is_reported_with_its_line() {
        let file = "\
groups:
  - name: kafka
    rules:
      - record: job:up:sum
        expr: sum(up)
      - alert: Good
        expr: up == 0
      - alert: BadFor
        expr: up == 0
        for: soon
      - alert: BadExpr
        expr: sum(
";
        let errors = parse_rule_file(file).unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(4), Some(8), Some(11)]);
        assert_eq!(
            errors[0].to_string(),
            "line 4: recording rule \"job:up:sum\": kafkascope evaluates alerting rules only"
        );
        assert_eq!(
            errors[1].to_string(),
            "line 8: rule \"BadFor\": for: \"soon\" is not a duration (like 30s, 5m or 1h30m)"
        );
        assert!(
            errors[2]
                .to_string()
                .starts_with("line 11: rule \"BadExpr\": expr: ")
        );
    }

    #[test]
    fn yaml_mistakes_carry_the_parsers_line() {
        let errors = parse_rule_file("groups:\n  - name: kafka\n    rules: [\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(4));
        let errors = parse_rule_file("groups:\n  - name: kafka\n    rulez: []\n").unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert!(
            errors[0].message.contains("unknown field `rulez`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn exported_rules_read_back_the_same() {
        let rules = parse_rule_file(FILE).unwrap();
        let text = export(&rules.iter().collect::<Vec<_>>());
        let again = parse_rule_file(&text).unwrap();
        let specs = |rules: &[Rule]| rules.iter().map(|r| r.spec.clone()).collect::<Vec<_>>();
        assert_eq!(specs(&again), specs(&rules));
        assert!(
            text.starts_with(
                "groups:\n- name: kafka\n  rules:\n  - alert: KafkaOfflinePartitions\n"
            ),
            "{text}"
        );
    }
}
