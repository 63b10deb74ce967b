//! Servers that break the Kafka wire protocol on purpose, to test client robustness.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{BufMut, BytesMut};
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse, ResponseHeader};
use kafka_protocol::protocol::Encodable;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::server::{decode_header, read_frame};

/// How a [`BadServer`] misbehaves on every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehavior {
    /// Reads a request, answers with bytes that are not a Kafka frame (an HTTP error line
    /// whose first 4 bytes read as a ~1.2 GB size, then noise), then closes.
    Garbage,
    /// Reads a request, announces a 64-byte frame, sends only 8 bytes, then closes.
    TruncatedFrame,
    /// Reads a request, announces a frame of i32::MAX bytes (~2 GiB), sends a few bytes and
    /// keeps the connection open until the client gives up.
    OversizedFrame,
    /// Answers every request with a well-formed frame carrying the wrong correlation id.
    WrongCorrelationId,
    /// Accepts and closes at once, before reading anything.
    CloseImmediately,
    /// Accepts and reads requests but never answers (for timeout tests).
    Silent,
}

/// A single misbehaving listener on 127.0.0.1; stops when dropped.
pub struct BadServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl BadServer {
    pub async fn start(mode: Misbehavior) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(misbehave(stream, mode));
            }
        });
        Ok(Self {
            addr,
            accepted,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address as a one-entry bootstrap string.
    pub fn bootstrap(&self) -> String {
        self.addr.to_string()
    }

    /// How many connections were accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for BadServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn misbehave(mut stream: TcpStream, mode: Misbehavior) {
    // Write errors are expected (clients hang up on us): the outcome is the same.
    let _ = match mode {
        Misbehavior::CloseImmediately => Ok(()),
        Misbehavior::Silent => drain(&mut stream).await,
        Misbehavior::Garbage => reply_once(&mut stream, &garbage()).await,
        Misbehavior::TruncatedFrame => reply_once(&mut stream, &truncated()).await,
        Misbehavior::OversizedFrame => oversized(&mut stream).await,
        Misbehavior::WrongCorrelationId => wrong_correlation(&mut stream).await,
    };
}

/// Reads and discards requests until the client closes.
async fn drain(stream: &mut TcpStream) -> io::Result<()> {
    while read_frame(stream).await?.is_some() {}
    Ok(())
}

async fn reply_once(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    if read_frame(stream).await?.is_some() {
        stream.write_all(bytes).await?;
    }
    Ok(())
}

fn garbage() -> Vec<u8> {
    let mut out = b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec();
    // A fixed LCG: noisy, but the same bytes on every run.
    let mut x: u32 = 0x2545_f491;
    out.extend((0..256).map(|_| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (x >> 24) as u8
    }));
    out
}

fn truncated() -> Vec<u8> {
    let mut out = 64i32.to_be_bytes().to_vec();
    out.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
    out
}

async fn oversized(stream: &mut TcpStream) -> io::Result<()> {
    if read_frame(stream).await?.is_none() {
        return Ok(());
    }
    let mut out = i32::MAX.to_be_bytes().to_vec();
    out.extend_from_slice(&[0, 0, 0, 1, 0, 0]);
    stream.write_all(&out).await?;
    drain(stream).await
}

/// Answers ApiVersions with a real (empty-table) response and anything else with an empty
/// body, always under correlation id + 1, so only the id check can catch it.
async fn wrong_correlation(stream: &mut TcpStream) -> io::Result<()> {
    while let Some(mut frame) = read_frame(stream).await? {
        let Some((key, header)) = decode_header(&mut frame) else {
            return Ok(());
        };
        let version = header.request_api_version;
        let mut body = BytesMut::new();
        if key == ApiKey::ApiVersions {
            let _ = ApiVersionsResponse::default().encode(&mut body, version.clamp(0, 4));
        }
        let mut head = BytesMut::new();
        let wrong =
            ResponseHeader::default().with_correlation_id(header.correlation_id.wrapping_add(1));
        let _ = wrong.encode(&mut head, key.response_header_version(version));
        let mut out = BytesMut::new();
        out.put_i32((head.len() + body.len()) as i32);
        out.put_slice(&head);
        out.put_slice(&body);
        stream.write_all(&out).await?;
    }
    Ok(())
}
