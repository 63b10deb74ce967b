//! Compares two Prometheus API answers: same result type, same series label
//! sets, same timestamps, values equal within a relative tolerance.

use std::collections::BTreeMap;

use serde_json::Value;

/// Relative tolerance; values within `ABSOLUTE_FLOOR` of each other also
/// count as equal, for results that should be zero but come out as a
/// rounding residue of summation order.
const RELATIVE_TOLERANCE: f64 = 1e-9;
const ABSOLUTE_FLOOR: f64 = 1e-12;

type Labels = BTreeMap<String, String>;

#[derive(Debug, PartialEq)]
enum Answer {
    Error(String),
    Scalar((i64, f64)),
    Vector(BTreeMap<Labels, (i64, f64)>),
    Matrix(BTreeMap<Labels, Vec<(i64, f64)>>),
    /// The data of the series and label endpoints, compared exactly.
    Data(Value),
}

/// `None` when equal, otherwise what differs.
pub fn difference(expected: &Value, actual: &Value) -> Option<String> {
    let (expected, actual) = match (answer(expected), answer(actual)) {
        (Ok(e), Ok(a)) => (e, a),
        (e, a) => return Some(format!("unreadable answer: expected {e:?}, actual {a:?}")),
    };
    match (&expected, &actual) {
        (Answer::Scalar(e), Answer::Scalar(a)) => point_difference(e, a),
        (Answer::Vector(e), Answer::Vector(a)) => keyed_difference(e, a, point_difference),
        (Answer::Matrix(e), Answer::Matrix(a)) => keyed_difference(e, a, |e, a| {
            if e.len() != a.len() {
                return Some(format!("{} points expected, {} found", e.len(), a.len()));
            }
            e.iter().zip(a).find_map(|(e, a)| point_difference(e, a))
        }),
        _ if expected == actual => None,
        _ => Some(format!("expected {expected:?}\n   found {actual:?}")),
    }
}

fn keyed_difference<T>(
    expected: &BTreeMap<Labels, T>,
    actual: &BTreeMap<Labels, T>,
    differ: impl Fn(&T, &T) -> Option<String>,
) -> Option<String> {
    let expected_keys: Vec<&Labels> = expected.keys().collect();
    let actual_keys: Vec<&Labels> = actual.keys().collect();
    if expected_keys != actual_keys {
        return Some(format!(
            "series expected {expected_keys:?}\n   found {actual_keys:?}"
        ));
    }
    expected
        .iter()
        .find_map(|(labels, e)| differ(e, &actual[labels]).map(|d| format!("{labels:?}: {d}")))
}

fn point_difference(expected: &(i64, f64), actual: &(i64, f64)) -> Option<String> {
    let (same_time, same_value) = (expected.0 == actual.0, close(expected.1, actual.1));
    (!same_time || !same_value).then(|| format!("expected {expected:?}, found {actual:?}"))
}

fn close(expected: f64, actual: f64) -> bool {
    if expected.is_nan() || actual.is_nan() || expected.is_infinite() || actual.is_infinite() {
        return expected.is_nan() && actual.is_nan() || expected == actual;
    }
    let scale = expected.abs().max(actual.abs());
    (expected - actual).abs() <= (RELATIVE_TOLERANCE * scale).max(ABSOLUTE_FLOOR)
}

fn answer(json: &Value) -> Result<Answer, String> {
    match json["status"].as_str() {
        Some("success") => {}
        Some("error") => {
            return Ok(Answer::Error(
                json["errorType"].as_str().unwrap_or("").to_owned(),
            ));
        }
        _ => return Err(format!("no status in {json}")),
    }
    let data = &json["data"];
    let result = &data["result"];
    match data["resultType"].as_str() {
        None => Ok(Answer::Data(data.clone())),
        Some("scalar") => Ok(Answer::Scalar(point(result)?)),
        Some("vector") => Ok(Answer::Vector(
            elements(result)?
                .map(|e| Ok((labels(&e["metric"])?, point(&e["value"])?)))
                .collect::<Result<_, String>>()?,
        )),
        Some("matrix") => Ok(Answer::Matrix(
            elements(result)?
                .map(|e| {
                    let points = elements(&e["values"])?
                        .map(point)
                        .collect::<Result<_, _>>()?;
                    Ok((labels(&e["metric"])?, points))
                })
                .collect::<Result<_, String>>()?,
        )),
        Some(other) => Err(format!("unknown resultType {other}")),
    }
}

fn elements(json: &Value) -> Result<impl Iterator<Item = &Value>, String> {
    json.as_array()
        .map(|a| a.iter())
        .ok_or_else(|| format!("not an array: {json}"))
}

fn labels(json: &Value) -> Result<Labels, String> {
    serde_json::from_value(json.clone()).map_err(|e| format!("bad labels {json}: {e}"))
}

/// `[<seconds>, "<value>"]` as (ms, value).
fn point(json: &Value) -> Result<(i64, f64), String> {
    let seconds = json[0]
        .as_f64()
        .ok_or_else(|| format!("bad time in {json}"))?;
    let text = json[1]
        .as_str()
        .ok_or_else(|| format!("bad value in {json}"))?;
    let value = match text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => text.parse().map_err(|e| format!("bad value {text}: {e}"))?,
    };
    Ok(((seconds * 1000.0).round() as i64, value))
}
