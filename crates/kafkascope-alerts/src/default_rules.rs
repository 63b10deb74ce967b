//! The curated rules kafkascope evaluates unless told not to, kept as a
//! Prometheus rule file (`rules/default.yml`) so they read like any other
//! rules, export unchanged and are checked by the same reader.

use crate::rule::Rule;
use crate::rule_file::parse_rule_file;

pub const DEFAULT_RULES_FILE: &str = include_str!("../rules/default.yml");

/// Every curated rule.
pub fn default_rules() -> Vec<Rule> {
    // The file is ours and checked by the tests below: a failure here is
    // a build mistake, not input.
    parse_rule_file(DEFAULT_RULES_FILE).unwrap_or_else(|errors| {
        tracing::error!(?errors, "the curated alert rules do not load");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curated_rule_loads_with_a_severity_and_a_summary() {
        let rules = parse_rule_file(DEFAULT_RULES_FILE).unwrap();
        assert_eq!(rules.len(), 39);
        for rule in &rules {
            let severity = rule.spec.labels.get("severity").map(String::as_str);
            assert!(
                matches!(severity, Some("critical" | "warning" | "info")),
                "{}",
                rule.name()
            );
            assert!(
                rule.spec.annotations.contains_key("summary"),
                "{}",
                rule.name()
            );
        }
        let mut names: Vec<_> = rules.iter().map(Rule::name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), rules.len(), "rule names are unique");
    }
}
