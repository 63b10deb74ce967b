//! What the agent reads and leaves out, with node_exporter's defaults.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

/// node_exporter's default `--collector.filesystem.mount-points-exclude`:
/// the kernel's own trees and container runtimes' layers. Data disks under
/// `/mnt` or `/data` (where Kafka's log dirs live) are kept.
pub const DEFAULT_MOUNT_POINTS_EXCLUDE: &str =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";

/// node_exporter's default `--collector.filesystem.fs-types-exclude`: the
/// pseudo filesystems, which hold no data.
pub const DEFAULT_FS_TYPES_EXCLUDE: &str = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$";

/// node_exporter's default `--collector.diskstats.device-exclude`: RAM and
/// loop devices, and partitions (their whole disk is counted already).
pub const DEFAULT_DISK_DEVICES_EXCLUDE: &str =
    r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// Where procfs is mounted (`/proc`; a fixture tree in tests, the
    /// host's `/proc` mounted elsewhere in a container).
    pub proc_root: PathBuf,
    /// Where the host's root filesystem is mounted (node_exporter's
    /// `--path.rootfs`; `/` outside a container): mounts are asked with
    /// `statfs` under it, and named without it.
    pub root_fs: PathBuf,
    pub mount_points_exclude: Regex,
    pub fs_types_exclude: Regex,
    pub disk_devices_exclude: Regex,
    /// Network devices left out; none by default, as node_exporter.
    pub net_devices_exclude: Option<Regex>,
    /// A mount whose `statfs` takes longer (a dead NFS server) is reported
    /// with `node_filesystem_device_error` 1 and not asked again until the
    /// call returns.
    pub statfs_timeout: Duration,
    /// Scrapes answered at once; more get 503 at once, as node_exporter's
    /// `--web.max-requests`.
    pub max_requests: usize,
}

impl Default for AgentOptions {
    fn default() -> Self {
        Self {
            proc_root: PathBuf::from("/proc"),
            root_fs: PathBuf::from("/"),
            mount_points_exclude: Regex::new(DEFAULT_MOUNT_POINTS_EXCLUDE).expect("valid regex"),
            fs_types_exclude: Regex::new(DEFAULT_FS_TYPES_EXCLUDE).expect("valid regex"),
            disk_devices_exclude: Regex::new(DEFAULT_DISK_DEVICES_EXCLUDE).expect("valid regex"),
            net_devices_exclude: None,
            statfs_timeout: Duration::from_secs(5),
            max_requests: 40,
        }
    }
}
