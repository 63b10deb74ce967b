//! `/healthz`, `/readyz`, and serving on a real socket with graceful
//! shutdown.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn healthz_is_always_ok() {
    let reply = common::get(common::state(&["prod"], vec![]), "/healthz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "ok");
}

#[tokio::test]
async fn readyz_waits_for_every_cluster() {
    let state = common::state(&["prod", "staging"], vec![]);
    let reply = common::get(state.clone(), "/readyz", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.json(),
        json!({"error": "not ready: no snapshot yet for prod, staging", "waiting_for": ["prod", "staging"]})
    );

    state.snapshots.publish(common::prod());
    let reply = common::get(state.clone(), "/readyz", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"error": "not ready: no snapshot yet for staging", "waiting_for": ["staging"]})
    );

    // A stale snapshot still counts: the cluster has been looked at.
    state.snapshots.publish(common::staging());
    let reply = common::get(state, "/readyz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "ok");
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn serves_on_a_socket_until_shutdown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kafkascope_server::serve_on(
        listener,
        common::fixture_state(),
        async move {
            let _ = stopped.await;
        },
    ));

    let health = http_get(addr, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    assert!(health.ends_with("\r\n\r\nok"), "{health}");
    let metrics = http_get(addr, "/metrics").await;
    assert!(metrics.contains("kafka_brokers{cluster=\"prod\"} 3\n"));

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server should stop after the shutdown signal")
        .unwrap()
        .unwrap();
}
