//! What a host's node_exporter page (or `kafkascope agent`'s, which is
//! written the same way) says of the machine a broker runs on: CPU,
//! memory, load, filesystems, disks, network and file handles, with rates
//! against the same target's previous poll.

use serde::Serialize;

use crate::prometheus_text::PageSample;
use crate::source::{SourceFigures, SourceSnapshot};

impl SourceSnapshot {
    /// The hosts' figures, for a node_exporter source's snapshot.
    pub fn host(&self) -> Option<&HostFigures> {
        match &self.figures {
            SourceFigures::Host(figures) => Some(figures),
            _ => None,
        }
    }
}

/// Every host the node_exporter source read, in target order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostFigures {
    pub hosts: Vec<HostNode>,
}

impl HostFigures {
    /// The host of broker `id`: the target tagged with that broker, else
    /// the one whose host is `host` (case-blind, as DNS names are).
    pub fn for_broker(&self, id: i32, host: &str) -> Option<&HostNode> {
        self.hosts
            .iter()
            .find(|h| h.broker == Some(id))
            .or_else(|| {
                self.hosts
                    .iter()
                    .find(|h| h.host.eq_ignore_ascii_case(host))
            })
    }
}

/// One host as one target's page shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostNode {
    /// The page's URL, without credentials.
    pub target: String,
    /// The host the page describes, as configured or as Metadata names
    /// the broker.
    pub host: String,
    pub broker: Option<i32>,
    pub up: bool,
    pub cpu: Option<CpuFigures>,
    pub memory: Option<MemoryFigures>,
    pub load: Option<LoadFigures>,
    pub mounts: Vec<MountFigures>,
    pub disks: Vec<DiskFigures>,
    pub networks: Vec<NetworkFigures>,
    pub file_descriptors: Option<FileDescriptorFigures>,
    pub boot_time_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CpuFigures {
    pub cpus: usize,
    /// All modes of all CPUs, counted since boot.
    pub total_seconds: f64,
    /// Idle and waiting for I/O: a CPU waiting for a disk does no work.
    pub idle_seconds: f64,
    /// The share of CPU time neither idle nor waiting for I/O since the
    /// previous poll.
    pub busy_ratio: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemoryFigures {
    pub total_bytes: f64,
    /// What the kernel estimates can be had without swapping
    /// (`MemAvailable`): page cache counts as available.
    pub available_bytes: Option<f64>,
    pub free_bytes: Option<f64>,
}

impl MemoryFigures {
    /// Total less available; `None` on kernels without `MemAvailable`.
    pub fn used_bytes(&self) -> Option<f64> {
        self.available_bytes
            .map(|a| (self.total_bytes - a).max(0.0))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LoadFigures {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MountFigures {
    pub device: String,
    pub fstype: String,
    pub mountpoint: String,
    pub size_bytes: Option<f64>,
    /// Writable by a non-root process such as a broker.
    pub avail_bytes: Option<f64>,
    pub free_bytes: Option<f64>,
    pub files: Option<f64>,
    pub files_free: Option<f64>,
    /// `statfs` failed on the host: no space figures.
    pub device_error: bool,
    pub read_only: bool,
}

impl MountFigures {
    /// The share of the filesystem a broker can no longer write to:
    /// `1 - avail / size`, so the root reserve counts as used, as it does
    /// for Kafka.
    pub fn used_ratio(&self) -> Option<f64> {
        match (self.size_bytes, self.avail_bytes) {
            (Some(size), Some(avail)) if size > 0.0 => Some((1.0 - avail / size).clamp(0.0, 1.0)),
            _ => None,
        }
    }

    /// Whether `path` lies on this mount by its path alone.
    fn holds(&self, path: &str) -> bool {
        let mountpoint = self.mountpoint.trim_end_matches('/');
        match path.strip_prefix(mountpoint) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }
}

/// The mount that holds `path` (a broker's log dir): the longest mount
/// point that is a whole-component prefix of it, so `/data2/kafka` is not
/// on `/data`. Paths are taken as written; a symlinked log dir is judged
/// by its link's path.
pub fn mount_for_path<'a>(mounts: &'a [MountFigures], path: &str) -> Option<&'a MountFigures> {
    mounts
        .iter()
        .filter(|m| m.holds(path))
        // On a tie (the same mount point twice), the later mount hides
        // the earlier one, as in the kernel's table.
        .max_by_key(|m| m.mountpoint.trim_end_matches('/').len())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiskFigures {
    pub device: String,
    pub read_bytes: f64,
    pub written_bytes: f64,
    pub reads: f64,
    pub writes: f64,
    pub io_time_seconds: f64,
    pub read_bytes_per_second: Option<f64>,
    pub written_bytes_per_second: Option<f64>,
    /// The share of the time since the previous poll the disk was busy.
    pub utilisation: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetworkFigures {
    pub device: String,
    pub receive_bytes: f64,
    pub transmit_bytes: f64,
    pub receive_errors: f64,
    pub transmit_errors: f64,
    pub receive_drops: f64,
    pub transmit_drops: f64,
    pub receive_bytes_per_second: Option<f64>,
    pub transmit_bytes_per_second: Option<f64>,
    pub receive_errors_per_second: Option<f64>,
    pub transmit_errors_per_second: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FileDescriptorFigures {
    pub allocated: f64,
    pub maximum: f64,
}

impl FileDescriptorFigures {
    pub fn used_ratio(&self) -> Option<f64> {
        (self.maximum > 0.0).then(|| self.allocated / self.maximum)
    }
}

impl HostNode {
    /// Takes in one sample of the page; samples of families this model
    /// does not name are ignored.
    pub fn read_sample(&mut self, sample: &PageSample<'_, '_>) {
        let name = sample.name;
        if let Some(family) = name.strip_prefix("node_") {
            match family.split('_').next() {
                Some("cpu") => self.read_cpu(sample),
                Some("memory") => self.read_memory(family, sample.value),
                Some("load1" | "load5" | "load15") => self.read_load(family, sample.value),
                Some("filesystem") => self.read_mount(family, sample),
                Some("disk") => self.read_disk(family, sample),
                Some("network") => self.read_network(family, sample),
                Some("filefd") => self.read_file_descriptors(family, sample.value),
                Some("boot") if family == "boot_time_seconds" => {
                    self.boot_time_seconds = Some(sample.value);
                }
                _ => {}
            }
        }
    }

    /// The mount that holds `path`, see [`mount_for_path`].
    pub fn mount_of(&self, path: &str) -> Option<&MountFigures> {
        mount_for_path(&self.mounts, path)
    }

    fn read_cpu(&mut self, sample: &PageSample<'_, '_>) {
        if sample.name != "node_cpu_seconds_total" {
            return;
        }
        let Some(mode) = sample.label("mode") else {
            return;
        };
        let figures = self.cpu.get_or_insert_with(CpuFigures::default);
        figures.total_seconds += sample.value;
        if matches!(mode, "idle" | "iowait") {
            figures.idle_seconds += sample.value;
        }
        // Every CPU has exactly one idle series.
        if mode == "idle" {
            figures.cpus += 1;
        }
    }

    fn read_memory(&mut self, family: &str, value: f64) {
        let memory = match family {
            "memory_MemTotal_bytes" | "memory_MemAvailable_bytes" | "memory_MemFree_bytes" => {
                self.memory.get_or_insert_with(MemoryFigures::default)
            }
            _ => return,
        };
        match family {
            "memory_MemTotal_bytes" => memory.total_bytes = value,
            "memory_MemAvailable_bytes" => memory.available_bytes = Some(value),
            _ => memory.free_bytes = Some(value),
        }
    }

    fn read_load(&mut self, family: &str, value: f64) {
        let load = self.load.get_or_insert_with(LoadFigures::default);
        match family {
            "load1" => load.one = value,
            "load5" => load.five = value,
            _ => load.fifteen = value,
        }
    }

    fn read_mount(&mut self, family: &str, sample: &PageSample<'_, '_>) {
        let field: fn(&mut MountFigures, f64) = match family {
            "filesystem_size_bytes" => |m, v| m.size_bytes = Some(v),
            "filesystem_avail_bytes" => |m, v| m.avail_bytes = Some(v),
            "filesystem_free_bytes" => |m, v| m.free_bytes = Some(v),
            "filesystem_files" => |m, v| m.files = Some(v),
            "filesystem_files_free" => |m, v| m.files_free = Some(v),
            "filesystem_device_error" => |m, v| m.device_error = v != 0.0,
            "filesystem_readonly" => |m, v| m.read_only = v != 0.0,
            _ => return,
        };
        let (Some(device), Some(fstype), Some(mountpoint)) = (
            sample.label("device"),
            sample.label("fstype"),
            sample.label("mountpoint"),
        ) else {
            return;
        };
        let same = |m: &MountFigures| {
            m.mountpoint == mountpoint && m.device == device && m.fstype == fstype
        };
        let mount = find_or_push(&mut self.mounts, same, || MountFigures {
            device: device.to_string(),
            fstype: fstype.to_string(),
            mountpoint: mountpoint.to_string(),
            ..MountFigures::default()
        });
        field(mount, sample.value);
    }

    fn read_disk(&mut self, family: &str, sample: &PageSample<'_, '_>) {
        let field: fn(&mut DiskFigures) -> &mut f64 = match family {
            "disk_read_bytes_total" => |d| &mut d.read_bytes,
            "disk_written_bytes_total" => |d| &mut d.written_bytes,
            "disk_reads_completed_total" => |d| &mut d.reads,
            "disk_writes_completed_total" => |d| &mut d.writes,
            "disk_io_time_seconds_total" => |d| &mut d.io_time_seconds,
            _ => return,
        };
        let Some(device) = sample.label("device") else {
            return;
        };
        let disk = find_or_push(
            &mut self.disks,
            |d| d.device == device,
            || DiskFigures {
                device: device.to_string(),
                ..DiskFigures::default()
            },
        );
        *field(disk) = sample.value;
    }

    fn read_network(&mut self, family: &str, sample: &PageSample<'_, '_>) {
        let field: fn(&mut NetworkFigures) -> &mut f64 = match family {
            "network_receive_bytes_total" => |n| &mut n.receive_bytes,
            "network_transmit_bytes_total" => |n| &mut n.transmit_bytes,
            "network_receive_errs_total" => |n| &mut n.receive_errors,
            "network_transmit_errs_total" => |n| &mut n.transmit_errors,
            "network_receive_drop_total" => |n| &mut n.receive_drops,
            "network_transmit_drop_total" => |n| &mut n.transmit_drops,
            _ => return,
        };
        let Some(device) = sample.label("device") else {
            return;
        };
        let network = find_or_push(
            &mut self.networks,
            |n| n.device == device,
            || NetworkFigures {
                device: device.to_string(),
                ..NetworkFigures::default()
            },
        );
        *field(network) = sample.value;
    }

    fn read_file_descriptors(&mut self, family: &str, value: f64) {
        let fds = self
            .file_descriptors
            .get_or_insert_with(FileDescriptorFigures::default);
        match family {
            "filefd_allocated" => fds.allocated = value,
            "filefd_maximum" => fds.maximum = value,
            _ => {}
        }
    }

    /// Rates against `before`, the same target's figures `seconds` ago.
    /// A counter that went back (a reboot, a device reset) gives no rate.
    pub fn add_rates(&mut self, before: &HostNode, seconds: f64) {
        if let (Some(cpu), Some(then)) = (self.cpu.as_mut(), before.cpu.as_ref()) {
            cpu.busy_ratio = busy_ratio(cpu, then);
        }
        for disk in &mut self.disks {
            let Some(then) = before.disks.iter().find(|d| d.device == disk.device) else {
                continue;
            };
            disk.read_bytes_per_second = rate(disk.read_bytes, then.read_bytes, seconds);
            disk.written_bytes_per_second = rate(disk.written_bytes, then.written_bytes, seconds);
            disk.utilisation =
                rate(disk.io_time_seconds, then.io_time_seconds, seconds).map(|busy| busy.min(1.0));
        }
        for network in &mut self.networks {
            let Some(then) = before.networks.iter().find(|n| n.device == network.device) else {
                continue;
            };
            let n = network;
            n.receive_bytes_per_second = rate(n.receive_bytes, then.receive_bytes, seconds);
            n.transmit_bytes_per_second = rate(n.transmit_bytes, then.transmit_bytes, seconds);
            n.receive_errors_per_second = rate(n.receive_errors, then.receive_errors, seconds);
            n.transmit_errors_per_second = rate(n.transmit_errors, then.transmit_errors, seconds);
        }
    }
}

/// CPU time neither idle nor waiting between two readings, over all CPU
/// time between them; none when the CPU count changed (hotplug) or a
/// counter went back.
fn busy_ratio(now: &CpuFigures, then: &CpuFigures) -> Option<f64> {
    if now.cpus != then.cpus {
        return None;
    }
    let total = now.total_seconds - then.total_seconds;
    let idle = now.idle_seconds - then.idle_seconds;
    if total <= 0.0 || idle < 0.0 || idle > total {
        return None;
    }
    Some((total - idle) / total)
}

fn rate(now: f64, then: f64, seconds: f64) -> Option<f64> {
    (seconds > 0.0 && now >= then).then(|| (now - then) / seconds)
}

fn find_or_push<T>(
    items: &mut Vec<T>,
    matches: impl Fn(&T) -> bool,
    new: impl FnOnce() -> T,
) -> &mut T {
    match items.iter().position(matches) {
        Some(index) => &mut items[index],
        None => {
            items.push(new());
            items.last_mut().expect("just pushed")
        }
    }
}

#[cfg(test)]
mod tests;
