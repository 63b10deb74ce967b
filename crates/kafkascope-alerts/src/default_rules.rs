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
        assert_eq!(rules.len(), 44);
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

    /// Which of the curated rule `name`'s alerts are active at `at_ms`
    /// over `source`, by one label's value, after evaluations every 5 s
    /// from `from_ms` (so `for` can pass).
    fn active(
        name: &str,
        source: &kafkascope_query::MemorySource,
        from_ms: i64,
        at_ms: i64,
        label: &str,
    ) -> Vec<String> {
        let rule = default_rules()
            .into_iter()
            .find(|r| r.name() == name)
            .unwrap();
        let mut rules = crate::rule_set::RuleSet::new(vec![rule]);
        let mut t = from_ms;
        while t <= at_ms {
            rules.evaluate(source, t);
            t += 5_000;
        }
        rules
            .active()
            .map(|(_, alert)| format!("{}:{}", alert.labels[label], alert.state.name()))
            .collect()
    }

    fn series(
        source: &mut kafkascope_query::MemorySource,
        name: &str,
        labels: &[(&str, &str)],
        points: &[(i64, f64)],
    ) {
        let mut all = vec![("__name__", name)];
        all.extend_from_slice(labels);
        source.insert(all, points);
    }

    fn every_5s(from_ms: i64, to_ms: i64, value: f64) -> Vec<(i64, f64)> {
        (from_ms..=to_ms)
            .step_by(5_000)
            .map(|t| (t, value))
            .collect()
    }

    const MINUTE: i64 = 60_000;
    const STALE: u64 = kafkascope_query::STALE_NAN_BITS;

    #[test]
    fn a_broker_gone_from_metadata_fires_broker_missing_after_a_minute() {
        let mut source = kafkascope_query::MemorySource::new();
        for broker in ["0", "1"] {
            series(
                &mut source,
                "kafkascope_broker_up",
                &[("cluster", "c"), ("broker", broker)],
                &every_5s(0, 5 * MINUTE, 1.0),
            );
        }
        // Broker 2 leaves Metadata at 2 minutes: its series ends with a
        // staleness marker.
        let mut gone = every_5s(0, 2 * MINUTE - 5_000, 1.0);
        gone.push((2 * MINUTE, f64::from_bits(STALE)));
        series(
            &mut source,
            "kafkascope_broker_up",
            &[("cluster", "c"), ("broker", "2")],
            &gone,
        );
        assert_eq!(
            active(
                "KafkaBrokerMissing",
                &source,
                0,
                2 * MINUTE + 30_000,
                "broker"
            ),
            ["2:pending"]
        );
        assert_eq!(
            active(
                "KafkaBrokerMissing",
                &source,
                0,
                3 * MINUTE + 5_000,
                "broker"
            ),
            ["2:firing"]
        );
    }

    #[test]
    fn a_quorum_without_a_leader_fires_no_active_controller() {
        let mut source = kafkascope_query::MemorySource::new();
        let mut controller = every_5s(0, MINUTE, 0.0);
        controller.push((MINUTE + 5_000, f64::from_bits(STALE)));
        series(
            &mut source,
            "kafkascope_controller_id",
            &[("cluster", "c")],
            &controller,
        );
        assert_eq!(
            active(
                "KafkaNoActiveController",
                &source,
                0,
                2 * MINUTE + 10_000,
                "cluster"
            ),
            ["c:firing"]
        );
        assert!(active("KafkaNoActiveController", &source, 0, MINUTE, "cluster").is_empty());
    }

    #[test]
    fn three_controller_elections_in_fifteen_minutes_fire_leader_flapping() {
        let mut source = kafkascope_query::MemorySource::new();
        let epochs: Vec<(i64, f64)> = (0..=10)
            .map(|m| {
                (
                    m * MINUTE,
                    if m < 2 {
                        7.0
                    } else if m < 4 {
                        8.0
                    } else if m < 6 {
                        9.0
                    } else {
                        10.0
                    },
                )
            })
            .collect();
        series(
            &mut source,
            "kafkascope_quorum_leader_epoch",
            &[("cluster", "c")],
            &epochs,
        );
        assert_eq!(
            active(
                "KafkaQuorumLeaderFlapping",
                &source,
                10 * MINUTE,
                10 * MINUTE,
                "cluster"
            ),
            ["c:firing"]
        );
        assert!(
            active(
                "KafkaQuorumLeaderFlapping",
                &source,
                5 * MINUTE,
                5 * MINUTE,
                "cluster"
            )
            .is_empty()
        );
    }
}
