//! A label matcher as PromQL writes it (`name="v"`, `!=`, `=~`, `!~`),
//! owned by this crate so store adapters need not know the parser's types.

use std::fmt;

use promql_parser::label::{MatchOp, Matcher};
use regex::Regex;

use crate::source::Labels;

/// How a matcher compares a label value.
#[derive(Debug, Clone)]
pub enum MatchKind {
    Equal,
    NotEqual,
    /// Fully anchored, as in PromQL: `=~"ab"` does not match `"abc"`.
    Regex(Regex),
    NotRegex(Regex),
}

/// One `name op "value"` test on a series' labels.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    pub name: String,
    pub kind: MatchKind,
    /// The value as written (the pattern, for regex matchers).
    pub value: String,
}

/// A regex matcher whose pattern does not compile.
#[derive(Debug, thiserror::Error)]
#[error("invalid regular expression {pattern:?} for label {label:?}: {reason}")]
pub struct InvalidPattern {
    pub label: String,
    pub pattern: String,
    pub reason: String,
}

impl LabelMatcher {
    pub fn equal(name: &str, value: &str) -> Self {
        Self::with_kind(name, MatchKind::Equal, value)
    }

    pub fn not_equal(name: &str, value: &str) -> Self {
        Self::with_kind(name, MatchKind::NotEqual, value)
    }

    pub fn regex(name: &str, pattern: &str) -> Result<Self, InvalidPattern> {
        Ok(Self::with_kind(
            name,
            MatchKind::Regex(anchored(name, pattern)?),
            pattern,
        ))
    }

    pub fn not_regex(name: &str, pattern: &str) -> Result<Self, InvalidPattern> {
        Ok(Self::with_kind(
            name,
            MatchKind::NotRegex(anchored(name, pattern)?),
            pattern,
        ))
    }

    fn with_kind(name: &str, kind: MatchKind, value: &str) -> Self {
        LabelMatcher {
            name: name.to_owned(),
            kind,
            value: value.to_owned(),
        }
    }

    /// Whether a label value passes; an absent label is the empty string.
    pub fn matches_value(&self, value: &str) -> bool {
        match &self.kind {
            MatchKind::Equal => self.value == value,
            MatchKind::NotEqual => self.value != value,
            MatchKind::Regex(re) => re.is_match(value),
            MatchKind::NotRegex(re) => !re.is_match(value),
        }
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_value(labels.get(&self.name).map_or("", String::as_str))
    }

    /// Whether every matcher passes.
    pub fn all_match(matchers: &[LabelMatcher], labels: &Labels) -> bool {
        matchers.iter().all(|m| m.matches(labels))
    }
}

impl From<&Matcher> for LabelMatcher {
    /// The parser has already anchored and compiled regex matchers.
    fn from(matcher: &Matcher) -> Self {
        let kind = match &matcher.op {
            MatchOp::Equal => MatchKind::Equal,
            MatchOp::NotEqual => MatchKind::NotEqual,
            MatchOp::Re(re) => MatchKind::Regex(re.clone()),
            MatchOp::NotRe(re) => MatchKind::NotRegex(re.clone()),
        };
        Self::with_kind(&matcher.name, kind, &matcher.value)
    }
}

impl fmt::Display for LabelMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.kind {
            MatchKind::Equal => "=",
            MatchKind::NotEqual => "!=",
            MatchKind::Regex(_) => "=~",
            MatchKind::NotRegex(_) => "!~",
        };
        write!(f, "{}{}{:?}", self.name, op, self.value)
    }
}

fn anchored(label: &str, pattern: &str) -> Result<Regex, InvalidPattern> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| InvalidPattern {
        label: label.to_owned(),
        pattern: pattern.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn regex_is_anchored_at_both_ends() {
        let m = LabelMatcher::regex("topic", "or.*").unwrap();
        assert!(m.matches(&labels(&[("topic", "orders")])));
        assert!(!m.matches(&labels(&[("topic", "payorders")])));
        let m = LabelMatcher::regex("topic", "ord").unwrap();
        assert!(!m.matches(&labels(&[("topic", "orders")])));
    }

    #[test]
    fn absent_label_is_tested_as_empty_string() {
        let none = labels(&[("topic", "a")]);
        assert!(LabelMatcher::equal("cluster", "").matches(&none));
        assert!(LabelMatcher::not_equal("cluster", "x").matches(&none));
        assert!(!LabelMatcher::regex("cluster", ".+").unwrap().matches(&none));
        assert!(
            LabelMatcher::not_regex("cluster", ".+")
                .unwrap()
                .matches(&none)
        );
    }

    #[test]
    fn bad_pattern_names_label_and_pattern() {
        let err = LabelMatcher::regex("topic", "(").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid regular expression \"(\" for label \"topic\"")
        );
    }
}
