//! Benchmark programs, not part of the product.
//!
//! `bench/run.sh` drives them against a synthetic tansu cluster:
//!
//! - `protocol_floor`: the bare round trips of the requests a collection
//!   cycle needs, on one connection, with no processing: the floor a cycle
//!   cannot beat;
//! - `collect_cycle`: kafkascope's own collection cycle
//!   ([`kafkascope_collector::ClusterCollector::collect_once`]), timed, with
//!   the requests each cycle sent by API ([`cycle_deltas`]).
//!
//! Both print a human-readable report on stderr and one JSON object on
//! stdout for `bench/report.py`.

use std::time::Duration;

pub mod cycle_deltas;

/// Milliseconds, as a float, for reports.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median (mean of the two middle values for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The largest value; 0 when empty.
pub fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// This process's peak resident set size (VmHWM) in KiB, where /proc has it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `NAME [COUNT]` from the command line: the bootstrap address and a count.
pub fn args(usage: &str, default_count: usize) -> anyhow::Result<(String, usize)> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: {usage}"))?;
    let count = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("usage: {usage} (count must be a number)"))?,
        None => default_count,
    };
    Ok((bootstrap, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
        assert_eq!(max(&[1.0, 5.0, 2.0]), 5.0);
    }
}
