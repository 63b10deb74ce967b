//! One handler per endpoint. Anything that parses PromQL or reads the
//! store runs on a query thread: parsing recurses with the query's nesting
//! (so the thread has a deep stack) and a [`SeriesSource`] may read from
//! disk. At most [`MAX_CONCURRENT_QUERIES`] run at once, as in Prometheus;
//! further requests wait their turn.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;
use tokio::sync::{Semaphore, oneshot};

use super::params::{ApiParams, parse_duration_ms};
use super::response::{ApiError, label_set, query_data, success};
use crate::engine::{instant_query, range_query};
use crate::label_matcher::LabelMatcher;
use crate::query_limits::QUERY_THREAD_STACK_BYTES;
use crate::source::{Labels, SeriesSource, is_label_name};

/// Prometheus's default `--query.max-concurrency`.
pub const MAX_CONCURRENT_QUERIES: usize = 20;

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState {
    source: Arc<dyn SeriesSource>,
    query_slots: Arc<Semaphore>,
}

impl ApiState {
    pub fn new(source: Arc<dyn SeriesSource>) -> Self {
        ApiState {
            source,
            query_slots: Arc::new(Semaphore::new(MAX_CONCURRENT_QUERIES)),
        }
    }

    /// Runs `work` with the source on a query thread once a slot is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn SeriesSource) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self
            .query_slots
            .acquire()
            .await
            .map_err(|_| ApiError::internal("query slots closed"))?;
        let source = Arc::clone(&self.source);
        let (sender, receiver) = oneshot::channel();
        std::thread::Builder::new()
            .name("kafkascope-query".to_owned())
            .stack_size(QUERY_THREAD_STACK_BYTES)
            .spawn(move || {
                // The receiver only goes away if the client did.
                let _ = sender.send(work(source.as_ref()));
            })
            .map_err(|e| ApiError::internal(format!("cannot start a query thread: {e}")))?;
        receiver
            .await
            .map_err(|_| ApiError::internal("the query thread failed"))
    }
}

/// The Prometheus version whose HTTP API and PromQL semantics kafkascope
/// follows; Grafana picks its features from it.
pub const PROMETHEUS_API_VERSION: &str = "2.42.0";

pub async fn query(State(state): State<ApiState>, params: ApiParams) -> Result<Response, ApiError> {
    let query = params.get("query").unwrap_or_default().to_owned();
    let time_ms = params.time_or("time", now_ms())?;
    let value = state
        .run(move |source| instant_query(source, &query, time_ms))
        .await??;
    Ok(success(query_data(&value)))
}

pub async fn query_range(
    State(state): State<ApiState>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let query = params.get("query").unwrap_or_default().to_owned();
    let start_ms = params.time("start")?;
    let end_ms = params.time("end")?;
    let step = params.get("step").unwrap_or_default();
    let step_ms = parse_duration_ms(step)
        .map_err(|reason| ApiError::bad_data(format!("invalid parameter \"step\": {reason}")))?;
    let value = state
        .run(move |source| range_query(source, &query, start_ms, end_ms, step_ms))
        .await??;
    Ok(success(query_data(&value)))
}

pub async fn series(
    State(state): State<ApiState>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    if params.all("match[]").is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let (start_ms, end_ms) = time_range(&params)?;
    let found = state
        .run(move |source| matching_series(source, &params.selectors()?, start_ms, end_ms))
        .await??;
    Ok(success(json!(
        found.iter().map(label_set).collect::<Vec<_>>()
    )))
}

pub async fn labels(
    State(state): State<ApiState>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let (start_ms, end_ms) = time_range(&params)?;
    let names = state
        .run(move |source| {
            let selectors = params.selectors()?;
            if selectors.is_empty() {
                return source
                    .label_names(start_ms, end_ms)
                    .map_err(ApiError::from_source);
            }
            let found = matching_series(source, &selectors, start_ms, end_ms)?;
            let names: BTreeSet<String> = found.into_iter().flat_map(Labels::into_keys).collect();
            Ok(names.into_iter().collect::<Vec<_>>())
        })
        .await??;
    Ok(success(json!(names)))
}

pub async fn label_values(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    if !is_label_name(&name) {
        return Err(ApiError::bad_data(format!("invalid label name: {name:?}")));
    }
    let (start_ms, end_ms) = time_range(&params)?;
    let values = state
        .run(move |source| {
            let selectors = params.selectors()?;
            if selectors.is_empty() {
                return source
                    .label_values(&name, start_ms, end_ms)
                    .map_err(ApiError::from_source);
            }
            let found = matching_series(source, &selectors, start_ms, end_ms)?;
            let values: BTreeSet<String> = found
                .into_iter()
                .filter_map(|mut labels| labels.remove(&name))
                .collect();
            Ok(values.into_iter().collect::<Vec<_>>())
        })
        .await??;
    Ok(success(json!(values)))
}

pub async fn build_info() -> Response {
    success(json!({
        "version": PROMETHEUS_API_VERSION,
        "revision": "",
        "branch": "",
        "buildUser": "",
        "buildDate": "",
        "goVersion": "",
        "application": "kafkascope",
        "applicationVersion": env!("CARGO_PKG_VERSION"),
    }))
}

/// Metric metadata: kafkascope keeps none, so the answer is an empty map
/// (Grafana's query builder asks and copes).
pub async fn metadata() -> Response {
    success(json!({}))
}

/// Series matching any of the selectors, each once, sorted by labels.
fn matching_series(
    source: &dyn SeriesSource,
    selectors: &[Vec<LabelMatcher>],
    start_ms: i64,
    end_ms: i64,
) -> Result<Vec<Labels>, ApiError> {
    let mut found = BTreeSet::new();
    for matchers in selectors {
        for series in source
            .select(matchers, start_ms, end_ms)
            .map_err(ApiError::from_source)?
        {
            found.insert(series.labels);
        }
    }
    Ok(found.into_iter().collect())
}

/// `start`/`end` of the metadata endpoints; absent means unbounded.
fn time_range(params: &ApiParams) -> Result<(i64, i64), ApiError> {
    Ok((
        params.time_or("start", i64::MIN)?,
        params.time_or("end", i64::MAX)?,
    ))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
