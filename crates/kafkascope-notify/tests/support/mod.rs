//! What the integration tests share: an HTTP endpoint on a free loopback
//! port that records every request and answers as scripted, alerts as the
//! evaluation makes them, plans from TOML, and waiting with a deadline.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use kafkascope_alerts::{Alert, AlertState};
use kafkascope_notify::{NotifyConfig, NotifyPlan};

/// A port nothing listens on (taken and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

pub fn now_ms() -> i64 {
    kafkascope_notify::dispatch::now_ms()
}

/// How the endpoint answers a request.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// Never: the connection is held open.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: serde_json::Value,
    pub at: Instant,
}

#[derive(Default)]
struct Recorded {
    received: Vec<Received>,
    /// Replies for the next requests, in order; then 200.
    script: VecDeque<Reply>,
    /// The reply for every request once the script is used up.
    default: Option<Reply>,
}

/// An HTTP endpoint recording what is POSTed to it.
#[derive(Clone)]
pub struct Recorder {
    pub addr: SocketAddr,
    state: Arc<Mutex<Recorded>>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the recorder");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(Recorded::default()));
        let app = Router::new().fallback(record).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Recorder { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers the next requests with these replies, in order.
    pub fn script(&self, replies: &[Reply]) {
        self.state.lock().unwrap().script.extend(replies);
    }

    /// Answers every request (after the script) with `reply`.
    pub fn always(&self, reply: Reply) {
        self.state.lock().unwrap().default = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits for `count` requests to `path`, then returns them all.
    pub async fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Received> {
        let at = |r: &Received| r.path == path;
        wait_until(within, || {
            self.received().iter().filter(|r| at(r)).count() >= count
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "{count} request(s) to {path} expected within {within:?}; got {:#?}",
                self.received()
            )
        });
        self.received().into_iter().filter(|r| at(r)).collect()
    }
}

async fn record(
    State(state): State<Arc<Mutex<Recorded>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let reply = {
        let mut state = state.lock().unwrap();
        state.received.push(Received {
            path: uri.path().to_string(),
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
            at: Instant::now(),
        });
        let default = state.default;
        state.script.pop_front().or(default)
    };
    match reply {
        None => StatusCode::OK,
        Some(Reply::Status(code)) => StatusCode::from_u16(code).unwrap(),
        Some(Reply::Hang) => std::future::pending().await,
    }
}

/// Polls `done` every 20 ms; `None` when `within` passed first.
pub async fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> Option<()> {
    let deadline = Instant::now() + within;
    loop {
        if done() {
            return Some(());
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The notifier's counts once `done` holds of them: a receiver records what
/// it got before the notifier has its answer and counts it.
pub async fn wait_for_stats(
    notifier: &kafkascope_notify::Notifier,
    within: Duration,
    done: impl Fn(&kafkascope_notify::NotifyStats) -> bool,
) -> kafkascope_notify::NotifyStats {
    wait_until(within, || done(&notifier.stats()))
        .await
        .unwrap_or_else(|| panic!("stats never got there: {:#?}", notifier.stats()));
    notifier.stats()
}

pub fn plan(toml_text: &str) -> NotifyPlan {
    toml::from_str::<NotifyConfig>(toml_text)
        .expect("the test's config reads")
        .build()
        .expect("the test's config is valid")
}

pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A firing alert, fired at `fired_at_ms`, as the evaluation holds it.
/// Read from JSON, as a saved alert is, so fields the alert type gains
/// with defaults need no change here.
pub fn firing(labels: BTreeMap<String, String>, summary: &str, fired_at_ms: i64) -> Alert {
    let alert: Alert = serde_json::from_value(serde_json::json!({
        "labels": labels,
        "annotations": {"summary": summary},
        "state": "firing",
        "value": 1.0,
        "active_at_ms": fired_at_ms - 60_000,
        "fired_at_ms": fired_at_ms,
        "resolved_at_ms": null,
        "keep_firing_since_ms": null,
    }))
    .expect("an alert reads from JSON");
    assert_eq!(alert.state, AlertState::Firing);
    alert
}

/// The same alert, resolved at `resolved_at_ms`.
pub fn resolved(alert: &Alert, resolved_at_ms: i64) -> Alert {
    Alert {
        state: AlertState::Inactive,
        resolved_at_ms: Some(resolved_at_ms),
        ..alert.clone()
    }
}

/// A program the tests run, from `env` or the first of `names` on PATH;
/// a clear failure (never a skip) when it is missing.
pub fn find_program(env: &str, names: &[&str], hint: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("none of {names:?} is on PATH and {env} is not set: {hint}");
}

/// Python for the SMTP server, as the other tests find it.
pub fn python() -> PathBuf {
    find_program(
        "KAFKASCOPE_PYTHON",
        &["python3"],
        "install Python 3 or set KAFKASCOPE_PYTHON",
    )
}
