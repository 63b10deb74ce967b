//! A reader of the Prometheus text format 0.0.4 and OpenMetrics 1.0 text,
//! as the JMX exporter, node_exporter and every other exporter serve them.
//!
//! One pass over the page, handing each sample to a callback with borrowed
//! name and labels: nothing is allocated per sample unless a label value
//! holds an escape. A line that cannot be read is reported with its number
//! and skipped; the rest of the page still counts.
//!
//! What exporters send and this accepts: `# TYPE` (a sample's type comes
//! from its family, found by stripping `_total`, `_created`, `_count`,
//! `_sum`, `_bucket`, `_info`, `_gcount`, `_gsum`), `# HELP` and `# UNIT`
//! (skipped), untyped samples, a family's samples split by other lines,
//! label values with `\\`, `\"` and `\n`, a trailing comma in the label
//! set, Java's doubles (`1.0E7`), `NaN`, `+Inf`, `-Inf`, timestamps
//! (milliseconds in Prometheus text, seconds in OpenMetrics), exemplars
//! (` # {...} value`, skipped) and `# EOF`.

use std::borrow::Cow;
use std::collections::HashMap;

/// Which text format a page is in (from its `Content-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    /// `text/plain; version=0.0.4`: timestamps in milliseconds.
    Prometheus,
    /// `application/openmetrics-text`: timestamps in seconds, `# EOF` last.
    OpenMetrics,
}

impl PageFormat {
    /// The format a `Content-Type` header names; Prometheus text when it
    /// names neither.
    pub fn of_content_type(content_type: &str) -> Self {
        if content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/openmetrics-text")
        {
            PageFormat::OpenMetrics
        } else {
            PageFormat::Prometheus
        }
    }
}

/// A family's type as its `# TYPE` line declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    /// No `# TYPE`, `untyped` or `unknown`.
    Untyped,
}

impl FamilyType {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => FamilyType::Counter,
            "gauge" => FamilyType::Gauge,
            "histogram" => FamilyType::Histogram,
            "gaugehistogram" => FamilyType::GaugeHistogram,
            "summary" => FamilyType::Summary,
            "info" => FamilyType::Info,
            "stateset" => FamilyType::StateSet,
            "untyped" | "unknown" => FamilyType::Untyped,
            _ => return None,
        })
    }
}

/// One label of a sample; the value is borrowed from the page unless it
/// held an escape.
pub type Label<'a> = (&'a str, Cow<'a, str>);

/// One sample read from a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSample<'a, 'l> {
    pub name: &'a str,
    pub labels: &'l [Label<'a>],
    pub value: f64,
    pub timestamp_ms: Option<i64>,
    pub family_type: FamilyType,
}

impl PageSample<'_, '_> {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(label, _)| *label == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Counted from 1.
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What reading a page came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSummary {
    pub samples: usize,
    /// The first [`MAX_LINE_ERRORS`] unreadable lines.
    pub errors: Vec<LineError>,
    /// Unreadable lines beyond those.
    pub errors_not_kept: usize,
    /// OpenMetrics pages end with `# EOF`; one without it was cut short.
    pub saw_eof: bool,
}

/// A broken exporter can send a million bad lines; their reasons are kept
/// for the first few only.
pub const MAX_LINE_ERRORS: usize = 16;

/// Reads `page`, handing every sample to `on_sample` in page order.
pub fn parse_page(
    page: &str,
    format: PageFormat,
    mut on_sample: impl FnMut(&PageSample<'_, '_>),
) -> PageSummary {
    let mut summary = PageSummary::default();
    let mut types: HashMap<&str, FamilyType> = HashMap::new();
    let mut labels: Vec<Label<'_>> = Vec::with_capacity(8);
    // A family's samples mostly follow each other: the last name's type
    // saves the lookups (and the hashing) for the rest of them.
    let mut last: Option<(&str, FamilyType)> = None;
    for (index, line) in page.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if summary.saw_eof {
            if !line.trim().is_empty() {
                note(&mut summary, index, "text after # EOF".to_string());
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            last = None;
            match read_comment(comment, &mut types) {
                Ok(Comment::Eof) => summary.saw_eof = true,
                Ok(Comment::Other) => {}
                Err(reason) => note(&mut summary, index, reason),
            }
            continue;
        }
        labels.clear();
        match read_sample(trimmed, format, &mut labels) {
            Ok((name, value, timestamp_ms)) => {
                summary.samples += 1;
                let family_type = match last {
                    Some((last_name, family_type)) if last_name == name => family_type,
                    _ => type_of(name, &types),
                };
                last = Some((name, family_type));
                on_sample(&PageSample {
                    name,
                    labels: &labels,
                    value,
                    timestamp_ms,
                    family_type,
                });
            }
            Err(reason) => note(&mut summary, index, reason),
        }
    }
    summary
}

fn note(summary: &mut PageSummary, index: usize, reason: String) {
    if summary.errors.len() < MAX_LINE_ERRORS {
        summary.errors.push(LineError {
            line: index + 1,
            reason,
        });
    } else {
        summary.errors_not_kept += 1;
    }
}

enum Comment {
    Eof,
    Other,
}

/// A `# ...` line: `# TYPE` is remembered, `# EOF` ends the page, anything
/// else (`# HELP`, `# UNIT`, free comments) is skipped.
fn read_comment<'a>(
    comment: &'a str,
    types: &mut HashMap<&'a str, FamilyType>,
) -> Result<Comment, String> {
    let mut words = comment.split_ascii_whitespace();
    match words.next() {
        Some("EOF") if words.next().is_none() => Ok(Comment::Eof),
        Some("TYPE") => {
            let (Some(family), Some(kind)) = (words.next(), words.next()) else {
                return Err("# TYPE needs a family name and a type".to_string());
            };
            let kind = FamilyType::parse(kind)
                .ok_or_else(|| format!("# TYPE {family}: unknown type {kind:?}"))?;
            types.insert(family, kind);
            Ok(Comment::Other)
        }
        _ => Ok(Comment::Other),
    }
}

/// A sample's family is its own name if typed, else the name without the
/// suffix its type adds.
fn type_of(name: &str, types: &HashMap<&str, FamilyType>) -> FamilyType {
    if let Some(kind) = types.get(name) {
        return *kind;
    }
    const SUFFIXES: [&str; 8] = [
        "_total", "_created", "_count", "_sum", "_bucket", "_info", "_gcount", "_gsum",
    ];
    SUFFIXES
        .iter()
        .filter_map(|suffix| name.strip_suffix(suffix))
        .find_map(|family| types.get(family).copied())
        .unwrap_or(FamilyType::Untyped)
}

/// `name{labels} value [timestamp] [# exemplar]`, labels into `labels`.
fn read_sample<'a>(
    line: &'a str,
    format: PageFormat,
    labels: &mut Vec<Label<'a>>,
) -> Result<(&'a str, f64, Option<i64>), String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_ascii_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err(format!("not a metric name: {:?}", excerpt(name)));
    }
    let mut rest = line[name_end..].trim_start();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = read_labels(after_brace, labels)?.trim_start();
    }
    // An exemplar follows the value and timestamp after " # ".
    let rest = rest.split(" # ").next().unwrap_or(rest);
    let mut fields = rest.split_ascii_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("{name}: no value"))
        .and_then(|v| {
            parse_value(v).ok_or_else(|| format!("{name}: not a number: {:?}", excerpt(v)))
        })?;
    let timestamp_ms = fields
        .next()
        .map(|t| {
            parse_timestamp(t, format)
                .ok_or_else(|| format!("{name}: not a timestamp: {:?}", excerpt(t)))
        })
        .transpose()?;
    if let Some(extra) = fields.next() {
        return Err(format!(
            "{name}: unexpected {:?} after the value",
            excerpt(extra)
        ));
    }
    Ok((name, value, timestamp_ms))
}

/// Reads `name="value", ...}` (after the opening brace); returns what
/// follows the closing brace.
fn read_labels<'a>(mut rest: &'a str, labels: &mut Vec<Label<'a>>) -> Result<&'a str, String> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let eq = rest
            .find('=')
            .ok_or_else(|| "a label without '=' (or an unclosed '{')".to_string())?;
        let name = rest[..eq].trim();
        if !is_label_name(name) {
            return Err(format!("not a label name: {:?}", excerpt(name)));
        }
        let quoted = rest[eq + 1..].trim_start();
        let body = quoted
            .strip_prefix('"')
            .ok_or_else(|| format!("label {name}: value not quoted"))?;
        let (value, after) =
            read_quoted(body).ok_or_else(|| format!("label {name}: value not closed"))?;
        labels.push((name, value));
        rest = after.trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma;
        } else if !rest.starts_with('}') {
            return Err(format!(
                "label {name}: expected ',' or '}}' after its value"
            ));
        }
    }
}

/// A quoted label value's text (after the opening quote) and what follows
/// the closing quote. Borrowed unless it holds an escape.
fn read_quoted(body: &str) -> Option<(Cow<'_, str>, &str)> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some((Cow::Borrowed(&body[..i]), &body[i + 1..])),
            b'\\' => return read_escaped(body, i),
            _ => i += 1,
        }
    }
    None
}

fn read_escaped(body: &str, first_escape: usize) -> Option<(Cow<'_, str>, &str)> {
    let mut value = String::with_capacity(body.len().min(256));
    value.push_str(&body[..first_escape]);
    let mut chars = body[first_escape..].char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((Cow::Owned(value), &body[first_escape + at + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                '\\' => value.push('\\'),
                '"' => value.push('"'),
                // Unknown escapes are kept as written, as Prometheus does.
                other => {
                    value.push('\\');
                    value.push(other);
                }
            },
            other => value.push(other),
        }
    }
    None
}

fn parse_value(text: &str) -> Option<f64> {
    // Rust reads Java's `1.0E7`, `NaN`, `+Inf` and `-Inf` as they are; it
    // also reads words like `infinity`, which no exporter writes.
    text.parse::<f64>().ok()
}

fn parse_timestamp(text: &str, format: PageFormat) -> Option<i64> {
    match format {
        PageFormat::Prometheus => text.parse::<i64>().ok(),
        PageFormat::OpenMetrics => {
            let seconds = text.parse::<f64>().ok().filter(|s| s.is_finite())?;
            Some((seconds * 1000.0).round() as i64)
        }
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// At most 60 characters of what could not be read, for the error.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
