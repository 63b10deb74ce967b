//! `/proc/stat`: the time each CPU spent in each mode, and the boot time.

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::{parse_u64, read_and_parse};

/// The kernel reports CPU time in USER_HZ ticks, 100 a second on every
/// architecture Linux exports it for (node_exporter assumes the same).
pub const USER_HZ: f64 = 100.0;

/// The modes node_exporter names, in the order of `/proc/stat`'s columns.
pub const CPU_MODES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

/// One CPU's time per mode, in ticks (see [`USER_HZ`]), in [`CPU_MODES`]
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// The number after `cpu`.
    pub cpu: u32,
    pub ticks: [u64; 8],
}

impl CpuTimes {
    /// Seconds in mode `index` of [`CPU_MODES`].
    pub fn seconds(&self, index: usize) -> f64 {
        self.ticks[index] as f64 / USER_HZ
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuStat {
    /// Per CPU; the all-CPU `cpu` line is left out, as node_exporter does.
    pub cpus: Vec<CpuTimes>,
    /// `btime`: when the machine booted, in seconds since the epoch.
    pub boot_time: Option<u64>,
}

pub fn parse_cpu_stat(text: &str) -> Result<CpuStat, LineError> {
    let mut stat = CpuStat::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let mut fields = line.split_whitespace();
        let Some(key) = fields.next() else { continue };
        if key == "btime" {
            let value = fields
                .next()
                .ok_or_else(|| LineError::new(number, "btime without a value"))?;
            stat.boot_time = Some(parse_u64(value, number, "btime")?);
        } else if let Some(cpu) = key.strip_prefix("cpu").filter(|c| !c.is_empty()) {
            let cpu = cpu
                .parse::<u32>()
                .map_err(|_| LineError::new(number, format!("not a CPU: {key:?}")))?;
            stat.cpus.push(parse_cpu_line(cpu, fields, number)?);
        }
    }
    Ok(stat)
}

/// The mode columns after `cpuN`. Kernels before 2.6.11 had no steal
/// column and older ones fewer still: what is missing counts as zero, but
/// a line without the first four is not a CPU line.
fn parse_cpu_line<'a>(
    cpu: u32,
    fields: impl Iterator<Item = &'a str>,
    number: usize,
) -> Result<CpuTimes, LineError> {
    let mut ticks = [0u64; 8];
    let mut seen = 0;
    for (slot, field) in ticks.iter_mut().zip(fields) {
        *slot = parse_u64(field, number, CPU_MODES[seen])?;
        seen += 1;
    }
    if seen < 4 {
        return Err(LineError::new(
            number,
            format!("cpu{cpu} has {seen} columns, at least 4 expected"),
        ));
    }
    Ok(CpuTimes { cpu, ticks })
}

pub fn read_cpu_stat(proc_root: &Path) -> Result<CpuStat, HostError> {
    read_and_parse(proc_root, "stat", parse_cpu_stat)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "\
cpu  3814463 135631 792339 2310799 23073 0 18428 7753 0 0
cpu0 1882018 70479 384898 1196024 6731 0 6050 3875 0 0
cpu1 1932445 65152 407440 1114774 16341 0 12377 3878 0 0
intr 1 2 3
ctxt 123456
btime 1796574534
processes 8843
procs_running 3
";

    #[test]
    fn per_cpu_lines_and_boot_time_are_read() {
        let stat = parse_cpu_stat(STAT).unwrap();
        assert_eq!(stat.boot_time, Some(1_796_574_534));
        assert_eq!(
            stat.cpus,
            vec![
                CpuTimes {
                    cpu: 0,
                    ticks: [1882018, 70479, 384898, 1196024, 6731, 0, 6050, 3875],
                },
                CpuTimes {
                    cpu: 1,
                    ticks: [1932445, 65152, 407440, 1114774, 16341, 0, 12377, 3878],
                },
            ]
        );
        assert_eq!(stat.cpus[0].seconds(0), 18820.18);
        assert_eq!(stat.cpus[1].seconds(3), 11147.74);
    }

    #[test]
    fn an_old_kernel_without_steal_reads_zero_for_it() {
        let stat = parse_cpu_stat("cpu0 1 2 3 4 5\n").unwrap();
        assert_eq!(stat.cpus[0].ticks, [1, 2, 3, 4, 5, 0, 0, 0]);
        assert_eq!(stat.boot_time, None);
    }

    #[test]
    fn malformed_lines_name_their_line_and_field() {
        assert_eq!(
            parse_cpu_stat("cpu 1 2 3 4\ncpu0 1 2 x 4\n").unwrap_err(),
            LineError::new(2, "system: not a number: \"x\"")
        );
        assert_eq!(
            parse_cpu_stat("cpu0 1 2\n").unwrap_err(),
            LineError::new(1, "cpu0 has 2 columns, at least 4 expected")
        );
        assert_eq!(
            parse_cpu_stat("cpuX 1 2 3 4\n").unwrap_err(),
            LineError::new(1, "not a CPU: \"cpuX\"")
        );
        assert_eq!(
            parse_cpu_stat("\nbtime\n").unwrap_err(),
            LineError::new(2, "btime without a value")
        );
    }
}
