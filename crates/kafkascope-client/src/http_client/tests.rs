use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

#[test]
fn paths_go_under_the_base_urls_own_path() {
    let base = HttpUrl::parse("https://ops:pw@proxy:8443/connect/").unwrap();
    assert_eq!(
        base.joined("/connectors?expand=status&expand=info")
            .to_string(),
        "https://proxy:8443/connect/connectors?expand=status&expand=info"
    );
    let root = HttpUrl::parse("http://w:8083").unwrap();
    assert_eq!(root.joined("/").to_string(), "http://w:8083/");
}

#[test]
fn urls_are_split_and_user_info_kept_out_of_display() {
    let url = HttpUrl::parse("https://idp.example.com/realms/kafka/token?x=1").unwrap();
    assert!(url.https);
    assert_eq!(url.addr, "idp.example.com:443");
    assert_eq!(url.authority, "idp.example.com");
    assert_eq!(url.path_and_query, "/realms/kafka/token?x=1");

    let url = HttpUrl::parse("http://127.0.0.1:8080").unwrap();
    assert_eq!(
        (url.https, url.addr.as_str(), url.path_and_query.as_str()),
        (false, "127.0.0.1:8080", "/")
    );
    assert_eq!(HttpUrl::parse("http://[::1]:9/t").unwrap().addr, "[::1]:9");

    let url = HttpUrl::parse("http://ops:p%40ss@jmx:7071/metrics").unwrap();
    assert_eq!(url.authority, "jmx:7071");
    assert_eq!(url.to_string(), "http://jmx:7071/metrics");
    assert_eq!(format!("{url:?}"), "http://jmx:7071/metrics");
    assert_eq!(url.user_info, Some(("ops".to_string(), "p@ss".to_string())));
    assert_eq!(
        HttpUrl::parse("ftp://x/").unwrap_err(),
        HttpError::InvalidUrl("the URL must start with http:// or https://".into())
    );
}

/// A protocol-level fake HTTP server: answers each connection with `answer`
/// after `delay`, and hands back the request it read.
async fn fake_http_server(
    answer: Vec<u8>,
    delay: Duration,
) -> (HttpUrl, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = HttpUrl::parse(&format!(
        "http://{}/metrics",
        listener.local_addr().unwrap()
    ))
    .unwrap();
    let served = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        tokio::time::sleep(delay).await;
        let _ = socket.write_all(&answer).await;
        let _ = socket.shutdown().await;
        String::from_utf8_lossy(&request).into_owned()
    });
    (url, served)
}

fn client() -> HttpClient {
    HttpClient::new(Duration::from_secs(2), Duration::from_millis(500), 1024)
}

#[tokio::test]
async fn fake_http_server_answer_is_read_with_status_type_and_basic_auth_sent() {
    let answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\noops".to_vec();
    let (url, served) = fake_http_server(answer, Duration::ZERO).await;
    let auth = BasicAuth {
        user: "ops".into(),
        password: "secret".into(),
    };
    let request = HttpRequest {
        basic_auth: Some(&auth),
        ..HttpRequest::get(&url, "text/plain")
    };
    let answer = client().send(request).await.unwrap();
    assert_eq!(answer.status, 500);
    assert!(!answer.is_success());
    assert_eq!(answer.content_type.as_deref(), Some("text/plain"));
    assert_eq!(&answer.body[..], b"oops");
    let request = served.await.unwrap();
    assert!(
        request.starts_with("GET /metrics HTTP/1.1\r\n"),
        "{request}"
    );
    // base64("ops:secret")
    assert!(
        request.contains("authorization: Basic b3BzOnNlY3JldA==\r\n"),
        "{request}"
    );
}

#[tokio::test]
async fn fake_http_server_too_large_answer_is_refused() {
    let body = "x".repeat(5000);
    let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{body}").into_bytes();
    let (url, _served) = fake_http_server(answer, Duration::ZERO).await;
    let error = client()
        .send(HttpRequest::get(&url, "*/*"))
        .await
        .unwrap_err();
    assert_eq!(error, HttpError::TooLarge { limit: 1024 });
    assert_eq!(error.to_string(), "the answer is larger than 1024 bytes");
}

#[tokio::test]
async fn fake_http_server_slow_answer_times_out() {
    let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec();
    let (url, _served) = fake_http_server(answer, Duration::from_secs(3)).await;
    let error = client()
        .send(HttpRequest::get(&url, "*/*"))
        .await
        .unwrap_err();
    assert_eq!(error, HttpError::Timeout(Duration::from_millis(500)));
}

#[tokio::test]
async fn fake_http_server_garbage_is_an_exchange_error() {
    let (url, _served) =
        fake_http_server(b"\x00\x01garbage\r\n\r\n".to_vec(), Duration::ZERO).await;
    let error = client()
        .send(HttpRequest::get(&url, "*/*"))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Exchange(_)), "{error:?}");
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = HttpUrl::parse(&format!("http://{addr}/")).unwrap();
    let error = client()
        .send(HttpRequest::get(&url, "*/*"))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Connect(_)), "{error:?}");
}
