//! One handler per endpoint. Queries run on a blocking thread because a
//! [`SeriesSource`] may read from disk.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use super::params::{ApiParams, is_label_name, parse_duration_ms};
use super::response::{ApiError, label_set, query_data, success};
use crate::engine::{instant_query, range_query};
use crate::label_matcher::LabelMatcher;
use crate::source::{Labels, SeriesSource};

pub type SharedSource = Arc<dyn SeriesSource>;

/// The Prometheus version whose HTTP API and PromQL semantics kafkascope
/// follows; Grafana picks its features from it.
pub const PROMETHEUS_API_VERSION: &str = "2.42.0";

pub async fn query(
    State(source): State<SharedSource>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let query = params.get("query").unwrap_or_default().to_owned();
    let time_ms = params.time_or("time", now_ms())?;
    let value = blocking(move || instant_query(source.as_ref(), &query, time_ms)).await??;
    Ok(success(query_data(&value)))
}

pub async fn query_range(
    State(source): State<SharedSource>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let query = params.get("query").unwrap_or_default().to_owned();
    let start_ms = params.time("start")?;
    let end_ms = params.time("end")?;
    let step = params.get("step").unwrap_or_default();
    let step_ms = parse_duration_ms(step)
        .map_err(|reason| ApiError::bad_data(format!("invalid parameter \"step\": {reason}")))?;
    let value =
        blocking(move || range_query(source.as_ref(), &query, start_ms, end_ms, step_ms)).await??;
    Ok(success(query_data(&value)))
}

pub async fn series(
    State(source): State<SharedSource>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let selectors = params.selectors()?;
    if selectors.is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let (start_ms, end_ms) = time_range(&params)?;
    let found =
        blocking(move || matching_series(source.as_ref(), &selectors, start_ms, end_ms)).await??;
    Ok(success(json!(
        found.iter().map(label_set).collect::<Vec<_>>()
    )))
}

pub async fn labels(
    State(source): State<SharedSource>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    let selectors = params.selectors()?;
    let (start_ms, end_ms) = time_range(&params)?;
    let names = blocking(move || {
        if selectors.is_empty() {
            return source
                .label_names(start_ms, end_ms)
                .map_err(ApiError::from_source);
        }
        let found = matching_series(source.as_ref(), &selectors, start_ms, end_ms)?;
        let names: BTreeSet<String> = found.into_iter().flat_map(Labels::into_keys).collect();
        Ok(names.into_iter().collect())
    })
    .await??;
    Ok(success(json!(names)))
}

pub async fn label_values(
    State(source): State<SharedSource>,
    Path(name): Path<String>,
    params: ApiParams,
) -> Result<Response, ApiError> {
    if !is_label_name(&name) {
        return Err(ApiError::bad_data(format!("invalid label name: {name:?}")));
    }
    let selectors = params.selectors()?;
    let (start_ms, end_ms) = time_range(&params)?;
    let values = blocking(move || {
        if selectors.is_empty() {
            return source
                .label_values(&name, start_ms, end_ms)
                .map_err(ApiError::from_source);
        }
        let found = matching_series(source.as_ref(), &selectors, start_ms, end_ms)?;
        let values: BTreeSet<String> = found
            .into_iter()
            .filter_map(|mut l| l.remove(&name))
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

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("query worker failed: {e}")))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
