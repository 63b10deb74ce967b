//! Peers that do not speak Kafka, or speak it badly, served by the fake
//! broker's misbehaving listener: each gives a clear error, never a panic,
//! and the pool stays usable afterwards.

use std::time::Duration;

use kafkascope_client::{BrokerPool, ClientConfig, ClientError, Connection};
use kafkascope_fake_broker::{BadServer, Misbehavior};

fn config() -> ClientConfig {
    ClientConfig {
        request_timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        max_response_bytes: 1024 * 1024,
        ..ClientConfig::default()
    }
}

async fn connect_to(mode: Misbehavior) -> ClientError {
    let server = BadServer::start(mode).await.unwrap();
    let error = Connection::connect(&server.bootstrap(), &config())
        .await
        .expect_err("a misbehaving peer must not yield a connection");
    assert!(server.accepted() >= 1);
    error
}

#[tokio::test]
async fn garbage_bytes_are_refused_before_allocating() {
    // "HTTP/1.1 400…" read as a size is about 1.2 GB: over the 1 MiB cap.
    match connect_to(Misbehavior::Garbage).await {
        ClientError::FrameTooLarge { size, max, .. } => {
            assert_eq!(size, i64::from(i32::from_be_bytes(*b"HTTP")));
            assert_eq!(max, 1024 * 1024);
        }
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_frame_is_refused() {
    match connect_to(Misbehavior::OversizedFrame).await {
        ClientError::FrameTooLarge { size, .. } => assert_eq!(size, i64::from(i32::MAX)),
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn truncated_frame_is_reported_as_such() {
    match connect_to(Misbehavior::TruncatedFrame).await {
        ClientError::Closed { reason, .. } => {
            assert!(reason.contains("truncated frame"), "{reason}")
        }
        other => panic!("expected Closed, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_correlation_id_is_a_protocol_error() {
    match connect_to(Misbehavior::WrongCorrelationId).await {
        ClientError::InvalidFrame { reason, .. } => {
            assert!(reason.starts_with("unexpected correlation id"), "{reason}")
        }
        other => panic!("expected InvalidFrame, got {other:?}"),
    }
}

#[tokio::test]
async fn immediate_close_is_reported() {
    let error = connect_to(Misbehavior::CloseImmediately).await;
    assert_eq!(error.kind(), "connection", "{error}");
}

#[tokio::test]
async fn silent_broker_times_out() {
    match connect_to(Misbehavior::Silent).await {
        ClientError::RequestTimeout { api, after, .. } => {
            assert_eq!(api, "ApiVersionsRequest");
            assert_eq!(after, Duration::from_millis(500));
        }
        other => panic!("expected RequestTimeout, got {other:?}"),
    }
}

#[tokio::test]
async fn pool_reports_a_bad_bootstrap_and_tries_the_next() {
    let bad = BadServer::start(Misbehavior::Garbage).await.unwrap();
    let pool = BrokerPool::new(vec![bad.bootstrap()], config());
    match pool.any_connection().await {
        Err(ClientError::NoBrokerReachable(reasons)) => {
            assert!(
                reasons.contains("exceeds the 1048576-byte cap"),
                "{reasons}"
            )
        }
        other => panic!("expected NoBrokerReachable, got {other:?}"),
    }
}

/// Answers the first request with its correlation id and then `body`.
async fn answer_once_with(body: &'static [u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let size = socket.read_i32().await.unwrap();
        let mut request = vec![0u8; size as usize];
        socket.read_exact(&mut request).await.unwrap();
        // Request header v1+: api key (2), version (2), correlation id (4).
        let correlation_id = &request[4..8];
        socket.write_i32((4 + body.len()) as i32).await.unwrap();
        socket.write_all(correlation_id).await.unwrap();
        socket.write_all(body).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    addr
}

#[tokio::test]
async fn undecodable_body_is_a_decode_error_naming_the_api() {
    // Error code 0, then an api_keys array that claims more entries than follow.
    let addr = answer_once_with(&[0, 0, 0x05, 0, 1]).await;
    match Connection::connect(&addr, &config()).await {
        Err(ClientError::Decode { api, version, .. }) => {
            assert_eq!(api, "ApiVersionsRequest");
            assert_eq!(version, 3);
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}
