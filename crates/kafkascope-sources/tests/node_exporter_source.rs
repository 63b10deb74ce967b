//! The node_exporter source over the real Debian `prometheus-node-exporter`
//! and `kafkascope agent`'s page on this machine, side by side: two polls
//! make rates, a dead target and an oversized page are reported and the
//! others still count.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kafkascope_client::http_client::HttpUrl;
use kafkascope_host::agent_options::{
    DEFAULT_DISK_DEVICES_EXCLUDE, DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE,
};
use kafkascope_host::{AgentOptions, agent_router, serve_agent_on};
use kafkascope_sources::host_figures::HostNode;
use kafkascope_sources::node_exporter::{HostTarget, NodeExporterSettings, NodeExporterSource};
use kafkascope_sources::source::{PollContext, Polled, Source, SourceFigures};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";

/// The real node_exporter on a free loopback port, killed when dropped.
struct NodeExporter {
    child: Child,
    url: String,
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts node_exporter with the agent's defaults for what is left out,
/// or `None` (after saying why) when it is not installed outside CI.
fn start_node_exporter() -> Option<NodeExporter> {
    if !std::path::Path::new(NODE_EXPORTER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{NODE_EXPORTER} is missing: scripts/install-test-deps.sh installs it"
        );
        eprintln!("skipped: {NODE_EXPORTER} is missing (scripts/install-test-deps.sh installs it)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(NODE_EXPORTER)
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--collector.disable-defaults")
        .args(
            [
                "cpu",
                "meminfo",
                "loadavg",
                "diskstats",
                "netdev",
                "filefd",
                "filesystem",
                "stat",
            ]
            .map(|c| format!("--collector.{c}")),
        )
        .arg(format!(
            "--collector.filesystem.mount-points-exclude={DEFAULT_MOUNT_POINTS_EXCLUDE}"
        ))
        .arg(format!(
            "--collector.filesystem.fs-types-exclude={DEFAULT_FS_TYPES_EXCLUDE}"
        ))
        .arg(format!(
            "--collector.diskstats.device-exclude={DEFAULT_DISK_DEVICES_EXCLUDE}"
        ))
        .arg("--collector.netdev.device-exclude=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node_exporter");
    let exporter = NodeExporter {
        child,
        url: format!("http://127.0.0.1:{port}/metrics"),
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "node_exporter did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(exporter)
}

/// `kafkascope agent`'s server in this process.
async fn start_agent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let router = agent_router(AgentOptions::default());
    tokio::spawn(serve_agent_on(listener, router, std::future::pending()));
    url
}

/// A protocol-level fake of an exporter whose page is `bytes` long.
async fn fake_oversized_page(bytes: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {bytes}\r\n\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&vec![b'#'; bytes]).await;
            });
        }
    });
    url
}

fn target(url: &str, host: &str, broker: i32) -> HostTarget {
    HostTarget {
        host: host.to_string(),
        broker: Some(broker),
        ..HostTarget::new(HttpUrl::parse(url).unwrap())
    }
}

fn hosts(polled: &Polled) -> &[HostNode] {
    match &polled.figures {
        SourceFigures::Host(figures) => &figures.hosts,
        other => panic!("no host figures: {other:?}"),
    }
}

fn ratio(value: Option<f64>, what: &str) -> f64 {
    let value = value.unwrap_or_else(|| panic!("no {what}"));
    assert!((0.0..=1.0).contains(&value), "{what} {value}");
    value
}

#[tokio::test]
async fn node_exporter_and_agent_pages_are_read_alike_and_a_dead_target_does_not_stop_them() {
    let Some(exporter) = start_node_exporter() else {
        return;
    };
    let agent = start_agent().await;
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/metrics", listener.local_addr().unwrap())
    };
    let oversized = fake_oversized_page(2 << 20).await;
    let mut settings = NodeExporterSettings::new(vec![
        target(&exporter.url, "kafka-1", 1),
        target(&agent, "kafka-2", 2),
        target(&dead, "kafka-3", 3),
        target(&oversized, "kafka-4", 4),
    ]);
    settings.timeout = Duration::from_secs(5);
    settings.max_page_bytes = 1 << 20;
    let mut source = NodeExporterSource::new(settings);
    let context = PollContext::default();

    let first = source.poll(&context).await;
    assert!(hosts(&first)[0].cpu.as_ref().unwrap().busy_ratio.is_none());
    // Enough time for every counter the rates read to tick.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let second = source.poll(&context).await;

    let statuses: Vec<(bool, Option<i32>, &str)> = second
        .targets
        .iter()
        .map(|t| (t.up, t.broker, t.role.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            (true, Some(1), "host"),
            (true, Some(2), "host"),
            (false, Some(3), "host"),
            (false, Some(4), "host"),
        ]
    );
    let errors: Vec<Option<&str>> = second.targets.iter().map(|t| t.error.as_deref()).collect();
    assert_eq!(errors[..2], [None, None]);
    assert!(
        errors[2].unwrap().starts_with("connect failed: "),
        "{errors:?}"
    );
    assert_eq!(errors[3], Some("the answer is larger than 1048576 bytes"));

    let (exported, served) = (&hosts(&second)[0], &hosts(&second)[1]);
    for host in [exported, served] {
        let cpu = host.cpu.as_ref().unwrap();
        assert_eq!(
            cpu.cpus,
            std::thread::available_parallelism().unwrap().get()
        );
        ratio(cpu.busy_ratio, "CPU busy ratio");
        assert!(!host.disks.is_empty() && !host.networks.is_empty() && !host.mounts.is_empty());
        for disk in &host.disks {
            ratio(disk.utilisation, &format!("{} utilisation", disk.device));
            assert!(
                disk.read_bytes_per_second.is_some() && disk.written_bytes_per_second.is_some()
            );
        }
        for network in &host.networks {
            assert!(network.receive_bytes_per_second.is_some(), "{network:?}");
            assert!(network.transmit_errors_per_second.is_some(), "{network:?}");
        }
        ratio(
            host.mount_of("/").and_then(|m| m.used_ratio()),
            "used ratio of /",
        );
    }
    // What does not move between two reads a moment apart is the same on
    // both pages.
    let total = |h: &HostNode| h.memory.as_ref().unwrap().total_bytes;
    assert_eq!(total(exported), total(served));
    let size = |h: &HostNode| h.mount_of("/").unwrap().size_bytes;
    assert_eq!(size(exported), size(served));
    let maximum = |h: &HostNode| h.file_descriptors.unwrap().maximum;
    assert_eq!(maximum(exported), maximum(served));
    // node_exporter sorts its devices; /proc lists them in its own order.
    let sorted = |mut names: Vec<String>| {
        names.sort();
        names
    };
    let disks = |h: &HostNode| sorted(h.disks.iter().map(|d| d.device.clone()).collect());
    let nets = |h: &HostNode| sorted(h.networks.iter().map(|n| n.device.clone()).collect());
    assert_eq!(disks(exported), disks(served));
    assert_eq!(nets(exported), nets(served));
}

/// This process's CPU time (user + system), from `/proc/self/stat`.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name may hold spaces; the fields after it do not.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Benchmark, not a check: what polling 3 brokers' hosts costs kafkascope
/// per cycle (the source's poll of 3 node_exporter pages: wall time, and
/// this process's CPU time), and what one scrape of the agent costs the
/// host. Run with
/// `cargo test -p kafkascope-sources --test node_exporter_source -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures"]
async fn host_polling_cost_per_cycle_at_3_brokers() {
    let exporters: Vec<NodeExporter> = (0..3).filter_map(|_| start_node_exporter()).collect();
    if exporters.len() < 3 {
        return;
    }
    let targets = exporters
        .iter()
        .enumerate()
        .map(|(i, e)| target(&e.url, &format!("kafka-{i}"), i as i32))
        .collect();
    let mut source = NodeExporterSource::new(NodeExporterSettings::new(targets));
    let context = PollContext::default();
    source.poll(&context).await;
    let polls = 30;
    let mut walls = Vec::with_capacity(polls);
    let cpu_before = process_cpu_seconds();
    for _ in 0..polls {
        let started = Instant::now();
        let polled = source.poll(&context).await;
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(polled.targets.iter().all(|t| t.up));
    }
    let cpu_ms = (process_cpu_seconds() - cpu_before) * 1000.0 / polls as f64;
    walls.sort_by(f64::total_cmp);
    let samples: usize = source
        .poll(&context)
        .await
        .targets
        .iter()
        .map(|t| t.samples)
        .sum();
    println!(
        "node_exporter source, 3 hosts: poll median {:.2} ms, max {:.2} ms, kafkascope CPU {cpu_ms:.2} ms per poll, {samples} samples",
        walls[polls / 2],
        walls[polls - 1]
    );

    let options = AgentOptions::default();
    let stuck = Default::default();
    let mut scrapes = Vec::with_capacity(polls);
    let mut bytes = 0;
    for _ in 0..polls {
        let started = Instant::now();
        let page = kafkascope_host::render_page(&kafkascope_host::read_host(&options, &stuck));
        scrapes.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = page.len();
    }
    scrapes.sort_by(f64::total_cmp);
    println!(
        "kafkascope agent, one scrape (read /proc, statfs, render): median {:.2} ms, max {:.2} ms, page {bytes} bytes",
        scrapes[polls / 2],
        scrapes[polls - 1]
    );
}
