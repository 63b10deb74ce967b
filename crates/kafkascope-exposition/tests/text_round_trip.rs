//! What kafkascope writes, its own reader reads back exactly: families of
//! generated samples (label values with quotes, backslashes, newlines and
//! any Unicode; values from the extremes of f64, NaN and the infinities)
//! written as Prometheus text and as OpenMetrics, then read with
//! `kafkascope_sources::prometheus_text`.

use kafkascope_exposition::{Format, LabelValue, MetricType, MetricsWriter};
use kafkascope_sources::prometheus_text::{FamilyType, PageFormat, parse_page};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Family {
    name: String,
    kind: MetricType,
    samples: Vec<(Vec<(String, String)>, f64)>,
}

/// (sample name, labels, value), as written.
type Written = (String, Vec<(String, String)>, f64);

fn label_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,12}"
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(1.0e7),
        Just(0.0),
        (-1_000_000i64..1_000_000).prop_map(|n| n as f64),
    ]
}

fn family() -> impl Strategy<Value = Family> {
    let samples = proptest::collection::vec(
        (
            proptest::collection::btree_map(label_name(), any::<String>(), 0..4),
            value(),
        ),
        1..5,
    );
    (
        "[a-zA-Z_:][a-zA-Z0-9_:]{0,20}",
        prop_oneof![Just(MetricType::Gauge), Just(MetricType::Counter)],
        samples,
    )
        .prop_map(|(name, kind, samples)| Family {
            name: format!("f_{name}"),
            kind,
            samples: samples
                .into_iter()
                .map(|(labels, v)| (labels.into_iter().collect(), v))
                .collect(),
        })
}

/// Written with kafkascope's writer, with what each sample should read as.
fn write(families: &[Family], format: Format) -> (String, Vec<Written>) {
    let mut w = MetricsWriter::new(format);
    let mut expected = Vec::new();
    for (i, family) in families.iter().enumerate() {
        // Unique names, as an exposition requires; the writer takes names
        // that live as long as the program (they are constants in use).
        let name: &'static str = Box::leak(format!("{}_{i}", family.name).into_boxed_str());
        w.family(name, family.kind, "generated");
        let suffix = if family.kind == MetricType::Counter {
            "_total"
        } else {
            ""
        };
        for (labels, value) in &family.samples {
            let pairs: Vec<(&str, LabelValue<'_>)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), LabelValue::Str(v)))
                .collect();
            w.sample(&pairs, *value);
            expected.push((format!("{name}{suffix}"), labels.clone(), *value));
        }
    }
    (w.finish(), expected)
}

fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn written_pages_read_back_exactly(families in proptest::collection::vec(family(), 1..6)) {
        for (format, page_format) in [
            (Format::Prometheus, PageFormat::Prometheus),
            (Format::OpenMetrics, PageFormat::OpenMetrics),
        ] {
            let (page, expected) = write(&families, format);
            let mut read = Vec::new();
            let summary = parse_page(&page, page_format, |s| {
                let labels = s
                    .labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<Vec<_>>();
                read.push((s.name.to_string(), labels, s.value, s.family_type));
            });
            prop_assert_eq!(&summary.errors, &vec![], "{}", page);
            prop_assert_eq!(summary.saw_eof, format == Format::OpenMetrics);
            prop_assert_eq!(read.len(), expected.len());
            for ((name, labels, value, family_type), (want_name, want_labels, want_value)) in
                read.iter().zip(&expected)
            {
                prop_assert_eq!(name, want_name);
                prop_assert_eq!(labels, want_labels);
                prop_assert!(same_value(*value, *want_value), "{} {} != {}", name, value, want_value);
                let want_type = if name.ends_with("_total") {
                    FamilyType::Counter
                } else {
                    FamilyType::Gauge
                };
                prop_assert_eq!(*family_type, want_type, "{}", name);
            }
        }
    }
}
