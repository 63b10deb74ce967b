use super::*;

/// Every sample as (name, labels, value, timestamp, type), owned.
type Owned = (String, Vec<(String, String)>, f64, Option<i64>, FamilyType);

fn read(page: &str, format: PageFormat) -> (Vec<Owned>, PageSummary) {
    let mut samples = Vec::new();
    let summary = parse_page(page, format, |s| {
        samples.push((
            s.name.to_string(),
            s.labels
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            s.value,
            s.timestamp_ms,
            s.family_type,
        ));
    });
    (samples, summary)
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_jmx_exporter_page_reads_with_types_labels_and_java_doubles() {
    let page = "\
# HELP kafka_server_brokertopicmetrics_bytesin_total Bytes in
# TYPE kafka_server_brokertopicmetrics_bytesin_total counter
kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\",} 1.0E7
kafka_server_brokertopicmetrics_bytesin_total 1.2345678E7
# TYPE kafka_network_requestmetrics_totaltimems gauge
kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\",} 3.0
jvm_threads_current 42
";
    let (samples, summary) = read(page, PageFormat::Prometheus);
    assert_eq!(summary.errors, vec![]);
    assert_eq!(summary.samples, 4);
    assert_eq!(
        samples,
        vec![
            (
                "kafka_server_brokertopicmetrics_bytesin_total".into(),
                labels(&[("topic", "orders")]),
                10_000_000.0,
                None,
                FamilyType::Counter
            ),
            (
                "kafka_server_brokertopicmetrics_bytesin_total".into(),
                vec![],
                12_345_678.0,
                None,
                FamilyType::Counter
            ),
            (
                "kafka_network_requestmetrics_totaltimems".into(),
                labels(&[("request", "Produce"), ("quantile", "0.99")]),
                3.0,
                None,
                FamilyType::Gauge
            ),
            (
                "jvm_threads_current".into(),
                vec![],
                42.0,
                None,
                FamilyType::Untyped
            ),
        ]
    );
}

#[test]
fn escapes_in_label_values_are_undone() {
    let page = r#"m{path="C:\\kafka\\logs",msg="say \"hi\"\nthere",odd="a\tb"} 1"#;
    let (samples, summary) = read(page, PageFormat::Prometheus);
    assert_eq!(summary.errors, vec![]);
    assert_eq!(
        samples[0].1,
        labels(&[
            ("path", r"C:\kafka\logs"),
            ("msg", "say \"hi\"\nthere"),
            ("odd", r"a\tb"),
        ])
    );
}

#[test]
fn nan_and_infinities_are_values() {
    let page = "a NaN\nb +Inf\nc -Inf\nd -0.5e-3\n";
    let (samples, _) = read(page, PageFormat::Prometheus);
    assert!(samples[0].2.is_nan());
    assert_eq!(samples[1].2, f64::INFINITY);
    assert_eq!(samples[2].2, f64::NEG_INFINITY);
    assert_eq!(samples[3].2, -0.0005);
}

#[test]
fn timestamps_are_milliseconds_in_prometheus_text_and_seconds_in_openmetrics() {
    let (prom, _) = read("a 1 1700000000123\n", PageFormat::Prometheus);
    assert_eq!(prom[0].3, Some(1_700_000_000_123));
    let (om, summary) = read("a 1 1700000000.123\n# EOF\n", PageFormat::OpenMetrics);
    assert_eq!(om[0].3, Some(1_700_000_000_123));
    assert!(summary.saw_eof);
}

#[test]
fn openmetrics_suffixes_find_their_family_and_exemplars_are_skipped() {
    let page = "\
# TYPE requests counter
# UNIT requests requests
requests_total{code=\"200\"} 7 # {trace_id=\"abc\"} 1.0 1700000000.0
requests_created{code=\"200\"} 1700000000.5
# TYPE latency histogram
latency_bucket{le=\"0.5\"} 3
latency_bucket{le=\"+Inf\"} 4
latency_sum 1.5
latency_count 4
# TYPE build info
build_info{version=\"4.3.1\"} 1
# EOF
";
    let (samples, summary) = read(page, PageFormat::OpenMetrics);
    assert_eq!(summary.errors, vec![]);
    let types: Vec<(&str, FamilyType)> = samples.iter().map(|s| (s.0.as_str(), s.4)).collect();
    assert_eq!(
        types,
        vec![
            ("requests_total", FamilyType::Counter),
            ("requests_created", FamilyType::Counter),
            ("latency_bucket", FamilyType::Histogram),
            ("latency_bucket", FamilyType::Histogram),
            ("latency_sum", FamilyType::Histogram),
            ("latency_count", FamilyType::Histogram),
            ("build_info", FamilyType::Info),
        ]
    );
    assert_eq!(samples[0].2, 7.0);
    assert_eq!(samples[3].1, labels(&[("le", "+Inf")]));
}

#[test]
fn a_family_split_by_other_lines_keeps_its_type() {
    let page = "# TYPE a gauge\na{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n";
    let (samples, _) = read(page, PageFormat::Prometheus);
    assert_eq!(samples[2].4, FamilyType::Gauge);
    assert_eq!(samples[2].2, 3.0);
}

#[test]
fn bad_lines_are_reported_with_their_number_and_the_rest_is_read() {
    let page = "\
good 1
9bad 2
m{x=\"unclosed} 3
m{x=1} 4
m{x=\"1\"} twelve
m 1 2 3
# TYPE m sometype
also_good{a=\"b\" , c=\"d\"} 5
";
    let (samples, summary) = read(page, PageFormat::Prometheus);
    let lines: Vec<usize> = summary.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
    assert_eq!(summary.errors[0].reason, "not a metric name: \"9bad\"");
    assert_eq!(summary.errors[3].reason, "m: not a number: \"twelve\"");
    assert_eq!(
        summary.errors[4].reason,
        "m: unexpected \"3\" after the value"
    );
    assert_eq!(
        samples.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        vec!["good", "also_good"]
    );
    assert_eq!(samples[1].1, labels(&[("a", "b"), ("c", "d")]));
}

#[test]
fn reasons_are_kept_for_the_first_errors_only() {
    let page = "!\n".repeat(MAX_LINE_ERRORS + 5);
    let (_, summary) = read(&page, PageFormat::Prometheus);
    assert_eq!(summary.errors.len(), MAX_LINE_ERRORS);
    assert_eq!(summary.errors_not_kept, 5);
}

#[test]
fn text_after_eof_is_an_error_and_not_read() {
    let (samples, summary) = read("a 1\n# EOF\nb 2\n", PageFormat::OpenMetrics);
    assert_eq!(samples.len(), 1);
    assert_eq!(summary.errors[0].line, 3);
}

#[test]
fn crlf_line_ends_are_accepted() {
    let (samples, summary) = read("a{x=\"y\"} 1\r\nb 2\r\n", PageFormat::Prometheus);
    assert_eq!(summary.errors, vec![]);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[1].2, 2.0);
}

#[test]
fn content_types_choose_the_format() {
    assert_eq!(
        PageFormat::of_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        PageFormat::OpenMetrics
    );
    assert_eq!(
        PageFormat::of_content_type("text/plain; version=0.0.4"),
        PageFormat::Prometheus
    );
}
