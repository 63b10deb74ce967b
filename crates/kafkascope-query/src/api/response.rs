//! Prometheus's JSON envelope: `{"status":"success","data":…}` or
//! `{"status":"error","errorType":…,"error":…}`, and its value encodings
//! (times as Unix seconds, sample values as strings).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as JsonValue, json};

use crate::error::QueryError;
use crate::source::{Labels, SourceError};
use crate::value::{QueryValue, Sample, Series, format_value};

/// An API failure with Prometheus's error type and HTTP status.
#[derive(Debug)]
pub struct ApiError {
    pub error_type: &'static str,
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_data(message: impl Into<String>) -> Self {
        ApiError {
            error_type: "bad_data",
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            error_type: "internal",
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl ApiError {
    pub fn from_source(error: SourceError) -> Self {
        ApiError::from(QueryError::Source(error))
    }
}

impl From<QueryError> for ApiError {
    fn from(error: QueryError) -> Self {
        let message = error.to_string();
        match error {
            QueryError::BadData(_) | QueryError::Unsupported { .. } => ApiError::bad_data(message),
            QueryError::Execution(_) => ApiError {
                error_type: "execution",
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message,
            },
            QueryError::Source(_) => ApiError::internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"status": "error", "errorType": self.error_type, "error": self.message});
        (self.status, Json(body)).into_response()
    }
}

/// A success response around `data`.
pub fn success(data: JsonValue) -> Response {
    Json(json!({"status": "success", "data": data})).into_response()
}

/// The `data` of a query response.
pub fn query_data(value: &QueryValue) -> JsonValue {
    match value {
        QueryValue::Scalar { time_ms, value } => {
            json!({"resultType": "scalar", "result": point(*time_ms, *value)})
        }
        QueryValue::Vector { time_ms, samples } => {
            let result: Vec<JsonValue> = samples
                .iter()
                .map(|s| vector_element(*time_ms, s))
                .collect();
            json!({"resultType": "vector", "result": result})
        }
        QueryValue::Matrix(series) => {
            let result: Vec<JsonValue> = series.iter().map(matrix_element).collect();
            json!({"resultType": "matrix", "result": result})
        }
    }
}

fn vector_element(time_ms: i64, sample: &Sample) -> JsonValue {
    json!({"metric": &sample.labels, "value": point(time_ms, sample.value)})
}

fn matrix_element(series: &Series) -> JsonValue {
    let values: Vec<JsonValue> = series.points.iter().map(|&(t, v)| point(t, v)).collect();
    json!({"metric": &series.labels, "values": values})
}

/// A series' labels as the series endpoint lists them.
pub fn label_set(labels: &Labels) -> JsonValue {
    json!(labels)
}

/// `[<unix seconds>, "<value>"]`.
fn point(time_ms: i64, value: f64) -> JsonValue {
    json!([unix_seconds(time_ms), format_value(value)])
}

/// Whole seconds as an integer, others with their millisecond fraction.
fn unix_seconds(time_ms: i64) -> JsonValue {
    if time_ms % 1000 == 0 {
        json!(time_ms / 1000)
    } else {
        json!(time_ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_like_prometheus() {
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.1), "0.1");
        assert_eq!(format_value(-2.5e-7), "-0.00000025");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn times_are_unix_seconds() {
        assert_eq!(unix_seconds(1_700_000_000_000).to_string(), "1700000000");
        assert_eq!(unix_seconds(1_700_000_000_250).to_string(), "1700000000.25");
    }

    #[test]
    fn scalar_result_is_a_bare_point() {
        let data = query_data(&QueryValue::Scalar {
            time_ms: 1_000,
            value: 2.0,
        });
        assert_eq!(data, json!({"resultType": "scalar", "result": [1, "2"]}));
    }
}
