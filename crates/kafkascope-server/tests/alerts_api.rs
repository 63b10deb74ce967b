//! The alert endpoints through `app(state)`: alerts and rules in
//! Prometheus's shapes, and silences and acknowledgements written, listed
//! and expired, with exact bodies and status codes.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kafkascope_alerts::silence::Silences;
use kafkascope_alerts::{AlertsView, PublishedAlerts, Rule, RuleSet, RuleSpec};
use kafkascope_query::MemorySource;
use kafkascope_server::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const T0: i64 = 1_700_000_000_000;

fn rules() -> RuleSet {
    let spec = RuleSpec {
        alert: "GroupLagging".into(),
        expr: "kafkascope_consumergroup_total_lag > 10".into(),
        for_: Some("1m".into()),
        labels: BTreeMap::from([("severity".into(), "warning".into())]),
        annotations: BTreeMap::from([(
            "summary".into(),
            "{{ $labels.consumergroup }} lags by {{ $value }}".into(),
        )]),
        ..RuleSpec::default()
    };
    let mut set = RuleSet::new(vec![Rule::new("config", spec).unwrap()]);
    let mut source = MemorySource::new();
    source.insert(
        [
            ("__name__", "kafkascope_consumergroup_total_lag"),
            ("cluster", "prod"),
            ("consumergroup", "billing"),
        ],
        &[(T0, 15.0), (T0 + 60_000, 25.0)],
    );
    set.evaluate(&source, T0);
    set.evaluate(&source, T0 + 60_000);
    set
}

fn state(silences: Option<Arc<Mutex<Silences>>>) -> (AppState, Arc<PublishedAlerts>) {
    let published = Arc::new(PublishedAlerts::default());
    published.publish(AlertsView::of(
        &rules(),
        Some(T0 + 60_000),
        &VecDeque::new(),
        |_| false,
    ));
    let mut state = common::fixture_state().with_alerts(published.clone());
    if let Some(silences) = silences {
        state = state.with_silences(silences);
    }
    (state, published)
}

async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder().method(method).uri(path);
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    };
    let response = app(state.clone()).oneshot(request.unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn alerts_and_rules_answer_in_prometheus_shapes() {
    let (state, _) = state(None);
    let (status, body) = send(&state, "GET", "/api/v1/alerts", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"alerts": [{
            "labels": {"alertname": "GroupLagging", "cluster": "prod", "consumergroup": "billing", "severity": "warning"},
            "annotations": {"summary": "billing lags by 25"},
            "state": "firing",
            "activeAt": "2023-11-14T22:13:20.000Z",
            "value": "25",
        }]}})
    );
    let (_, body) = send(&state, "GET", "/api/v1/rules", None).await;
    let group = &body["data"]["groups"][0];
    assert_eq!(group["name"], "config");
    let rule = &group["rules"][0];
    assert_eq!(
        (
            rule["type"].as_str(),
            rule["name"].as_str(),
            rule["health"].as_str(),
            rule["state"].as_str()
        ),
        (
            Some("alerting"),
            Some("GroupLagging"),
            Some("ok"),
            Some("firing")
        )
    );
    assert_eq!(rule["query"], "kafkascope_consumergroup_total_lag > 10");
    assert_eq!(rule["duration"], 60.0);
    assert_eq!(rule["lastEvaluation"], "2023-11-14T22:14:20.000Z");
    assert_eq!(rule["alerts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn silences_are_created_listed_matched_and_expired() {
    let dir = tempfile::tempdir().unwrap();
    let (silences, _) = Silences::open(&dir.path().join("silences.json"));
    let silences = Arc::new(Mutex::new(silences));
    let (state, published) = state(Some(silences.clone()));
    let far = 4_000_000_000_000i64;

    let (status, body) = send(
        &state,
        "POST",
        "/api/v1/silences",
        Some(json!({
            "matchers": [], "ends_at_ms": far, "created_by": "ana", "comment": "upgrade"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "matchers: a silence needs at least one matcher"})
    );
    let (status, body) = send(
        &state,
        "POST",
        "/api/v1/silences",
        Some(json!({"matchers": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("the request body: "),
        "{body}"
    );

    let (status, body) = send(
        &state,
        "POST",
        "/api/v1/silences",
        Some(json!({
            "matchers": [{"name": "consumergroup", "value": "bill.*", "isRegex": true}],
            "ends_at_ms": far, "created_by": "ana", "comment": "upgrade"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = body["id"].as_str().unwrap().to_string();
    let (_, listed) = send(&state, "GET", "/api/v1/silences", None).await;
    let listed = &listed["silences"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["state"], "active");
    assert_eq!(
        listed["matchers"],
        json!([{"name": "consumergroup", "value": "bill.*", "isRegex": true, "isEqual": true}])
    );
    assert_eq!(
        (listed["created_by"].as_str(), listed["comment"].as_str()),
        (Some("ana"), Some("upgrade"))
    );

    // The engine marks the alerts each time it publishes; the silence
    // started when it was made.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut view = (*published.latest()).clone();
    view.mark_silenced(|labels| silences.lock().unwrap().silencing(labels, now));
    published.publish(view);
    let (_, alerts) = send(&state, "GET", "/api/v1/alerts", None).await;
    assert_eq!(alerts["data"]["alerts"][0]["silencedBy"], json!([id]));

    let (status, body) = send(&state, "DELETE", "/api/v1/silences/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "no silence with id \"nope\"", "silence": "nope"})
    );
    let path = format!("/api/v1/silences/{id}");
    assert_eq!(send(&state, "DELETE", &path, None).await.0, StatusCode::OK);
    let (status, body) = send(&state, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["silence"], id.as_str());
    let (_, listed) = send(&state, "GET", "/api/v1/silences", None).await;
    assert_eq!(listed["silences"][0]["state"], "expired");
}

#[tokio::test]
async fn an_acknowledgement_is_a_silence_of_the_alerts_exact_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (silences, _) = Silences::open(&dir.path().join("silences.json"));
    let (state, _) = state(Some(Arc::new(Mutex::new(silences))));
    let labels = json!({"alertname": "GroupLagging", "cluster": "prod", "consumergroup": "billing", "severity": "warning"});
    let (status, body) = send(
        &state,
        "POST",
        "/api/v1/alerts/acknowledge",
        Some(json!({
            "labels": labels, "created_by": "ana", "comment": "on it"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, listed) = send(&state, "GET", "/api/v1/silences", None).await;
    let ack = &listed["silences"][0];
    assert_eq!(ack["until_resolved"], true);
    assert_eq!(ack["matchers"].as_array().unwrap().len(), 4);
    assert_eq!(
        ack["matchers"][2],
        json!({"name": "consumergroup", "value": "billing", "isRegex": false, "isEqual": true})
    );
}

#[tokio::test]
async fn without_alerting_silences_are_a_clear_404() {
    let (state, _) = state(None);
    let (status, body) = send(&state, "GET", "/api/v1/silences", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "alerting is off: it needs the history (and [alerts] enabled)"})
    );
}

#[tokio::test]
async fn a_clusters_alerts_come_a_page_at_a_time_worst_first_with_counts() {
    let (state, _) = state(None);
    let (status, body) = send(&state, "GET", "/api/v1/clusters/prod/alerts?limit=0", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"total": 1, "offset": 0, "firing": 1, "pending": 0, "silenced": 0,
               "firing_unsilenced": 1, "alerts": []})
    );
    let (_, body) = send(
        &state,
        "GET",
        "/api/v1/clusters/prod/alerts?any=consumergroup=billing",
        None,
    )
    .await;
    assert_eq!(body["alerts"][0]["labels"]["consumergroup"], "billing");
    let (_, body) = send(
        &state,
        "GET",
        "/api/v1/clusters/prod/alerts?any=topic&any=consumergroup=audit",
        None,
    )
    .await;
    assert_eq!(
        (
            body["total"].as_u64(),
            body["alerts"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let (_, body) = send(&state, "GET", "/api/v1/clusters/staging/alerts", None).await;
    assert_eq!(
        body["total"], 0,
        "another cluster's alert is not this one's"
    );
    let (status, body) = send(
        &state,
        "GET",
        "/api/v1/clusters/prod/alerts?limit=5000",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "bad parameter limit: at most 1000", "parameter": "limit"})
    );
    let (_, rules) = send(&state, "GET", "/api/v1/rules?exclude_alerts=true", None).await;
    assert_eq!(rules["data"]["groups"][0]["rules"][0]["alerts"], json!([]));
    let (_, events) = send(
        &state,
        "GET",
        "/api/v1/alerts/events?cluster=prod&limit=1",
        None,
    )
    .await;
    assert_eq!(events, json!({"events": []}));
}
