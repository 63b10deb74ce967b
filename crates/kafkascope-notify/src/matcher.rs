//! Label matchers as Alertmanager writes them in `matchers`:
//! `severity="critical"`, `cluster!=staging`, `topic=~"orders-.*"`,
//! `consumergroup!~"test-.*"`. Regular expressions are anchored at both
//! ends, and a label the alert lacks matches as the empty string, as in
//! Alertmanager.

use std::collections::BTreeMap;
use std::fmt;

use kafkascope_query::LabelMatcher;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    fn symbol(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The test itself: the query's matcher, the one place that knows how
    /// a matcher reads labels.
    test: LabelMatcher,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.op, &self.value) == (&other.name, other.op, &other.value)
    }
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, String> {
        if !is_label_name(name) {
            return Err(format!("{name:?} is not a label name"));
        }
        let test = match op {
            MatchOp::Equal => Ok(LabelMatcher::equal(name, value)),
            MatchOp::NotEqual => Ok(LabelMatcher::not_equal(name, value)),
            MatchOp::Regex => LabelMatcher::regex(name, value),
            MatchOp::NotRegex => LabelMatcher::not_regex(name, value),
        }
        .map_err(|e| format!("{value:?} is not a regular expression: {}", e.reason))?;
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            test,
        })
    }

    /// Reads `name<op>value`, the value bare or in double quotes.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let bad = || format!("{text:?} is not a matcher (like severity=\"critical\")");
        let text = text.trim();
        let at = text.find(['=', '!']).ok_or_else(bad)?;
        let name = text[..at].trim();
        let rest = &text[at..];
        let (op, value) = [
            ("=~", MatchOp::Regex),
            ("!~", MatchOp::NotRegex),
            ("!=", MatchOp::NotEqual),
            ("=", MatchOp::Equal),
        ]
        .into_iter()
        .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|v| (op, v.trim())))
        .ok_or_else(bad)?;
        let value = unquote(value).ok_or_else(bad)?;
        Matcher::new(name, op, &value)
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.test.matches(labels)
    }
}

impl fmt::Display for Matcher {
    /// As Alertmanager prints it in a route key: `name="value"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.name, self.op.symbol(), quote(&self.value))
    }
}

/// `"..."` with `\"`, `\\` and `\n` escapes, or a bare value.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return (!value.contains('"')).then(|| value.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A value in double quotes with Go's escapes, as in a label set's text.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_operator_reads_and_prints_back() {
        for (text, name, op, value, printed) in [
            (
                "severity=\"critical\"",
                "severity",
                MatchOp::Equal,
                "critical",
                "severity=\"critical\"",
            ),
            (
                "cluster != staging",
                "cluster",
                MatchOp::NotEqual,
                "staging",
                "cluster!=\"staging\"",
            ),
            (
                "topic=~\"orders-.*\"",
                "topic",
                MatchOp::Regex,
                "orders-.*",
                "topic=~\"orders-.*\"",
            ),
            (
                "consumergroup!~test-.*",
                "consumergroup",
                MatchOp::NotRegex,
                "test-.*",
                "consumergroup!~\"test-.*\"",
            ),
            (
                r#"summary="say \"hi\"""#,
                "summary",
                MatchOp::Equal,
                "say \"hi\"",
                r#"summary="say \"hi\"""#,
            ),
        ] {
            let matcher = Matcher::parse(text).unwrap();
            assert_eq!(
                (matcher.name.as_str(), matcher.op, matcher.value.as_str()),
                (name, op, value),
                "{text}"
            );
            assert_eq!(matcher.to_string(), printed);
        }
    }

    #[test]
    fn regular_expressions_are_anchored() {
        let matcher = Matcher::parse("topic=~\"orders\"").unwrap();
        assert!(matcher.matches(&labels(&[("topic", "orders")])));
        assert!(!matcher.matches(&labels(&[("topic", "orders-eu")])));
        assert!(!matcher.matches(&labels(&[("topic", "old-orders")])));
        let alternatives = Matcher::parse("topic=~\"a|b\"").unwrap();
        assert!(alternatives.matches(&labels(&[("topic", "b")])));
        assert!(!alternatives.matches(&labels(&[("topic", "ab")])));
        let not = Matcher::parse("topic!~\"orders-.*\"").unwrap();
        assert!(not.matches(&labels(&[("topic", "payments")])));
        assert!(!not.matches(&labels(&[("topic", "orders-eu")])));
    }

    #[test]
    fn a_missing_label_matches_as_empty() {
        let none = labels(&[]);
        assert!(Matcher::parse("team=\"\"").unwrap().matches(&none));
        assert!(Matcher::parse("team!=\"ops\"").unwrap().matches(&none));
        assert!(!Matcher::parse("team=\"ops\"").unwrap().matches(&none));
        assert!(Matcher::parse("team=~\".*\"").unwrap().matches(&none));
    }

    #[test]
    fn malformed_matchers_are_refused_with_the_text() {
        assert_eq!(
            Matcher::parse("severity").unwrap_err(),
            "\"severity\" is not a matcher (like severity=\"critical\")"
        );
        assert_eq!(
            Matcher::parse("severity=\"open").unwrap_err(),
            "\"severity=\\\"open\" is not a matcher (like severity=\"critical\")"
        );
        assert_eq!(
            Matcher::parse("1x=\"a\"").unwrap_err(),
            "\"1x\" is not a label name"
        );
        assert!(
            Matcher::parse("topic=~\"(\"")
                .unwrap_err()
                .starts_with("\"(\" is not a regular expression: ")
        );
    }
}
