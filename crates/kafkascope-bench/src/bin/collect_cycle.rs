//! kafkascope's collection cycle, timed: `ClusterCollector::collect_once`
//! CYCLES times after a first cycle (which also connects and reads the
//! topic configs, so it is reported on its own), with each collector's
//! share from the snapshot.
//!
//! Usage: collect_cycle BOOTSTRAP [CYCLES]

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::bail;
use kafkascope_bench::{args, max, median, ms, peak_rss_kib};
use kafkascope_client::ClientConfig;
use kafkascope_collector::{ClusterCollector, ClusterSnapshot, CollectorSettings};
use serde_json::json;

const USAGE: &str = "collect_cycle BOOTSTRAP [CYCLES]";

struct Cycle {
    wall_ms: f64,
    collectors: Vec<(String, f64)>,
}

fn describe(snapshot: &ClusterSnapshot) -> serde_json::Value {
    let partitions: usize = snapshot.topics.values().map(|t| t.partitions.len()).sum();
    let group_offsets: usize = snapshot.groups.values().map(|g| g.offsets.len()).sum();
    json!({
        "stale": snapshot.stale,
        "brokers": snapshot.brokers.len(),
        "topics": snapshot.topics.len(),
        "partitions": partitions,
        "groups": snapshot.groups.len(),
        "group_partition_offsets": group_offsets,
        "errors": snapshot.errors.len(),
        "unsupported_apis": snapshot.unsupported_apis,
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let (bootstrap, cycles) = args(USAGE, 5)?;
    if cycles == 0 {
        bail!("CYCLES must be at least 1");
    }
    let mut collector = ClusterCollector::new(
        CollectorSettings::new("bench"),
        vec![bootstrap.clone()],
        ClientConfig::default(),
    );

    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..=cycles {
        let started = Instant::now();
        let snapshot = collector.collect_once().await;
        let wall_ms = ms(started.elapsed());
        runs.push(Cycle {
            wall_ms,
            collectors: snapshot
                .collectors
                .iter()
                .map(|c| (c.name.clone(), c.duration_ms))
                .collect(),
        });
        last = Some(snapshot);
    }
    let last = last.expect("at least one cycle ran");
    let first = runs.remove(0);

    let walls: Vec<f64> = runs.iter().map(|c| c.wall_ms).collect();
    let mut per_collector: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut order = Vec::new();
    for run in &runs {
        for (name, duration) in &run.collectors {
            if !per_collector.contains_key(name.as_str()) {
                order.push(name.as_str());
            }
            per_collector
                .entry(name.as_str())
                .or_default()
                .push(*duration);
        }
    }
    let collector_sums: Vec<f64> = runs
        .iter()
        .map(|r| r.collectors.iter().map(|(_, d)| d).sum())
        .collect();
    let outside: Vec<f64> = walls
        .iter()
        .zip(&collector_sums)
        .map(|(wall, sum)| wall - sum)
        .collect();

    eprintln!("kafkascope collection cycle against {bootstrap}: 1 first cycle, then {cycles}");
    eprintln!(
        "first cycle (connects, reads topic configs): {:.1} ms",
        first.wall_ms
    );
    for (name, duration) in &first.collectors {
        eprintln!("  {name:<22} {duration:>10.1} ms");
    }
    eprintln!(
        "steady cycles: median {:.1} ms, max {:.1} ms ({})",
        median(&walls),
        max(&walls),
        walls
            .iter()
            .map(|w| format!("{w:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut collectors_json = serde_json::Map::new();
    for name in &order {
        let values = &per_collector[name];
        eprintln!(
            "  {name:<22} {:>10.1} ms median {:>10.1} ms max",
            median(values),
            max(values)
        );
        collectors_json.insert(
            name.to_string(),
            json!({"median_ms": median(values), "max_ms": max(values)}),
        );
    }
    eprintln!(
        "  {:<22} {:>10.1} ms median",
        "assembly and the rest",
        median(&outside)
    );
    let shape = describe(&last);
    eprintln!("last snapshot: {shape}");
    for error in last.errors.iter().take(5) {
        eprintln!("  error [{}] {}", error.collector, error.message);
    }

    let report = json!({
        "bootstrap": bootstrap,
        "cycles": cycles,
        "first_cycle_ms": first.wall_ms,
        "first_cycle_collectors_ms": first.collectors.iter().map(|(n, d)| (n.clone(), json!(d))).collect::<serde_json::Map<_, _>>(),
        "cycle_median_ms": median(&walls),
        "cycle_max_ms": max(&walls),
        "cycles_ms": walls,
        "collectors": collectors_json,
        "outside_collectors_median_ms": median(&outside),
        "snapshot": shape,
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}
