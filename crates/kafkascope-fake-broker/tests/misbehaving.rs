//! The BadServer modes do what they claim, and the fake itself survives bad input.

mod common;

use std::time::Duration;

use common::{TestClient, cluster};
use kafka_protocol::messages::{ApiVersionsRequest, MetadataRequest};
use kafkascope_fake_broker::{BadServer, Misbehavior};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn bad(mode: Misbehavior) -> (BadServer, TestClient) {
    let server = BadServer::start(mode).await.unwrap();
    let client = TestClient::connect(server.addr()).await.unwrap();
    (server, client)
}

/// Sends a v0 ApiVersions and returns every byte received until EOF or 1 s of silence.
async fn exchange(server: &BadServer) -> Vec<u8> {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(&[0, 0, 0, 8, 0, 18, 0, 0, 0, 0, 0, 7])
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[tokio::test]
async fn garbage_truncated_and_oversized_frames() {
    let garbage = exchange(&BadServer::start(Misbehavior::Garbage).await.unwrap()).await;
    assert!(garbage.starts_with(b"HTTP/1.1 400"));
    let truncated = exchange(&BadServer::start(Misbehavior::TruncatedFrame).await.unwrap()).await;
    assert_eq!(&truncated[..4], &64i32.to_be_bytes());
    assert!(truncated.len() < 4 + 64);
    let oversized = exchange(&BadServer::start(Misbehavior::OversizedFrame).await.unwrap()).await;
    assert_eq!(&oversized[..4], &i32::MAX.to_be_bytes());
}

#[tokio::test]
async fn wrong_correlation_id_is_detected() {
    let (_server, mut c) = bad(Misbehavior::WrongCorrelationId).await;
    let err = c.call(&ApiVersionsRequest::default(), 0).await.unwrap_err();
    assert!(err.to_string().contains("correlation"));
}

#[tokio::test]
async fn close_immediately_and_silent() {
    let (server, mut c) = bad(Misbehavior::CloseImmediately).await;
    assert!(c.is_closed().await);
    assert_eq!(server.accepted(), 1);
    let (_server, mut c) = bad(Misbehavior::Silent).await;
    let req = ApiVersionsRequest::default();
    let call = c.call(&req, 0);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), call)
            .await
            .is_err()
    );
}

/// Frames the fake cannot parse close that connection only; the broker keeps serving.
#[tokio::test]
async fn fake_broker_survives_bad_frames() {
    let fake = cluster().start().unwrap();
    let addr = fake.broker_addr(1).unwrap();
    let bad_frames: [&[u8]; 5] = [
        &[0, 0, 0, 2, 0, 3],                                 // shorter than a header
        &[0, 0, 0, 8, 0x7f, 0x7f, 0, 0, 0, 0, 0, 1],         // unknown api key
        &[0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 1, 0x7f, 0x7f], // truncated header
        &[0, 0, 0, 8, 0, 3, 0, 99, 0, 0, 0, 1],              // Metadata v99
        &[0x7f, 0xff, 0xff, 0xff, 1, 2, 3],                  // 2 GiB frame
    ];
    for frame in bad_frames {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(frame).await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "{frame:?} should close"
        );
    }
    let mut c = TestClient::connect(addr).await.unwrap();
    assert_eq!(
        c.call(&MetadataRequest::default(), 12)
            .await
            .unwrap()
            .brokers
            .len(),
        3
    );
    // Garbage body under a valid Metadata v4 header.
    let mut c = TestClient::connect(addr).await.unwrap();
    assert!(
        c.roundtrip(kafkascope_fake_broker::ApiKey::Metadata, 4, &[0xff; 3])
            .await
            .is_err()
    );
}
