//! The agent over a fixture `/proc` tree: exact figures from known files,
//! and a broken file costing its own families only.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kafkascope_host::{AgentOptions, agent_router};
use tower::ServiceExt;

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A tree with every file the agent reads; `/` is mounted so that statfs
/// answers wherever the test runs.
fn fixture_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "stat",
        "cpu 1 2 3 4\ncpu0 200 0 100 700 0 0 0 0 0 0\nbtime 1700000000\n",
    );
    write(root, "meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n");
    write(root, "loadavg", "0.50 0.25 0.10 1/100 42\n");
    write(
        root,
        "diskstats",
        "7 0 loop0 1 0 8 0 0 0 0 0 0 0 0\n8 0 sda 10 0 80 5 20 0 160 7 0 30 12\n8 1 sda1 1 0 8 0 0 0 0 0 0 0 0\n",
    );
    write(
        root,
        "net/dev",
        "h\nh\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n  eth0: 100 2 1 0 0 0 0 0 200 3 0 2 0 0 0 0\n",
    );
    write(root, "sys/fs/file-nr", "64\t0\t1024\n");
    write(
        root,
        "1/mounts",
        "/dev/root / ext4 rw 0 0\nproc /proc proc rw 0 0\n",
    );
    dir
}

async fn get(options: AgentOptions, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = agent_router(options).oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn options(root: &Path) -> AgentOptions {
    AgentOptions {
        proc_root: root.to_path_buf(),
        ..AgentOptions::default()
    }
}

/// The page's sample lines starting with `prefix`.
fn lines<'a>(page: &'a str, prefix: &str) -> Vec<&'a str> {
    page.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[tokio::test]
async fn a_fixture_tree_gives_exact_figures() {
    let tree = fixture_tree();
    let (status, page) = get(options(tree.path()), "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        lines(&page, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}"),
        ["node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2"]
    );
    assert_eq!(
        lines(&page, "node_memory_MemAvailable_bytes "),
        ["node_memory_MemAvailable_bytes 256000"]
    );
    assert_eq!(lines(&page, "node_load15 "), ["node_load15 0.1"]);
    // loop devices and partitions are left out, as node_exporter does.
    assert_eq!(
        lines(&page, "node_disk_written_bytes_total"),
        ["node_disk_written_bytes_total{device=\"sda\"} 81920"]
    );
    assert_eq!(
        lines(&page, "node_network_transmit_drop_total"),
        [
            "node_network_transmit_drop_total{device=\"lo\"} 0",
            "node_network_transmit_drop_total{device=\"eth0\"} 2",
        ]
    );
    assert_eq!(
        lines(&page, "node_filefd_maximum "),
        ["node_filefd_maximum 1024"]
    );
    assert_eq!(
        lines(&page, "node_filesystem_device_error"),
        ["node_filesystem_device_error{device=\"/dev/root\",fstype=\"ext4\",mountpoint=\"/\"} 0"]
    );
    assert_eq!(
        lines(&page, "node_boot_time_seconds "),
        ["node_boot_time_seconds 1700000000"]
    );
}

#[tokio::test]
async fn a_broken_file_costs_its_own_families_only() {
    let tree = fixture_tree();
    write(
        tree.path(),
        "meminfo",
        "MemTotal: 1000 kB\nMemAvailable 250 kB\n",
    );
    std::fs::remove_file(tree.path().join("loadavg")).unwrap();
    let (status, page) = get(options(tree.path()), "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(lines(&page, "node_memory_").is_empty(), "{page}");
    assert!(lines(&page, "node_load").is_empty(), "{page}");
    assert_eq!(
        lines(&page, "node_scrape_collector_success"),
        [
            "node_scrape_collector_success{collector=\"cpu\"} 1",
            "node_scrape_collector_success{collector=\"meminfo\"} 0",
            "node_scrape_collector_success{collector=\"loadavg\"} 0",
            "node_scrape_collector_success{collector=\"diskstats\"} 1",
            "node_scrape_collector_success{collector=\"netdev\"} 1",
            "node_scrape_collector_success{collector=\"filefd\"} 1",
            "node_scrape_collector_success{collector=\"filesystem\"} 1",
        ]
    );
    assert_eq!(
        lines(&page, "node_filefd_maximum "),
        ["node_filefd_maximum 1024"]
    );
}

#[test]
fn the_errors_name_the_file_and_line() {
    let tree = fixture_tree();
    write(
        tree.path(),
        "meminfo",
        "MemTotal: 1000 kB\nMemAvailable 250 kB\n",
    );
    std::fs::remove_file(tree.path().join("loadavg")).unwrap();
    let options = options(tree.path());
    let reading = kafkascope_host::read_host(&options, &Default::default());
    let errors: Vec<(&str, String)> = reading
        .collector_errors()
        .into_iter()
        .map(|(name, error)| (name, error.to_string()))
        .collect();
    let root = tree.path().display();
    assert_eq!(
        errors,
        [
            (
                "meminfo",
                format!("{root}/meminfo line 2: no ':' after the field name")
            ),
            (
                "loadavg",
                format!("reading {root}/loadavg: No such file or directory (os error 2)")
            ),
        ]
    );
}

#[test]
fn garbage_bytes_are_an_error_not_a_panic() {
    let tree = fixture_tree();
    std::fs::write(tree.path().join("stat"), [0xff, 0xfe, b'\n', 0x00]).unwrap();
    let reading = kafkascope_host::read_host(&options(tree.path()), &Default::default());
    let error = reading.cpu.result.unwrap_err().to_string();
    assert_eq!(
        error,
        format!("{}/stat is not UTF-8 text", tree.path().display())
    );
}

#[tokio::test]
async fn healthz_answers_ok() {
    let tree = fixture_tree();
    assert_eq!(
        get(options(tree.path()), "/healthz").await,
        (StatusCode::OK, "ok\n".to_string())
    );
}
