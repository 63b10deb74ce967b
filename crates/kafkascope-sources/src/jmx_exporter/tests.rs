use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::jmx_figures::Role;
use crate::source::SourceFigures;
use kafkascope_client::http_client::HttpUrl;

/// A protocol-level fake of the JMX exporter's HTTP server: answers every
/// request with the next of `answers` (the last one repeated), after `delay`.
async fn fake_exporter(answers: Vec<Vec<u8>>, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = served.fetch_add(1, Ordering::SeqCst);
            let answer = answers[n.min(answers.len() - 1)].clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                tokio::time::sleep(delay).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

fn ok(body: &[u8]) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    answer
}

fn broker_page(bytes_in: u64) -> Vec<u8> {
    format!(
        "# TYPE kafka_server_brokertopicmetrics_bytesin_total counter\n\
         kafka_server_brokertopicmetrics_bytesin_total {bytes_in}.0\n\
         kafka_server_replicamanager_partitioncount 12.0\n\
         kafka_server_replicamanager_leadercount 4.0\n\
         kafka_controller_kafkacontroller_activecontrollercount 1.0\n\
         bad line here\n\
         jvm_threads_current 42.0\n"
    )
    .into_bytes()
}

fn target(url: &str, node_id: Option<i32>) -> JmxTarget {
    JmxTarget {
        url: HttpUrl::parse(url).unwrap(),
        role: None,
        node_id,
        basic_auth: None,
    }
}

fn source(targets: Vec<JmxTarget>) -> JmxExporterSource {
    let mut settings = JmxSettings::new(targets);
    settings.timeout = Duration::from_millis(700);
    settings.max_page_bytes = 64 * 1024;
    JmxExporterSource::new(settings)
}

fn nodes(polled: &Polled) -> &[NodeFigures] {
    match &polled.figures {
        SourceFigures::Jmx(figures) => &figures.nodes,
        SourceFigures::None => panic!("no JMX figures"),
        SourceFigures::Connect(_) => panic!("Connect figures, not JMX"),
        SourceFigures::Host(_) => panic!("host figures, not JMX"),
        SourceFigures::Zookeeper(_) => panic!("ZooKeeper figures, not JMX"),
        SourceFigures::BrokerLogs(_) => panic!("broker log figures, not JMX"),
    }
}

#[tokio::test]
async fn fake_exporter_pages_are_read_and_a_dead_target_does_not_stop_the_others() {
    let page = fake_exporter(
        vec![ok(&broker_page(100)), ok(&broker_page(300))],
        Duration::ZERO,
    )
    .await;
    let nobody = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/metrics", listener.local_addr().unwrap())
    };
    let mut source = source(vec![target(&page, Some(1)), target(&nobody, Some(2))]);
    let context = PollContext::default();

    let first = source.poll(&context).await;
    assert_eq!(first.targets.len(), 2);
    let (up, down) = (&first.targets[0], &first.targets[1]);
    assert_eq!((up.up, up.samples, up.broker), (true, 5, Some(1)));
    assert_eq!(up.role, "broker,controller");
    assert_eq!(
        up.error.as_deref(),
        Some("1 unreadable line(s); line 6: bad: not a number: \"line\"")
    );
    assert!(!down.up);
    assert!(
        down.error
            .as_deref()
            .unwrap()
            .starts_with("connect failed: "),
        "{down:?}"
    );
    let node = &nodes(&first)[0];
    let broker = node.broker.as_ref().unwrap();
    assert_eq!(broker.all_topics.bytes_in.unwrap().total, 100.0);
    assert_eq!(broker.all_topics.bytes_in.unwrap().per_sec, None);
    assert_eq!(node.jvm.threads, Some(42.0));
    assert!(!nodes(&first)[1].up);

    let second = source.poll(&context).await;
    let broker = nodes(&second)[0].broker.as_ref().unwrap();
    let bytes_in = broker.all_topics.bytes_in.unwrap();
    assert_eq!(bytes_in.total, 300.0);
    let rate = bytes_in.per_sec.expect("a rate on the second poll");
    assert!(rate > 0.0, "{rate}");
}

#[tokio::test]
async fn fake_exporter_error_garbage_oversized_and_slow_targets_are_each_reported() {
    let error = fake_exporter(
        vec![b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops".to_vec()],
        Duration::ZERO,
    )
    .await;
    let garbage = fake_exporter(vec![ok(&[0xff, 0xfe, 0x00, 0x41])], Duration::ZERO).await;
    let huge = fake_exporter(vec![ok(&vec![b'#'; 100 * 1024])], Duration::ZERO).await;
    let slow = fake_exporter(vec![ok(&broker_page(1))], Duration::from_secs(3)).await;
    let fine = fake_exporter(vec![ok(&broker_page(7))], Duration::ZERO).await;
    let mut source = source(vec![
        target(&error, None),
        target(&garbage, None),
        target(&huge, None),
        target(&slow, None),
        target(&fine, None),
    ]);
    let polled = source.poll(&PollContext::default()).await;
    let errors: Vec<Option<&str>> = polled.targets.iter().map(|t| t.error.as_deref()).collect();
    assert_eq!(errors[0], Some("HTTP 500: oops"));
    assert_eq!(
        errors[1],
        Some("the page is not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 0")
    );
    assert_eq!(errors[2], Some("the answer is larger than 65536 bytes"));
    assert_eq!(errors[3], Some("no answer within 700ms"));
    assert_eq!(
        polled.targets.iter().map(|t| t.up).collect::<Vec<_>>(),
        vec![false, false, false, false, true]
    );
    assert_eq!(
        nodes(&polled)[4]
            .broker
            .as_ref()
            .unwrap()
            .all_topics
            .bytes_in
            .map(|c| c.total),
        Some(7.0)
    );
}

#[tokio::test]
async fn brokers_of_the_snapshot_are_discovered_with_the_configured_port() {
    let mut settings = JmxSettings::new(vec![]);
    settings.discover_port = Some(7071);
    let context = PollContext {
        cluster: "prod".into(),
        brokers: vec![(1, "kafka-1.internal".into()), (2, "10.0.0.2".into())],
        ..PollContext::default()
    };
    let targets: Vec<(String, Option<i32>, Option<Role>)> =
        crate::jmx::targets(&settings, &context)
            .into_iter()
            .map(|t| (t.url.to_string(), t.node_id, t.role))
            .collect();
    assert_eq!(
        targets,
        vec![
            (
                "http://kafka-1.internal:7071/metrics".into(),
                Some(1),
                Some(Role::Broker)
            ),
            (
                "http://10.0.0.2:7071/metrics".into(),
                Some(2),
                Some(Role::Broker)
            ),
        ]
    );
}
