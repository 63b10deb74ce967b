//! Polls of fake workers: which URL is read, what is refused, what is
//! reported, and what is never shown.

use std::time::Duration;

use kafkascope_client::http_client::{BasicAuth, HttpUrl};

use super::fake_worker::FakeWorker;
use super::{PAUSED_AND_STOPPED, RUNNING_AND_FAILED, SERVER_INFO, TOPICS};
use crate::connect_rest::ConnectRestSource;
use crate::connect_rest::settings::{ConnectClusterSettings, ConnectRestSettings};
use crate::connect_rest_figures::{ConnectClusterFigures, ConnectState};
use crate::source::{PollContext, Source};

fn source_for(
    urls: Vec<HttpUrl>,
    tune: impl FnOnce(&mut ConnectRestSettings),
) -> ConnectRestSource {
    let mut settings = ConnectRestSettings::new(vec![ConnectClusterSettings::new("files", urls)]);
    settings.timeout = Duration::from_secs(5);
    tune(&mut settings);
    ConnectRestSource::new(settings)
}

async fn poll(source: &mut ConnectRestSource) -> (Vec<crate::TargetStatus>, ConnectClusterFigures) {
    let polled = source.poll(&PollContext::default()).await;
    let crate::source::SourceFigures::Connect(figures) = polled.figures else {
        panic!("not Connect figures");
    };
    (polled.targets, figures.clusters.into_iter().next().unwrap())
}

/// A URL nothing listens on.
fn dead_url() -> HttpUrl {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    HttpUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap()
}

#[tokio::test]
async fn the_first_answering_url_is_read_and_a_dead_one_is_reported_fake_worker() {
    let worker = FakeWorker::start(|path| match path {
        "/" => (200, SERVER_INFO.to_string()),
        "/connectors?expand=status&expand=info" => (200, RUNNING_AND_FAILED.to_string()),
        "/connectors/files-in/topics" => (200, TOPICS.to_string()),
        _ => (
            200,
            r#"{"files-out":{"topics":["capture-lines"]}}"#.to_string(),
        ),
    })
    .await;
    let dead = dead_url();
    let mut source = source_for(vec![dead.clone(), worker.url()], |_| {});
    let (targets, figures) = poll(&mut source).await;
    assert_eq!(figures.answered_by, Some(worker.url().to_string()));
    assert_eq!(figures.connectors.len(), 3);
    // Two probes, the listing, three connectors' topics.
    assert_eq!(figures.requests, 6);
    assert_eq!(
        figures.connector("files-in").unwrap().topics,
        Some(vec!["capture-lines".to_string()])
    );
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].target, dead.to_string());
    assert!(!targets[0].up);
    assert!(
        targets[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("GET /: connect failed: "),
        "{:?}",
        targets[0].error
    );
    assert!(targets[1].up);
    assert_eq!((targets[1].samples, targets[1].error.as_deref()), (6, None));
    // Topics are read again only every 4th poll.
    let (_, figures) = poll(&mut source).await;
    assert_eq!(figures.requests, 3);
    assert_eq!(
        figures.connector("files-out").unwrap().topics,
        Some(vec!["capture-lines".to_string()])
    );
}

#[tokio::test]
async fn an_oversized_listing_is_refused_and_the_next_worker_answers_fake_worker() {
    let big = FakeWorker::start(|path| match path {
        "/" => (200, SERVER_INFO.to_string()),
        _ => (200, format!("{{\"c\": \"{}\"}}", "x".repeat(100_000))),
    })
    .await;
    let good = FakeWorker::start(|path| match path {
        "/" => (200, SERVER_INFO.to_string()),
        "/connectors?expand=status&expand=info" => (200, PAUSED_AND_STOPPED.to_string()),
        _ => (200, r#"{}"#.to_string()),
    })
    .await;
    let mut source = source_for(vec![big.url(), good.url()], |s| s.max_answer_bytes = 50_000);
    let (targets, figures) = poll(&mut source).await;
    assert_eq!(
        targets[0].error.as_deref(),
        Some("GET /connectors?expand=status&expand=info: the answer is larger than 50000 bytes")
    );
    assert!(!targets[0].up);
    assert_eq!(figures.answered_by, Some(good.url().to_string()));
    assert_eq!(figures.connectors.len(), 3);
}

#[tokio::test]
async fn disabled_topic_tracking_is_tolerated_and_asked_of_one_connector_fake_worker() {
    let worker = FakeWorker::start(|path| match path {
        "/" => (200, SERVER_INFO.to_string()),
        "/connectors?expand=status&expand=info" => (200, RUNNING_AND_FAILED.to_string()),
        _ => (
            403,
            r#"{"error_code":403,"message":"Topic tracking is disabled."}"#.to_string(),
        ),
    })
    .await;
    let mut source = source_for(vec![worker.url()], |s| s.topics_every_polls = 1);
    let (targets, figures) = poll(&mut source).await;
    assert_eq!(figures.connector("files-in").unwrap().topics, None);
    assert_eq!(
        figures.problems,
        [
            "topics of 3 connectors unread; GET /connectors/files-broken/topics: HTTP 403: \
          Topic tracking is disabled."
        ]
    );
    assert!(targets[0].up);
    assert_eq!(
        targets[0].error.as_deref(),
        Some(figures.problems[0].as_str())
    );
    assert_eq!(figures.connectors_by_state[&ConnectState::Running], 3);
    let (_, figures) = poll(&mut source).await;
    // The probe, the listing and one connector's topics.
    assert_eq!(figures.requests, 3);
}

#[tokio::test]
async fn garbage_and_errors_are_reported_per_url_without_the_password_fake_worker() {
    let garbage = FakeWorker::start(|_| (200, "\u{0}\u{1}not json".to_string())).await;
    let failing = FakeWorker::start(|path| match path {
        "/" => (200, SERVER_INFO.to_string()),
        _ => (
            500,
            r#"{"error_code":500,"message":"Request timed out"}"#.to_string(),
        ),
    })
    .await;
    let with_password =
        HttpUrl::parse(&format!("http://ops:s3cr3t@{}/", failing.url().authority)).unwrap();
    let mut settings = ConnectClusterSettings::new("files", vec![garbage.url(), with_password]);
    settings.basic_auth = Some(BasicAuth {
        user: "ops".into(),
        password: "hunter2".into(),
    });
    assert!(!format!("{settings:?}").contains("hunter2"));
    assert!(!format!("{settings:?}").contains("s3cr3t"));
    let mut source = ConnectRestSource::new(ConnectRestSettings::new(vec![settings]));
    let (targets, figures) = poll(&mut source).await;
    assert_eq!(figures.answered_by, None);
    assert_eq!(
        targets[0].error.as_deref(),
        Some("GET /: not an answer of Connect's REST API: expected value at line 1 column 1")
    );
    assert_eq!(
        targets[1].error.as_deref(),
        Some("GET /connectors?expand=status&expand=info: HTTP 500: Request timed out")
    );
    assert_eq!(
        targets[1].target,
        format!("http://{}/", failing.url().authority)
    );
    // The configured credentials win over the URL's.
    assert_eq!(
        failing.authorizations(),
        ["Basic b3BzOmh1bnRlcjI=", "Basic b3BzOmh1bnRlcjI="]
    );
    let shown = format!("{targets:?}{}", serde_json::to_string(&figures).unwrap());
    assert!(
        !shown.contains("hunter2") && !shown.contains("s3cr3t"),
        "{shown}"
    );
}
