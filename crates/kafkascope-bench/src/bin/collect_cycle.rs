//! kafkascope's collection cycle, timed: `ClusterCollector::collect_once`
//! CYCLES times after a first cycle (which also connects, reads the topic
//! configs and fills the record timestamp cache, so it is reported on its
//! own), with each collector's share from the snapshot, the requests each
//! cycle sent by API (the client's counters read around the cycle), and how
//! many group-partitions committed a new offset since the cycle before.
//!
//! PAUSE_MS waits between cycles, so that a process committing in the
//! background (bench/move_commits.py) moves some groups before each one.
//!
//! Usage: collect_cycle BOOTSTRAP [CYCLES] [PAUSE_MS]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kafkascope_bench::cycle_deltas::{
    CommittedOffsets, RequestsByApi, committed_offsets, median_by_api, moved, requests_between,
};
use kafkascope_bench::{args, max, median, ms, peak_rss_kib};
use kafkascope_client::ClientConfig;
use kafkascope_collector::{ClusterCollector, ClusterSnapshot, CollectorSettings};
use serde_json::json;

const USAGE: &str = "collect_cycle BOOTSTRAP [CYCLES] [PAUSE_MS]";
/// The collector whose cost depends on how many committed offsets moved.
const RECORD_TIMESTAMPS: &str = "record_timestamps";

struct Cycle {
    wall_ms: f64,
    collectors: Vec<(String, f64)>,
    requests: RequestsByApi,
    /// Group-partitions committed elsewhere than in the cycle before.
    moved: Option<usize>,
}

impl Cycle {
    fn collector_ms(&self, name: &str) -> f64 {
        self.collectors
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, d)| *d)
    }

    fn record_timestamps_share(&self) -> f64 {
        if self.wall_ms > 0.0 {
            self.collector_ms(RECORD_TIMESTAMPS) / self.wall_ms
        } else {
            0.0
        }
    }
}

fn describe(snapshot: &ClusterSnapshot) -> serde_json::Value {
    let partitions: usize = snapshot.topics.values().map(|t| t.partitions.len()).sum();
    let group_offsets: usize = snapshot.groups.values().map(|g| g.offsets.len()).sum();
    let lag_seconds_known: usize = snapshot
        .groups
        .values()
        .flat_map(|g| &g.offsets)
        .filter(|o| o.lag_seconds.is_some())
        .count();
    json!({
        "stale": snapshot.stale,
        "brokers": snapshot.brokers.len(),
        "topics": snapshot.topics.len(),
        "partitions": partitions,
        "groups": snapshot.groups.len(),
        "group_partition_offsets": group_offsets,
        "lag_seconds_known": lag_seconds_known,
        "errors": snapshot.errors.len(),
        "unsupported_apis": snapshot.unsupported_apis,
    })
}

/// Runs 1 + `cycles` cycles, `pause` apart; returns them and the last snapshot.
async fn run_cycles(
    collector: &mut ClusterCollector,
    cycles: usize,
    pause: Duration,
) -> (Vec<Cycle>, Arc<ClusterSnapshot>) {
    let mut runs = Vec::new();
    let mut previous: Option<CommittedOffsets> = None;
    let mut last = None;
    for index in 0..=cycles {
        if index > 0 && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let before = collector.admin().pool().request_counts();
        let started = Instant::now();
        let snapshot = collector.collect_once().await;
        let wall_ms = ms(started.elapsed());
        let after = collector.admin().pool().request_counts();
        let offsets = committed_offsets(&snapshot);
        runs.push(Cycle {
            wall_ms,
            collectors: snapshot
                .collectors
                .iter()
                .map(|c| (c.name.clone(), c.duration_ms))
                .collect(),
            requests: requests_between(&before, &after),
            moved: previous.as_ref().map(|p| moved(p, &offsets)),
        });
        previous = Some(offsets);
        last = Some(snapshot);
    }
    (runs, last.unwrap_or_default())
}

fn joined<T>(values: impl IntoIterator<Item = T>, show: impl Fn(T) -> String) -> String {
    values.into_iter().map(show).collect::<Vec<_>>().join(", ")
}

fn requests_line(requests: &BTreeMap<String, f64>) -> String {
    joined(requests, |(api, n)| format!("{api} {n}"))
}

/// Median and max of each collector's duration, in the order they ran.
fn per_collector(runs: &[Cycle]) -> Vec<(String, f64, f64)> {
    let mut order: Vec<&str> = Vec::new();
    let mut values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (name, duration) in runs.iter().flat_map(|r| &r.collectors) {
        if !values.contains_key(name.as_str()) {
            order.push(name);
        }
        values.entry(name).or_default().push(*duration);
    }
    order
        .into_iter()
        .map(|name| (name.to_string(), median(&values[name]), max(&values[name])))
        .collect()
}

fn print_first(first: &Cycle) {
    eprintln!(
        "first cycle (connects, reads topic configs, fills the record timestamp cache): {:.1} ms",
        first.wall_ms
    );
    for (name, duration) in &first.collectors {
        eprintln!("  {name:<22} {duration:>10.1} ms");
    }
    let first_requests = first
        .requests
        .iter()
        .map(|(api, n)| (api.clone(), *n as f64))
        .collect();
    eprintln!("  requests: {}", requests_line(&first_requests));
}

fn print_steady(runs: &[Cycle], collectors: &[(String, f64, f64)], outside: &[f64]) {
    let walls: Vec<f64> = runs.iter().map(|c| c.wall_ms).collect();
    eprintln!(
        "steady cycles: median {:.1} ms, max {:.1} ms ({})",
        median(&walls),
        max(&walls),
        joined(&walls, |w| format!("{w:.0}"))
    );
    for (name, median_ms, max_ms) in collectors {
        eprintln!("  {name:<22} {median_ms:>10.1} ms median {max_ms:>10.1} ms max");
    }
    eprintln!(
        "  {:<22} {:>10.1} ms median",
        "assembly and the rest",
        median(outside)
    );
    let requests: Vec<RequestsByApi> = runs.iter().map(|r| r.requests.clone()).collect();
    eprintln!(
        "  requests, median per cycle: {}",
        requests_line(&median_by_api(&requests))
    );
    let shares: Vec<f64> = runs.iter().map(Cycle::record_timestamps_share).collect();
    eprintln!(
        "  {RECORD_TIMESTAMPS} share of the cycle: median {:.1}%",
        100.0 * median(&shares)
    );
    if runs.iter().any(|r| r.moved.is_some()) {
        eprintln!(
            "  group-partitions committed anew since the cycle before: {}",
            joined(runs, |r| r.moved.unwrap_or(0).to_string())
        );
    }
}

#[cfg(feature = "dhat-heap")]
#[global_allocator]
static HEAP_PROFILE: dhat::Alloc = dhat::Alloc;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    let (bootstrap, cycles) = args(USAGE, 5)?;
    if cycles == 0 {
        bail!("CYCLES must be at least 1");
    }
    let pause_ms: u64 = match std::env::args().nth(3) {
        Some(text) => text
            .parse()
            .with_context(|| format!("usage: {USAGE} (PAUSE_MS must be a number)"))?,
        None => 0,
    };
    let mut collector = ClusterCollector::new(
        CollectorSettings::new("bench"),
        vec![bootstrap.clone()],
        ClientConfig::default(),
    );
    let (mut runs, last) =
        run_cycles(&mut collector, cycles, Duration::from_millis(pause_ms)).await;
    let first = runs.remove(0);

    let walls: Vec<f64> = runs.iter().map(|c| c.wall_ms).collect();
    let outside: Vec<f64> = runs
        .iter()
        .map(|r| r.wall_ms - r.collectors.iter().map(|(_, d)| d).sum::<f64>())
        .collect();
    let collectors = per_collector(&runs);

    eprintln!(
        "kafkascope collection cycle against {bootstrap}: 1 first cycle, then {cycles}, {pause_ms} ms apart"
    );
    print_first(&first);
    print_steady(&runs, &collectors, &outside);
    let shape = describe(&last);
    eprintln!("last snapshot: {shape}");
    for error in last.errors.iter().take(5) {
        eprintln!("  error [{}] {}", error.collector, error.message);
    }

    let steady_requests: Vec<RequestsByApi> = runs.iter().map(|r| r.requests.clone()).collect();
    let shares: Vec<f64> = runs.iter().map(Cycle::record_timestamps_share).collect();
    let report = json!({
        "bootstrap": bootstrap,
        "cycles": cycles,
        "pause_ms": pause_ms,
        "first_cycle_ms": first.wall_ms,
        "first_cycle_collectors_ms": first.collectors.iter().map(|(n, d)| (n.clone(), json!(d))).collect::<serde_json::Map<_, _>>(),
        "first_cycle_requests": first.requests,
        "first_cycle_record_timestamps_share": first.record_timestamps_share(),
        "cycle_median_ms": median(&walls),
        "cycle_max_ms": max(&walls),
        "cycles_ms": walls,
        "collectors": collectors.iter().map(|(n, m, x)| (n.clone(), json!({"median_ms": m, "max_ms": x}))).collect::<serde_json::Map<_, _>>(),
        "outside_collectors_median_ms": median(&outside),
        "cycle_requests": steady_requests,
        "requests_median": median_by_api(&steady_requests),
        "record_timestamps_share_median": median(&shares),
        "moved_per_cycle": runs.iter().map(|r| r.moved).collect::<Vec<_>>(),
        "snapshot": shape,
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}
