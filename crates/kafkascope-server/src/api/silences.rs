//! Silences and acknowledgements: the HTTP server's only writes. Shaped
//! after Alertmanager's (matchers with `name`, `value`, `isRegex`,
//! `isEqual`), with times in Unix milliseconds as in the rest of the API.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use kafkascope_alerts::silence::{SilenceError, SilenceRequest, Silences};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api_error::ApiError;

fn store(state: &AppState) -> Result<&Arc<Mutex<Silences>>, ApiError> {
    state.silences.as_ref().ok_or(ApiError::AlertingOff)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn refused(error: SilenceError) -> ApiError {
    match error {
        SilenceError::Invalid(message) => ApiError::BadBody(message),
        SilenceError::NotFound(id) => ApiError::UnknownSilence(id),
        SilenceError::Expired(id) => ApiError::SilenceExpired(id),
        SilenceError::Save { .. } => ApiError::Internal(error.to_string()),
    }
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::BadBody(format!("the request body: {}", e.body_text())))
}

/// Every silence, newest first, with its state now.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let silences = store(&state)?
        .lock()
        .map_err(|_| ApiError::Internal("silences lock poisoned".into()))?;
    let now = now_ms();
    let mut listed: Vec<Value> = silences
        .list()
        .iter()
        .map(|s| {
            let mut value = serde_json::to_value(s).unwrap_or(Value::Null);
            value["state"] = json!(s.state(now));
            value
        })
        .collect();
    listed.reverse();
    Ok(Json(json!({ "silences": listed })))
}

/// Creates a silence, or changes the one `id` names.
pub async fn upsert(
    State(state): State<AppState>,
    request: Result<Json<SilenceRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = body(request)?;
    let mut silences = store(&state)?
        .lock()
        .map_err(|_| ApiError::Internal("silences lock poisoned".into()))?;
    let id = silences.upsert(request, now_ms()).map_err(refused)?;
    Ok(Json(json!({ "id": id })))
}

/// Ends a silence now.
pub async fn expire(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut silences = store(&state)?
        .lock()
        .map_err(|_| ApiError::Internal("silences lock poisoned".into()))?;
    silences.expire(&id, now_ms()).map_err(refused)?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
pub struct Acknowledgement {
    pub labels: BTreeMap<String, String>,
    pub created_by: String,
    pub comment: String,
}

/// Silences one alert, by its exact labels, until it resolves.
pub async fn acknowledge(
    State(state): State<AppState>,
    request: Result<Json<Acknowledgement>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let ack = body(request)?;
    let mut silences = store(&state)?
        .lock()
        .map_err(|_| ApiError::Internal("silences lock poisoned".into()))?;
    let id = silences
        .acknowledge(&ack.labels, ack.created_by, ack.comment, now_ms())
        .map_err(refused)?;
    Ok(Json(json!({ "id": id })))
}
