use super::*;
use crate::prometheus_text::{PageFormat, parse_page};

/// A node_exporter page cut down to the families read, with values
/// chosen so that every figure is exact.
fn page(cpu_idle: f64, read_bytes: f64, receive_bytes: f64) -> String {
    format!(
        "# TYPE node_cpu_seconds_total counter\n\
         node_cpu_seconds_total{{cpu=\"0\",mode=\"idle\"}} {cpu_idle}\n\
         node_cpu_seconds_total{{cpu=\"0\",mode=\"iowait\"}} 10\n\
         node_cpu_seconds_total{{cpu=\"0\",mode=\"user\"}} 60\n\
         node_cpu_seconds_total{{cpu=\"1\",mode=\"idle\"}} 100\n\
         node_cpu_seconds_total{{cpu=\"1\",mode=\"user\"}} 30\n\
         node_memory_MemTotal_bytes 8e+09\n\
         node_memory_MemAvailable_bytes 6e+09\n\
         node_memory_Cached_bytes 1e+09\n\
         node_load1 1.5\nnode_load5 1.25\nnode_load15 1\n\
         node_filesystem_size_bytes{{device=\"/dev/sdb1\",fstype=\"xfs\",mountpoint=\"/data\"}} 1000\n\
         node_filesystem_avail_bytes{{device=\"/dev/sdb1\",fstype=\"xfs\",mountpoint=\"/data\"}} 250\n\
         node_filesystem_free_bytes{{device=\"/dev/sdb1\",fstype=\"xfs\",mountpoint=\"/data\"}} 300\n\
         node_filesystem_device_error{{device=\"nfs:/x\",fstype=\"nfs4\",mountpoint=\"/data/nfs\"}} 1\n\
         node_filesystem_size_bytes{{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}} 4000\n\
         node_filesystem_avail_bytes{{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}} 4000\n\
         node_disk_read_bytes_total{{device=\"sdb\"}} {read_bytes}\n\
         node_disk_written_bytes_total{{device=\"sdb\"}} 0\n\
         node_disk_io_time_seconds_total{{device=\"sdb\"}} {io}\n\
         node_network_receive_bytes_total{{device=\"eth0\"}} {receive_bytes}\n\
         node_network_transmit_bytes_total{{device=\"eth0\"}} 500\n\
         node_network_receive_errs_total{{device=\"eth0\"}} 2\n\
         node_filefd_allocated 512\nnode_filefd_maximum 2048\n\
         node_boot_time_seconds 1.7e+09\n\
         node_uname_info{{nodename=\"kafka-1\"}} 1\n",
        io = read_bytes / 1e6,
    )
}

fn read(text: &str) -> HostNode {
    let mut node = HostNode::default();
    let summary = parse_page(text, PageFormat::Prometheus, |s| node.read_sample(s));
    assert_eq!(summary.errors, vec![]);
    node
}

#[test]
fn a_page_is_read_into_named_figures() {
    let node = read(&page(100.0, 0.0, 1000.0));
    let cpu = node.cpu.clone().unwrap();
    assert_eq!(
        (cpu.cpus, cpu.total_seconds, cpu.idle_seconds),
        (2, 300.0, 210.0)
    );
    assert_eq!(cpu.busy_ratio, None);
    let memory = node.memory.clone().unwrap();
    assert_eq!(memory.used_bytes(), Some(2e9));
    assert_eq!(memory.free_bytes, None);
    assert_eq!(
        node.load,
        Some(LoadFigures {
            one: 1.5,
            five: 1.25,
            fifteen: 1.0
        })
    );
    assert_eq!(node.mounts.len(), 3);
    let data = &node.mounts[0];
    assert_eq!(
        (
            data.size_bytes,
            data.avail_bytes,
            data.free_bytes,
            data.used_ratio()
        ),
        (Some(1000.0), Some(250.0), Some(300.0), Some(0.75))
    );
    assert!(node.mounts[1].device_error);
    assert_eq!(node.mounts[1].used_ratio(), None);
    let fds = node.file_descriptors.unwrap();
    assert_eq!(fds.used_ratio(), Some(0.25));
    assert_eq!(node.boot_time_seconds, Some(1.7e9));
    assert_eq!(node.networks[0].receive_errors, 2.0);
}

#[test]
fn rates_come_from_the_previous_poll_of_the_same_target() {
    let before = read(&page(100.0, 0.0, 1000.0));
    // 10 s later: CPU 0 idle +40 s of 40 s more in all (one CPU only
    // moved), 5 MB read in 5 s of I/O time, 20 kB received.
    let mut now = read(&page(140.0, 5_000_000.0, 21_000.0));
    now.add_rates(&before, 10.0);
    assert_eq!(now.cpu.as_ref().unwrap().busy_ratio, Some(0.0));
    let disk = &now.disks[0];
    assert_eq!(disk.read_bytes_per_second, Some(500_000.0));
    assert_eq!(disk.written_bytes_per_second, Some(0.0));
    assert_eq!(disk.utilisation, Some(0.5));
    let eth0 = &now.networks[0];
    assert_eq!(eth0.receive_bytes_per_second, Some(2000.0));
    assert_eq!(eth0.transmit_bytes_per_second, Some(0.0));
    assert_eq!(eth0.receive_errors_per_second, Some(0.0));
}

#[test]
fn busy_ratio_counts_user_time_and_not_iowait() {
    let then = CpuFigures {
        cpus: 2,
        total_seconds: 100.0,
        idle_seconds: 80.0,
        busy_ratio: None,
    };
    let now = CpuFigures {
        cpus: 2,
        total_seconds: 120.0,
        idle_seconds: 95.0,
        busy_ratio: None,
    };
    assert_eq!(busy_ratio(&now, &then), Some(0.25));
    let hotplugged = CpuFigures {
        cpus: 3,
        ..now.clone()
    };
    assert_eq!(busy_ratio(&hotplugged, &then), None);
}

#[test]
fn a_counter_that_went_back_gives_no_rate() {
    let before = read(&page(100.0, 5_000_000.0, 21_000.0));
    // The host rebooted: every counter restarted.
    let mut now = read(&page(5.0, 1_000.0, 10.0));
    now.add_rates(&before, 10.0);
    assert_eq!(now.cpu.as_ref().unwrap().busy_ratio, None);
    assert_eq!(now.disks[0].read_bytes_per_second, None);
    assert_eq!(now.disks[0].utilisation, None);
    assert_eq!(now.networks[0].receive_bytes_per_second, None);
    // The transmit counter did not go back and still has its rate.
    assert_eq!(now.networks[0].transmit_bytes_per_second, Some(0.0));
}

#[test]
fn a_log_dir_is_on_the_longest_mount_point_that_holds_it() {
    let mount = |mountpoint: &str| MountFigures {
        mountpoint: mountpoint.to_string(),
        ..MountFigures::default()
    };
    let mounts = [
        mount("/"),
        mount("/data"),
        mount("/data/kafka-1"),
        mount("/var/"),
    ];
    let on = |path: &str| mount_for_path(&mounts, path).map(|m| m.mountpoint.as_str());
    assert_eq!(on("/data/kafka-1/logs"), Some("/data/kafka-1"));
    assert_eq!(on("/data/kafka-1"), Some("/data/kafka-1"));
    assert_eq!(on("/data/kafka-10/logs"), Some("/data"));
    assert_eq!(on("/data2/kafka"), Some("/"));
    assert_eq!(on("/var/lib/kafka"), Some("/var/"));
    assert_eq!(on("relative/dir"), None);
    assert_eq!(mount_for_path(&[mount("/data")], "/opt/kafka"), None);
}

#[test]
fn a_broker_finds_its_host_by_id_then_by_name() {
    let host = |name: &str, broker: Option<i32>| HostNode {
        host: name.to_string(),
        broker,
        ..HostNode::default()
    };
    let figures = HostFigures {
        hosts: vec![host("kafka-1", None), host("10.0.0.2", Some(2))],
    };
    let found = |id, name| figures.for_broker(id, name).map(|h| h.host.as_str());
    assert_eq!(found(2, "kafka-2"), Some("10.0.0.2"));
    assert_eq!(found(1, "KAFKA-1"), Some("kafka-1"));
    assert_eq!(found(3, "kafka-3"), None);
}
