//! `docs/METRICS.md` against what `/metrics` renders: every family the
//! server writes has a row in one of its `| metric | type | labels | meaning |`
//! tables, with the type of its `# TYPE` line and the labels its samples
//! carry (in their order), and every row names a family that exists.
//!
//! Labels are taken from the fixture clusters' samples; a family the
//! fixture leaves without samples is checked for name and type only.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use kafkascope_exposition::{
    alerting_families, client_families, connect_families, jmx_families, kafka_exporter_families,
    kafkascope_families, self_metrics, streams_families,
};
use kafkascope_server::{Format, render};

/// What one family looks like, in the docs or in the exposition.
#[derive(Debug, Default, Clone, PartialEq)]
struct Family {
    kind: String,
    /// `None` when the exposition has no sample to read them from.
    labels: Option<Vec<String>>,
}

fn metrics_md() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/METRICS.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The rows of every `| metric | type | labels | meaning |` table, by the
/// sample name in the first column. The type column's first word counts
/// (`gauge (state set)` is a gauge).
fn documented(markdown: &str) -> Result<BTreeMap<String, Family>, Vec<String>> {
    let mut rows = BTreeMap::new();
    let mut problems = Vec::new();
    let mut in_table = false;
    for (number, line) in markdown.lines().enumerate() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.trim_start().starts_with('|') {
            in_table = false;
            continue;
        }
        if cells.len() >= 4 && cells[..3] == ["metric", "type", "labels"] {
            in_table = true;
            continue;
        }
        if !in_table || cells.iter().all(|c| c.chars().all(|ch| ch == '-')) {
            continue;
        }
        let name = cells[0].trim_matches('`').to_string();
        let kind = cells[1].split_whitespace().next().unwrap_or("").to_string();
        let labels = cells[2]
            .split(',')
            .map(|l| l.trim().trim_matches('`').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let family = Family {
            kind,
            labels: Some(labels),
        };
        if rows.insert(name.clone(), family).is_some() {
            problems.push(format!("line {}: {name} is documented twice", number + 1));
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Every family of a Prometheus-format exposition, by sample name (with
/// `_total` for counters), with its `# TYPE` and its samples' label names.
fn rendered(exposition: &str) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut current = String::new();
    for line in exposition.lines() {
        if let Some(type_line) = line.strip_prefix("# TYPE ") {
            let (name, kind) = type_line.split_once(' ').expect("# TYPE name type");
            current = name.to_string();
            families.insert(
                current.clone(),
                Family {
                    kind: kind.to_string(),
                    labels: None,
                },
            );
        } else if !line.starts_with('#') && !line.is_empty() {
            let labels = sample_label_names(line);
            let family = families.get_mut(&current).expect("a sample after # TYPE");
            match &mut family.labels {
                None => family.labels = Some(labels),
                // A family whose samples differ in labels is listed with all
                // of them, in first-seen order.
                Some(known) => {
                    for label in labels {
                        if !known.contains(&label) {
                            known.push(label);
                        }
                    }
                }
            }
        }
    }
    families
}

/// The label names of one sample line, in order. Label values may hold
/// escaped quotes, commas and braces.
fn sample_label_names(line: &str) -> Vec<String> {
    let Some((_, rest)) = line.split_once('{') else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut chars = rest.chars();
    let mut name = String::new();
    while let Some(ch) = chars.next() {
        match ch {
            '}' => break,
            ',' => {}
            '=' => {
                names.push(std::mem::take(&mut name));
                assert_eq!(chars.next(), Some('"'), "label value in quotes: {line}");
                while let Some(ch) = chars.next() {
                    match ch {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            _ => name.push(ch),
        }
    }
    names
}

/// The sample name a FAMILIES entry is rendered under: counters get `_total`.
fn sample_name(family: &str, rendered: &BTreeMap<String, Family>) -> Option<String> {
    [family.to_string(), format!("{family}_total")]
        .into_iter()
        .find(|name| rendered.contains_key(name))
}

/// The alerting families, which the fixture state (no rules, no
/// notifier) leaves out, with one receiver.
fn alerting_exposition() -> String {
    let figures = alerting_families::AlertingFigures {
        notifications: Some(alerting_families::NotificationFigures {
            receivers: vec![alerting_families::ReceiverFigures {
                name: "pager".into(),
                kind: "webhook".into(),
                ..Default::default()
            }],
            snapshots_dropped: 0,
        }),
        ..Default::default()
    };
    kafkascope_exposition::render(
        kafkascope_exposition::Exposed {
            alerting: Some(&figures),
            ..Default::default()
        },
        Format::Prometheus,
    )
}

#[test]
fn every_rendered_family_is_documented_with_its_type_and_labels() {
    let state = common::fixture_state();
    let text = render(&state, Format::Prometheus) + &alerting_exposition();
    let rendered = rendered(&text);
    let documented = documented(&metrics_md()).unwrap_or_else(|problems| {
        panic!("docs/METRICS.md:\n  {}", problems.join("\n  "));
    });
    let mut problems = Vec::new();

    for family in kafka_exporter_families::FAMILIES
        .iter()
        .chain(kafkascope_families::FAMILIES)
        .chain(self_metrics::FAMILIES)
        .chain(self_metrics::SOURCE_FAMILIES)
        .chain(&jmx_families::families())
        .chain(&client_families::families())
        .chain(&connect_families::families())
        .chain(&streams_families::families())
        .chain(alerting_families::FAMILIES)
    {
        if sample_name(family, &rendered).is_none() {
            problems.push(format!("{family}: in a FAMILIES list but not rendered"));
        }
    }

    for (name, actual) in &rendered {
        let Some(doc) = documented.get(name) else {
            problems.push(format!(
                "{name}: not documented (expected a row: | `{name}` | {} | {} | … |)",
                actual.kind,
                actual
                    .labels
                    .as_ref()
                    .map(|labels| backticked(labels))
                    .unwrap_or_else(|| "labels?".into())
            ));
            continue;
        };
        if doc.kind != actual.kind {
            problems.push(format!(
                "{name}: documented as {}, rendered as {}",
                doc.kind, actual.kind
            ));
        }
        if let (Some(doc_labels), Some(labels)) = (&doc.labels, &actual.labels)
            && doc_labels != labels
        {
            problems.push(format!(
                "{name}: documented with labels {}, rendered with {}",
                backticked(doc_labels),
                backticked(labels)
            ));
        }
    }

    for name in documented.keys() {
        if !rendered.contains_key(name) {
            problems.push(format!(
                "{name}: documented but not rendered (counters are documented with _total)"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "docs/METRICS.md does not match /metrics ({} problems):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

fn backticked(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn sample_label_names_survive_escaped_values() {
    assert_eq!(
        sample_label_names(r#"m{a="x\",y=\"}",b="",c="\\"} 1"#),
        ["a", "b", "c"]
    );
    assert!(sample_label_names("m 1").is_empty());
}

#[test]
fn documented_tables_are_read_by_header() {
    let markdown = "\
| metric | type | labels | meaning |
|---|---|---|---|
| `a_total` | counter | `cluster`, `api` | A. |
| `b` | gauge (state set) | `cluster` | B. |

| code | group |
|---|---|
| 0 | `OK` |
";
    let rows = documented(markdown).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows["a_total"].kind, "counter");
    assert_eq!(
        rows["a_total"].labels.as_deref(),
        Some(&["cluster".to_string(), "api".to_string()][..])
    );
    assert_eq!(rows["b"].kind, "gauge");
}
