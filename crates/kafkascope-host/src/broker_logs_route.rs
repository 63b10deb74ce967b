//! The agent's `GET /broker-logs?after=<seq>&limit=<n>`: the broker log
//! events the agent read after sequence number `after`, as JSON. What the
//! page holds is the pager's business (the binary hands one in), so this
//! crate reads `/proc` and serves pages without knowing log files.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Events asked for when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 1_000;

/// Gives the JSON page of events after `after`, at most `limit` of them.
pub type BrokerLogsPager = Arc<dyn Fn(u64, usize) -> String + Send + Sync>;

/// The route, to merge into the agent's router.
pub fn broker_logs_router(pager: BrokerLogsPager) -> Router {
    Router::new()
        .route("/broker-logs", get(broker_logs))
        .with_state(pager)
}

async fn broker_logs(State(pager): State<BrokerLogsPager>, RawQuery(query): RawQuery) -> Response {
    match page_request(query.as_deref().unwrap_or("")) {
        Ok((after, limit)) => {
            let page = tokio::task::spawn_blocking(move || pager(after, limit)).await;
            match page {
                Ok(page) => ([(header::CONTENT_TYPE, "application/json")], page).into_response(),
                Err(error) => {
                    tracing::error!(%error, "serving broker log events failed");
                    json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "serving the events failed",
                    )
                }
            }
        }
        Err(message) => json_error(StatusCode::BAD_REQUEST, &message),
    }
}

/// `after` (0 by default) and `limit` from the query string; a bad value
/// names its parameter.
pub fn page_request(query: &str) -> Result<(u64, usize), String> {
    let mut after = 0;
    let mut limit = DEFAULT_LIMIT;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "after" => {
                after = value
                    .parse()
                    .map_err(|_| format!("after: '{value}' is not a sequence number"))?;
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|limit| *limit > 0)
                    .ok_or_else(|| format!("limit: '{value}' is not a positive number"))?;
            }
            _ => return Err(format!("{name}: unknown parameter (after, limit)")),
        }
    }
    Ok((after, limit))
}

fn json_error(status: StatusCode, message: &str) -> Response {
    let escaped: String = message
        .chars()
        .flat_map(|c| match c {
            '"' => "\\\"".chars().collect::<Vec<_>>(),
            '\\' => "\\\\".chars().collect(),
            c if c.is_control() => Vec::new(),
            c => vec![c],
        })
        .collect();
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"error\":\"{escaped}\"}}"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(uri: &str) -> (StatusCode, String) {
        let pager: BrokerLogsPager = Arc::new(|after, limit| format!("[{after},{limit}]"));
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = broker_logs_router(pager).oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_query_reaches_the_pager_and_bad_values_name_their_parameter() {
        assert_eq!(
            get("/broker-logs").await,
            (StatusCode::OK, "[0,1000]".into())
        );
        assert_eq!(
            get("/broker-logs?after=41&limit=5").await,
            (StatusCode::OK, "[41,5]".into())
        );
        assert_eq!(
            get("/broker-logs?after=-1").await,
            (
                StatusCode::BAD_REQUEST,
                r#"{"error":"after: '-1' is not a sequence number"}"#.into()
            )
        );
        assert_eq!(
            get("/broker-logs?limit=0").await,
            (
                StatusCode::BAD_REQUEST,
                r#"{"error":"limit: '0' is not a positive number"}"#.into()
            )
        );
        assert_eq!(
            get("/broker-logs?x=1").await.1,
            r#"{"error":"x: unknown parameter (after, limit)"}"#
        );
    }
}
