//! `promtool check metrics` over the fixture's exposition, in both formats.
//!
//! promtool comes from the Debian package `prometheus`
//! (`scripts/install-test-deps.sh` installs it). A missing promtool fails
//! these tests rather than skipping them.
//!
//! `promtool check metrics` parses with the Prometheus text parser (an
//! OpenMetrics `# EOF` reads as a comment there) and then lints. Exit 1 is
//! a parse error and always fails. Exit 3 means lint problems; the only
//! ones accepted are promtool's complaint about a gauge named `..._sum`,
//! for the two kafka_exporter-compatible families whose names we must keep.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use kafkascope_collector::snapshot::{ConsumerGroup, PartitionLag};
use kafkascope_server::metrics::{Format, render};

const PROMTOOL: &str = "/usr/bin/promtool";

/// Lint findings kept on purpose: kafka_exporter names these gauges `_sum`.
const ACCEPTED_LINT: &[&str] = &[
    "kafka_consumergroup_current_offset_sum non-histogram and non-summary metrics should not have \"_sum\" suffix",
    "kafka_consumergroup_lag_sum non-histogram and non-summary metrics should not have \"_sum\" suffix",
];

/// Kafka Connect names its gauges `connector-count`, `task-count`...: the
/// exporter's names (kept for the dashboards built on them) end in `_count`.
fn accepted_connect_lint(finding: &str) -> bool {
    finding.starts_with("kafka_connect_")
        && finding
            .ends_with(" non-histogram and non-summary metrics should not have \"_count\" suffix")
}

/// promtool reads OpenMetrics text with the Prometheus text parser, where a
/// counter's HELP names `<family>_total`; OpenMetrics names it `<family>`,
/// so every counter with samples reads as having no help.
fn accepted_in_openmetrics(finding: &str) -> bool {
    finding.ends_with("_total no help text")
}

fn promtool_check(exposition: &str) {
    let openmetrics = exposition.ends_with("# EOF\n");
    assert!(
        Path::new(PROMTOOL).exists(),
        "{PROMTOOL} is missing: run scripts/install-test-deps.sh (it installs the Debian package `prometheus`)"
    );
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool should start");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert!(
        code == Some(0) || code == Some(3),
        "promtool check metrics failed ({:?}):\n{stdout}{stderr}",
        output.status
    );
    let unexpected: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !ACCEPTED_LINT.contains(l) && !accepted_connect_lint(l))
        .filter(|l| !(openmetrics && accepted_in_openmetrics(l)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "promtool check metrics found problems:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn prometheus_text_passes_promtool() {
    let state = common::fixture_state();
    promtool_check(&render(&state, Format::Prometheus));
}

#[test]
fn openmetrics_text_passes_promtool() {
    let state = common::fixture_state();
    let out = render(&state, Format::OpenMetrics);
    assert!(out.ends_with("\n# EOF\n"));
    promtool_check(&out);
}

/// Names with every character that needs escaping still parse.
#[test]
fn escaped_label_values_pass_promtool() {
    let mut prod = common::prod();
    let name = "we\"ird\\group\nname";
    prod.groups.insert(
        name.into(),
        ConsumerGroup {
            name: name.into(),
            state: "Stable".into(),
            offsets: vec![PartitionLag {
                topic: "orders".into(),
                partition: 0,
                committed_offset: 1,
                latest_offset: Some(2),
                lag: Some(1),
                messages_consumed_per_sec: None,
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    let state = common::state(&["prod"], vec![prod]);
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let out = render(&state, format);
        assert!(out.contains(
            "kafka_consumergroup_lag{cluster=\"prod\",consumergroup=\"we\\\"ird\\\\group\\nname\",topic=\"orders\",partition=\"0\"} 1\n"
        ));
        promtool_check(&out);
    }
}
