//! Benchmark of the time-series store on the synthetic full-size cluster (1,000 topics ×
//! 10 partitions, 1,000 groups × 20 partitions, ~187k series) at 10 s cycles, simulated
//! time, one thread. Prints each figure next to its target.
//!
//! 1. Ingest: two hours of raw cycles into a fresh store with the default configuration;
//!    samples/s counts the time spent in `append` (log writes with fsync and seals), not the
//!    time making the figures. Maintenance runs between cycles whenever it is due, in
//!    slices, as the server's history writer runs it, and is reported on its own line (time
//!    per simulated hour, longest slice). Bytes per sample: the database file after a
//!    restart and the first maintenance pass (which merges the last hour and compacts by
//!    itself when worthwhile; `compact()` is never called by hand), over the samples written.
//! 2. Seven days: history is laid down at the resolution the store keeps for each age
//!    (5-minute cycles for days 7 to 1, 1-minute cycles for 24 h to 6 h, 10 s cycles for the
//!    last 6 h, as the default tiers would have left it), the older parts sealed hourly so
//!    the run takes minutes rather than hours. Then the peak RSS is reset and the last 6 h
//!    are ingested at 10 s with the default configuration, so the reported peak is that of a
//!    default store ingesting, sealing and maintaining on top of a full week of history;
//!    ingest and maintenance are again timed apart.
//! 3. Query: 24 h of one group's 20 per-partition lag series, by label matchers.
//!
//! 4. Index memory: the heap the series index of a production-shaped full-size cluster
//!    (~217,000 series, whatever `--topics`/`--groups` say) takes; see `index_memory.rs`.
//!
//! Usage: store_bench [--topics N] [--groups N] [--dir PATH] [--skip-week] [--no-fsync]
//!        [--skip-index] [--only-index]

mod counting_allocator;
mod index_memory;
mod synthetic_cluster;

use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use kafkascope_store::{
    Compaction, Maintenance, MaintenanceStage, Matcher, SeriesId, Store, StoreConfig,
};
use synthetic_cluster::SyntheticCluster;

#[global_allocator]
static ALLOCATOR: counting_allocator::CountingAllocator = counting_allocator::CountingAllocator;

const SECOND: i64 = 1_000;
const HOUR: i64 = 3_600 * SECOND;
const DAY: i64 = 24 * HOUR;
/// 2023-11-14T22:13:20Z, aligned to the hour, so tier windows line up as in production.
const T0: i64 = 1_699_999_200_000;

struct Args {
    topics: usize,
    groups: usize,
    dir: std::path::PathBuf,
    week: bool,
    fsync: bool,
    index: bool,
    only_index: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        topics: 1_000,
        groups: 1_000,
        dir: std::env::temp_dir().join(format!("kafkascope-store-bench-{}", std::process::id())),
        week: true,
        fsync: true,
        index: true,
        only_index: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--topics" => args.topics = value()?.parse()?,
            "--groups" => args.groups = value()?.parse()?,
            "--dir" => args.dir = value()?.into(),
            "--skip-week" => args.week = false,
            "--no-fsync" => args.fsync = false,
            "--skip-index" => args.index = false,
            "--only-index" => args.only_index = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// What feeding cycles cost: samples written, time inside `append` (log writes with fsync
/// and seals), and the maintenance run between cycles.
#[derive(Default)]
struct Ingested {
    samples: u64,
    appending: Duration,
    maintenance: MaintenanceCost,
}

#[derive(Default)]
struct MaintenanceCost {
    spent: Duration,
    slices: u64,
    /// Every slice that did not compact, with the stage it worked on, and the compactions
    /// with their times apart: a compaction is the one slice whose length follows the
    /// database size.
    slice_times: Vec<(Duration, Option<MaintenanceStage>)>,
    compactions: Vec<(Compaction, Duration)>,
}

impl MaintenanceCost {
    /// Runs maintenance slices as of `now` until none is due, as the server's history
    /// writer does between cycles.
    fn run(&mut self, store: &mut Store, now: i64) -> anyhow::Result<()> {
        loop {
            let started = Instant::now();
            let step = store.maintain_if_due(now)?;
            let took = started.elapsed();
            let (report, finished) = match step {
                Maintenance::NotDue => return Ok(()),
                Maintenance::InProgress(report) => (report, false),
                Maintenance::Finished(report) => (report, true),
            };
            self.spent += took;
            self.slices += 1;
            match report.compaction {
                Some(compaction) => self.compactions.push((compaction, took)),
                None => self.slice_times.push((took, store.maintenance_stage())),
            }
            anyhow::ensure!(report.problems.is_empty(), "{:?}", report.problems);
            if finished {
                return Ok(());
            }
        }
    }
}

/// Feeds cycles every `step` over `[from, to)`, running due maintenance after each.
fn ingest(
    store: &mut Store,
    cluster: &mut SyntheticCluster,
    from: i64,
    to: i64,
    step: i64,
) -> anyhow::Result<Ingested> {
    let mut cycle: Vec<(SeriesId, f64)> = Vec::new();
    let mut ingested = Ingested::default();
    let mut at = from;
    while at < to {
        cluster.next_cycle((step / SECOND) as u64, &mut cycle);
        let started = Instant::now();
        let appended = store.append(at, cycle.iter().copied())?;
        ingested.appending += started.elapsed();
        ingested.samples += appended.written as u64;
        ingested.maintenance.run(store, at)?;
        at += step;
    }
    Ok(ingested)
}

fn compactions(done: &[(Compaction, Duration)]) -> String {
    if done.is_empty() {
        return "none".into();
    }
    let each: Vec<String> = done
        .iter()
        .map(|(c, took)| {
            format!(
                "{:.1} -> {:.1} MiB in {:.0} ms",
                c.file_before as f64 / (1 << 20) as f64,
                c.file_after as f64 / (1 << 20) as f64,
                took.as_secs_f64() * 1e3
            )
        })
        .collect();
    each.join(", ")
}

/// Prints the maintenance cost per simulated hour and how long slices took (how long a
/// query could wait behind one), with the stages of the slowest.
fn maintenance_rows(figure: &str, cost: &MaintenanceCost, hours: f64) {
    row(
        &format!("maintenance, {figure} (s per simulated hour)"),
        format!("{:.2}", cost.spent.as_secs_f64() / hours),
        "off the ingest path",
    );
    println!(
        "  ({} slices in {:.1} s, {}; {:.1} s per simulated day; compactions: {})",
        cost.slices,
        cost.spent.as_secs_f64(),
        slice_spread(&cost.slice_times),
        cost.spent.as_secs_f64() / hours * 24.0,
        compactions(&cost.compactions)
    );
}

/// Median, 99th percentile and longest slice, and the stages of the slices over 1 s.
fn slice_spread(slices: &[(Duration, Option<MaintenanceStage>)]) -> String {
    if slices.is_empty() {
        return "no slices".into();
    }
    let mut sorted: Vec<_> = slices.to_vec();
    sorted.sort_by_key(|(took, _)| *took);
    let ms = |i: usize| sorted[i].0.as_secs_f64() * 1e3;
    let stage = |s: &Option<MaintenanceStage>| s.map_or("end of pass".into(), |s| s.to_string());
    let (longest, longest_stage) = sorted[sorted.len() - 1];
    let mut slow: BTreeMap<String, usize> = BTreeMap::new();
    for (_, s) in sorted
        .iter()
        .filter(|(took, _)| *took > Duration::from_secs(1))
    {
        *slow.entry(stage(s)).or_default() += 1;
    }
    let slow: Vec<String> = slow.iter().map(|(s, n)| format!("{n} {s}")).collect();
    format!(
        "median {:.0} ms, 99th percentile {:.0} ms, longest {:.0} ms ({}), over 1 s: {}",
        ms(sorted.len() / 2),
        ms(sorted.len() * 99 / 100),
        longest.as_secs_f64() * 1e3,
        stage(&longest_stage),
        if slow.is_empty() {
            "none".into()
        } else {
            slow.join(", ")
        }
    )
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak_rss() {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn row(figure: &str, value: String, target: &str) {
    println!("{figure:<62} {value:>12}   target {target}");
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.dir)?;
    if args.only_index {
        index(&args)?;
        std::fs::remove_dir_all(&args.dir)?;
        return Ok(());
    }
    println!(
        "store bench: {} topics x 10 partitions, {} groups x 20 partitions, 10 s cycles, one thread",
        args.topics, args.groups
    );
    let fresh = args.dir.join("fresh");
    let mut config = StoreConfig::new(&fresh);
    config.wal_fsync = args.fsync;
    let mut store = Store::open(config.clone())?;
    let mut cluster = SyntheticCluster::register(&mut store, args.topics, args.groups)?;
    let ingested = ingest(
        &mut store,
        &mut cluster,
        T0 + 10 * SECOND,
        T0 + 2 * HOUR + SECOND,
        10 * SECOND,
    )?;
    let samples = ingested.samples;
    let rate = samples as f64 / ingested.appending.as_secs_f64();
    println!("series per cycle: {}", samples / 720);
    row(
        "ingest, 2 h raw, append + seal (samples/s)",
        format!("{rate:.0}"),
        ">= 1,000,000",
    );
    maintenance_rows("2 h raw", &ingested.maintenance, 2.0);
    store.close()?;
    // A restart: the first pass merges the second hour, and compacts if that is worthwhile.
    let mut store = Store::open(config)?;
    let mut after_restart = MaintenanceCost::default();
    after_restart.run(&mut store, T0 + 2 * HOUR)?;
    let usage = store.disk_usage()?;
    row(
        "on disk, sealed and merged (bytes/sample)",
        format!("{:.3}", usage.file as f64 / samples as f64),
        "<= 1.5",
    );
    println!(
        "  (file {} B: stored {} B, b-tree {} B; no compact() by hand; the pass after the \
         restart took {:.1} s, compactions: {})",
        usage.file,
        usage.stored,
        usage.metadata,
        after_restart.spent.as_secs_f64(),
        compactions(&after_restart.compactions)
    );
    drop(store);
    let peak = proc_status_kib("VmHWM:").unwrap_or(0);
    row(
        "peak RSS, 2 h raw with merging (MiB)",
        format!("{:.0}", peak as f64 / 1024.0),
        "bounded, independent of retention",
    );
    std::fs::remove_dir_all(&fresh)?;
    if args.week {
        let started = Instant::now();
        week(&args)?;
        println!("week phases took {:.0} s", started.elapsed().as_secs_f64());
    }
    if args.index {
        index(&args)?;
    }
    std::fs::remove_dir_all(&args.dir)?;
    Ok(())
}

fn index(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let (series, bytes) = index_memory::index_bytes(&args.dir.join("index"), 1_000, 1_000)?;
    row(
        &format!("series index, {series} series (MiB of heap)"),
        format!("{:.1}", bytes as f64 / (1 << 20) as f64),
        "a small fraction of ~100",
    );
    println!(
        "  ({:.0} bytes per series; registering, closing and reopening took {:.1} s)",
        bytes as f64 / series as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn week(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.join("week");
    let mut hourly = StoreConfig::new(&dir);
    hourly.seal_span_ms = HOUR;
    hourly.wal_fsync = false;
    let mut store = Store::open(hourly.clone())?;
    let mut cluster = SyntheticCluster::register(&mut store, args.topics, args.groups)?;
    let started = Instant::now();
    let end = T0 + 7 * DAY;
    ingest(&mut store, &mut cluster, T0, end - DAY, 5 * 60 * SECOND)?;
    ingest(
        &mut store,
        &mut cluster,
        end - DAY,
        end - 6 * HOUR,
        60 * SECOND,
    )?;
    store.close()?;
    println!(
        "laid down 6 d 18 h of history in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let mut store = Store::open(StoreConfig::new(&dir))?;
    reset_peak_rss();
    let ingested = ingest(&mut store, &mut cluster, end - 6 * HOUR, end, 10 * SECOND)?;
    let rate = ingested.samples as f64 / ingested.appending.as_secs_f64();
    row(
        "ingest, last 6 h on a 7-day store, append + seal (samples/s)",
        format!("{rate:.0}"),
        ">= 1,000,000",
    );
    maintenance_rows("last 6 h on 7 days", &ingested.maintenance, 6.0);

    let matchers = [
        Matcher::equal("__name__", "kafkascope_group_partition_lag"),
        Matcher::equal("group", "group-0017"),
    ];
    let mut times = Vec::new();
    let mut points = 0;
    for _ in 0..21 {
        let started = Instant::now();
        let result = store.query(&matchers, end - DAY, end)?;
        times.push(started.elapsed());
        anyhow::ensure!(result.problems.is_empty(), "{:?}", result.problems);
        anyhow::ensure!(result.series.len() == 20, "{} series", result.series.len());
        points = result.series.iter().map(|s| s.samples.len()).sum::<usize>();
    }
    times.sort();
    row(
        "query 24 h, 20 lag series (ms, median)",
        format!("{:.2}", times[10].as_secs_f64() * 1e3),
        "<= 20",
    );
    println!(
        "  ({points} samples returned; slowest of 21 runs {:.2} ms)",
        times[20].as_secs_f64() * 1e3
    );
    let peak = proc_status_kib("VmHWM:").unwrap_or(0);
    row(
        "peak RSS, ingesting on 7 days (MiB)",
        format!("{:.0}", peak as f64 / 1024.0),
        "bounded, independent of retention",
    );
    store.close()?;
    let disk = std::fs::metadata(dir.join("history.redb"))?.len();
    println!(
        "  (7-day database file: {:.0} MiB)",
        disk as f64 / (1 << 20) as f64
    );
    Ok(())
}
