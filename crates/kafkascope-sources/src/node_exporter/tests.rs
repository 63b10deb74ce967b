use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use kafkascope_client::http_client::HttpUrl;

/// A protocol-level fake of node_exporter's HTTP server: answers every
/// request with `answer`.
async fn fake_node_exporter(answer: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn target(url: &str, host: &str, broker: Option<i32>) -> HostTarget {
    HostTarget {
        host: host.to_string(),
        broker,
        ..HostTarget::new(HttpUrl::parse(url).unwrap())
    }
}

fn hosts(polled: &Polled) -> &[HostNode] {
    match &polled.figures {
        SourceFigures::Host(figures) => &figures.hosts,
        other => panic!("no host figures: {other:?}"),
    }
}

#[tokio::test]
async fn a_fake_node_exporter_page_is_read_and_tagged_with_its_host() {
    let page = "node_load1 2.5\nnode_memory_MemTotal_bytes 1024\nnot a sample\n";
    let url = fake_node_exporter(ok(page)).await;
    let mut source = NodeExporterSource::new(NodeExporterSettings::new(vec![target(
        &url,
        "kafka-1",
        Some(1),
    )]));
    let polled = source.poll(&PollContext::default()).await;
    let status = &polled.targets[0];
    assert_eq!(
        (
            status.up,
            status.samples,
            status.role.as_str(),
            status.broker
        ),
        (true, 2, "host", Some(1))
    );
    assert_eq!(
        status.error.as_deref(),
        Some("1 unreadable line(s); line 3: not: not a number: \"a\"")
    );
    let host = &hosts(&polled)[0];
    assert_eq!(
        (host.host.as_str(), host.target.as_str()),
        ("kafka-1", url.as_str())
    );
    assert_eq!(host.load.unwrap().one, 2.5);
    assert_eq!(host.memory.as_ref().unwrap().total_bytes, 1024.0);
}

#[tokio::test]
async fn a_page_without_node_exporter_series_says_so() {
    let url = fake_node_exporter(ok("jvm_threads_current 42\n")).await;
    let mut source =
        NodeExporterSource::new(NodeExporterSettings::new(vec![target(&url, "a", None)]));
    let polled = source.poll(&PollContext::default()).await;
    assert!(polled.targets[0].up);
    assert_eq!(
        polled.targets[0].error.as_deref(),
        Some("the page has no node_exporter series")
    );
}

#[tokio::test]
async fn garbage_bytes_are_one_clear_error() {
    let mut answer = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n".to_vec();
    answer.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    let url = fake_node_exporter(answer).await;
    let mut settings = NodeExporterSettings::new(vec![target(&url, "a", None)]);
    settings.timeout = Duration::from_secs(5);
    let polled = NodeExporterSource::new(settings)
        .poll(&PollContext::default())
        .await;
    let status = &polled.targets[0];
    assert!(!status.up);
    assert_eq!(
        status.error.as_deref(),
        Some("the page is not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 0")
    );
}

#[test]
fn brokers_no_target_describes_are_discovered_with_their_ids() {
    let mut settings = NodeExporterSettings::new(vec![
        target("http://kafka-1:9100/metrics", "kafka-1", None),
        target("http://10.0.0.9:9101/metrics", "10.0.0.9", Some(3)),
    ]);
    let brokers = vec![
        (1, "KAFKA-1".to_string()),
        (2, "kafka-2".to_string()),
        (3, "kafka-3".to_string()),
        (4, "fd00::4".to_string()),
    ];
    assert_eq!(
        settings.targets(&brokers).len(),
        2,
        "no discover_port, no discovery"
    );
    settings.discover_port = Some(9100);
    let seen: Vec<(String, String, Option<i32>)> = settings
        .targets(&brokers)
        .into_iter()
        .map(|t| (t.url.to_string(), t.host, t.broker))
        .collect();
    let expected = [
        ("http://kafka-1:9100/metrics", "kafka-1", None),
        ("http://10.0.0.9:9101/metrics", "10.0.0.9", Some(3)),
        ("http://kafka-2:9100/metrics", "kafka-2", Some(2)),
        ("http://[fd00::4]:9100/metrics", "fd00::4", Some(4)),
    ];
    let expected: Vec<(String, String, Option<i32>)> = expected
        .iter()
        .map(|(u, h, b)| (u.to_string(), h.to_string(), *b))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_target_describes_the_host_its_url_names_unless_told() {
    let host = |url: &str| HostTarget::new(HttpUrl::parse(url).unwrap()).host;
    assert_eq!(host("http://kafka-1:9100/metrics"), "kafka-1");
    assert_eq!(host("http://[fd00::1]:9100/metrics"), "fd00::1");
    assert_eq!(host("https://ops:pw@kafka-2/metrics"), "kafka-2");
}
