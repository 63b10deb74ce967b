//! Arithmetic and comparison operators between scalars and vectors, with
//! one-to-one vector matching (`on`/`ignoring`) and the `bool` modifier.
//!
//! As in Prometheus: arithmetic drops the metric name; a comparison without
//! `bool` filters and keeps the vector side's value and labels; with `bool`
//! it yields 1 or 0 and drops the metric name.

use std::collections::{HashMap, HashSet};

use crate::error::QueryError;
use crate::source::{Labels, METRIC_NAME};
use crate::value::{Sample, without_metric_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

/// Which labels two vector elements must share to be paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matching {
    /// Exactly these labels; the result keeps only them.
    On(Vec<String>),
    /// Every label but these and the metric name (the default, with none).
    Ignoring(Vec<String>),
}

impl BinaryOp {
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        match symbol {
            "+" => Some(BinaryOp::Add),
            "-" => Some(BinaryOp::Sub),
            "*" => Some(BinaryOp::Mul),
            "/" => Some(BinaryOp::Div),
            "%" => Some(BinaryOp::Mod),
            "^" => Some(BinaryOp::Pow),
            "==" => Some(BinaryOp::Eq),
            "!=" => Some(BinaryOp::Ne),
            ">" => Some(BinaryOp::Gt),
            "<" => Some(BinaryOp::Lt),
            ">=" => Some(BinaryOp::Ge),
            "<=" => Some(BinaryOp::Le),
            _ => None,
        }
    }

    pub fn is_comparison(self) -> bool {
        !self.is_arithmetic()
    }

    fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinaryOp::Add
                | BinaryOp::Sub
                | BinaryOp::Mul
                | BinaryOp::Div
                | BinaryOp::Mod
                | BinaryOp::Pow
        )
    }

    /// The result value and whether the element survives; comparisons keep
    /// the left value.
    fn apply(self, lhs: f64, rhs: f64) -> (f64, bool) {
        match self {
            BinaryOp::Add => (lhs + rhs, true),
            BinaryOp::Sub => (lhs - rhs, true),
            BinaryOp::Mul => (lhs * rhs, true),
            BinaryOp::Div => (lhs / rhs, true),
            // f64 `%` is C's fmod, the same as Go's math.Mod.
            BinaryOp::Mod => (lhs % rhs, true),
            BinaryOp::Pow => (lhs.powf(rhs), true),
            BinaryOp::Eq => (lhs, lhs == rhs),
            BinaryOp::Ne => (lhs, lhs != rhs),
            BinaryOp::Gt => (lhs, lhs > rhs),
            BinaryOp::Lt => (lhs, lhs < rhs),
            BinaryOp::Ge => (lhs, lhs >= rhs),
            BinaryOp::Le => (lhs, lhs <= rhs),
        }
    }

    fn result_labels(self, labels: Labels, return_bool: bool) -> Labels {
        if self.is_arithmetic() || return_bool {
            without_metric_name(labels)
        } else {
            labels
        }
    }
}

fn bool_value(keep: bool) -> f64 {
    if keep { 1.0 } else { 0.0 }
}

/// `scalar op scalar`; the parser only lets comparisons through with `bool`.
pub fn scalar_scalar(op: BinaryOp, lhs: f64, rhs: f64) -> f64 {
    let (value, keep) = op.apply(lhs, rhs);
    if op.is_comparison() {
        bool_value(keep)
    } else {
        value
    }
}

/// `vector op scalar`, or `scalar op vector` when `scalar_on_left`.
pub fn vector_scalar(
    op: BinaryOp,
    vector: Vec<Sample>,
    scalar: f64,
    scalar_on_left: bool,
    return_bool: bool,
) -> Vec<Sample> {
    vector
        .into_iter()
        .filter_map(|sample| {
            let (lhs, rhs) = if scalar_on_left {
                (scalar, sample.value)
            } else {
                (sample.value, scalar)
            };
            let (mut value, keep) = op.apply(lhs, rhs);
            if op.is_comparison() {
                // A filter keeps the vector element's own value.
                value = if return_bool {
                    bool_value(keep)
                } else {
                    sample.value
                };
            }
            (keep || return_bool).then(|| Sample {
                labels: op.result_labels(sample.labels, return_bool),
                value,
            })
        })
        .collect()
}

/// `vector op vector` with one-to-one matching.
pub fn vector_vector(
    op: BinaryOp,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    matching: &Matching,
    return_bool: bool,
) -> Result<Vec<Sample>, QueryError> {
    let mut right_by_signature: HashMap<Labels, Sample> = HashMap::with_capacity(rhs.len());
    for sample in rhs {
        let signature = signature(&sample.labels, matching);
        if let Some(previous) = right_by_signature.get(&signature) {
            return Err(duplicate_right(
                &signature,
                &sample.labels,
                &previous.labels,
            ));
        }
        right_by_signature.insert(signature, sample);
    }
    let mut matched: HashSet<Labels> = HashSet::new();
    let mut out = Vec::new();
    for left in lhs {
        let signature = signature(&left.labels, matching);
        let Some(right) = right_by_signature.get(&signature) else {
            continue;
        };
        let (value, keep) = op.apply(left.value, right.value);
        if !keep && !return_bool {
            continue;
        }
        if !matched.insert(signature) {
            return Err(QueryError::Execution(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
                    .to_owned(),
            ));
        }
        let value = if return_bool { bool_value(keep) } else { value };
        let labels = match matching {
            Matching::On(names) => keep_only(left.labels, names),
            Matching::Ignoring(names) => remove_all(left.labels, names),
        };
        out.push(Sample {
            labels: op.result_labels(labels, return_bool),
            value,
        });
    }
    Ok(out)
}

/// The labels two elements are matched on.
pub fn signature(labels: &Labels, matching: &Matching) -> Labels {
    match matching {
        Matching::On(names) => keep_only(labels.clone(), names),
        Matching::Ignoring(names) => {
            let mut kept = remove_all(labels.clone(), names);
            kept.remove(METRIC_NAME);
            kept
        }
    }
}

fn keep_only(mut labels: Labels, names: &[String]) -> Labels {
    labels.retain(|name, _| names.contains(name));
    labels
}

fn remove_all(mut labels: Labels, names: &[String]) -> Labels {
    labels.retain(|name, _| !names.contains(name));
    labels
}

fn duplicate_right(signature: &Labels, one: &Labels, other: &Labels) -> QueryError {
    QueryError::Execution(format!(
        "found duplicate series for the match group {} on the right hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
        format_labels(signature),
        format_labels(one),
        format_labels(other),
    ))
}

/// Labels as Prometheus prints them: `{a="1", b="2"}`.
fn format_labels(labels: &Labels) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
        let labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Sample { labels, value }
    }

    fn lag(topic: &str, value: f64) -> Sample {
        sample(&[("__name__", "lag"), ("topic", topic)], value)
    }

    fn ignoring_none() -> Matching {
        Matching::Ignoring(Vec::new())
    }

    #[test]
    fn arithmetic_with_scalar_drops_name_and_respects_side() {
        let out = vector_scalar(BinaryOp::Sub, vec![lag("a", 10.0)], 1.0, true, false);
        assert_eq!(out, vec![sample(&[("topic", "a")], -9.0)]);
        let out = vector_scalar(BinaryOp::Div, vec![lag("a", 10.0)], 4.0, false, false);
        assert_eq!(out[0].value, 2.5);
        assert_eq!(scalar_scalar(BinaryOp::Pow, 2.0, 10.0), 1024.0);
        assert_eq!(scalar_scalar(BinaryOp::Mod, -7.0, 3.0), -1.0);
        assert_eq!(scalar_scalar(BinaryOp::Ge, 1.0, 2.0), 0.0);
    }

    #[test]
    fn comparison_filters_and_keeps_vector_value_and_name() {
        let input = vec![lag("a", 10.0), lag("b", 3.0)];
        // `5 < lag` keeps the element's value 10, not the scalar.
        let out = vector_scalar(BinaryOp::Lt, input.clone(), 5.0, true, false);
        assert_eq!(out, vec![lag("a", 10.0)]);
        let out = vector_scalar(BinaryOp::Gt, input, 5.0, false, true);
        assert_eq!(
            out,
            vec![
                sample(&[("topic", "a")], 1.0),
                sample(&[("topic", "b")], 0.0)
            ]
        );
    }

    #[test]
    fn vectors_match_on_all_labels_but_name_by_default() {
        let lhs = vec![lag("a", 10.0), lag("b", 3.0)];
        let rhs = vec![
            sample(&[("__name__", "offset"), ("topic", "a")], 4.0),
            sample(&[("__name__", "offset"), ("topic", "c")], 1.0),
        ];
        let out = vector_vector(
            BinaryOp::Div,
            lhs.clone(),
            rhs.clone(),
            &ignoring_none(),
            false,
        )
        .unwrap();
        assert_eq!(out, vec![sample(&[("topic", "a")], 2.5)]);
        let out = vector_vector(BinaryOp::Gt, lhs, rhs, &ignoring_none(), false).unwrap();
        assert_eq!(out, vec![lag("a", 10.0)]);
    }

    #[test]
    fn on_keeps_only_matching_labels_and_ignoring_removes_them() {
        let lhs = vec![sample(
            &[("__name__", "lag"), ("topic", "a"), ("partition", "0")],
            5.0,
        )];
        let rhs = vec![sample(
            &[("__name__", "x"), ("topic", "a"), ("partition", "9")],
            2.0,
        )];
        let on = Matching::On(vec!["topic".into()]);
        let out = vector_vector(BinaryOp::Mul, lhs.clone(), rhs.clone(), &on, false).unwrap();
        assert_eq!(out, vec![sample(&[("topic", "a")], 10.0)]);
        let ignoring = Matching::Ignoring(vec!["partition".into()]);
        let out = vector_vector(BinaryOp::Le, lhs, rhs, &ignoring, true).unwrap();
        assert_eq!(out, vec![sample(&[("topic", "a")], 0.0)]);
    }

    #[test]
    fn duplicate_right_side_is_many_to_many_error() {
        let lhs = vec![lag("a", 1.0)];
        let rhs = vec![
            sample(&[("topic", "a"), ("partition", "0")], 1.0),
            sample(&[("topic", "a"), ("partition", "1")], 1.0),
        ];
        let on = Matching::On(vec!["topic".into()]);
        let err = vector_vector(BinaryOp::Add, lhs, rhs, &on, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("many-to-many matching not allowed"),
            "{err}"
        );
        assert!(
            err.to_string().contains("match group {topic=\"a\"}"),
            "{err}"
        );
    }

    #[test]
    fn two_left_elements_on_one_right_need_group_left() {
        let lhs = vec![
            sample(&[("topic", "a"), ("partition", "0")], 1.0),
            sample(&[("topic", "a"), ("partition", "1")], 1.0),
        ];
        let rhs = vec![lag("a", 1.0)];
        let on = Matching::On(vec!["topic".into()]);
        let err = vector_vector(BinaryOp::Add, lhs, rhs, &on, false).unwrap_err();
        assert!(
            err.to_string().starts_with("multiple matches for labels"),
            "{err}"
        );
    }
}
