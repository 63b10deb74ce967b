//! `/clusters/{cluster}/events`: the events read from the cluster's broker
//! logs (ISR shrinks, fencing, elections, failures...), newest first and
//! paged, from the store the broker logs source keeps (the latest 10,000,
//! kept across restarts).
//!
//! An event several nodes logged (an ISR change, a fencing) is one event
//! listing them all in `reported_by`; `broker=<id>` picks the events that
//! node told.
//!
//! `?broker=<id>&kind=<kind>&level=<LEVEL>&topic=<topic>&since=<time>&until=<time>&offset=N&limit=N`;
//! times are Unix milliseconds like the events' `time_ms`
//! (`1765076400000`) or RFC 3339 UTC (`2026-12-07T03:00:00Z`), both
//! inclusive; `limit` is 100 by default and
//! at most 1000. A bad parameter is a 400 naming it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use kafkascope_logs::{EventKind, Level};
use kafkascope_sources::SourceKind;
use kafkascope_sources::broker_logs::event_store::{EventFilter, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::jmx::source_snapshot;
use crate::api::timestamp::rfc3339_ms;
use crate::api_error::ApiError;

/// Events in a page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;
/// The most events a page holds.
pub const MAX_LIMIT: usize = 1000;

/// The parameters as written, before they are read.
#[derive(Debug, Default, Deserialize)]
pub struct EventParams {
    pub broker: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub topic: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub offset: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EventsPage {
    pub cluster: String,
    /// Events matching the filters, in all pages.
    pub total: usize,
    /// Of those, how many of each kind.
    pub kinds: std::collections::BTreeMap<String, usize>,
    pub offset: usize,
    pub limit: usize,
    pub events: Vec<EventView>,
}

/// An event with its time as text too.
#[derive(Debug, Serialize)]
pub struct EventView {
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(flatten)]
    pub event: Arc<StoredEvent>,
}

pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    params: Result<Query<EventParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadParameter {
        name: "query".into(),
        message: e.body_text(),
    })?;
    let filter = event_filter(&params)?;
    let snapshot = source_snapshot(&state, &cluster, SourceKind::BrokerLogs)?;
    let Some(figures) = snapshot.broker_logs() else {
        return Err(ApiError::NotPolled {
            cluster,
            source: SourceKind::BrokerLogs.name().to_string(),
        });
    };
    let page = figures.events.query(&filter);
    Ok(Json(EventsPage {
        cluster,
        total: page.total,
        kinds: page.kinds,
        offset: filter.offset,
        limit: filter.limit,
        events: page
            .events
            .into_iter()
            .map(|event| EventView {
                time: rfc3339_ms(event.time_ms),
                event,
            })
            .collect(),
    }))
}

/// The filter the parameters ask for, or a 400 naming the bad one.
pub fn event_filter(params: &EventParams) -> Result<EventFilter, ApiError> {
    let bad = |name: &str, message: String| ApiError::BadParameter {
        name: name.to_string(),
        message,
    };
    let broker = params
        .broker
        .as_deref()
        .map(|text| {
            text.trim()
                .parse::<i32>()
                .map_err(|_| bad("broker", format!("{text:?} is not a broker id")))
        })
        .transpose()?;
    let kind = params
        .kind
        .as_deref()
        .map(|text| {
            EventKind::ALL
                .iter()
                .find(|kind| kind.name() == text)
                .map(|kind| kind.name().to_string())
                .ok_or_else(|| {
                    let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                    bad(
                        "kind",
                        format!("{text:?} is not one of {}", known.join(", ")),
                    )
                })
        })
        .transpose()?;
    let level = params
        .level
        .as_deref()
        .map(|text| {
            Level::from_word(text.trim().to_ascii_uppercase().as_bytes())
                .map(|level| level.name().to_string())
                .ok_or_else(|| {
                    bad(
                        "level",
                        format!("{text:?} is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"),
                    )
                })
        })
        .transpose()?;
    let time = |name: &str, text: &Option<String>| {
        text.as_deref()
            .map(|text| {
                time_ms(text).ok_or_else(|| {
                    bad(
                        name,
                        format!("{text:?} is neither Unix milliseconds nor an RFC 3339 UTC time"),
                    )
                })
            })
            .transpose()
    };
    let count = |name: &str, text: &Option<String>| {
        text.as_deref()
            .map(|text| {
                text.trim()
                    .parse::<usize>()
                    .map_err(|_| bad(name, format!("{text:?} is not a whole number")))
            })
            .transpose()
    };
    let limit = count("limit", &params.limit)?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(bad(
            "limit",
            format!("{limit} is not between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(EventFilter {
        broker,
        kind,
        level,
        topic: params.topic.clone().filter(|t| !t.is_empty()),
        since_ms: time("since", &params.since)?,
        until_ms: time("until", &params.until)?,
        offset: count("offset", &params.offset)?.unwrap_or(0),
        limit,
    })
}

/// Unix milliseconds or `YYYY-MM-DDTHH:MM:SS[.fff]Z`, in ms.
fn time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    rfc3339_utc_ms(text)
}

fn rfc3339_utc_ms(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z').or_else(|| text.strip_suffix('z'))?;
    let (date, clock) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    let ms = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + ms)
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian
/// (Howard Hinnant's `days_from_civil`, the inverse of `timestamp.rs`'s).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use kafkascope_collector::Snapshots;
    use kafkascope_sources::SourceSnapshot;
    use kafkascope_sources::SourceSnapshots;
    use kafkascope_sources::broker_logs::broker_log_figures::BrokerLogFigures;
    use kafkascope_sources::broker_logs::event_store::EventStore;
    use kafkascope_sources::source::SourceFigures;
    use serde_json::{Map, Value, json};
    use tower::ServiceExt;

    fn stored(broker: i32, kind: &str, time_ms: i64) -> StoredEvent {
        StoredEvent {
            id: 0,
            time_ms,
            broker: Some(broker),
            reported_by: Vec::new(),
            kind: kind.to_string(),
            level: Some("INFO".to_string()),
            logger: "state.change.logger".to_string(),
            thread: "main".to_string(),
            file: "server.log".to_string(),
            line: 7,
            fields: Map::from_iter([("partition".to_string(), json!(0))]),
            lines: vec!["[...] INFO ...".to_string()],
            lines_cut: 0,
        }
    }

    /// Clusters `logs` (the source polled), `later` (configured, not yet
    /// polled) and `plain` (no broker logs).
    fn state() -> AppState {
        let snapshots = Arc::new(Snapshots::new(["logs", "later", "plain"].map(String::from)));
        let sources = Arc::new(SourceSnapshots::new([
            ("logs".to_string(), SourceKind::BrokerLogs),
            ("later".to_string(), SourceKind::BrokerLogs),
        ]));
        let store = Arc::new(EventStore::in_memory(10));
        store
            .append(vec![
                stored(1, "isr_shrink", 1_700_000_000_000),
                stored(2, "broker_fenced", 1_700_000_001_000),
            ])
            .unwrap();
        sources.publish(Arc::new(SourceSnapshot {
            cluster: "logs".to_string(),
            kind: SourceKind::BrokerLogs,
            polled_at_ms: 0,
            duration_ms: 0.0,
            targets: Vec::new(),
            figures: SourceFigures::BrokerLogs(BrokerLogFigures {
                brokers: vec![1, 2],
                files: Vec::new(),
                totals: Default::default(),
                new_events: 2,
                events: store,
            }),
        }));
        AppState::new(snapshots).with_sources(sources)
    }

    async fn get(path: &str) -> (u16, Value) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = crate::app(state()).oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn answers_a_page_newest_first_and_names_what_is_missing() {
        let (status, body) = get("/api/v1/clusters/logs/events").await;
        assert_eq!(status, 200);
        assert_eq!(body["total"], 2);
        assert_eq!(body["kinds"], json!({"broker_fenced": 1, "isr_shrink": 1}));
        assert_eq!(
            (body["offset"].clone(), body["limit"].clone()),
            (json!(0), json!(100))
        );
        let first = &body["events"][0];
        assert_eq!(first["id"], 2);
        assert_eq!(first["kind"], "broker_fenced");
        assert_eq!(first["time"], "2023-11-14T22:13:21.000Z");
        assert_eq!(first["fields"], json!({"partition": 0}));
        let (_, body) =
            get("/api/v1/clusters/logs/events?kind=isr_shrink&until=2023-11-14T22:13:20Z").await;
        assert_eq!(body["total"], 1);
        assert_eq!(body["events"][0]["id"], 1);
        let (_, body) = get("/api/v1/clusters/logs/events?since=1700000000001").await;
        assert_eq!(body["total"], 1);
        assert_eq!(body["events"][0]["id"], 2);

        let (status, body) = get("/api/v1/clusters/logs/events?kind=isr").await;
        assert_eq!((status, body["parameter"].clone()), (400, json!("kind")));
        let (status, body) = get("/api/v1/clusters/nope/events").await;
        assert_eq!((status, body["cluster"].clone()), (404, json!("nope")));
        let (status, body) = get("/api/v1/clusters/plain/events").await;
        assert_eq!(
            (status, body["source"].clone()),
            (404, json!("broker_logs"))
        );
        let (status, body) = get("/api/v1/clusters/later/events").await;
        assert_eq!(
            (status, body["source"].clone()),
            (503, json!("broker_logs"))
        );
    }

    #[test]
    fn times_are_unix_milliseconds_or_rfc3339_utc() {
        assert_eq!(time_ms("1700000000250"), Some(1_700_000_000_250));
        assert_eq!(time_ms("1700000000.25"), None);
        assert_eq!(time_ms("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(time_ms("2000-02-29T00:00:00.123Z"), Some(951_782_400_123));
        assert_eq!(time_ms("2023-11-14T22:13:20+01:00"), None);
        assert_eq!(time_ms("yesterday"), None);
        assert_eq!(time_ms("NaN"), None);
    }

    #[test]
    fn bad_parameters_are_named() {
        let params = |f: fn(&mut EventParams)| {
            let mut params = EventParams::default();
            f(&mut params);
            event_filter(&params)
        };
        let name_of = |result: Result<EventFilter, ApiError>| match result {
            Err(ApiError::BadParameter { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name_of(params(|p| p.kind = Some("isr".into()))), "kind");
        assert_eq!(name_of(params(|p| p.broker = Some("x".into()))), "broker");
        assert_eq!(name_of(params(|p| p.level = Some("loud".into()))), "level");
        assert_eq!(name_of(params(|p| p.since = Some("soon".into()))), "since");
        assert_eq!(name_of(params(|p| p.limit = Some("0".into()))), "limit");
        assert_eq!(name_of(params(|p| p.limit = Some("1001".into()))), "limit");
        assert_eq!(name_of(params(|p| p.offset = Some("-1".into()))), "offset");
        let filter = params(|p| {
            p.kind = Some("isr_shrink".into());
            p.level = Some("warn".into());
            p.broker = Some("2".into());
        })
        .unwrap();
        assert_eq!(
            filter,
            EventFilter {
                broker: Some(2),
                kind: Some("isr_shrink".into()),
                level: Some("WARN".into()),
                limit: DEFAULT_LIMIT,
                ..EventFilter::default()
            }
        );
    }
}
