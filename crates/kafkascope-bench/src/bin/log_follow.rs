//! What following broker logs costs: one follower reads the given files to
//! their end on one thread (parse, continuation lines, detectors, counts)
//! and reports lines/s, MB/s, the events found, CPU time and peak RSS.
//!
//! Usage: log_follow FILE... [--node N]
//!
//! Prints `key=value` lines on stdout and a readable summary on stderr.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kafkascope_logs::{FileSetConfig, KAFKA_PATTERN, LogFollower, LogFollowerConfig};

fn main() -> anyhow::Result<()> {
    let mut paths = Vec::new();
    let mut node = None;
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--node" => node = Some(given.next().context("--node needs an id")?.parse()?),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        bail!("usage: log_follow FILE... [--node N]");
    }
    let config = LogFollowerConfig {
        file_sets: vec![FileSetConfig {
            node,
            paths,
            pattern: KAFKA_PATTERN.to_string(),
            utc_offset_seconds: 0,
        }],
        ..LogFollowerConfig::default()
    };
    let mut follower = LogFollower::new(config)?;
    let cpu_before = cpu_time();
    let started = Instant::now();
    let mut polls = 0u64;
    loop {
        let batch = follower.poll();
        polls += 1;
        if let Some(down) = batch.files.iter().find(|f| !f.up) {
            bail!("{}: {}", down.path, down.error.clone().unwrap_or_default());
        }
        if batch.bytes_read() == 0 {
            break;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = (cpu_time() - cpu_before).as_secs_f64();
    let totals = follower.totals();
    let events: u64 = totals.events.values().sum();
    let print = |key: &str, value: String| println!("{key}={value}");
    print("lines", totals.lines.to_string());
    print("bytes", totals.bytes.to_string());
    print("records", totals.records.to_string());
    print("events", events.to_string());
    for (kind, count) in &totals.events {
        print(&format!("events_{kind}"), count.to_string());
    }
    let skipped: u64 = totals.skipped.values().sum();
    print("skipped_lines", skipped.to_string());
    print("lines_cut", totals.lines_cut.to_string());
    print("polls", polls.to_string());
    print("wall_seconds", format!("{wall:.3}"));
    print("cpu_seconds", format!("{cpu:.3}"));
    print(
        "lines_per_second",
        format!("{:.0}", totals.lines as f64 / wall),
    );
    print(
        "lines_per_cpu_second",
        format!("{:.0}", totals.lines as f64 / cpu),
    );
    print(
        "mb_per_second",
        format!("{:.1}", totals.bytes as f64 / 1e6 / wall),
    );
    print(
        "peak_rss_mb",
        format!("{:.1}", peak_rss_kb() as f64 / 1024.0),
    );
    eprintln!(
        "{} lines ({:.0} MB) in {wall:.2}s wall, {cpu:.2}s CPU: {:.0} lines/s, {:.1} MB/s; {} records, {events} events, {skipped} lines skipped; peak RSS {:.1} MB",
        totals.lines,
        totals.bytes as f64 / 1e6,
        totals.lines as f64 / wall,
        totals.bytes as f64 / 1e6 / wall,
        totals.records,
        peak_rss_kb() as f64 / 1024.0
    );
    Ok(())
}

#[allow(unsafe_code)] // std has no process CPU time; getrusage is FFI
fn rusage() -> libc::rusage {
    // SAFETY: rusage holds only integers, for which all zeroes is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage
}

fn cpu_time() -> Duration {
    let usage = rusage();
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// The peak resident set size, in KiB (Linux reports `ru_maxrss` in KiB).
fn peak_rss_kb() -> i64 {
    rusage().ru_maxrss
}
