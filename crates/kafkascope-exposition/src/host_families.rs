//! The brokers' hosts as their node_exporter (or `kafkascope agent`)
//! pages describe them: CPU, memory, load, filesystems, disks, network and
//! file handles, with `cluster`, `host` and, where the target names it,
//! `broker`. Beside them, each broker's log directory joined to the mount
//! that holds it on its host ([`log_dir_mounts`]), so a full disk is told
//! by the log directory it stops.

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{Broker, LogDir};
use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::host_figures::{
    DiskFigures, HostFigures, HostNode, MountFigures, NetworkFigures,
};

use crate::labels::Label;
use crate::writer::{LabelValue, MetricsWriter};

pub const BROKER_LOG_DIR_FILESYSTEM_USED_RATIO: &str =
    "kafkascope_broker_log_dir_filesystem_used_ratio";

type Read<F> = fn(&F) -> Option<f64>;

const HOST: &[(&str, &str, Read<HostNode>)] = &[
    (
        "kafkascope_host_cpu_busy_ratio",
        "Share of the host's CPU time neither idle nor waiting for I/O since the previous poll (0..1).",
        |h| h.cpu.as_ref()?.busy_ratio,
    ),
    (
        "kafkascope_host_memory_total_bytes",
        "The host's memory.",
        |h| Some(h.memory.as_ref()?.total_bytes),
    ),
    (
        "kafkascope_host_memory_available_bytes",
        "Memory the kernel estimates can be had without swapping (MemAvailable; page cache counts as available).",
        |h| h.memory.as_ref()?.available_bytes,
    ),
    (
        "kafkascope_host_load1",
        "The host's one-minute load average.",
        |h| Some(h.load.as_ref()?.one),
    ),
    (
        "kafkascope_host_open_files",
        "File handles allocated on the host.",
        |h| Some(h.file_descriptors.as_ref()?.allocated),
    ),
    (
        "kafkascope_host_open_files_limit",
        "The host's limit on file handles (fs.file-max).",
        |h| Some(h.file_descriptors.as_ref()?.maximum),
    ),
];

const MOUNT: &[(&str, &str, Read<MountFigures>)] = &[
    (
        "kafkascope_host_filesystem_size_bytes",
        "Size of the filesystem.",
        |m| m.size_bytes,
    ),
    (
        "kafkascope_host_filesystem_avail_bytes",
        "Bytes of the filesystem a non-root process such as a broker can still write.",
        |m| m.avail_bytes,
    ),
    (
        "kafkascope_host_filesystem_used_ratio",
        "Share of the filesystem a broker can no longer write to: 1 - avail / size, the root reserve counted as used (0..1).",
        MountFigures::used_ratio,
    ),
];

const DISK: &[(&str, &str, Read<DiskFigures>)] = &[
    (
        "kafkascope_host_disk_read_bytes_per_second",
        "Bytes read from the disk per second since the previous poll.",
        |d| d.read_bytes_per_second,
    ),
    (
        "kafkascope_host_disk_written_bytes_per_second",
        "Bytes written to the disk per second since the previous poll.",
        |d| d.written_bytes_per_second,
    ),
    (
        "kafkascope_host_disk_utilisation_ratio",
        "Share of the time since the previous poll the disk was busy with I/O (0..1).",
        |d| d.utilisation,
    ),
];

const NETWORK: &[(&str, &str, Read<NetworkFigures>)] = &[
    (
        "kafkascope_host_network_receive_bytes_per_second",
        "Bytes received on the interface per second since the previous poll.",
        |n| n.receive_bytes_per_second,
    ),
    (
        "kafkascope_host_network_transmit_bytes_per_second",
        "Bytes sent on the interface per second since the previous poll.",
        |n| n.transmit_bytes_per_second,
    ),
    (
        "kafkascope_host_network_errors_per_second",
        "Receive and transmit errors on the interface per second since the previous poll.",
        |n| Some(n.receive_errors_per_second? + n.transmit_errors_per_second?),
    ),
];

/// Every family this module writes, in order.
pub fn families() -> Vec<&'static str> {
    let host = HOST.iter().map(|f| f.0);
    let mount = MOUNT.iter().map(|f| f.0);
    let disk = DISK.iter().map(|f| f.0);
    let network = NETWORK.iter().map(|f| f.0);
    host.chain(mount)
        .chain(disk)
        .chain(network)
        .chain([BROKER_LOG_DIR_FILESYSTEM_USED_RATIO])
        .collect()
}

/// A broker's log directory and the mount that holds it on its host.
#[derive(Debug, Clone, Copy)]
pub struct LogDirMount<'a> {
    pub broker: &'a Broker,
    pub log_dir: &'a LogDir,
    /// The broker's host, when a target describes it.
    pub host: Option<&'a HostNode>,
    /// The mount that holds the directory, when the host's page was read.
    pub mount: Option<&'a MountFigures>,
}

/// Every log directory of `cluster`'s brokers with the host and mount
/// that hold it, in broker order.
pub fn log_dir_mounts<'a>(
    cluster: &'a ClusterSnapshot,
    hosts: &'a HostFigures,
) -> Vec<LogDirMount<'a>> {
    cluster
        .brokers
        .iter()
        .flat_map(|broker| {
            let host = hosts.for_broker(broker.id, &broker.host);
            broker.log_dirs.iter().map(move |log_dir| LogDirMount {
                broker,
                log_dir,
                host,
                mount: host
                    .filter(|h| h.up)
                    .and_then(|h| h.mount_of(&log_dir.path)),
            })
        })
        .collect()
}

/// The ids of `cluster`'s brokers that run on `host`.
pub fn brokers_on(cluster: &ClusterSnapshot, hosts: &HostFigures, host: &HostNode) -> Vec<i32> {
    cluster
        .brokers
        .iter()
        .filter(|b| {
            hosts
                .for_broker(b.id, &b.host)
                .is_some_and(|h| h.target == host.target)
        })
        .map(|b| b.id)
        .collect()
}

fn host_figures<'a>(sources: &'a [&'a SourceSnapshot]) -> Vec<(&'a str, &'a HostNode)> {
    sources
        .iter()
        .filter_map(|s| s.host().map(|figures| (s.cluster.as_str(), figures)))
        .flat_map(|(cluster, figures)| figures.hosts.iter().map(move |h| (cluster, h)))
        .filter(|(_, h)| h.up)
        .collect()
}

fn host_labels<'a>(cluster: &'a str, host: &'a HostNode) -> [Label<'a>; 3] {
    let broker = match host.broker {
        Some(id) => LabelValue::Int(id.into()),
        None => LabelValue::Str(""),
    };
    [
        ("cluster", cluster.into()),
        ("host", host.host.as_str().into()),
        ("broker", broker),
    ]
}

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot], sources: &[&SourceSnapshot]) {
    let hosts = host_figures(sources);
    for (name, help, read) in HOST {
        w.gauge(name, help);
        for (cluster, host) in &hosts {
            if let Some(value) = read(host) {
                w.sample(&host_labels(cluster, host), value);
            }
        }
    }
    for (name, help, read) in MOUNT {
        w.gauge(name, help);
        for (cluster, host) in &hosts {
            for mount in &host.mounts {
                if let Some(value) = read(mount) {
                    let [c, h, b] = host_labels(cluster, host);
                    let labels: [Label<'_>; 5] = [
                        c,
                        h,
                        b,
                        ("mountpoint", mount.mountpoint.as_str().into()),
                        ("device", mount.device.as_str().into()),
                    ];
                    w.sample(&labels, value);
                }
            }
        }
    }
    write_devices(w, &hosts, DISK, |h| &h.disks, |d| &d.device);
    write_devices(w, &hosts, NETWORK, |h| &h.networks, |n| &n.device);
    write_log_dir_mounts(w, clusters, sources);
}

/// The families of one kind of device (disks, interfaces), per device.
fn write_devices<F>(
    w: &mut MetricsWriter,
    hosts: &[(&str, &HostNode)],
    families: &[(&'static str, &str, Read<F>)],
    devices: fn(&HostNode) -> &[F],
    device_name: fn(&F) -> &str,
) {
    for (name, help, read) in families {
        w.gauge(name, help);
        for (cluster, host) in hosts {
            for device in devices(host) {
                if let Some(value) = read(device) {
                    let [c, h, b] = host_labels(cluster, host);
                    let labels: [Label<'_>; 4] = [c, h, b, ("device", device_name(device).into())];
                    w.sample(&labels, value);
                }
            }
        }
    }
}

/// Needs the cluster's snapshot (its log dirs) and its host source's poll
/// together: `/metrics` has both.
fn write_log_dir_mounts(
    w: &mut MetricsWriter,
    clusters: &[&ClusterSnapshot],
    sources: &[&SourceSnapshot],
) {
    w.gauge(
        BROKER_LOG_DIR_FILESYSTEM_USED_RATIO,
        "Share of the filesystem holding the broker's log directory that the broker can no longer write to (from its host's page; 0..1).",
    );
    for cluster in clusters {
        let hosts = sources
            .iter()
            .filter(|s| s.cluster == cluster.cluster)
            .find_map(|s| s.host());
        let Some(hosts) = hosts else {
            continue;
        };
        for joined in log_dir_mounts(cluster, hosts) {
            let Some(mount) = joined.mount else {
                continue;
            };
            if let Some(ratio) = mount.used_ratio() {
                let labels: [Label<'_>; 4] = [
                    ("cluster", cluster.cluster.as_str().into()),
                    ("broker", joined.broker.id.into()),
                    ("log_dir", joined.log_dir.path.as_str().into()),
                    ("mountpoint", mount.mountpoint.as_str().into()),
                ];
                w.sample(&labels, ratio);
            }
        }
    }
}
