//! Shared by the binary's integration tests: run `kafkascope`, speak plain
//! HTTP to it, read Prometheus text.

#![allow(dead_code)]

pub mod agents;
pub mod kafka;
pub mod rules;
pub mod tmpfs;
pub mod webhook;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn kafkascope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(args)
        .env("KAFKASCOPE_LOG", "warn")
        .output()
        .expect("running kafkascope")
}

/// Runs a CLI command that must succeed; returns stdout.
pub fn kafkascope_ok(args: &[&str]) -> String {
    let output = kafkascope(args);
    assert!(
        output.status.success(),
        "kafkascope {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

pub fn kafkascope_json(args: &[&str]) -> serde_json::Value {
    let mut full = args.to_vec();
    full.extend(["--output", "json"]);
    serde_json::from_str(&kafkascope_ok(&full)).expect("JSON output")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `kafkascope serve` in the background, killed on drop. Its history goes
/// to a temporary directory unless the test gives one.
pub struct Serve {
    child: Child,
    pub addr: String,
    _data_dir: Option<tempfile::TempDir>,
}

impl Serve {
    pub fn start(args: &[&str]) -> Serve {
        let data = tempfile::tempdir().expect("temporary data directory");
        let mut serve = Self::start_with_data_dir(args, data.path());
        serve._data_dir = Some(data);
        serve
    }

    /// Keeps history in `data_dir`, which outlives this process.
    pub fn start_with_data_dir(args: &[&str], data_dir: &std::path::Path) -> Serve {
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
            .arg("serve")
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--listen", &addr])
            .env("KAFKASCOPE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning kafkascope serve");
        let serve = Serve {
            child,
            addr,
            _data_dir: None,
        };
        serve.wait_until("ready", Duration::from_secs(30), |s| {
            s.get("/readyz").is_some_and(|(status, _)| status == 200)
        });
        serve
    }

    /// `(status, body)` of a GET, or `None` when nothing answers.
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        http_get(&self.addr, path, None)
    }

    pub fn metrics(&self) -> Metrics {
        let (status, body) = self.get("/metrics").expect("GET /metrics");
        assert_eq!(status, 200);
        Metrics::parse(&body)
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path).expect("GET");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    /// Polls `check` until it holds, failing the test after `timeout`.
    pub fn wait_until(&self, what: &str, timeout: Duration, check: impl Fn(&Serve) -> bool) {
        let deadline = Instant::now() + timeout;
        while !check(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Serve {
    /// SIGTERM, as a service manager stops it, and waits for it to finish.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL, as a crash would: nothing is flushed or sealed.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.0 GET: enough for tests, no client dependency.
pub fn http_get(addr: &str, path: &str, accept: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// A minimal HTTP/1.0 POST of a JSON body.
pub fn http_post_json(addr: &str, path: &str, json: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Samples of a Prometheus text exposition, keyed by name and sorted labels.
pub struct Metrics {
    samples: BTreeMap<(String, Vec<(String, String)>), f64>,
}

impl Metrics {
    pub fn parse(text: &str) -> Metrics {
        let mut samples = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').expect("sample line");
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, parse_labels(rest.trim_end_matches('}'))),
                None => (series, Vec::new()),
            };
            samples.insert(
                (name.to_string(), labels),
                value.parse().expect("sample value"),
            );
        }
        Metrics { samples }
    }

    /// The value of the one series `name{labels}`, if present.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        self.samples.get(&(name.to_string(), labels)).copied()
    }

    pub fn count(&self, name: &str) -> usize {
        self.samples.keys().filter(|(n, _)| n == name).count()
    }
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        value.push(if next == 'n' { '\n' } else { next });
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.push((key.trim_start_matches(',').to_string(), value));
        rest = &after[end..];
    }
    labels.sort();
    labels
}
