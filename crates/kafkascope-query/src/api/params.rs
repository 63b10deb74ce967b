//! Request parameters as Prometheus reads them: from the URL and, for POST,
//! from a form-encoded body (as Grafana sends them); times as Unix seconds
//! or RFC 3339; durations as seconds or `5m`-style strings.

use axum::extract::{Form, FromRequest, FromRequestParts, Query, Request};
use axum::http::{Method, header};
use chrono::DateTime;
use promql_parser::parser::Expr;

use super::response::ApiError;
use crate::label_matcher::LabelMatcher;
use crate::plan::selector_matchers;
use crate::query_limits::check_query_size;

/// Prometheus's textual forms of its smallest and largest times, which its
/// own clients send for "unbounded".
const MIN_TIME_TEXT: &str = "-292273086-05-16T16:47:06Z";
const MAX_TIME_TEXT: &str = "292277026596-12-04T15:30:07Z";

/// Every parameter of a request, body values first as in Prometheus.
#[derive(Debug, Default)]
pub struct ApiParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for ApiParams {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let Query(url_pairs) =
            Query::<Vec<(String, String)>>::from_request_parts(&mut parts, state)
                .await
                .map_err(|e| ApiError::bad_data(format!("invalid query string: {e}")))?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if parts.method != Method::POST || !is_form {
            return Ok(ApiParams(url_pairs));
        }
        let request = Request::from_parts(parts, body);
        let Form(body_pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad_data(format!("invalid form body: {e}")))?;
        Ok(ApiParams(body_pairs.into_iter().chain(url_pairs).collect()))
    }
}

impl ApiParams {
    /// The first value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated parameter such as `match[]`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Required time parameter `name` in ms.
    pub fn time(&self, name: &str) -> Result<i64, ApiError> {
        parse_time(self.get(name).unwrap_or(""))
            .map_err(|reason| ApiError::bad_data(format!("invalid parameter {name:?}: {reason}")))
    }

    /// Time parameter `name` in ms, or `default` when absent.
    pub fn time_or(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => parse_time(text).map_err(|reason| {
                ApiError::bad_data(format!("invalid parameter {name:?}: {reason}"))
            }),
        }
    }

    /// Each `match[]` selector as its label matchers.
    pub fn selectors(&self) -> Result<Vec<Vec<LabelMatcher>>, ApiError> {
        self.all("match[]")
            .into_iter()
            .map(parse_selector)
            .collect()
    }
}

/// A time as Prometheus accepts it, in ms since the epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let invalid = || format!("cannot parse {text:?} to a valid timestamp");
    if let Ok(seconds) = text.parse::<f64>() {
        // Beyond this the milliseconds no longer fit an i64.
        if !seconds.is_finite() || seconds.abs() > 9.2e15 {
            return Err(invalid());
        }
        let whole = seconds.trunc();
        let millis = ((seconds - whole) * 1000.0).round();
        return Ok(whole as i64 * 1000 + millis as i64);
    }
    match text {
        MIN_TIME_TEXT => return Ok(i64::MIN),
        MAX_TIME_TEXT => return Ok(i64::MAX),
        _ => {}
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.timestamp_millis())
        .map_err(|_| invalid())
}

/// A duration as Prometheus accepts it (`15`, `0.5`, `1m30s`), in ms.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        let nanos = seconds * 1e9;
        if !nanos.is_finite() || nanos.abs() >= i64::MAX as f64 {
            return Err(format!(
                "cannot parse {text:?} to a valid duration. It overflows int64"
            ));
        }
        // Prometheus holds a step in nanoseconds and truncates it to ms.
        return Ok(nanos as i64 / 1_000_000);
    }
    promql_parser::util::parse_duration(text)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .ok_or_else(|| format!("cannot parse {text:?} to a valid duration"))
}

fn parse_selector(text: &str) -> Result<Vec<LabelMatcher>, ApiError> {
    let invalid =
        |reason: &str| ApiError::bad_data(format!("invalid parameter \"match[]\": {reason}"));
    check_query_size("match[]", text)?;
    let parsed = std::panic::catch_unwind(|| promql_parser::parser::parse(text))
        .map_err(|_| invalid("the parser failed on this input"))?
        .map_err(|e| invalid(&e))?;
    match parsed {
        Expr::VectorSelector(vs) => {
            selector_matchers(vs.name.as_deref(), &vs.matchers).map_err(|e| invalid(&e.to_string()))
        }
        _ => Err(invalid(&format!("{text:?} is not a series selector"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("1700000000.1234"), Ok(1_700_000_000_123));
        assert_eq!(parse_time("1700000000.9996"), Ok(1_700_000_001_000));
        assert_eq!(parse_time("-1.5"), Ok(-1_500));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(
            parse_time("2023-11-14T23:13:20.250+01:00"),
            Ok(1_700_000_000_250)
        );
        assert_eq!(parse_time(MAX_TIME_TEXT), Ok(i64::MAX));
        assert_eq!(
            parse_time("yesterday"),
            Err("cannot parse \"yesterday\" to a valid timestamp".into())
        );
        assert!(parse_time("NaN").is_err());
        assert!(parse_time("1e300").is_err());
    }

    #[test]
    fn durations_parse_as_seconds_or_units() {
        assert_eq!(parse_duration_ms("15"), Ok(15_000));
        assert_eq!(parse_duration_ms("0.0015"), Ok(1));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("2h"), Ok(7_200_000));
        assert_eq!(parse_duration_ms("-5"), Ok(-5_000));
        assert_eq!(
            parse_duration_ms("5x"),
            Err("cannot parse \"5x\" to a valid duration".into())
        );
        assert!(
            parse_duration_ms("1e30")
                .unwrap_err()
                .contains("overflows int64")
        );
    }

    #[test]
    fn match_parameter_must_be_a_selector() {
        let matchers = parse_selector("lag{topic=\"a\"}").unwrap();
        assert_eq!(matchers.len(), 2);
        let err = parse_selector("sum(lag)").unwrap_err();
        assert!(
            err.message.contains("is not a series selector"),
            "{}",
            err.message
        );
    }
}
