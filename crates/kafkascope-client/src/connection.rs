//! One multiplexed connection to one broker.
//!
//! Requests are pipelined: any number may be in flight, a writer task sends
//! them in order and a reader task hands each response to its caller by
//! correlation id. Every connection negotiates versions with ApiVersions
//! before it is handed out, and authenticates first when SASL is configured.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use crate::api_versions::{ApiVersionTable, request_name};
use crate::config::ClientConfig;
use crate::error::{ClientError, Result};
use crate::frame::{FrameError, correlation_id, frame, read_frame};
use crate::security;

/// A byte stream a connection can run over: plain TCP or TLS.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ByteStream for T {}
pub type BoxedStream = Box<dyn ByteStream>;

const UNSUPPORTED_VERSION: i16 = 35;
/// ApiVersions v3 is the first flexible version and what Kafka 2.4+ answers.
const API_VERSIONS_PREFERRED: i16 = 3;

type Waiter = oneshot::Sender<Result<Bytes>>;

#[derive(Default)]
struct Pending {
    waiters: HashMap<i32, Waiter>,
    /// Set once the connection is unusable; new requests fail at once.
    closed: Option<ClientError>,
}

impl Pending {
    fn close(&mut self, error: ClientError) {
        if self.closed.is_none() {
            self.closed = Some(error.clone());
        }
        for (_, waiter) in self.waiters.drain() {
            let _ = waiter.send(Err(error.clone()));
        }
    }
}

struct Inner {
    addr: String,
    client_id: StrBytes,
    request_timeout: std::time::Duration,
    outgoing: mpsc::UnboundedSender<Bytes>,
    pending: Arc<Mutex<Pending>>,
    next_correlation_id: AtomicI32,
    versions: std::sync::OnceLock<ApiVersionTable>,
    /// When the SASL session expires, if the broker set a lifetime.
    retire_at: std::sync::OnceLock<std::time::Instant>,
    request_counts: Arc<crate::request_counts::RequestCounts>,
    tasks: [AbortHandle; 2],
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A cheap-to-clone handle; the socket closes when the last clone is dropped.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.inner.addr)
            .finish()
    }
}

impl Connection {
    /// Connects, wraps in TLS if configured, negotiates versions and authenticates.
    pub async fn connect(addr: &str, config: &ClientConfig) -> Result<Connection> {
        let tcp = tokio::time::timeout(config.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::ConnectTimeout {
                addr: addr.to_string(),
                after: config.connect_timeout,
            })?
            .map_err(|e| ClientError::Connect {
                addr: addr.to_string(),
                reason: e.to_string(),
            })?;
        let _ = tcp.set_nodelay(true);
        let stream: BoxedStream = match &config.tls {
            // A peer that accepts but never finishes the handshake must not
            // hang the connect.
            Some(tls) => {
                tokio::time::timeout(config.connect_timeout, security::tls::wrap(tcp, addr, tls))
                    .await
                    .map_err(|_| ClientError::ConnectTimeout {
                        addr: addr.to_string(),
                        after: config.connect_timeout,
                    })??
            }
            None => Box::new(tcp),
        };
        let connection = Self::over_stream(addr, stream, config);
        connection.negotiate_versions().await?;
        if let Some(sasl) = &config.sasl {
            let session = security::sasl::authenticate_session(&connection, sasl).await?;
            if let Some(lifetime) = session.session_lifetime {
                // Retire the connection before the broker cuts it (KIP-368),
                // at 85% of the lifetime as Kafka's own clients re-authenticate.
                let _ = connection
                    .inner
                    .retire_at
                    .set(std::time::Instant::now() + lifetime.mul_f64(0.85));
            }
        }
        Ok(connection)
    }

    /// Starts the reader and writer tasks over an established stream.
    fn over_stream(addr: &str, stream: BoxedStream, config: &ClientConfig) -> Connection {
        let (read_half, write_half) = tokio::io::split(stream);
        let (outgoing, outgoing_rx) = mpsc::unbounded_channel();
        let pending = Arc::new(Mutex::new(Pending::default()));
        let reader = tokio::spawn(read_loop(
            addr.to_string(),
            read_half,
            pending.clone(),
            config.max_response_bytes,
        ));
        let writer = tokio::spawn(write_loop(
            addr.to_string(),
            write_half,
            outgoing_rx,
            pending.clone(),
        ));
        Connection {
            inner: Arc::new(Inner {
                addr: addr.to_string(),
                client_id: StrBytes::from_string(config.client_id.clone()),
                request_timeout: config.request_timeout,
                outgoing,
                pending,
                next_correlation_id: AtomicI32::new(1),
                versions: std::sync::OnceLock::new(),
                retire_at: std::sync::OnceLock::new(),
                request_counts: config.request_counts.clone(),
                tasks: [reader.abort_handle(), writer.abort_handle()],
            }),
        }
    }

    pub fn addr(&self) -> &str {
        &self.inner.addr
    }

    /// False once the socket failed, a request timed out or the SASL session
    /// is near its end; the pool then replaces it.
    pub fn is_usable(&self) -> bool {
        let expired = self
            .inner
            .retire_at
            .get()
            .is_some_and(|at| std::time::Instant::now() >= *at);
        !expired
            && self
                .inner
                .pending
                .lock()
                .map(|p| p.closed.is_none())
                .unwrap_or(false)
    }

    pub fn api_versions(&self) -> &ApiVersionTable {
        static EMPTY: std::sync::OnceLock<ApiVersionTable> = std::sync::OnceLock::new();
        self.inner
            .versions
            .get()
            .unwrap_or_else(|| EMPTY.get_or_init(ApiVersionTable::default))
    }

    /// The version of `R` to use, at most `cap`, or why there is none.
    pub fn version_for<R: Request>(&self, cap: Option<i16>) -> Result<i16> {
        self.api_versions()
            .negotiate::<R>(cap)
            .ok_or_else(|| ClientError::UnsupportedApi {
                addr: self.inner.addr.clone(),
                api: request_name::<R>(),
                offered: self.api_versions().offered(R::KEY),
            })
    }

    /// Sends `request` at the highest version both sides speak.
    pub async fn send<R: Request>(&self, request: &R) -> Result<R::Response> {
        let version = self.version_for::<R>(None)?;
        self.send_at(request, version).await
    }

    /// Sends `request` at an explicit `version` and decodes the answer.
    pub async fn send_at<R: Request>(&self, request: &R, version: i16) -> Result<R::Response> {
        let mut body = self.round_trip(request, version).await?;
        // The generated decoders trust the lengths a response claims; a
        // broker's bytes must never take the process down with a panic.
        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            R::Response::decode(&mut body, version)
        }));
        let reason = match decoded {
            Ok(Ok(response)) => return Ok(response),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "decoder panicked on malformed input".to_string(),
        };
        Err(ClientError::Decode {
            addr: self.inner.addr.clone(),
            api: request_name::<R>(),
            version,
            reason,
        })
    }

    /// Sends a request and returns the response body after its header.
    async fn round_trip<R: Request>(&self, request: &R, version: i16) -> Result<Bytes> {
        let api = request_name::<R>();
        let id = self
            .inner
            .next_correlation_id
            .fetch_add(1, Ordering::Relaxed);
        let message = self.encode(request, version, id)?;
        let rx = self.register(id)?;
        self.inner.request_counts.record(R::KEY);
        if self.inner.outgoing.send(message).is_err() {
            return Err(self.closed_error("writer stopped"));
        }
        let timeout = self.inner.request_timeout;
        let mut body = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result?,
            Ok(Err(_)) => return Err(self.closed_error("reader stopped")),
            Err(_) => {
                // A late answer would desynchronise nothing (ids are unique), but
                // a broker this slow is treated as gone, as Kafka's clients do.
                let error = ClientError::RequestTimeout {
                    addr: self.inner.addr.clone(),
                    api,
                    after: timeout,
                };
                self.shut_down(error.clone());
                return Err(error);
            }
        };
        let header_version = R::Response::header_version(version);
        ResponseHeader::decode(&mut body, header_version).map_err(|e| ClientError::Decode {
            addr: self.inner.addr.clone(),
            api,
            version,
            reason: format!("response header: {e}"),
        })?;
        Ok(body)
    }

    fn encode<R: Request>(&self, request: &R, version: i16, id: i32) -> Result<Bytes> {
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(id)
            .with_client_id(Some(self.inner.client_id.clone()));
        let mut buf = BytesMut::with_capacity(64);
        header
            .encode(&mut buf, R::header_version(version))
            .and_then(|_| request.encode(&mut buf, version))
            .map_err(|e| ClientError::Encode {
                addr: self.inner.addr.clone(),
                api: request_name::<R>(),
                version,
                reason: e.to_string(),
            })?;
        Ok(frame(&buf))
    }

    fn register(&self, id: i32) -> Result<oneshot::Receiver<Result<Bytes>>> {
        let (tx, rx) = oneshot::channel();
        let mut pending = self.inner.pending.lock().expect("pending lock poisoned");
        if let Some(error) = &pending.closed {
            return Err(error.clone());
        }
        pending.waiters.insert(id, tx);
        Ok(rx)
    }

    fn closed_error(&self, fallback: &str) -> ClientError {
        let pending = self.inner.pending.lock().expect("pending lock poisoned");
        pending
            .closed
            .clone()
            .unwrap_or_else(|| ClientError::Closed {
                addr: self.inner.addr.clone(),
                reason: fallback.to_string(),
            })
    }

    fn shut_down(&self, error: ClientError) {
        self.inner
            .pending
            .lock()
            .expect("pending lock poisoned")
            .close(error);
        for task in &self.inner.tasks {
            task.abort();
        }
    }

    /// ApiVersions, retried at the broker's own highest version (usually v0)
    /// when it answers UNSUPPORTED_VERSION, as KIP-511 prescribes.
    async fn negotiate_versions(&self) -> Result<()> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kafkascope"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let mut version = API_VERSIONS_PREFERRED;
        let response = loop {
            let body = self.round_trip(&request, version).await?;
            let error_code = body.clone().try_get_i16().unwrap_or(0);
            if error_code == UNSUPPORTED_VERSION && version > 0 {
                // The broker answered in v0 layout, listing what it does speak.
                let offered = self.decode_api_versions(body, 0)?;
                version = ApiVersionTable::from_response(&offered)
                    .range(ApiVersionsRequest::KEY)
                    .map_or(0, |(_, max)| max.min(version - 1).max(0));
                continue;
            }
            break self.decode_api_versions(body, version)?;
        };
        if response.error_code != 0 {
            return Err(ClientError::Kafka {
                addr: self.inner.addr.clone(),
                api: "ApiVersionsRequest",
                code: response.error_code,
                name: crate::kafka_error_name(response.error_code),
                context: String::new(),
            });
        }
        let _ = self
            .inner
            .versions
            .set(ApiVersionTable::from_response(&response));
        Ok(())
    }

    fn decode_api_versions(&self, mut body: Bytes, version: i16) -> Result<ApiVersionsResponse> {
        ApiVersionsResponse::decode(&mut body, version).map_err(|e| ClientError::Decode {
            addr: self.inner.addr.clone(),
            api: "ApiVersionsRequest",
            version,
            reason: e.to_string(),
        })
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    addr: String,
    mut reader: R,
    pending: Arc<Mutex<Pending>>,
    max_bytes: usize,
) {
    let error = loop {
        let body = match read_frame(&mut reader, max_bytes).await {
            Ok(Some(body)) => body,
            Ok(None) => break closed(&addr, "broker closed the connection"),
            Err(e) => break frame_error(&addr, e, max_bytes),
        };
        let Some(id) = correlation_id(&body) else {
            break invalid(&addr, "response shorter than a correlation id");
        };
        let waiter = pending.lock().expect("pending lock").waiters.remove(&id);
        match waiter {
            Some(waiter) => {
                let _ = waiter.send(Ok(body));
            }
            // A timed-out request closes the connection, so an unknown id is
            // a peer that is not speaking Kafka to us.
            None => break invalid(&addr, &format!("unexpected correlation id {id}")),
        }
    };
    pending.lock().expect("pending lock").close(error);
}

async fn write_loop<W: AsyncWrite + Unpin>(
    addr: String,
    mut writer: W,
    mut outgoing: mpsc::UnboundedReceiver<Bytes>,
    pending: Arc<Mutex<Pending>>,
) {
    while let Some(message) = outgoing.recv().await {
        if let Err(e) = writer.write_all(&message).await {
            let error = closed(&addr, &format!("write failed: {e}"));
            pending.lock().expect("pending lock").close(error);
            return;
        }
    }
    let _ = writer.shutdown().await;
}

fn closed(addr: &str, reason: &str) -> ClientError {
    ClientError::Closed {
        addr: addr.to_string(),
        reason: reason.to_string(),
    }
}

fn invalid(addr: &str, reason: &str) -> ClientError {
    ClientError::InvalidFrame {
        addr: addr.to_string(),
        reason: reason.to_string(),
    }
}

fn frame_error(addr: &str, error: FrameError, max: usize) -> ClientError {
    match error {
        FrameError::TooLarge(size) => ClientError::FrameTooLarge {
            addr: addr.to_string(),
            size,
            max,
        },
        FrameError::Negative(size) => invalid(addr, &format!("negative frame size {size}")),
        FrameError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            closed(addr, "truncated frame: broker closed mid-response")
        }
        FrameError::Io(e) => closed(addr, &format!("read failed: {e}")),
    }
}
