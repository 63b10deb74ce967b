//! `[alerts]`: which rules `serve` evaluates. The curated rules are on by
//! default; each can be disabled by name, overridden by a rule of the
//! same name from a rule file or `[[alerts.rules]]`, or tuned by an
//! `[[alerts.rules]]` entry without `expr` (its `for`, `keep_firing_for`,
//! labels and annotations over the curated rule's). The consumer-lag
//! threshold has its own keys, per group too, since it is the one every
//! team tunes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kafkascope_alerts::default_rules::default_rules;
use kafkascope_alerts::rule_file::parse_rule_file;
use kafkascope_alerts::{Rule, RuleSpec};
use serde::Deserialize;
use toml::Spanned;

/// The curated rule the lag keys tune.
const LAG_RULE: &str = "KafkaConsumerGroupLagSeconds";
const LAG_SERIES: &str = "kafkascope_consumergroup_max_lag_seconds";
/// The group the config's own rules are shown under.
pub const CONFIG_GROUP: &str = "config";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsEntry {
    pub enabled: Option<bool>,
    pub default_rules: Option<bool>,
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Prometheus rule files, resolved against the config's folder.
    #[serde(default)]
    pub rule_files: Vec<PathBuf>,
    #[serde(default)]
    pub rules: Vec<Spanned<ConfigRule>>,
    pub consumer_lag_seconds: Option<LagEntry>,
    /// Where alerts are sent (`[alerts.notify]`): receivers and routes.
    pub notify: Option<kafkascope_notify::NotifyConfig>,
}

/// One `[[alerts.rules]]`: a rule of the config's own, or, without `expr`,
/// a curated rule tuned (what is given replaces or adds to its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRule {
    pub alert: String,
    pub expr: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    pub keep_firing_for: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl ConfigRule {
    /// The rule's spec: its own, or `curated`'s with this entry's changes.
    fn spec(&self, curated: Option<&RuleSpec>) -> RuleSpec {
        let mut spec = curated.cloned().unwrap_or_default();
        spec.alert = self.alert.clone();
        if let Some(expr) = &self.expr {
            spec.expr = expr.clone();
        }
        if self.for_.is_some() {
            spec.for_ = self.for_.clone();
        }
        if self.keep_firing_for.is_some() {
            spec.keep_firing_for = self.keep_firing_for.clone();
        }
        spec.labels.extend(self.labels.clone());
        spec.annotations.extend(self.annotations.clone());
        spec
    }
}

/// `[alerts.consumer_lag_seconds]`: `default = 300`, `groups = { billing = 60 }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LagEntry {
    pub default: Option<Spanned<f64>>,
    #[serde(default)]
    pub groups: BTreeMap<String, f64>,
}

/// The rules `serve` evaluates, in order: curated, rule files, config.
#[derive(Debug, Clone, Default)]
pub struct AlertsPlan {
    pub rules: Vec<Rule>,
    /// `None` when no `[alerts.notify]` is configured.
    pub notify: Option<kafkascope_notify::NotifyPlan>,
}

impl AlertsPlan {
    /// `serve --rule-file` and `--no-default-rules`: the files' rules are
    /// added, replacing curated rules of the same name.
    pub fn apply_flags(&mut self, files: &[PathBuf], no_default_rules: bool) -> anyhow::Result<()> {
        let curated: Vec<String> = default_rules()
            .iter()
            .map(|r| r.name().to_string())
            .collect();
        let is_curated =
            |r: &Rule| r.group.starts_with("kafkascope-") && curated.iter().any(|c| c == r.name());
        if no_default_rules {
            self.rules.retain(|r| !is_curated(r));
        }
        for path in files {
            let added = rule_file(path)?;
            self.rules
                .retain(|r| !(is_curated(r) && added.iter().any(|a| a.name() == r.name())));
            self.rules.extend(added);
        }
        Ok(())
    }
}

pub fn alerts(
    entry: &AlertsEntry,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<AlertsPlan>> {
    if entry.enabled == Some(false) {
        return Ok(None);
    }
    let mut own = Vec::new();
    for path in &entry.rule_files {
        own.extend(rule_file(&base.join(path))?);
    }
    let (tunings, new_rules): (Vec<_>, Vec<_>) =
        entry.rules.iter().partition(|r| r.get_ref().expr.is_none());
    for config_rule in new_rules {
        let rule = Rule::new(CONFIG_GROUP, config_rule.get_ref().spec(None))
            .map_err(|e| anyhow::anyhow!("line {}: alerts.rules: {e}", at(config_rule.span())))?;
        own.push(rule);
    }
    let mut rules = Vec::new();
    if entry.default_rules != Some(false) {
        rules = curated(entry, at)?;
        rules.retain(|r| !own.iter().any(|o| o.name() == r.name()));
    }
    for tuning in tunings {
        tune(&mut rules, tuning, at)?;
    }
    rules.extend(own);
    let notify = entry
        .notify
        .as_ref()
        .map(|n| n.build().map_err(|e| anyhow::anyhow!("alerts.notify.{e}")))
        .transpose()?;
    Ok(Some(AlertsPlan { rules, notify }))
}

/// Applies a `[[alerts.rules]]` entry without `expr` to the curated rules
/// of its name (the lag rule may be several, one per threshold).
fn tune(
    rules: &mut [Rule],
    tuning: &Spanned<ConfigRule>,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<()> {
    let line = at(tuning.span());
    let name = &tuning.get_ref().alert;
    let mut found = false;
    for rule in rules.iter_mut().filter(|r| r.name() == name) {
        found = true;
        *rule = Rule::new(&rule.group, tuning.get_ref().spec(Some(&rule.spec)))
            .map_err(|e| anyhow::anyhow!("line {line}: alerts.rules: {e}"))?;
    }
    if !found {
        bail!(
            "line {line}: alerts.rules: {name:?} has no expr and is not a curated rule in use \
             (docs/ALERTS.md lists them); give an expr to add a rule of your own"
        );
    }
    Ok(())
}

/// Reads one rule file, every problem listed with its line.
pub fn rule_file(path: &Path) -> anyhow::Result<Vec<Rule>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the rule file {}", path.display()))?;
    parse_rule_file(&text).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {e}", path.display()))
            .collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })
}

fn curated(
    entry: &AlertsEntry,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Vec<Rule>> {
    let mut rules = default_rules();
    for name in &entry.disable {
        if !rules.iter().any(|r| r.name() == name.get_ref()) {
            bail!(
                "line {}: alerts.disable: {:?} is not a curated rule (docs/ALERTS.md lists them)",
                at(name.span()),
                name.get_ref()
            );
        }
        rules.retain(|r| r.name() != name.get_ref());
    }
    if let Some(lag) = &entry.consumer_lag_seconds
        && let Some(index) = rules.iter().position(|r| r.name() == LAG_RULE)
    {
        let template = rules.remove(index);
        let tuned = lag_rules(&template, lag, at)?;
        rules.splice(index..index, tuned);
    }
    Ok(rules)
}

/// The lag rule with its thresholds: one rule for every group without its
/// own threshold, and one per group with one.
fn lag_rules(
    template: &Rule,
    lag: &LagEntry,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Vec<Rule>> {
    let default = match &lag.default {
        Some(seconds) if *seconds.get_ref() <= 0.0 => bail!(
            "line {}: alerts.consumer_lag_seconds.default: {} is not a positive number of seconds",
            at(seconds.span()),
            seconds.get_ref()
        ),
        Some(seconds) => *seconds.get_ref(),
        None => 300.0,
    };
    let with_expr = |expr: String| {
        let spec = RuleSpec {
            expr,
            ..template.spec.clone()
        };
        Rule::new(&template.group, spec)
            .map_err(|e| anyhow::anyhow!("alerts.consumer_lag_seconds: {e}"))
    };
    let mut rules = Vec::new();
    let others = if lag.groups.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = lag.groups.keys().map(|g| promql_regex(g)).collect();
        format!("{{consumergroup!~\"{}\"}}", names.join("|"))
    };
    rules.push(with_expr(format!("{LAG_SERIES}{others} > {default}"))?);
    for (group, seconds) in &lag.groups {
        if *seconds <= 0.0 {
            bail!(
                "alerts.consumer_lag_seconds.groups.{group}: {seconds} is not a positive number of seconds"
            );
        }
        let selector = format!("{{consumergroup=\"{}\"}}", promql_string(group));
        rules.push(with_expr(format!("{LAG_SERIES}{selector} > {seconds}"))?);
    }
    Ok(rules)
}

/// A group name as a literal inside a PromQL regex string.
fn promql_regex(name: &str) -> String {
    promql_string(&regex::escape(name))
}

/// A value inside a double-quoted PromQL string.
fn promql_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> anyhow::Result<Option<AlertsPlan>> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            alerts: AlertsEntry,
        }
        let file: File = toml::from_str(text)?;
        let at = |span: std::ops::Range<usize>| text[..span.start].matches('\n').count() + 1;
        alerts(&file.alerts, Path::new("."), &at)
    }

    fn names(plan: &AlertsPlan) -> Vec<&str> {
        plan.rules.iter().map(Rule::name).collect()
    }

    #[test]
    fn the_curated_rules_are_on_by_default_and_can_be_switched_off() {
        let plan = plan("").unwrap().unwrap();
        assert_eq!(plan.rules.len(), default_rules().len());
        assert_eq!(names(&plan)[0], "KafkaOfflinePartitions");
        let plan = plan_ok("[alerts]\ndefault_rules = false\n");
        assert!(plan.rules.is_empty());
        assert!(self::plan("[alerts]\nenabled = false\n").unwrap().is_none());
    }

    fn plan_ok(text: &str) -> AlertsPlan {
        plan(text).unwrap().unwrap()
    }

    #[test]
    fn a_curated_rule_is_disabled_or_overridden_by_name() {
        let plan = plan_ok(
            "[alerts]\ndisable = [\"KafkaPreferredLeaderImbalance\"]\n\n\
             [[alerts.rules]]\nalert = \"KafkaOfflinePartitions\"\nexpr = \"kafkascope_offline_partitions > 5\"\n",
        );
        assert_eq!(plan.rules.len(), default_rules().len() - 1);
        assert!(!names(&plan).contains(&"KafkaPreferredLeaderImbalance"));
        let offline: Vec<_> = plan
            .rules
            .iter()
            .filter(|r| r.name() == "KafkaOfflinePartitions")
            .collect();
        assert_eq!(offline.len(), 1);
        assert_eq!(offline[0].spec.expr, "kafkascope_offline_partitions > 5");
        assert_eq!(offline[0].group, CONFIG_GROUP);
    }

    #[test]
    fn a_curated_rule_is_tuned_without_its_expr() {
        let plan = plan_ok(
            "[[alerts.rules]]\nalert = \"KafkaConsumerGroupDead\"\nfor = \"10m\"\n\
             labels = { severity = \"critical\", team = \"payments\" }\n",
        );
        assert_eq!(plan.rules.len(), default_rules().len());
        let dead = plan
            .rules
            .iter()
            .find(|r| r.name() == "KafkaConsumerGroupDead")
            .unwrap();
        assert_eq!(dead.spec.expr, "kafkascope_consumergroup_dead == 1");
        assert_eq!(dead.for_ms, 600_000);
        assert_eq!(dead.group, "kafkascope-consumers");
        assert_eq!(
            dead.spec.labels,
            BTreeMap::from([
                ("severity".to_string(), "critical".to_string()),
                ("team".to_string(), "payments".to_string()),
            ])
        );
        assert!(dead.spec.annotations["summary"].contains("nobody seems to consume"));

        let err =
            self::plan("[alerts]\n\n[[alerts.rules]]\nalert = \"NoSuchRule\"\nfor = \"1m\"\n")
                .unwrap_err()
                .to_string();
        assert_eq!(
            err,
            "line 3: alerts.rules: \"NoSuchRule\" has no expr and is not a curated rule in use \
             (docs/ALERTS.md lists them); give an expr to add a rule of your own"
        );
    }

    #[test]
    fn lag_thresholds_apply_per_group() {
        let plan = plan_ok(
            "[alerts.consumer_lag_seconds]\ndefault = 600\ngroups = { billing = 60, \"a.b\" = 30 }\n",
        );
        let lag: Vec<_> = plan
            .rules
            .iter()
            .filter(|r| r.name() == LAG_RULE)
            .map(|r| r.spec.expr.as_str())
            .collect();
        assert_eq!(
            lag,
            [
                "kafkascope_consumergroup_max_lag_seconds{consumergroup!~\"a\\\\.b|billing\"} > 600",
                "kafkascope_consumergroup_max_lag_seconds{consumergroup=\"a.b\"} > 30",
                "kafkascope_consumergroup_max_lag_seconds{consumergroup=\"billing\"} > 60",
            ]
        );
    }

    #[test]
    fn mistakes_name_the_key_and_line() {
        let err = plan("[alerts]\ndisable = [\"NoSuchRule\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 2: alerts.disable: \"NoSuchRule\" is not a curated rule (docs/ALERTS.md lists them)"
        );
        let err =
            plan("[alerts]\n\n[[alerts.rules]]\nalert = \"A\"\nexpr = \"up\"\nfor = \"soon\"\n")
                .unwrap_err()
                .to_string();
        assert_eq!(
            err,
            "line 3: alerts.rules: for: \"soon\" is not a duration (like 30s, 5m or 1h30m)"
        );
        let err = plan("[alerts]\nrule_files = [\"/nonexistent/rules.yml\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "reading the rule file /nonexistent/rules.yml");
    }
}
