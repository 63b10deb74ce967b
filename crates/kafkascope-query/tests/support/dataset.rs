//! A deterministic, kafkascope-like history: partition end offsets (growing
//! counters, one with a reset, one starting at zero with a gap), consumer
//! group lag gauges, request latency histograms (classic `_bucket`
//! counters, one histogram without its +Inf bucket) and request handler
//! idle ratios (one flat for long stretches, one with NaN samples), two
//! hours at 10 s steps. Written as OpenMetrics for Prometheus's backfill
//! and loaded into a `MemorySource` for kafkascope.

use std::fmt::Write;

use kafkascope_query::MemorySource;

/// The first sample's time, in Unix seconds.
pub const START_S: i64 = 1_700_000_000;
pub const STEP_S: i64 = 10;
/// Samples per series when nothing is missing: two hours.
pub const STEPS: i64 = 721;

pub const OFFSET_METRIC: &str = "kafka_topic_partition_current_offset";
pub const LAG_METRIC: &str = "kafka_consumergroup_lag";
pub const LATENCY_METRIC: &str = "kafka_request_latency_seconds_bucket";
pub const IDLE_METRIC: &str = "kafka_server_request_handler_idle_ratio";

/// The latency histograms' bucket bounds, as clients write `le`.
const BOUNDS: [&str; 6] = ["0.005", "0.01", "0.05", "0.1", "0.5", "+Inf"];

/// One generated series.
pub struct GeneratedSeries {
    pub metric: &'static str,
    pub labels: Vec<(&'static str, String)>,
    /// `(ms, value)`, ascending.
    pub samples: Vec<(i64, f64)>,
}

pub fn generate() -> Vec<GeneratedSeries> {
    let mut all = Vec::new();
    let partitions = [
        ("prod", "orders", 3),
        ("prod", "payments", 2),
        ("staging", "orders", 1),
    ];
    for (cluster, topic, count) in partitions {
        for partition in 0..count {
            let index = all.len();
            all.push(GeneratedSeries {
                metric: OFFSET_METRIC,
                labels: vec![
                    ("cluster", cluster.to_owned()),
                    ("topic", topic.to_owned()),
                    ("partition", partition.to_string()),
                ],
                samples: end_offsets(index, cluster, topic, partition),
            });
        }
    }
    let consumers = [
        ("prod", "billing", "orders", 3),
        ("prod", "audit", "orders", 3),
        ("prod", "audit", "payments", 2),
        ("staging", "billing", "orders", 1),
    ];
    for (cluster, group, topic, count) in consumers {
        for partition in 0..count {
            let index = all.len();
            all.push(GeneratedSeries {
                metric: LAG_METRIC,
                labels: vec![
                    ("cluster", cluster.to_owned()),
                    ("group", group.to_owned()),
                    ("topic", topic.to_owned()),
                    ("partition", partition.to_string()),
                ],
                samples: lag(index, group == "audit" && partition == 1),
            });
        }
    }
    add_latency_histograms(&mut all);
    for broker in 1..=3 {
        let index = all.len();
        all.push(GeneratedSeries {
            metric: IDLE_METRIC,
            labels: vec![
                ("cluster", "prod".to_owned()),
                ("broker", broker.to_string()),
            ],
            samples: idle_ratio(index, broker),
        });
    }
    all
}

/// One histogram per (cluster, request); staging's lacks the +Inf bucket,
/// so Prometheus gives NaN for it.
fn add_latency_histograms(all: &mut Vec<GeneratedSeries>) {
    let histograms = [
        ("prod", "Produce", 6),
        ("prod", "Fetch", 6),
        ("staging", "Produce", 5),
    ];
    for (seed, (cluster, request, buckets)) in histograms.into_iter().enumerate() {
        let first = all.len();
        let counts = bucket_counts(first, seed as i64, buckets);
        for (le, samples) in BOUNDS.iter().zip(counts) {
            all.push(GeneratedSeries {
                metric: LATENCY_METRIC,
                labels: vec![
                    ("cluster", cluster.to_owned()),
                    ("request", request.to_owned()),
                    ("le", le.to_string()),
                ],
                samples,
            });
        }
    }
}

/// Cumulative bucket counters: each step adds a few observations to each
/// bucket and every bucket above it. Each bucket series is scraped at its
/// own moment, so rates of neighbouring buckets can dip below each other.
fn bucket_counts(first_series: usize, seed: i64, buckets: usize) -> Vec<Vec<(i64, f64)>> {
    let mut totals = vec![0.0; buckets];
    let mut series = vec![Vec::new(); buckets];
    for i in 0..STEPS {
        let mut cumulative = 0.0;
        for (b, total) in totals.iter_mut().enumerate() {
            cumulative += ((i * (b as i64 + 2) + seed * 3) % 7) as f64;
            *total += cumulative;
            series[b].push((time_ms(first_series + b, i), *total));
        }
    }
    series
}

/// A ratio gauge: broker 1 varies every sample, broker 2 holds its value
/// for five minutes at a time (flat windows), broker 3 reports NaN now
/// and then.
fn idle_ratio(series: usize, broker: i64) -> Vec<(i64, f64)> {
    (0..STEPS)
        .map(|i| {
            let value = match broker {
                1 => 0.2 + ((i * 13) % 50) as f64 / 100.0,
                2 => 0.5 + 0.25 * ((i / 30) % 2) as f64,
                _ if i % 17 == 0 => f64::NAN,
                _ => 0.1 + (i % 9) as f64 / 10.0,
            };
            (time_ms(series, i), value)
        })
        .collect()
}

/// The time of step `i`; series are scraped a little apart, as real ones are.
fn time_ms(series: usize, i: i64) -> i64 {
    (START_S + i * STEP_S) * 1000 + (series as i64 * 137) % 1000
}

/// A growing counter. payments/1 is reset half way; staging starts at zero
/// and has a 400 s gap (longer than the 5 min lookback).
fn end_offsets(series: usize, cluster: &str, topic: &str, partition: i64) -> Vec<(i64, f64)> {
    let staging = cluster == "staging";
    let mut value = if staging {
        0.0
    } else {
        1000.0 * (series as f64 + 1.0)
    };
    let mut samples = Vec::new();
    for i in 0..STEPS {
        if i > 0 {
            value += (5 + (i * (series as i64 + 2)) % 11) as f64;
        }
        if topic == "payments" && partition == 1 && i == 360 {
            value = 7.0;
        }
        if staging && (400..440).contains(&i) {
            continue;
        }
        samples.push((time_ms(series, i), value));
    }
    samples
}

/// A gauge whose fractional part identifies the series, so no two series
/// ever tie (topk would otherwise pick among equals arbitrarily). One
/// series starts 20 minutes late and ends 40 minutes early.
fn lag(series: usize, partial: bool) -> Vec<(i64, f64)> {
    (0..STEPS)
        .filter(|i| !partial || (120..480).contains(i))
        .map(|i| {
            let whole = (i * (series as i64 + 3) * 7 + series as i64 * 13) % 60;
            (time_ms(series, i), whole as f64 + series as f64 / 100.0)
        })
        .collect()
}

impl GeneratedSeries {
    fn label_text(&self) -> String {
        let pairs: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        pairs.join(",")
    }
}

/// The data set as OpenMetrics text with timestamps, grouped by family.
pub fn to_openmetrics(all: &[GeneratedSeries]) -> String {
    let mut text = String::new();
    for metric in [OFFSET_METRIC, LAG_METRIC, LATENCY_METRIC, IDLE_METRIC] {
        writeln!(text, "# TYPE {metric} gauge").unwrap();
        for series in all.iter().filter(|s| s.metric == metric) {
            let labels = series.label_text();
            for &(t, v) in &series.samples {
                writeln!(
                    text,
                    "{metric}{{{labels}}} {v} {}.{:03}",
                    t / 1000,
                    t % 1000
                )
                .unwrap();
            }
        }
    }
    text.push_str("# EOF\n");
    text
}

pub fn to_memory_source(all: &[GeneratedSeries]) -> MemorySource {
    let mut source = MemorySource::new();
    for series in all {
        let labels = series
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .chain([("__name__".to_owned(), series.metric.to_owned())]);
        source.insert(labels, &series.samples);
    }
    source
}
