use std::time::Duration;

use kafkascope_client::http_client::HttpUrl;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::source::SourceFigures;

/// A bulk answer as the Jolokia agent of a Kafka 4.3.1 broker gives it,
/// cut down: a pattern read, single-MBean reads (numbers, a string, null, a
/// composite), a pattern matching nothing (404) and a JMX error inside an
/// HTTP 200.
const ANSWER: &str = r#"[
  {"request": {"mbean": "kafka.server:name=*,type=BrokerTopicMetrics,*", "attribute": ["Count"], "type": "read"},
   "value": {
     "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec": {"Count": 1075650},
     "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders": {"Count": 1040047},
     "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=orders": {"Count": 900}},
   "status": 200},
  {"request": {"mbean": "kafka.network:type=RequestMetrics,name=*,request=*", "type": "read"},
   "value": {"kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce": {"99thPercentile": 7.0, "Count": 771}},
   "status": 200},
  {"request": {"mbean": "kafka.server:type=ReplicaManager,*", "type": "read"},
   "value": {"kafka.server:type=ReplicaManager,name=LeaderCount": {"Value": 5},
             "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec": {"Count": 2}},
   "status": 200},
  {"request": {"mbean": "kafka.server:type=raft-metrics", "type": "read"},
   "value": {"current-state": "follower", "current-leader": 2, "commit-latency-avg": null, "high-watermark": 1663},
   "status": 200},
  {"request": {"mbean": "java.lang:type=Memory", "attribute": ["HeapMemoryUsage"], "type": "read"},
   "value": {"HeapMemoryUsage": {"init": 134217728, "committed": 354418688, "max": 536870912, "used": 268733016}},
   "status": 200},
  {"request": {"mbean": "kafka.producer:type=producer-metrics,client-id=*", "type": "read"},
   "error_type": "java.lang.IllegalArgumentException", "error": "No MBean with pattern kafka.producer:type=producer-metrics,client-id=* found for READ request",
   "status": 404},
  {"request": {"mbean": "kafka.controller:type=KafkaController,*", "type": "read"},
   "error_type": "javax.management.ReflectionException", "error": "Cannot read attribute Value",
   "status": 500}
]"#;

fn read(answer: &str) -> (NodeFigures, Result<PageSummary, String>) {
    let mut node = NodeFigures::default();
    let value: Value = serde_json::from_str(answer).unwrap();
    let summary = read_answers(&mut node, &value);
    (node, summary)
}

#[test]
fn a_bulk_answer_reads_into_the_same_figures_as_an_exporter_page() {
    let (node, summary) = read(ANSWER);
    let summary = summary.unwrap();
    assert_eq!(summary.samples, 11);
    assert_eq!(summary.errors.len(), 1);
    assert_eq!(summary.errors[0].line, 7);
    assert_eq!(
        summary.errors[0].reason,
        "kafka.controller:type=KafkaController,*: Cannot read attribute Value (javax.management.ReflectionException)"
    );
    let broker = node.broker.as_ref().unwrap();
    assert_eq!(
        broker.all_topics.bytes_in.map(|c| c.total),
        Some(1_075_650.0)
    );
    assert_eq!(
        broker.topics["orders"].bytes_in.map(|c| c.total),
        Some(1_040_047.0)
    );
    assert_eq!(
        broker.topics["orders"].messages_in.map(|c| c.total),
        Some(900.0)
    );
    assert_eq!(broker.requests["Produce"].requests.total, 771.0);
    assert_eq!(
        broker.requests["Produce"].times_ms["totaltime"].p99,
        Some(7.0)
    );
    assert_eq!(broker.leaders, Some(5.0));
    assert_eq!(broker.isr_shrinks.map(|c| c.total), Some(2.0));
    let raft = node.raft.as_ref().unwrap();
    assert_eq!(
        (raft.current_leader, raft.high_watermark),
        (Some(2.0), Some(1663.0))
    );
    assert_eq!(raft.commit_latency_avg_ms, None);
    assert_eq!(node.jvm.heap_used_bytes, Some(268_733_016.0));
    assert_eq!(node.jvm.heap_max_bytes, Some(536_870_912.0));
    assert!(node.clients.is_empty());
}

#[test]
fn a_refused_bulk_read_is_one_clear_error() {
    let (_, summary) = read(
        r#"{"error_type": "java.lang.SecurityException", "error": "Access denied", "status": 403}"#,
    );
    assert_eq!(
        summary.unwrap_err(),
        "Jolokia refused the bulk read: Access denied"
    );
}

#[test]
fn the_bulk_request_asks_every_read_with_its_attributes_as_a_list() {
    let body: Value = serde_json::from_slice(&bulk_request()).unwrap();
    let requests = body.as_array().unwrap();
    assert_eq!(requests.len(), 26);
    assert_eq!(
        requests[0],
        serde_json::json!({"type": "read", "mbean": "kafka.server:type=BrokerTopicMetrics,*", "attribute": ["Count"]})
    );
    assert!(requests.iter().all(|r| r["type"] == "read"));
    let raft = requests
        .iter()
        .find(|r| r["mbean"] == "kafka.server:type=raft-metrics")
        .unwrap();
    assert!(raft.get("attribute").is_none(), "all attributes");
}

/// A protocol-level fake of the Jolokia agent: answers one POST with `body`
/// and hands back the request it read.
async fn fake_jolokia(
    status: &str,
    body: &'static str,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jolokia/", listener.local_addr().unwrap());
    let status = status.to_string();
    let served = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if rest.len() >= length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        let _ = socket.shutdown().await;
        String::from_utf8_lossy(&request).into_owned()
    });
    (url, served)
}

fn source(url: &str) -> JolokiaSource {
    let mut settings = JmxSettings::new(vec![JmxTarget {
        url: HttpUrl::parse(url).unwrap(),
        role: None,
        node_id: Some(1),
        basic_auth: None,
    }]);
    settings.timeout = Duration::from_secs(2);
    JolokiaSource::new(settings)
}

#[tokio::test]
async fn fake_jolokia_bulk_read_is_posted_and_its_answer_read() {
    let (url, served) = fake_jolokia("200 OK", ANSWER).await;
    let polled = source(&url).poll(&PollContext::default()).await;
    let request = served.await.unwrap();
    assert!(
        request.starts_with("POST /jolokia/ HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("content-type: application/json\r\n"),
        "{request}"
    );
    assert!(request.contains("\"mbean\":\"kafka.server:type=raft-metrics\""));
    let status = &polled.targets[0];
    assert!(status.up);
    assert_eq!(status.samples, 11);
    assert_eq!(status.role, "broker");
    assert_eq!(
        status.error.as_deref(),
        Some(
            "1 unreadable read(s); read 7: kafka.controller:type=KafkaController,*: Cannot read attribute Value (javax.management.ReflectionException)"
        )
    );
    let SourceFigures::Jmx(figures) = &polled.figures else {
        panic!("JMX figures")
    };
    assert_eq!(figures.nodes[0].broker.as_ref().unwrap().leaders, Some(5.0));
}

#[tokio::test]
async fn fake_jolokia_garbage_and_errors_are_reported() {
    let (url, _) = fake_jolokia("200 OK", "<html>not json</html>").await;
    let polled = source(&url).poll(&PollContext::default()).await;
    assert!(!polled.targets[0].up);
    assert_eq!(
        polled.targets[0].error.as_deref(),
        Some("the answer is not JSON: expected value at line 1 column 1")
    );
    let (url, _) = fake_jolokia("401 Unauthorized", "{}").await;
    let polled = source(&url).poll(&PollContext::default()).await;
    assert_eq!(polled.targets[0].error.as_deref(), Some("HTTP 401: {}"));
}
