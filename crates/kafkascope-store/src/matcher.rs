//! Label matchers with Prometheus semantics: a missing label has the value "", and
//! regular expressions are anchored at both ends.

use regex::Regex;

use crate::error::StoreError;
use crate::series_key::SeriesKey;

/// One `label op value` condition on a series.
#[derive(Debug, Clone)]
pub struct Matcher {
    label: String,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Equal(String),
    NotEqual(String),
    Matches(Regex),
    NotMatches(Regex),
}

impl Matcher {
    /// `label="value"`
    pub fn equal(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self::with(label, Test::Equal(value.into()))
    }

    /// `label!="value"`
    pub fn not_equal(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self::with(label, Test::NotEqual(value.into()))
    }

    /// `label=~"regex"`
    pub fn matches(label: impl Into<String>, pattern: &str) -> Result<Self, StoreError> {
        Ok(Self::with(label, Test::Matches(anchored(pattern)?)))
    }

    /// `label!~"regex"`
    pub fn not_matches(label: impl Into<String>, pattern: &str) -> Result<Self, StoreError> {
        Ok(Self::with(label, Test::NotMatches(anchored(pattern)?)))
    }

    fn with(label: impl Into<String>, test: Test) -> Self {
        Self {
            label: label.into(),
            test,
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The metric name this matcher pins, which lets a lookup start from one name's series.
    pub(crate) fn exact_value(&self) -> Option<&str> {
        match &self.test {
            Test::Equal(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_match(&self, key: &SeriesKey) -> bool {
        self.matches_value(key.label(&self.label))
    }

    /// Whether a series whose label has `value` ("" when missing) matches.
    pub(crate) fn matches_value(&self, value: &str) -> bool {
        match &self.test {
            Test::Equal(expected) => value == expected,
            Test::NotEqual(expected) => value != expected,
            Test::Matches(re) => re.is_match(value),
            Test::NotMatches(re) => !re.is_match(value),
        }
    }
}

fn anchored(pattern: &str) -> Result<Regex, StoreError> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| StoreError::Matcher {
        matcher: pattern.to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> SeriesKey {
        SeriesKey::new(
            "kafkascope_group_lag",
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn matchers_follow_prometheus_semantics() {
        let with_group = key(&[("group", "orders")]);
        let without_group = key(&[("topic", "t")]);
        assert!(Matcher::equal("group", "orders").is_match(&with_group));
        assert!(!Matcher::equal("group", "orders").is_match(&without_group));
        assert!(Matcher::equal("group", "").is_match(&without_group));
        assert!(Matcher::not_equal("group", "orders").is_match(&without_group));
        assert!(!Matcher::not_equal("group", "orders").is_match(&with_group));
        let re = Matcher::matches("group", "ord.*").unwrap();
        assert!(re.is_match(&with_group));
        assert!(
            !Matcher::matches("group", "rder")
                .unwrap()
                .is_match(&with_group)
        );
        assert!(
            !Matcher::not_matches("group", "o.*")
                .unwrap()
                .is_match(&with_group)
        );
        assert!(
            Matcher::not_matches("group", "o.*")
                .unwrap()
                .is_match(&without_group)
        );
        assert!(Matcher::equal("__name__", "kafkascope_group_lag").is_match(&with_group));
        assert!(matches!(
            Matcher::matches("group", "("),
            Err(StoreError::Matcher { .. })
        ));
    }
}
