//! A [`HostReading`] as Prometheus text 0.0.4, under node_exporter's own
//! family names, labels, HELP and TYPE lines, so a reader of node_exporter
//! pages reads the agent's the same way.

use std::fmt::Write;

use crate::cpu_stat::{CPU_MODES, CpuStat};
use crate::diskstats::{DiskStats, SECTOR_BYTES};
use crate::filesystem_stats::{FilesystemSpace, FilesystemStats};
use crate::host_reading::{Collected, HostReading};
use crate::meminfo::Meminfo;
use crate::net_dev::{NET_DEV_COLUMNS, NetDevice};

/// The `Content-Type` of the page.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The page for `reading`; a reader that failed leaves its families out
/// and says so in `node_scrape_collector_success`.
pub fn render_page(reading: &HostReading) -> String {
    let mut page = Page(String::with_capacity(16 * 1024));
    if let Some(stat) = reading.cpu.ok() {
        write_cpu(&mut page, stat);
    }
    if let Some(meminfo) = reading.meminfo.ok() {
        write_meminfo(&mut page, meminfo);
    }
    if let Some(load) = reading.loadavg.ok() {
        page.gauge("node_load1", "1m load average.", load.one);
        page.gauge("node_load5", "5m load average.", load.five);
        page.gauge("node_load15", "15m load average.", load.fifteen);
    }
    if let Some(disks) = reading.diskstats.ok() {
        write_disks(&mut page, disks);
    }
    if let Some(devices) = reading.net_dev.ok() {
        write_network(&mut page, devices);
    }
    if let Some(fds) = reading.file_nr.ok() {
        let help = "File descriptor statistics: ";
        page.gauge(
            "node_filefd_allocated",
            &format!("{help}allocated."),
            fds.allocated,
        );
        page.gauge(
            "node_filefd_maximum",
            &format!("{help}maximum."),
            fds.maximum,
        );
    }
    if let Some(filesystems) = reading.filesystems.ok() {
        write_filesystems(&mut page, filesystems);
    }
    write_identity(&mut page, reading);
    write_collectors(&mut page, reading);
    page.0
}

fn write_cpu(page: &mut Page, stat: &CpuStat) {
    if let Some(boot) = stat.boot_time {
        page.gauge(
            "node_boot_time_seconds",
            "Node boot time, in unixtime.",
            boot,
        );
    }
    if stat.cpus.is_empty() {
        return;
    }
    let name = "node_cpu_seconds_total";
    page.family(name, "Seconds the CPUs spent in each mode.", "counter");
    for cpu in &stat.cpus {
        let id = cpu.cpu.to_string();
        for (index, mode) in CPU_MODES.iter().enumerate() {
            page.sample(name, &[("cpu", &id), ("mode", mode)], cpu.seconds(index));
        }
    }
}

fn write_meminfo(page: &mut Page, meminfo: &Meminfo) {
    for field in &meminfo.fields {
        let name = format!("node_memory_{}", field.name);
        let help = format!("Memory information field {}.", field.name);
        page.gauge(&name, &help, field.value);
    }
}

type DiskFigure = (
    &'static str,
    &'static str,
    &'static str,
    fn(&DiskStats) -> f64,
);

/// (family, HELP, TYPE, value) of every disk family, as node_exporter
/// writes them.
const DISK_FAMILIES: [DiskFigure; 11] = [
    (
        "node_disk_reads_completed_total",
        "The total number of reads completed successfully.",
        "counter",
        |d| d.reads_completed as f64,
    ),
    (
        "node_disk_reads_merged_total",
        "The total number of reads merged.",
        "counter",
        |d| d.reads_merged as f64,
    ),
    (
        "node_disk_read_bytes_total",
        "The total number of bytes read successfully.",
        "counter",
        |d| (d.sectors_read as f64) * SECTOR_BYTES as f64,
    ),
    (
        "node_disk_read_time_seconds_total",
        "The total number of seconds spent by all reads.",
        "counter",
        |d| d.read_time_ms as f64 / 1000.0,
    ),
    (
        "node_disk_writes_completed_total",
        "The total number of writes completed successfully.",
        "counter",
        |d| d.writes_completed as f64,
    ),
    (
        "node_disk_writes_merged_total",
        "The number of writes merged.",
        "counter",
        |d| d.writes_merged as f64,
    ),
    (
        "node_disk_written_bytes_total",
        "The total number of bytes written successfully.",
        "counter",
        |d| (d.sectors_written as f64) * SECTOR_BYTES as f64,
    ),
    (
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        "counter",
        |d| d.write_time_ms as f64 / 1000.0,
    ),
    (
        "node_disk_io_now",
        "The number of I/Os currently in progress.",
        "gauge",
        |d| d.io_in_progress as f64,
    ),
    (
        "node_disk_io_time_seconds_total",
        "Total seconds spent doing I/Os.",
        "counter",
        |d| d.io_time_ms as f64 / 1000.0,
    ),
    (
        "node_disk_io_time_weighted_seconds_total",
        "The weighted # of seconds spent doing I/Os.",
        "counter",
        |d| d.io_weighted_time_ms as f64 / 1000.0,
    ),
];

fn write_disks(page: &mut Page, disks: &[DiskStats]) {
    if disks.is_empty() {
        return;
    }
    for (name, help, kind, value) in DISK_FAMILIES {
        page.family(name, help, kind);
        for disk in disks {
            page.sample(name, &[("device", &disk.device)], value(disk));
        }
    }
}

fn write_network(page: &mut Page, devices: &[NetDevice]) {
    if devices.is_empty() {
        return;
    }
    for (index, column) in NET_DEV_COLUMNS.iter().enumerate() {
        let name = format!("node_network_{column}_total");
        page.family(
            &name,
            &format!("Network device statistic {column}."),
            "counter",
        );
        for device in devices {
            page.sample(&name, &[("device", &device.device)], device.counters[index]);
        }
    }
}

type FilesystemFigure = (&'static str, &'static str, fn(&FilesystemSpace) -> u64);

const FILESYSTEM_FAMILIES: [FilesystemFigure; 5] = [
    (
        "node_filesystem_size_bytes",
        "Filesystem size in bytes.",
        |s| s.size_bytes,
    ),
    (
        "node_filesystem_free_bytes",
        "Filesystem free space in bytes.",
        |s| s.free_bytes,
    ),
    (
        "node_filesystem_avail_bytes",
        "Filesystem space available to non-root users in bytes.",
        |s| s.avail_bytes,
    ),
    (
        "node_filesystem_files",
        "Filesystem total file nodes.",
        |s| s.files,
    ),
    (
        "node_filesystem_files_free",
        "Filesystem total free file nodes.",
        |s| s.files_free,
    ),
];

fn write_filesystems(page: &mut Page, filesystems: &[FilesystemStats]) {
    if filesystems.is_empty() {
        return;
    }
    let labels = |f: &FilesystemStats| {
        let m = &f.mount;
        [
            ("device", m.device.clone()),
            ("fstype", m.fstype.clone()),
            ("mountpoint", m.mountpoint.clone()),
        ]
    };
    let name = "node_filesystem_device_error";
    page.family(
        name,
        "Whether an error occurred while getting statistics for the given device.",
        "gauge",
    );
    for f in filesystems {
        page.sample(name, &borrowed(&labels(f)), u8::from(f.space.is_none()));
    }
    let name = "node_filesystem_readonly";
    page.family(name, "Filesystem read-only status.", "gauge");
    for f in filesystems {
        page.sample(name, &borrowed(&labels(f)), u8::from(f.mount.read_only));
    }
    for (name, help, value) in FILESYSTEM_FAMILIES {
        page.family(name, help, "gauge");
        for f in filesystems {
            if let Some(space) = &f.space {
                page.sample(name, &borrowed(&labels(f)), value(space));
            }
        }
    }
}

fn borrowed<'a>(labels: &'a [(&'a str, String); 3]) -> [(&'a str, &'a str); 3] {
    labels.each_ref().map(|(k, v)| (*k, v.as_str()))
}

fn write_identity(page: &mut Page, reading: &HostReading) {
    page.gauge(
        "node_time_seconds",
        "System time in seconds since epoch (1970).",
        reading.time_seconds,
    );
    let u = &reading.uname;
    let name = "node_uname_info";
    page.family(
        name,
        "Labeled system information as provided by the uname system call.",
        "gauge",
    );
    let labels = [
        ("domainname", u.domainname.as_str()),
        ("machine", &u.machine),
        ("nodename", &u.nodename),
        ("release", &u.release),
        ("sysname", &u.sysname),
        ("version", &u.version),
    ];
    page.sample(name, &labels, 1u8);
}

fn write_collectors(page: &mut Page, reading: &HostReading) {
    let durations = [
        ("cpu", duration(&reading.cpu)),
        ("meminfo", duration(&reading.meminfo)),
        ("loadavg", duration(&reading.loadavg)),
        ("diskstats", duration(&reading.diskstats)),
        ("netdev", duration(&reading.net_dev)),
        ("filefd", duration(&reading.file_nr)),
        ("filesystem", duration(&reading.filesystems)),
    ];
    let failed: Vec<&str> = reading.collector_errors().iter().map(|(n, _)| *n).collect();
    let name = "node_scrape_collector_duration_seconds";
    page.family(
        name,
        "node_exporter: Duration of a collector scrape.",
        "gauge",
    );
    for (collector, seconds) in durations {
        page.sample(name, &[("collector", collector)], seconds);
    }
    let name = "node_scrape_collector_success";
    page.family(
        name,
        "node_exporter: Whether a collector succeeded.",
        "gauge",
    );
    for (collector, _) in durations {
        page.sample(
            name,
            &[("collector", collector)],
            u8::from(!failed.contains(&collector)),
        );
    }
}

fn duration<T>(collected: &Collected<T>) -> f64 {
    collected.duration.as_secs_f64()
}

/// A number as the text format writes it.
trait SampleValue {
    fn write_to(&self, out: &mut String);
}

impl SampleValue for u64 {
    fn write_to(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl SampleValue for u8 {
    fn write_to(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl SampleValue for f64 {
    fn write_to(&self, out: &mut String) {
        let text = match *self {
            v if v.is_nan() => "NaN",
            v if v == f64::INFINITY => "+Inf",
            v if v == f64::NEG_INFINITY => "-Inf",
            v => {
                let _ = write!(out, "{v}");
                return;
            }
        };
        out.push_str(text);
    }
}

struct Page(String);

impl Page {
    fn family(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl SampleValue) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"");
                escape_label_value(&mut self.0, text);
                self.0.push('"');
            }
            self.0.push('}');
        }
        self.0.push(' ');
        value.write_to(&mut self.0);
        self.0.push('\n');
    }

    fn gauge(&mut self, name: &str, help: &str, value: impl SampleValue) {
        self.family(name, help, "gauge");
        self.sample(name, &[], value);
    }
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
