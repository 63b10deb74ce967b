//! The models and the poll on answers captured from a real Kafka 4.3
//! Connect worker (`answers/`), and on a fake worker speaking just enough
//! HTTP to answer what a test gives it.

mod fake_worker;
mod fake_worker_polls;

use std::collections::BTreeMap;
use std::time::Duration;

use kafkascope_client::http_client::{HttpError, HttpUrl};

use super::cluster_figures::{ClusterAnswers, WorkerProbe, cluster_figures};
use super::rest_api::{
    ConnectorStatus, RestApiError, ServerInfo, parse_connectors, parse_server_info, parse_topics,
    topics_path,
};
use super::restart_tracker::RestartTracker;
use super::settings::ConnectClusterSettings;
use crate::connect_rest_figures::{
    ConnectClusterFigures, ConnectState, ConnectorKind, MAX_TRACE_BYTES, WorkerFigures,
};

const SERVER_INFO: &str = include_str!("answers/server_info.json");
const RUNNING_AND_FAILED: &str = include_str!("answers/connectors_running_and_failed.json");
const PAUSED_AND_STOPPED: &str = include_str!("answers/connectors_paused_and_stopped.json");
const TOPICS: &str = include_str!("answers/topics.json");
/// `POST /connectors/files-broken/restart?includeTasks=true&onlyFailed=true`'s
/// answer: the connector's status with its failed task `RESTARTING`.
const RESTART_STATUS: &str = include_str!("answers/restart_status.json");

const WORKER: &str = "127.0.0.1:28083";
const FILE_SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const FILE_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";

fn settings() -> ConnectClusterSettings {
    let url = HttpUrl::parse(&format!("http://{WORKER}")).unwrap();
    ConnectClusterSettings::new("files", vec![url])
}

fn probe(info: Option<ServerInfo>) -> WorkerProbe {
    WorkerProbe {
        url: format!("http://{WORKER}/"),
        authority: WORKER.to_string(),
        info,
    }
}

/// The figures of a captured listing, as the captured worker answered it.
fn figures_of(listing: &str, settings: &ConnectClusterSettings) -> ConnectClusterFigures {
    let (connectors, problems) = parse_connectors(listing.as_bytes()).unwrap();
    assert_eq!(problems, Vec::<String>::new());
    let probes = [probe(Some(
        parse_server_info(SERVER_INFO.as_bytes()).unwrap(),
    ))];
    let topics = BTreeMap::from([("files-in".to_string(), vec!["capture-lines".to_string()])]);
    let answers = ClusterAnswers {
        probes: &probes,
        answered_by: Some(0),
        connectors: &connectors,
        topics: &topics,
    };
    cluster_figures(settings, answers)
}

#[test]
fn server_info_of_a_real_worker() {
    assert_eq!(
        parse_server_info(SERVER_INFO.as_bytes()).unwrap(),
        ServerInfo {
            version: Some("4.3.1".into()),
            commit: Some("26b251a451ce941d".into()),
            kafka_cluster_id: Some("a2Fma2FzY29wZS10ZXN0IQ".into()),
        }
    );
}

#[test]
fn a_real_listing_gives_each_connector_its_kind_class_state_tasks_and_group() {
    let figures = figures_of(RUNNING_AND_FAILED, &settings());
    assert_eq!(figures.version.as_deref(), Some("4.3.1"));
    assert_eq!(
        figures.answered_by.as_deref(),
        Some("http://127.0.0.1:28083/")
    );
    let names: Vec<&str> = figures.connectors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["files-broken", "files-in", "files-out"]);

    let source = figures.connector("files-in").unwrap();
    assert_eq!(source.kind, ConnectorKind::Source);
    assert_eq!(source.class.as_deref(), Some(FILE_SOURCE));
    assert_eq!(source.state, ConnectState::Running);
    assert_eq!(source.worker.as_deref(), Some(WORKER));
    assert_eq!(source.tasks_max.as_deref(), Some("1"));
    assert_eq!(source.config_topic.as_deref(), Some("capture-lines"));
    assert_eq!(source.topics, Some(vec!["capture-lines".to_string()]));
    assert_eq!(source.consumer_group, None);
    assert_eq!(source.tasks.len(), 1);
    assert_eq!(
        (
            source.tasks[0].id,
            &source.tasks[0].state,
            source.tasks[0].trace.as_deref()
        ),
        (0, &ConnectState::Running, None)
    );

    let sink = figures.connector("files-out").unwrap();
    assert_eq!(sink.kind, ConnectorKind::Sink);
    assert_eq!(sink.class.as_deref(), Some(FILE_SINK));
    assert_eq!(sink.config_topics.as_deref(), Some("capture-lines"));
    assert_eq!(sink.config_topics_regex, None);
    // Its config sets consumer.override.group.id.
    assert_eq!(sink.consumer_group.as_deref(), Some("my-sink-group"));
    // Topics not read yet are unknown, not empty.
    assert_eq!(sink.topics, None);

    let broken = figures.connector("files-broken").unwrap();
    assert_eq!(broken.state, ConnectState::Running);
    assert_eq!(
        broken.consumer_group.as_deref(),
        Some("connect-files-broken")
    );
    let task = &broken.tasks[0];
    assert_eq!(task.state, ConnectState::Failed);
    let trace = task.trace.as_deref().unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file \
             '/nonexistent-dir/out.txt' for FileStreamSinkTask\n"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("Caused by: java.nio.file.NoSuchFileException: /nonexistent-dir/out.txt")
    );

    let counts = |by: &BTreeMap<ConnectState, usize>| {
        by.iter()
            .map(|(s, n)| (s.as_str().to_string(), *n))
            .collect::<Vec<_>>()
    };
    let expect = |running, failed| {
        [
            ("RUNNING", running),
            ("PAUSED", 0),
            ("STOPPED", 0),
            ("FAILED", failed),
            ("UNASSIGNED", 0),
            ("RESTARTING", 0),
        ]
        .map(|(s, n)| (s.to_string(), n))
        .to_vec()
    };
    assert_eq!(counts(&figures.connectors_by_state), expect(3, 0));
    assert_eq!(counts(&figures.tasks_by_state), expect(2, 1));
    assert_eq!(
        figures.workers,
        vec![WorkerFigures {
            id: WORKER.into(),
            url: Some("http://127.0.0.1:28083/".into()),
            reachable: Some(true),
            version: Some("4.3.1".into()),
            connectors: 3,
            tasks: 3,
        }]
    );
}

#[test]
fn no_config_value_but_the_kept_keys_is_read() {
    let figures = figures_of(RUNNING_AND_FAILED, &settings());
    let json = serde_json::to_string(&figures).unwrap();
    // `file` is in every captured config; nothing outside the kept keys
    // reaches the figures.
    assert!(!json.contains("/var/lib/connect"), "{json}");
    assert!(!json.contains("nonexistent-dir/out.txt\""), "{json}");
}

#[test]
fn paused_and_stopped_connectors_of_a_real_worker() {
    let figures = figures_of(PAUSED_AND_STOPPED, &settings());
    let source = figures.connector("files-in").unwrap();
    assert_eq!(source.state, ConnectState::Paused);
    assert_eq!(source.tasks[0].state, ConnectState::Paused);
    let sink = figures.connector("files-out").unwrap();
    assert_eq!(sink.state, ConnectState::Stopped);
    assert_eq!(sink.tasks, vec![]);
    assert_eq!(figures.connectors_by_state[&ConnectState::Stopped], 1);
    assert_eq!(figures.connectors_by_state[&ConnectState::Paused], 1);
    assert_eq!(figures.tasks_by_state[&ConnectState::Paused], 1);
}

#[test]
fn a_worker_configured_consumer_group_is_every_sinks_group_without_an_override() {
    let mut settings = settings();
    settings.worker_consumer_group_id = Some("all-sinks".into());
    let figures = figures_of(RUNNING_AND_FAILED, &settings);
    let group = |name| figures.connector(name).unwrap().consumer_group.clone();
    assert_eq!(group("files-broken").as_deref(), Some("all-sinks"));
    assert_eq!(group("files-out").as_deref(), Some("my-sink-group"));
    assert_eq!(group("files-in"), None);
}

#[test]
fn unknown_fields_states_and_types_are_kept_as_written() {
    let listing = r#"{"c1": {"status": {"name": "c1", "future": [1, 2],
        "connector": {"state": "DEGRADED", "worker_id": "w:1", "extra": {}},
        "tasks": [{"id": 1, "state": "RUNNING", "worker_id": "w:1"},
                  {"id": 0, "state": "SUSPENDED", "worker_id": "w:2"}],
        "type": "unknown"},
      "info": {"name": "c1", "config": {"connector.class": "x.Y", "secret": "s3cr3t"},
               "tasks": [], "type": "unknown", "new_field": true}},
      "c2": {"info": {"name": "c2", "config": {}, "tasks": [], "type": "sink"}}}"#;
    let (connectors, problems) = parse_connectors(listing.as_bytes()).unwrap();
    assert_eq!(problems, Vec::<String>::new());
    let answers = ClusterAnswers {
        probes: &[],
        answered_by: None,
        connectors: &connectors,
        topics: &BTreeMap::new(),
    };
    let figures = cluster_figures(&settings(), answers);
    let c1 = figures.connector("c1").unwrap();
    assert_eq!(c1.kind, ConnectorKind::Other("unknown".into()));
    assert_eq!(c1.state, ConnectState::Other("DEGRADED".into()));
    let tasks: Vec<(i32, &str)> = c1.tasks.iter().map(|t| (t.id, t.state.as_str())).collect();
    assert_eq!(tasks, [(0, "SUSPENDED"), (1, "RUNNING")]);
    assert_eq!(c1.consumer_group, None);
    // No status yet: unassigned, and its type from its info.
    let c2 = figures.connector("c2").unwrap();
    assert_eq!(c2.state, ConnectState::Unassigned);
    assert_eq!(c2.kind, ConnectorKind::Sink);
    assert_eq!(c2.consumer_group.as_deref(), Some("connect-c2"));
    assert!(!serde_json::to_string(&figures).unwrap().contains("s3cr3t"));
}

#[test]
fn garbage_is_a_clear_error_and_a_malformed_connector_is_left_out_by_name() {
    assert_eq!(
        parse_server_info(b"\xff\x00garbage")
            .unwrap_err()
            .to_string(),
        "GET /: not an answer of Connect's REST API: expected value at line 1 column 1"
    );
    assert_eq!(
        parse_connectors(b"[1, 2]").unwrap_err().to_string(),
        "GET /connectors?expand=status&expand=info: not an answer of Connect's REST API: \
         invalid type: sequence, expected a map at line 1 column 0"
    );
    let listing = r#"{"bad": {"status": {"connector": {"state": 7}}},
                      "good": {"status": {"connector": {"state": "RUNNING"}}}}"#;
    let (connectors, problems) = parse_connectors(listing.as_bytes()).unwrap();
    assert_eq!(connectors.keys().collect::<Vec<_>>(), ["good"]);
    assert_eq!(
        problems,
        ["connector bad: invalid type: integer `7`, expected a string"]
    );
}

#[test]
fn topics_of_a_real_worker_and_their_path() {
    assert_eq!(
        parse_topics("files-in", TOPICS.as_bytes()).unwrap(),
        ["capture-lines"]
    );
    // A connector that does not exist answers no topics, not a 404.
    assert_eq!(
        parse_topics("x", br#"{"x":{"topics":[]}}"#).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(topics_path("a b/c%"), "/connectors/a%20b%2Fc%25/topics");
}

#[test]
fn a_huge_trace_is_bounded() {
    let trace = format!(
        "java.lang.IllegalStateException: boom\n{}",
        "\tat x.Y\n".repeat(100_000)
    );
    let listing = serde_json::json!({"c": {"status": {
        "connector": {"state": "FAILED", "worker_id": "w:1", "trace": trace},
        "tasks": [], "type": "source"}}});
    let (connectors, _) = parse_connectors(listing.to_string().as_bytes()).unwrap();
    let answers = ClusterAnswers {
        probes: &[],
        answered_by: None,
        connectors: &connectors,
        topics: &BTreeMap::new(),
    };
    let figures = cluster_figures(&settings(), answers);
    let kept = figures.connectors[0].trace.as_deref().unwrap();
    assert_eq!(kept.len(), MAX_TRACE_BYTES + '…'.len_utf8());
    assert!(kept.starts_with("java.lang.IllegalStateException: boom\n\tat x.Y\n"));
}

/// A connector `c` with one task, as the tracker sees it.
fn one_task(state: &str, worker: &str, trace: Option<&str>) -> ConnectClusterFigures {
    let status = serde_json::json!({"connector": {"state": "RUNNING", "worker_id": worker},
        "tasks": [{"id": 0, "state": state, "worker_id": worker, "trace": trace}],
        "type": "sink"});
    let status: ConnectorStatus = serde_json::from_value(status).unwrap();
    with_status(status)
}

fn with_status(status: ConnectorStatus) -> ConnectClusterFigures {
    let connectors = BTreeMap::from([(
        "c".to_string(),
        super::rest_api::ExpandedConnector {
            status: Some(status),
            info: None,
        },
    )]);
    let probes = [probe(None)];
    let answers = ClusterAnswers {
        probes: &probes,
        answered_by: Some(0),
        connectors: &connectors,
        topics: &BTreeMap::new(),
    };
    cluster_figures(&settings(), answers)
}

/// The task's restart count after each status in turn.
fn task_restarts(tracker: &mut RestartTracker, states: &[(&str, &str, Option<&str>)]) -> Vec<u64> {
    states
        .iter()
        .map(|(state, worker, trace)| {
            let mut figures = one_task(state, worker, *trace);
            tracker.observe(&mut figures);
            figures.connectors[0].tasks[0].restarts
        })
        .collect()
}

#[test]
fn restarts_are_counted_once_per_transition_and_resumes_are_not() {
    let mut tracker = RestartTracker::default();
    let t = Some("java.lang.RuntimeException: a");
    let seen = task_restarts(
        &mut tracker,
        &[
            ("RUNNING", "w:1", None),
            ("FAILED", "w:1", t),
            // The same failure again: no restart.
            ("FAILED", "w:1", t),
            // Restarted, failed anew with another trace.
            ("FAILED", "w:1", Some("java.lang.RuntimeException: b")),
            ("RESTARTING", "w:1", None),
            ("RUNNING", "w:1", None),
            // Restarted, and failed again just the same.
            ("RESTARTING", "w:1", None),
            ("FAILED", "w:1", Some("java.lang.RuntimeException: b")),
            ("PAUSED", "w:1", None),
            ("RUNNING", "w:1", None),
            // Its worker died: unassigned, then running elsewhere (once).
            ("UNASSIGNED", "w:2", None),
            ("RUNNING", "w:2", None),
            // Moved by a rebalance between two polls.
            ("RUNNING", "w:1", None),
        ],
    );
    assert_eq!(seen, [0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5]);
}

#[test]
fn a_real_restart_answer_then_running_counts_one() {
    let mut tracker = RestartTracker::default();
    let restarting: ConnectorStatus = serde_json::from_str(RESTART_STATUS).unwrap();
    assert_eq!(restarting.tasks[0].state, "RESTARTING");
    let mut before = with_status(restarting);
    tracker.observe(&mut before);
    let mut after = one_task("RUNNING", WORKER, None);
    tracker.observe(&mut after);
    assert_eq!(after.connectors[0].tasks[0].restarts, 1);
    assert_eq!(after.connectors[0].restarts, 0);
}

#[test]
fn a_cluster_that_does_not_answer_keeps_its_counts_and_a_deleted_connector_loses_them() {
    let mut tracker = RestartTracker::default();
    task_restarts(
        &mut tracker,
        &[("FAILED", "w:1", None), ("RUNNING", "w:1", None)],
    );
    let mut down = ConnectClusterFigures {
        name: "files".into(),
        ..ConnectClusterFigures::default()
    };
    tracker.observe(&mut down);
    assert_eq!(
        task_restarts(&mut tracker, &[("RUNNING", "w:1", None)]),
        [1]
    );
    let mut empty = with_status(ConnectorStatus::default());
    empty.connectors.clear();
    tracker.observe(&mut empty);
    assert_eq!(
        task_restarts(&mut tracker, &[("RUNNING", "w:1", None)]),
        [0]
    );
}

#[test]
fn errors_name_the_call() {
    let error = RestApiError::Http {
        call: "/".into(),
        error: HttpError::Timeout(Duration::from_secs(10)),
    };
    assert_eq!(error.to_string(), "GET /: no answer within 10s");
}

#[test]
fn only_the_first_16_unreadable_connectors_are_named() {
    let listing: serde_json::Map<String, serde_json::Value> = (0..20)
        .map(|i| (format!("c{i:02}"), serde_json::json!({"status": 1})))
        .collect();
    let body = serde_json::Value::Object(listing).to_string();
    let (connectors, problems) = parse_connectors(body.as_bytes()).unwrap();
    assert!(connectors.is_empty());
    assert_eq!(problems.len(), 17);
    assert_eq!(
        problems[0],
        "connector c00: invalid type: integer `1`, expected struct ConnectorStatus"
    );
    assert_eq!(problems[16], "4 more connectors unreadable");
}

proptest::proptest! {
    #[test]
    fn no_bytes_make_the_readers_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = parse_connectors(&body);
        let _ = parse_server_info(&body);
        let _ = parse_topics("c", &body);
    }

    #[test]
    fn no_listing_of_json_values_makes_the_figures_panic(
        state in "[A-Z]{0,12}",
        worker in proptest::option::of("[a-z0-9.:]{0,20}"),
        id in proptest::num::i32::ANY,
        kind in "[a-z]{0,8}",
    ) {
        let listing = serde_json::json!({"c": {"status": {
            "connector": {"state": state, "worker_id": worker},
            "tasks": [{"id": id, "state": state, "worker_id": worker, "trace": state}],
            "type": kind}}});
        let (connectors, problems) = parse_connectors(listing.to_string().as_bytes()).unwrap();
        proptest::prop_assert!(problems.is_empty());
        let answers = ClusterAnswers {
            probes: &[],
            answered_by: None,
            connectors: &connectors,
            topics: &BTreeMap::new(),
        };
        let figures = cluster_figures(&settings(), answers);
        proptest::prop_assert_eq!(figures.connectors[0].tasks[0].id, id);
        proptest::prop_assert_eq!(figures.connectors[0].state.as_str(), state.as_str());
    }
}
