//! `label_replace` and `label_join`: rewrite one label of each element,
//! keeping its value and every other label (the metric name included).
//!
//! As in Prometheus, the regex is anchored at both ends, `$1`, `${1}`,
//! `$name` and `${name}` in the replacement expand the way Go's
//! `Regexp.Expand` does, and a result that is empty removes the label.

use regex::{Captures, Regex};

use crate::error::QueryError;
use crate::source::{Labels, is_label_name};
use crate::value::Sample;

/// A planned `label_replace` or `label_join`, arguments already checked.
#[derive(Debug, Clone)]
pub enum LabelRewrite {
    /// `label_replace(v, destination, replacement, source, regex)`.
    Replace {
        destination: String,
        replacement: String,
        source: String,
        regex: Regex,
    },
    /// `label_join(v, destination, separator, sources…)`.
    Join {
        destination: String,
        separator: String,
        sources: Vec<String>,
    },
}

impl LabelRewrite {
    /// Checks the arguments with Prometheus's messages; it reports them
    /// when evaluating, as execution errors, whatever the data.
    pub fn replace(
        destination: &str,
        replacement: &str,
        source: &str,
        pattern: &str,
    ) -> Result<Self, QueryError> {
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|_| {
            execution(format!(
                "invalid regular expression in label_replace(): {pattern}"
            ))
        })?;
        check_name(destination, "destination", "label_replace")?;
        Ok(LabelRewrite::Replace {
            destination: destination.to_owned(),
            replacement: replacement.to_owned(),
            source: source.to_owned(),
            regex,
        })
    }

    pub fn join(destination: &str, separator: &str, sources: &[&str]) -> Result<Self, QueryError> {
        for source in sources {
            check_name(source, "source", "label_join")?;
        }
        check_name(destination, "destination", "label_join")?;
        Ok(LabelRewrite::Join {
            destination: destination.to_owned(),
            separator: separator.to_owned(),
            sources: sources.iter().map(|s| s.to_string()).collect(),
        })
    }

    pub fn apply(&self, samples: Vec<Sample>) -> Vec<Sample> {
        samples
            .into_iter()
            .map(|s| Sample {
                labels: self.rewrite(s.labels),
                value: s.value,
            })
            .collect()
    }

    fn rewrite(&self, mut labels: Labels) -> Labels {
        let (destination, value) = match self {
            LabelRewrite::Replace {
                destination,
                replacement,
                source,
                regex,
            } => {
                let text = labels.get(source).map_or("", String::as_str);
                let Some(captures) = regex.captures(text) else {
                    return labels;
                };
                (destination, expand(replacement, &captures))
            }
            LabelRewrite::Join {
                destination,
                separator,
                sources,
            } => {
                let values: Vec<&str> = sources
                    .iter()
                    .map(|name| labels.get(name).map_or("", String::as_str))
                    .collect();
                (destination, values.join(separator))
            }
        };
        if value.is_empty() {
            labels.remove(destination);
        } else {
            labels.insert(destination.clone(), value);
        }
        labels
    }
}

fn check_name(name: &str, role: &str, function: &str) -> Result<(), QueryError> {
    if is_label_name(name) {
        Ok(())
    } else {
        Err(execution(format!(
            "invalid {role} label name in {function}(): {name}"
        )))
    }
}

fn execution(message: String) -> QueryError {
    QueryError::Execution(message)
}

/// Go's `Regexp.Expand`: `$$` is `$`; `$name` takes the longest run of
/// letters, digits and `_` (so `$1x` names group "1x", which is empty);
/// a name of digits without a leading zero is a group number; anything
/// malformed after `$` is kept as written. The regex crate's own expansion
/// differs on `$01` and `${a-b}`, hence this.
fn expand(template: &str, captures: &Captures) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let Some((name, after)) = group_reference(rest) else {
            out.push('$');
            continue;
        };
        rest = after;
        let group = match group_number(name) {
            Some(number) => captures.get(number),
            None => captures.name(name),
        };
        out.push_str(group.map_or("", |m| m.as_str()));
    }
    out.push_str(rest);
    out
}

/// The name at the start of `text` (after a `$`), bare or in braces, and
/// what follows it.
fn group_reference(text: &str) -> Option<(&str, &str)> {
    let (braced, body) = match text.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let end = body
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    if end == 0 {
        return None;
    }
    let (name, after) = body.split_at(end);
    if braced {
        return Some((name, after.strip_prefix('}')?));
    }
    Some((name, after))
}

/// A group number as Go reads one: ASCII digits without a leading zero.
fn group_number(name: &str) -> Option<usize> {
    let digits = name.bytes().all(|b| b.is_ascii_digit());
    if !digits || (name.len() > 1 && name.starts_with('0')) {
        return None;
    }
    name.parse().ok()
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

    fn replaced(replacement: &str, pattern: &str, value: &str) -> Option<String> {
        let rewrite = LabelRewrite::replace("dst", replacement, "src", pattern).unwrap();
        let out = rewrite.rewrite(labels(&[("src", value), ("dst", "old")]));
        out.get("dst").cloned()
    }

    #[test]
    fn replace_is_anchored_and_keeps_labels_on_no_match() {
        assert_eq!(replaced("$1", "o(.*)", "orders"), Some("rders".into()));
        // "rd" alone does not match "orders": the regex is anchored.
        assert_eq!(replaced("x", "rd", "orders"), Some("old".into()));
        // An empty result removes the label.
        assert_eq!(replaced("", ".*", "orders"), None);
        // A missing source label is the empty string.
        let rewrite = LabelRewrite::replace("dst", "none", "nosuch", "").unwrap();
        assert_eq!(rewrite.rewrite(Labels::new()), labels(&[("dst", "none")]));
    }

    #[test]
    fn expansion_follows_go() {
        let cases = [
            ("$1x${1}y$$z$", "(.)", "x", "xy$z$"),
            ("$01-${1}-${a-b}", "(.)", "x", "-x-${a-b}"),
            ("$name/${name}", "(?P<name>.)a", "ba", "b/b"),
            ("$2|$nosuch|$", "(.)", "q", "||$"),
            ("${1", "(.)", "q", "${1"),
        ];
        for (template, pattern, value, expected) in cases {
            assert_eq!(
                replaced(template, pattern, value),
                Some(expected.to_owned()),
                "{template}"
            );
        }
    }

    #[test]
    fn join_concatenates_sources_with_the_separator() {
        let rewrite = LabelRewrite::join("dst", "-", &["a", "missing", "b"]).unwrap();
        let out = rewrite.rewrite(labels(&[("a", "1"), ("b", "2")]));
        assert_eq!(out["dst"], "1--2");
        let rewrite = LabelRewrite::join("a", ",", &[]).unwrap();
        assert_eq!(rewrite.rewrite(labels(&[("a", "1")])), Labels::new());
    }

    #[test]
    fn bad_arguments_are_execution_errors_with_prometheus_messages() {
        let err = LabelRewrite::replace("dst", "", "src", "(").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid regular expression in label_replace(): ("
        );
        assert!(matches!(err, QueryError::Execution(_)));
        let err = LabelRewrite::replace("1dst", "", "src", ".*").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid destination label name in label_replace(): 1dst"
        );
        let err = LabelRewrite::join("dst", "", &["ok", "b-c"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid source label name in label_join(): b-c"
        );
    }
}
