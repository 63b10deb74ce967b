//! `kafkascope agent` on this machine: its page against `/proc` read again
//! and `df`, against the real Debian `prometheus-node-exporter` run beside
//! it, and a log dir's filesystem filled past a disk alert's threshold.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::agents::{Running, start_agent};
use common::tmpfs::mount_tmpfs;

use kafkascope_client::http_client::{HttpClient, HttpRequest, HttpUrl};
use kafkascope_sources::node_exporter::{HostTarget, NodeExporterSettings, NodeExporterSource};
use kafkascope_sources::prometheus_text::{PageFormat, parse_page};
use kafkascope_sources::source::{PollContext, Source, SourceFigures};

/// The agent's defaults for what is left out, given to node_exporter too
/// (Debian's build leaves out more: /run, /mnt, /media, and lo).
const MOUNT_POINTS_EXCLUDE: &str =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
const FS_TYPES_EXCLUDE: &str = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$";
const DISK_DEVICES_EXCLUDE: &str = r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

/// node_exporter with the agent's collectors and exclusions.
fn start_node_exporter() -> Option<(Running, String)> {
    let collectors = [
        "cpu",
        "meminfo",
        "loadavg",
        "diskstats",
        "netdev",
        "filefd",
        "filesystem",
        "stat",
        "time",
        "uname",
    ];
    let mut flags = vec!["--collector.disable-defaults".to_string()];
    flags.extend(collectors.map(|c| format!("--collector.{c}")));
    flags.extend([
        format!("--collector.filesystem.mount-points-exclude={MOUNT_POINTS_EXCLUDE}"),
        format!("--collector.filesystem.fs-types-exclude={FS_TYPES_EXCLUDE}"),
        format!("--collector.diskstats.device-exclude={DISK_DEVICES_EXCLUDE}"),
        "--collector.netdev.device-exclude=".to_string(),
    ]);
    common::agents::start_node_exporter(&flags)
}

/// A series: its name and its labels, sorted.
type SeriesKey = (String, Vec<(String, String)>);

async fn fetch(url: &str) -> BTreeMap<SeriesKey, f64> {
    let client = HttpClient::new(Duration::from_secs(5), Duration::from_secs(10), 32 << 20);
    let url = HttpUrl::parse(url).unwrap();
    let answer = client
        .send(HttpRequest::get(&url, "text/plain"))
        .await
        .unwrap();
    assert!(answer.is_success(), "{url}: HTTP {}", answer.status);
    let page = std::str::from_utf8(&answer.body).unwrap();
    let mut series = BTreeMap::new();
    let summary = parse_page(page, PageFormat::Prometheus, |s| {
        let mut labels: Vec<(String, String)> = s
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        series.insert((s.name.to_string(), labels), s.value);
    });
    assert_eq!(summary.errors, vec![], "{url}");
    series
}

fn value(series: &BTreeMap<SeriesKey, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut key: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    key.sort();
    *series
        .get(&(name.to_string(), key))
        .unwrap_or_else(|| panic!("no {name}{labels:?}"))
}

/// Every (cpu, mode) of `/proc/stat` in seconds, as node_exporter names it.
fn proc_cpu_seconds() -> BTreeMap<(String, String), f64> {
    let modes = [
        "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
    ];
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let mut seconds = BTreeMap::new();
    for line in stat
        .lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
    {
        let mut fields = line.split_whitespace();
        let cpu = fields.next().unwrap().trim_start_matches("cpu").to_string();
        for (mode, ticks) in modes.iter().zip(fields) {
            let ticks: f64 = ticks.parse().unwrap();
            seconds.insert((cpu.clone(), mode.to_string()), ticks / 100.0);
        }
    }
    seconds
}

fn meminfo_bytes(field: &str) -> f64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = meminfo
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap();
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024.0
}

/// `df -B1`'s size and available bytes of the filesystem at `mountpoint`.
fn df(mountpoint: &str) -> (f64, f64) {
    let output = Command::new("df")
        .args(["-B1", "--output=size,avail", mountpoint])
        .output()
        .expect("df");
    let text = String::from_utf8(output.stdout).unwrap();
    let numbers: Vec<f64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

#[tokio::test]
async fn the_agents_page_agrees_with_proc_and_df() {
    let (_agent, url) = start_agent(&[]);
    let cpu_before = proc_cpu_seconds();
    let page = fetch(&url).await;
    let cpu_after = proc_cpu_seconds();
    for ((cpu, mode), before) in &cpu_before {
        let labels = [("cpu", cpu.as_str()), ("mode", mode.as_str())];
        let seen = value(&page, "node_cpu_seconds_total", &labels);
        let after = cpu_after[&(cpu.clone(), mode.clone())];
        assert!(
            *before <= seen && seen <= after,
            "cpu{cpu} {mode}: {before} ≤ {seen} ≤ {after}"
        );
    }
    assert_eq!(
        value(&page, "node_memory_MemTotal_bytes", &[]),
        meminfo_bytes("MemTotal")
    );
    let available = value(&page, "node_memory_MemAvailable_bytes", &[]);
    let total = meminfo_bytes("MemTotal");
    assert!(
        (available - meminfo_bytes("MemAvailable")).abs() < total * 0.03,
        "MemAvailable {available} against {}",
        meminfo_bytes("MemAvailable")
    );
    let file_nr = std::fs::read_to_string("/proc/sys/fs/file-nr").unwrap();
    let maximum: f64 = file_nr.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(value(&page, "node_filefd_maximum", &[]), maximum);

    let mounts: Vec<&Vec<(String, String)>> = page
        .keys()
        .filter(|(name, _)| name == "node_filesystem_size_bytes")
        .map(|(_, labels)| labels)
        .collect();
    assert!(!mounts.is_empty());
    for labels in mounts {
        let mountpoint = &labels.iter().find(|(k, _)| k == "mountpoint").unwrap().1;
        let (size, avail) = df(mountpoint);
        let key = |name: &str| (name.to_string(), labels.clone());
        assert_eq!(
            page[&key("node_filesystem_size_bytes")],
            size,
            "size of {mountpoint}"
        );
        let seen = page[&key("node_filesystem_avail_bytes")];
        assert!(
            (seen - avail).abs() <= 64.0 * 1024.0 * 1024.0,
            "avail of {mountpoint}: {seen} against df's {avail}"
        );
    }
}

/// The families the agent writes as node_exporter does.
const FAMILIES: [&str; 24] = [
    "node_cpu_seconds_total",
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_free_bytes",
    "node_filesystem_files",
    "node_filesystem_files_free",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_disk_reads_completed_total",
    "node_disk_writes_completed_total",
    "node_disk_io_time_seconds_total",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "node_network_receive_errs_total",
    "node_network_transmit_errs_total",
    "node_network_receive_drop_total",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_filefd_allocated",
    "node_filefd_maximum",
    "node_boot_time_seconds",
];

fn series_of<'a>(page: &'a BTreeMap<SeriesKey, f64>, family: &str) -> BTreeSet<&'a SeriesKey> {
    page.keys().filter(|(name, _)| name == family).collect()
}

#[tokio::test]
async fn the_agent_and_node_exporter_write_the_same_series() {
    let Some((_exporter, exporter_url)) = start_node_exporter() else {
        return;
    };
    let (_agent, agent_url) = start_agent(&[]);
    let (exported, served) = (fetch(&exporter_url).await, fetch(&agent_url).await);
    for family in FAMILIES
        .iter()
        .chain(&["node_time_seconds", "node_uname_info"])
    {
        assert!(!series_of(&exported, family).is_empty(), "{family}");
        assert_eq!(
            series_of(&exported, family),
            series_of(&served, family),
            "{family}"
        );
    }
    let memory = |page: &BTreeMap<SeriesKey, f64>| -> BTreeSet<String> {
        page.keys()
            .map(|(n, _)| n.clone())
            .filter(|n| n.starts_with("node_memory_"))
            .collect()
    };
    assert_eq!(memory(&exported), memory(&served));
    // What does not move between two reads a moment apart is equal.
    let exact = [
        "node_memory_MemTotal_bytes",
        "node_filefd_maximum",
        "node_filesystem_size_bytes",
        "node_boot_time_seconds",
        "node_uname_info",
    ];
    for family in exact {
        for key in series_of(&exported, family) {
            assert_eq!(exported[key], served[key], "{key:?}");
        }
    }
}

#[tokio::test]
async fn a_log_dir_filled_past_the_threshold_shows_on_its_mount() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_mount) = mount_tmpfs(dir.path(), "8m") else {
        return;
    };
    let log_dir = dir.path().join("kafka-logs");
    std::fs::create_dir(&log_dir).unwrap();
    let (_agent, url) = start_agent(&[]);
    let target = HostTarget::new(HttpUrl::parse(&url).unwrap());
    let mut source = NodeExporterSource::new(NodeExporterSettings::new(vec![target]));
    let used = |polled: &kafkascope_sources::source::Polled| {
        let SourceFigures::Host(figures) = &polled.figures else {
            panic!("no host figures");
        };
        let mount = figures.hosts[0]
            .mount_of(log_dir.to_str().unwrap())
            .unwrap();
        (
            mount.fstype.clone(),
            mount.size_bytes,
            mount.used_ratio().unwrap(),
        )
    };
    let before = used(&source.poll(&PollContext::default()).await);
    assert_eq!(
        before,
        ("tmpfs".to_string(), Some(8.0 * 1024.0 * 1024.0), 0.0)
    );
    // 7 MiB of 8: past a 85% threshold.
    std::fs::write(log_dir.join("00000000000000000000.log"), vec![7u8; 7 << 20]).unwrap();
    let (_, _, after) = used(&source.poll(&PollContext::default()).await);
    assert_eq!(after, 0.875);
}

/// The agent as in a container: the host's `/proc` mounted elsewhere (here
/// a copy of this machine's, with a memory size of its own so the page
/// shows where it read) and the host's root at a folder of its own. The
/// mount table names the Kafka disk as on the host; the page names it so,
/// and measures it under the root.
#[tokio::test]
async fn in_a_container_the_agent_reads_the_hosts_proc_and_measures_mounts_under_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let proc_copy = dir.path().join("host-proc");
    let root = dir.path().join("host-root");
    for file in ["stat", "loadavg", "net/dev", "diskstats", "sys/fs/file-nr"] {
        let to = proc_copy.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(Path::new("/proc").join(file), &to).unwrap();
    }
    std::fs::write(
        proc_copy.join("meminfo"),
        "MemTotal:       4194304 kB\nMemFree:        1048576 kB\nMemAvailable:   2097152 kB\n",
    )
    .unwrap();
    std::fs::create_dir_all(proc_copy.join("1")).unwrap();
    std::fs::write(
        proc_copy.join("1/mounts"),
        "/dev/kafkadisk /var/lib/kafka xfs rw,noatime 0 0\nproc /proc proc rw 0 0\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("var/lib/kafka")).unwrap();
    let (_agent, url) = start_agent(&[
        "--path.procfs",
        proc_copy.to_str().unwrap(),
        "--path.rootfs",
        root.to_str().unwrap(),
    ]);
    let page = fetch(&url).await;
    assert_eq!(
        value(&page, "node_memory_MemTotal_bytes", &[]),
        4_294_967_296.0
    );
    let disk = [
        ("device", "/dev/kafkadisk"),
        ("fstype", "xfs"),
        ("mountpoint", "/var/lib/kafka"),
    ];
    let (size, _) = df(root.to_str().unwrap());
    assert_eq!(value(&page, "node_filesystem_size_bytes", &disk), size);
    assert_eq!(value(&page, "node_filesystem_device_error", &disk), 0.0);
    let filesystems: Vec<&SeriesKey> = page
        .keys()
        .filter(|(name, _)| name == "node_filesystem_size_bytes")
        .collect();
    assert_eq!(filesystems.len(), 1, "{filesystems:?}");
}
