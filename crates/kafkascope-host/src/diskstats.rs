//! `/proc/diskstats`: I/O counters per block device.

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::{parse_u64, read_and_parse};

/// `/proc/diskstats` counts in 512-byte sectors whatever the device's own
/// sector size.
pub const SECTOR_BYTES: u64 = 512;

/// The first eleven counters after the device name, present since 2.6
/// (later kernels add discards and flushes after them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskStats {
    pub device: String,
    pub reads_completed: u64,
    pub reads_merged: u64,
    pub sectors_read: u64,
    pub read_time_ms: u64,
    pub writes_completed: u64,
    pub writes_merged: u64,
    pub sectors_written: u64,
    pub write_time_ms: u64,
    pub io_in_progress: u64,
    pub io_time_ms: u64,
    pub io_weighted_time_ms: u64,
}

pub fn parse_diskstats(text: &str) -> Result<Vec<DiskStats>, LineError> {
    let mut disks = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        disks.push(parse_disk_line(&fields, index + 1)?);
    }
    Ok(disks)
}

fn parse_disk_line(fields: &[&str], number: usize) -> Result<DiskStats, LineError> {
    if fields.len() < 14 {
        return Err(LineError::new(
            number,
            format!("{} fields, at least 14 expected", fields.len()),
        ));
    }
    let device = fields[2];
    let n = |i: usize, what: &str| parse_u64(fields[i], number, &format!("{device} {what}"));
    Ok(DiskStats {
        device: device.to_string(),
        reads_completed: n(3, "reads completed")?,
        reads_merged: n(4, "reads merged")?,
        sectors_read: n(5, "sectors read")?,
        read_time_ms: n(6, "time reading")?,
        writes_completed: n(7, "writes completed")?,
        writes_merged: n(8, "writes merged")?,
        sectors_written: n(9, "sectors written")?,
        write_time_ms: n(10, "time writing")?,
        io_in_progress: n(11, "I/Os in progress")?,
        io_time_ms: n(12, "time doing I/O")?,
        io_weighted_time_ms: n(13, "weighted time doing I/O")?,
    })
}

pub fn read_diskstats(proc_root: &Path) -> Result<Vec<DiskStats>, HostError> {
    read_and_parse(proc_root, "diskstats", parse_diskstats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_of_every_device_is_read() {
        let text = "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n \
             254       0 vda 4903768 106558 132282778 11102943 5109951 1257480 818845560 7731531 0 1186280 19470727 1284634 1188 836660944 178936 1574090 457315\n \
             8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n";
        let disks = parse_diskstats(text).unwrap();
        assert_eq!(disks.len(), 3);
        assert_eq!(disks[0].device, "loop0");
        assert_eq!(
            disks[1],
            DiskStats {
                device: "vda".into(),
                reads_completed: 4_903_768,
                reads_merged: 106_558,
                sectors_read: 132_282_778,
                read_time_ms: 11_102_943,
                writes_completed: 5_109_951,
                writes_merged: 1_257_480,
                sectors_written: 818_845_560,
                write_time_ms: 7_731_531,
                io_in_progress: 0,
                io_time_ms: 1_186_280,
                io_weighted_time_ms: 19_470_727,
            }
        );
        assert_eq!(disks[2].io_weighted_time_ms, 11);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        assert_eq!(
            parse_diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sda1 1 2 3\n").unwrap_err(),
            LineError::new(2, "6 fields, at least 14 expected")
        );
        assert_eq!(
            parse_diskstats("8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n").unwrap_err(),
            LineError::new(1, "sda sectors read: not a number: \"x\"")
        );
    }
}
