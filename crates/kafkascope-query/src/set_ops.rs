//! The set operators `and`, `or` and `unless` between instant vectors.
//!
//! They pair elements by the same label signature as arithmetic (`on`,
//! `ignoring`, by default every label but the metric name) but compute no
//! values: each result element is an input element, metric name and value
//! unchanged. Matching is many-to-many, so several elements may share a
//! signature on either side.

use std::collections::HashSet;

use crate::binary_ops::{Matching, signature};
use crate::source::Labels;
use crate::value::Sample;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// The left elements that have a partner on the right.
    And,
    /// Every left element, then the right ones without a left partner.
    Or,
    /// The left elements without a partner on the right.
    Unless,
}

impl SetOp {
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        match symbol {
            "and" => Some(SetOp::And),
            "or" => Some(SetOp::Or),
            "unless" => Some(SetOp::Unless),
            _ => None,
        }
    }
}

pub fn set_operation(
    op: SetOp,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    matching: &Matching,
) -> Vec<Sample> {
    let signatures = |samples: &[Sample]| -> HashSet<Labels> {
        samples
            .iter()
            .map(|s| signature(&s.labels, matching))
            .collect()
    };
    let has_partner = |sample: &Sample, others: &HashSet<Labels>| {
        others.contains(&signature(&sample.labels, matching))
    };
    match op {
        SetOp::And => {
            let right = signatures(&rhs);
            lhs.into_iter().filter(|s| has_partner(s, &right)).collect()
        }
        SetOp::Unless => {
            let right = signatures(&rhs);
            lhs.into_iter()
                .filter(|s| !has_partner(s, &right))
                .collect()
        }
        SetOp::Or => {
            let left = signatures(&lhs);
            let extra: Vec<Sample> = rhs.into_iter().filter(|s| !has_partner(s, &left)).collect();
            lhs.into_iter().chain(extra).collect()
        }
    }
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

    fn lag(topic: &str, partition: &str, value: f64) -> Sample {
        sample(
            &[
                ("__name__", "lag"),
                ("topic", topic),
                ("partition", partition),
            ],
            value,
        )
    }

    fn offsets() -> Vec<Sample> {
        vec![
            sample(
                &[("__name__", "offset"), ("topic", "a"), ("partition", "0")],
                9.0,
            ),
            sample(
                &[("__name__", "offset"), ("topic", "c"), ("partition", "0")],
                8.0,
            ),
        ]
    }

    fn ignoring_none() -> Matching {
        Matching::Ignoring(Vec::new())
    }

    #[test]
    fn and_keeps_left_elements_with_a_partner_unchanged() {
        let lhs = vec![lag("a", "0", 1.0), lag("b", "0", 2.0)];
        let out = set_operation(SetOp::And, lhs, offsets(), &ignoring_none());
        assert_eq!(out, vec![lag("a", "0", 1.0)]);
    }

    #[test]
    fn unless_keeps_left_elements_without_a_partner() {
        let lhs = vec![lag("a", "0", 1.0), lag("b", "0", 2.0)];
        let out = set_operation(SetOp::Unless, lhs.clone(), offsets(), &ignoring_none());
        assert_eq!(out, vec![lag("b", "0", 2.0)]);
        let out = set_operation(SetOp::Unless, lhs.clone(), Vec::new(), &ignoring_none());
        assert_eq!(out, lhs);
    }

    #[test]
    fn or_adds_right_elements_whose_signature_the_left_lacks() {
        let lhs = vec![lag("a", "0", 1.0)];
        let out = set_operation(SetOp::Or, lhs, offsets(), &ignoring_none());
        assert_eq!(out, vec![lag("a", "0", 1.0), offsets()[1].clone()]);
    }

    #[test]
    fn matching_is_many_to_many_on_the_listed_labels() {
        let lhs = vec![lag("a", "0", 1.0), lag("a", "1", 2.0), lag("b", "0", 3.0)];
        let on_topic = Matching::On(vec!["topic".into()]);
        let out = set_operation(SetOp::And, lhs.clone(), offsets(), &on_topic);
        assert_eq!(out, vec![lag("a", "0", 1.0), lag("a", "1", 2.0)]);
        let ignoring = Matching::Ignoring(vec!["partition".into()]);
        let out = set_operation(SetOp::Or, offsets(), lhs, &ignoring);
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(out[2], lag("b", "0", 3.0));
        // on() with no labels: everything matches anything.
        let on_nothing = Matching::On(Vec::new());
        let out = set_operation(SetOp::And, offsets(), vec![lag("z", "9", 0.0)], &on_nothing);
        assert_eq!(out, offsets());
    }
}
