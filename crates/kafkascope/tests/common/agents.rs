//! Processes the host tests run beside `serve`: `kafkascope agent` and the
//! real Debian node_exporter, each killed when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

pub const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `kafkascope agent` (the binary beside the test's) on `port` with
/// `flags`, once it listens.
pub fn start_agent_on(port: u16, flags: &[&str]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(["agent", "--listen", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("KAFKASCOPE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kafkascope agent");
    let running = Running(child);
    wait_listening(port, "kafkascope agent");
    running
}

/// `kafkascope agent` on a free port with `flags`, and its page's URL.
pub fn start_agent(flags: &[&str]) -> (Running, String) {
    let port = free_port();
    let running = start_agent_on(port, flags);
    (running, format!("http://127.0.0.1:{port}/metrics"))
}

/// The real node_exporter with `flags`, and its page's URL; `None` (after
/// saying why) when it is not installed, outside CI only.
pub fn start_node_exporter(flags: &[String]) -> Option<(Running, String)> {
    if !Path::new(NODE_EXPORTER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{NODE_EXPORTER} is missing: scripts/install-test-deps.sh installs it"
        );
        eprintln!("skipped: {NODE_EXPORTER} is missing (scripts/install-test-deps.sh installs it)");
        return None;
    }
    let port = free_port();
    let child = Command::new(NODE_EXPORTER)
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(flags)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node_exporter");
    let running = Running(child);
    wait_listening(port, "node_exporter");
    Some((running, format!("http://127.0.0.1:{port}/metrics")))
}
