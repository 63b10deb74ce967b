//! One reading of the whole host: every reader run once, each result kept
//! apart, so a file that cannot be read costs its own figures only.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::agent_options::AgentOptions;
use crate::cpu_stat::{CpuStat, read_cpu_stat};
use crate::diskstats::{DiskStats, read_diskstats};
use crate::file_nr::{FileHandles, read_file_nr};
use crate::filesystem_stats::{FilesystemStats, StuckMounts, read_filesystems};
use crate::host_error::HostError;
use crate::loadavg::{LoadAverage, read_loadavg};
use crate::meminfo::{Meminfo, read_meminfo};
use crate::net_dev::{NetDevice, read_net_dev};

/// What one reader came to, and how long it took.
#[derive(Debug)]
pub struct Collected<T> {
    pub result: Result<T, HostError>,
    pub duration: Duration,
}

impl<T> Collected<T> {
    fn run(read: impl FnOnce() -> Result<T, HostError>) -> Self {
        let started = Instant::now();
        let result = read();
        Self {
            result,
            duration: started.elapsed(),
        }
    }

    pub fn ok(&self) -> Option<&T> {
        self.result.as_ref().ok()
    }
}

/// `uname(2)`, as `node_uname_info` labels it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnameInfo {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub domainname: String,
}

impl UnameInfo {
    pub fn of_this_host() -> Self {
        let uname = rustix::system::uname();
        let text = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
        Self {
            sysname: text(uname.sysname()),
            nodename: text(uname.nodename()),
            release: text(uname.release()),
            version: text(uname.version()),
            machine: text(uname.machine()),
            domainname: text(uname.domainname()),
        }
    }
}

#[derive(Debug)]
pub struct HostReading {
    pub cpu: Collected<CpuStat>,
    pub meminfo: Collected<Meminfo>,
    pub loadavg: Collected<LoadAverage>,
    pub diskstats: Collected<Vec<DiskStats>>,
    pub net_dev: Collected<Vec<NetDevice>>,
    pub file_nr: Collected<FileHandles>,
    pub filesystems: Collected<Vec<FilesystemStats>>,
    pub uname: UnameInfo,
    /// The clock when the reading was taken, in seconds since the epoch.
    pub time_seconds: f64,
}

impl HostReading {
    /// Every reader's name (as `node_scrape_collector_success` labels it)
    /// with its error, if it failed.
    pub fn collector_errors(&self) -> Vec<(&'static str, &HostError)> {
        let all = [
            ("cpu", self.cpu.result.as_ref().err()),
            ("meminfo", self.meminfo.result.as_ref().err()),
            ("loadavg", self.loadavg.result.as_ref().err()),
            ("diskstats", self.diskstats.result.as_ref().err()),
            ("netdev", self.net_dev.result.as_ref().err()),
            ("filefd", self.file_nr.result.as_ref().err()),
            ("filesystem", self.filesystems.result.as_ref().err()),
        ];
        all.into_iter()
            .filter_map(|(name, error)| error.map(|e| (name, e)))
            .collect()
    }
}

/// Reads everything once. Blocking: file reads and `statfs` (bounded by
/// the options' timeout).
pub fn read_host(options: &AgentOptions, stuck: &StuckMounts) -> HostReading {
    let root = options.proc_root.as_path();
    HostReading {
        cpu: Collected::run(|| read_cpu_stat(root)),
        meminfo: Collected::run(|| read_meminfo(root)),
        loadavg: Collected::run(|| read_loadavg(root)),
        diskstats: Collected::run(|| {
            let mut disks = read_diskstats(root)?;
            disks.retain(|d| !options.disk_devices_exclude.is_match(&d.device));
            Ok(disks)
        }),
        net_dev: Collected::run(|| {
            let mut devices = read_net_dev(root)?;
            if let Some(exclude) = &options.net_devices_exclude {
                devices.retain(|d| !exclude.is_match(&d.device));
            }
            Ok(devices)
        }),
        file_nr: Collected::run(|| read_file_nr(root)),
        filesystems: Collected::run(|| read_filesystems(options, stuck)),
        uname: UnameInfo::of_this_host(),
        time_seconds: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    }
}
