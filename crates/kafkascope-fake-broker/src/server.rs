//! Listeners, connections and Kafka framing.
//!
//! Each broker owns a TCP listener on 127.0.0.1. A connection reads one size-prefixed
//! request at a time and writes its response before reading the next, so responses leave
//! in request order, as Kafka guarantees per connection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::apis::{self, ConnState, Ctx, Outcome};
use crate::cluster_state::FakeCluster;
use crate::sasl::SaslPhase;

/// Kafka's default `socket.request.max.bytes`; larger claimed frames close the connection.
const MAX_FRAME: usize = 100 * 1024 * 1024;

/// One request as seen by a broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestRecord {
    pub broker_id: i32,
    pub api_key: ApiKey,
    pub api_version: i16,
}

/// State shared by every listener and connection of one cluster.
pub(crate) struct Shared {
    model: Arc<Mutex<FakeCluster>>,
    addrs: BTreeMap<i32, SocketAddr>,
    down: Mutex<HashSet<i32>>,
    log: Mutex<Vec<RequestRecord>>,
}

/// A running accept loop and the way to stop it.
struct Listener {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// A started fake cluster; every listener stops when this is dropped.
pub struct FakeClusterHandle {
    shared: Arc<Shared>,
    listeners: Mutex<BTreeMap<i32, Listener>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the model must not take the brokers down too.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeCluster {
    /// Binds one listener per broker on 127.0.0.1 (ephemeral ports) and starts serving.
    /// Must be called inside a Tokio runtime.
    pub fn start(self) -> io::Result<FakeClusterHandle> {
        let mut bound = Vec::new();
        for b in &self.brokers {
            bound.push((b.id, bind("127.0.0.1:0".parse().expect("literal address"))?));
        }
        let addrs = bound
            .iter()
            .map(|(id, l)| Ok((*id, l.local_addr()?)))
            .collect::<io::Result<_>>()?;
        let shared = Arc::new(Shared {
            model: Arc::new(Mutex::new(self)),
            addrs,
            down: Mutex::default(),
            log: Mutex::default(),
        });
        let listeners = bound
            .into_iter()
            .map(|(id, l)| (id, spawn_listener(id, l, shared.clone())))
            .collect();
        Ok(FakeClusterHandle {
            shared,
            listeners: Mutex::new(listeners),
        })
    }
}

impl FakeClusterHandle {
    /// `host:port` of every broker, comma-separated, in model order.
    pub fn bootstrap(&self) -> String {
        let model = lock(&self.shared.model);
        let addrs: Vec<String> = model
            .brokers
            .iter()
            .filter_map(|b| self.shared.addrs.get(&b.id).map(ToString::to_string))
            .collect();
        addrs.join(",")
    }

    pub fn broker_addr(&self, id: i32) -> Option<SocketAddr> {
        self.shared.addrs.get(&id).copied()
    }

    /// The live model; changes apply to the next request. Do not hold it across `.await`.
    pub fn state(&self) -> MutexGuard<'_, FakeCluster> {
        lock(&self.shared.model)
    }

    /// Applies `f` to the live model.
    pub fn update<R>(&self, f: impl FnOnce(&mut FakeCluster) -> R) -> R {
        f(&mut self.state())
    }

    /// The model behind its shared lock, for tasks that outlive a borrow of the handle.
    pub fn shared_state(&self) -> Arc<Mutex<FakeCluster>> {
        self.shared.model.clone()
    }

    /// Stops (closing every open connection) or restarts a broker's listener on the same
    /// port. A down broker also disappears from Metadata/DescribeCluster broker lists and
    /// as a coordinator; partition leadership is left to the model.
    pub async fn set_broker_down(&self, id: i32, down: bool) -> io::Result<()> {
        let addr = self.broker_addr(id).ok_or(io::ErrorKind::NotFound)?;
        if down {
            lock(&self.shared.down).insert(id);
            let stopped = lock(&self.listeners).remove(&id);
            if let Some(l) = stopped {
                let _ = l.stop.send(());
                let _ = l.task.await;
            }
            return Ok(());
        }
        if !lock(&self.listeners).contains_key(&id) {
            let listener = spawn_listener(id, bind(addr)?, self.shared.clone());
            lock(&self.listeners).insert(id, listener);
        }
        lock(&self.shared.down).remove(&id);
        Ok(())
    }

    pub fn is_broker_down(&self, id: i32) -> bool {
        lock(&self.shared.down).contains(&id)
    }

    /// Every request received so far, in arrival order.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).clone()
    }

    /// Number of requests per (broker id, api key).
    pub fn request_counts(&self) -> HashMap<(i32, ApiKey), usize> {
        let mut counts = HashMap::new();
        for r in lock(&self.shared.log).iter() {
            *counts.entry((r.broker_id, r.api_key)).or_insert(0) += 1;
        }
        counts
    }

    /// Number of `api` requests that reached broker `id`.
    pub fn request_count(&self, id: i32, api: ApiKey) -> usize {
        let log = lock(&self.shared.log);
        log.iter()
            .filter(|r| r.broker_id == id && r.api_key == api)
            .count()
    }

    /// Number of `api` requests over all brokers.
    pub fn total_requests(&self, api: ApiKey) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.api_key == api)
            .count()
    }

    pub fn clear_request_log(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for FakeClusterHandle {
    fn drop(&mut self) {
        for (_, l) in std::mem::take(&mut *lock(&self.listeners)) {
            let _ = l.stop.send(());
            l.task.abort();
        }
    }
}

/// SO_REUSEADDR lets a restarted broker take its old port back despite TIME_WAIT sockets.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn spawn_listener(id: i32, listener: TcpListener, shared: Arc<Shared>) -> Listener {
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept_loop(id, listener, shared, stopped));
    Listener { stop, task }
}

/// Accepts until told to stop, then closes every connection before returning, so a
/// broker reported down really has no open socket left.
async fn accept_loop(
    id: i32,
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                match accepted {
                    Ok((stream, _)) => {
                        conns.spawn(serve(stream, id, shared.clone()));
                    }
                    // E.g. out of file descriptors: back off instead of spinning.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    conns.shutdown().await;
}

async fn serve(mut stream: TcpStream, broker_id: i32, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let mut conn = ConnState::default();
    while let Ok(Some(frame)) = read_frame(&mut stream).await {
        let out = handle_frame(&shared, broker_id, &mut conn, frame);
        let Some(bytes) = out else { break };
        if stream.write_all(&bytes).await.is_err() || conn.close_after {
            break;
        }
    }
}

/// Reads one size-prefixed frame; `None` on clean EOF, error on a bad size or short read.
pub(crate) async fn read_frame(stream: &mut TcpStream) -> io::Result<Option<Bytes>> {
    let mut size = [0u8; 4];
    match stream.read_exact(&mut size).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let size = usize::try_from(i32::from_be_bytes(size))
        .ok()
        .filter(|s| *s <= MAX_FRAME)
        .ok_or(io::ErrorKind::InvalidData)?;
    let mut buf = vec![0u8; size];
    stream.read_exact(&mut buf).await?;
    Ok(Some(Bytes::from(buf)))
}

/// Turns one request frame into the bytes to write back, or `None` to close.
fn handle_frame(
    shared: &Shared,
    broker_id: i32,
    conn: &mut ConnState,
    mut frame: Bytes,
) -> Option<Bytes> {
    let raw_sasl = matches!(conn.sasl, SaslPhase::Exchanging { raw: true, .. });
    let header = if raw_sasl {
        None
    } else {
        Some(decode_header(&mut frame)?)
    };
    if let Some((key, h)) = &header {
        lock(&shared.log).push(RequestRecord {
            broker_id,
            api_key: *key,
            api_version: h.request_api_version,
        });
    }
    let down = lock(&shared.down).clone();
    let model = lock(&shared.model);
    let mut ctx = Ctx {
        broker_id,
        model: &model,
        addrs: &shared.addrs,
        down: &down,
        conn,
    };
    let Some((key, header)) = header else {
        return match apis::raw_token(&mut ctx, &frame) {
            Outcome::Raw(token) => Some(size_prefixed(&[], &token)),
            _ => None,
        };
    };
    if !authenticated_or_allowed(&ctx, key) {
        // Kafka closes a connection that skips SASL authentication.
        return None;
    }
    let version = header.request_api_version;
    match apis::dispatch(&mut ctx, key, version, &mut frame) {
        Outcome::Respond(body) => response_frame(key, version, header.correlation_id, &body),
        Outcome::Raw(token) => Some(size_prefixed(&[], &token)),
        Outcome::Close => None,
    }
}

fn authenticated_or_allowed(ctx: &Ctx, key: ApiKey) -> bool {
    ctx.model.sasl.is_none()
        || matches!(ctx.conn.sasl, SaslPhase::Authenticated)
        || matches!(
            key,
            ApiKey::ApiVersions | ApiKey::SaslHandshake | ApiKey::SaslAuthenticate
        )
}

/// Decodes the request header without trusting the frame: short frames, unknown API keys
/// and malformed headers all yield `None`.
pub(crate) fn decode_header(frame: &mut Bytes) -> Option<(ApiKey, RequestHeader)> {
    if frame.len() < 4 {
        return None;
    }
    let key = ApiKey::try_from((&frame[..2]).get_i16()).ok()?;
    let version = (&frame[2..4]).get_i16();
    let header = RequestHeader::decode(frame, key.request_header_version(version)).ok()?;
    Some((key, header))
}

fn response_frame(key: ApiKey, version: i16, correlation_id: i32, body: &[u8]) -> Option<Bytes> {
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let mut buf = BytesMut::new();
    header
        .encode(&mut buf, key.response_header_version(version))
        .ok()?;
    Some(size_prefixed(&buf, body))
}

fn size_prefixed(header: &[u8], body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(4 + header.len() + body.len());
    out.put_i32((header.len() + body.len()) as i32);
    out.put_slice(header);
    out.put_slice(body);
    out.freeze()
}
