//! A tansu broker process for integration tests.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::client::kafka_client;

/// How long a started broker may take to answer ApiVersions.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Fresh ports tried by [`Tansu::start`] when tansu loses a race for one.
const START_ATTEMPTS: usize = 5;

/// A running single-node tansu broker with in-memory storage, listening on
/// `127.0.0.1:<free port>` and advertising that address in metadata.
///
/// The process is killed (and reaped) on drop. Its output goes to a log file
/// in a temporary directory, see [`Tansu::log_path`].
pub struct Tansu {
    bin: PathBuf,
    port: u16,
    advertised: Option<String>,
    logs: TempDir,
    child: Option<Child>,
}

impl Tansu {
    /// The cluster id tansu reports in Metadata.
    pub const CLUSTER_ID: &'static str = "kafkascope-test";
    /// tansu's fixed broker (node) id.
    pub const NODE_ID: i32 = 111;

    /// Starts tansu on a free port and waits until it answers ApiVersions.
    ///
    /// The binary is `$KAFKASCOPE_TANSU_BIN`, else the one
    /// `scripts/install-test-deps.sh` installs (see [`tansu_bin`]).
    pub fn start() -> Result<Tansu> {
        Self::start_with(None)
    }

    /// Like [`Tansu::start`], but metadata advertises `host:port` instead of
    /// the broker's own address; for a proxy in front of tansu (e.g. stunnel
    /// for TLS). Readiness is still checked on the broker's own port.
    pub fn start_advertising(advertised: &str) -> Result<Tansu> {
        Self::start_with(Some(advertised.to_string()))
    }

    fn start_with(advertised: Option<String>) -> Result<Tansu> {
        let logs = tempfile::Builder::new()
            .prefix("kafkascope-tansu-")
            .tempdir()
            .context("creating a temporary directory for the tansu log")?;
        let mut tansu = Tansu {
            bin: tansu_bin()?,
            port: 0,
            advertised,
            logs,
            child: None,
        };
        for attempt in 1..=START_ATTEMPTS {
            tansu.port = free_port()?;
            match tansu.spawn_and_wait() {
                Ok(()) => return Ok(tansu),
                Err(error) if attempt < START_ATTEMPTS && tansu.lost_port_race() => {
                    eprintln!("tansu: port {} was taken, retrying: {error:#}", tansu.port);
                }
                Err(error) => return Err(error),
            }
        }
        unreachable!("the last attempt returns")
    }

    /// `127.0.0.1:<port>`, for `--bootstrap-server` / `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port tansu listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The file collecting tansu's stdout and stderr (all restarts).
    pub fn log_path(&self) -> PathBuf {
        self.logs.path().join("tansu.log")
    }

    /// Runs `kafka_client.py <command> --bootstrap <this broker> <args...>`,
    /// returning its stdout (see [`kafka_client`]).
    pub fn client(&self, command: &str, args: &[&str]) -> Result<String> {
        let bootstrap = self.bootstrap();
        let mut full = vec![command, "--bootstrap", &bootstrap];
        full.extend_from_slice(args);
        kafka_client(&full)
    }

    /// Kills the broker and waits for it to exit. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // It may already have exited; either way it is reaped below.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the broker and starts it again on the same port. Storage is in
    /// memory, so the restarted broker has no topics, records or groups.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.spawn_and_wait() {
                Ok(()) => return Ok(()),
                // The old socket can linger briefly; the port is ours to wait for.
                Err(_) if Instant::now() < deadline && self.lost_port_race() => {
                    thread::sleep(Duration::from_millis(200));
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn spawn_and_wait(&mut self) -> Result<()> {
        self.spawn()?;
        let ready = self.wait_until_ready();
        if ready.is_err() {
            self.stop();
        }
        ready.with_context(|| format!("tansu log:\n{}", self.log_tail()))
    }

    fn spawn(&mut self) -> Result<()> {
        let log_path = self.log_path();
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("opening {}", log_path.display()))?;
        writeln!(log, "=== starting tansu on port {}", self.port)?;
        let listener = format!("tcp://127.0.0.1:{}", self.port);
        let advertised = match &self.advertised {
            Some(address) => format!("tcp://{address}"),
            None => listener.clone(),
        };
        let child = Command::new(&self.bin)
            .args(["broker", "--cluster-id", Self::CLUSTER_ID])
            .args(["--listener-url", &listener])
            .args(["--advertised-listener-url", &advertised])
            .args(["--storage-engine", "memory://tansu/"])
            .env_remove("SCHEMA_REGISTRY")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        self.child = Some(child);
        Ok(())
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.child.as_mut().context("tansu is not running")?;
            if let Some(status) = child.try_wait()? {
                bail!("tansu exited during start-up ({status})");
            }
            let last_error = match api_versions_round_trip(address) {
                Ok(()) => return Ok(()),
                Err(error) => error,
            };
            if Instant::now() > deadline {
                return Err(last_error.context(format!(
                    "tansu did not answer ApiVersions on {address} within {READY_TIMEOUT:?}"
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the last start-up failed because the port was in use.
    fn lost_port_race(&self) -> bool {
        fs::read_to_string(self.log_path())
            .map(|log| {
                let last_start = log.rsplit("=== starting tansu").next().unwrap_or("");
                last_start.contains("AddrInUse")
            })
            .unwrap_or(false)
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The tansu binary: `$KAFKASCOPE_TANSU_BIN`, else
/// `${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}/tansu-0.6.0/bin/tansu`.
pub fn tansu_bin() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("KAFKASCOPE_TANSU_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            bail!("KAFKASCOPE_TANSU_BIN={} is not a file", bin.display());
        }
        return Ok(bin);
    }
    let cache = match std::env::var_os("KAFKASCOPE_CACHE") {
        Some(cache) => PathBuf::from(cache),
        None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
            .join(".cache/kafkascope"),
    };
    let bin = cache.join("tansu-0.6.0/bin/tansu");
    if !bin.is_file() {
        bail!(
            "tansu not found at {} and KAFKASCOPE_TANSU_BIN is not set; \
             run scripts/install-test-deps.sh (or use scripts/test.sh)",
            bin.display()
        );
    }
    Ok(bin)
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Sends ApiVersions v0 and checks the answer's correlation id and error code.
fn api_versions_round_trip(address: SocketAddr) -> Result<()> {
    const API_VERSIONS: i16 = 18;
    const CORRELATION_ID: i32 = 0x6b73; // "ks"
    const CLIENT_ID: &[u8] = b"kafkascope-testkit";

    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;

    let mut request = Vec::new();
    request.extend_from_slice(&API_VERSIONS.to_be_bytes());
    request.extend_from_slice(&0i16.to_be_bytes()); // version
    request.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    request.extend_from_slice(&(CLIENT_ID.len() as i16).to_be_bytes());
    request.extend_from_slice(CLIENT_ID);
    stream.write_all(&(request.len() as i32).to_be_bytes())?;
    stream.write_all(&request)?;

    // Size (4), correlation id (4), error code (2) of the response.
    let mut head = [0u8; 10];
    stream
        .read_exact(&mut head)
        .context("reading the ApiVersions response")?;
    let correlation_id = i32::from_be_bytes(head[4..8].try_into()?);
    let error_code = i16::from_be_bytes(head[8..10].try_into()?);
    if correlation_id != CORRELATION_ID || error_code != 0 {
        bail!(
            "unexpected ApiVersions response: correlation id {correlation_id}, error {error_code}"
        );
    }
    Ok(())
}
