//! A tiny writer for the Prometheus text format 0.0.4 and the OpenMetrics
//! 1.0.0 text format, appending straight into one `String`.
//!
//! Call [`MetricsWriter::family`] once per family (it writes `# HELP` and
//! `# TYPE`), then [`MetricsWriter::sample`] for each of its samples, then
//! the next family; [`MetricsWriter::finish`] adds OpenMetrics' `# EOF`.
//! Samples of one family must be written together: both formats forbid
//! interleaving families.
//!
//! A writer either collects the whole exposition ([`MetricsWriter::new`]) or
//! hands it out in chunks as it goes ([`MetricsWriter::streaming`]): with
//! 10,000 partitions the exposition is ~17 MB, and a scrape should not
//! double the process's memory for the length of a request.

/// Which text exposition format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`, what Prometheus accepted first.
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// The metric types this writer emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Gauge,
    /// Give the family name without `_total`: samples get `_total` in both
    /// formats, and so does the Prometheus-text family header (OpenMetrics
    /// names the family without it).
    Counter,
    /// Quantiles only (samples with a `quantile` label), as Kafka's own
    /// histograms report them through JMX: neither format requires a
    /// summary's `_sum` and `_count`.
    Summary,
}

/// A label value: text (escaped as needed) or an integer written in place.
#[derive(Debug, Clone, Copy)]
pub enum LabelValue<'a> {
    Str(&'a str),
    Int(i64),
}

impl<'a> From<&'a str> for LabelValue<'a> {
    fn from(v: &'a str) -> Self {
        LabelValue::Str(v)
    }
}

impl<'a> From<&'a String> for LabelValue<'a> {
    fn from(v: &'a String) -> Self {
        LabelValue::Str(v)
    }
}

impl From<i32> for LabelValue<'_> {
    fn from(v: i32) -> Self {
        LabelValue::Int(v.into())
    }
}

/// A sample value.
pub trait SampleValue: Copy {
    fn write_to(self, out: &mut String);
    fn as_f64(self) -> f64;
}

impl SampleValue for i64 {
    fn write_to(self, out: &mut String) {
        push_int(out, self);
    }

    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl SampleValue for i32 {
    fn write_to(self, out: &mut String) {
        push_int(out, self.into());
    }

    fn as_f64(self) -> f64 {
        self.into()
    }
}

impl SampleValue for u32 {
    fn write_to(self, out: &mut String) {
        push_int(out, self.into());
    }

    fn as_f64(self) -> f64 {
        self.into()
    }
}

impl SampleValue for u64 {
    fn write_to(self, out: &mut String) {
        match i64::try_from(self) {
            Ok(v) => push_int(out, v),
            Err(_) => push_float(out, self as f64),
        }
    }

    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl SampleValue for usize {
    fn write_to(self, out: &mut String) {
        (self as u64).write_to(out);
    }

    fn as_f64(self) -> f64 {
        self as f64
    }
}

/// `true` is 1, `false` is 0.
impl SampleValue for bool {
    fn write_to(self, out: &mut String) {
        out.push(if self { '1' } else { '0' });
    }

    fn as_f64(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
}

impl SampleValue for f64 {
    fn write_to(self, out: &mut String) {
        push_float(out, self);
    }

    fn as_f64(self) -> f64 {
        self
    }
}

/// Receives each full chunk of a streaming writer; `false` means nobody
/// wants the rest (the scraper went away), so rendering may stop writing.
pub type ChunkSink = Box<dyn FnMut(String) -> bool + Send>;

/// One sample as numbers, for consumers other than a scraper (the history
/// store): the sample's name is `family` followed by `suffix`.
pub struct Sample<'a> {
    pub family: &'a str,
    /// `_total` for counters, else empty.
    pub suffix: &'a str,
    pub labels: &'a [(&'a str, LabelValue<'a>)],
    pub value: f64,
}

/// Receives every sample of a collecting writer, instead of text.
pub type SampleSink<'s> = Box<dyn FnMut(&Sample<'_>) + 's>;

/// Appends families and samples to one `String`, or to a chunk at a time,
/// or hands each sample over as numbers.
pub struct MetricsWriter<'s> {
    out: String,
    sink: Option<ChunkSink>,
    samples: Option<SampleSink<'s>>,
    chunk_bytes: usize,
    /// The sink refused a chunk: further output is dropped.
    abandoned: bool,
    format: Format,
    /// The current family's sample name: its name plus `suffix`.
    name: &'static str,
    suffix: &'static str,
}

impl<'s> MetricsWriter<'s> {
    pub fn new(format: Format) -> Self {
        Self::with_capacity(format, 0)
    }

    pub fn with_capacity(format: Format, capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            sink: None,
            samples: None,
            chunk_bytes: usize::MAX,
            abandoned: false,
            format,
            name: "",
            suffix: "",
        }
    }

    /// A writer that passes its output to `sink` in chunks of about
    /// `chunk_bytes` (a chunk ends at a line end), so memory stays at a chunk
    /// or two whatever the exposition's size.
    pub fn streaming(format: Format, chunk_bytes: usize, sink: ChunkSink) -> Self {
        Self {
            out: String::with_capacity(chunk_bytes + 4096),
            sink: Some(sink),
            chunk_bytes,
            ..Self::new(format)
        }
    }

    /// A writer that writes no text but hands every sample to `sink`.
    pub fn collecting(sink: SampleSink<'s>) -> Self {
        Self {
            samples: Some(sink),
            ..Self::new(Format::Prometheus)
        }
    }

    fn flush_if_full(&mut self) {
        if self.out.len() < self.chunk_bytes {
            return;
        }
        if self.abandoned {
            self.out.clear();
            return;
        }
        if let Some(sink) = self.sink.as_mut() {
            let chunk = std::mem::replace(
                &mut self.out,
                String::with_capacity(self.chunk_bytes + 4096),
            );
            self.abandoned = !sink(chunk);
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Starts a family: writes its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &'static str, kind: MetricType, help: &str) {
        let (suffix, type_name) = match kind {
            MetricType::Gauge => ("", "gauge"),
            MetricType::Counter => ("_total", "counter"),
            MetricType::Summary => ("", "summary"),
        };
        self.name = name;
        self.suffix = suffix;
        if self.samples.is_some() {
            return;
        }
        let header_suffix = match self.format {
            Format::Prometheus => suffix,
            Format::OpenMetrics => "",
        };
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push_str(header_suffix);
        self.out.push(' ');
        escape_help(&mut self.out, help, self.format);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push_str(header_suffix);
        self.out.push(' ');
        self.out.push_str(type_name);
        self.out.push('\n');
        self.flush_if_full();
    }

    /// Starts a gauge family.
    pub fn gauge(&mut self, name: &'static str, help: &str) {
        self.family(name, MetricType::Gauge, help);
    }

    /// Writes one sample of the current family. Label names are written as
    /// given (they are constants); label values are escaped.
    pub fn sample<V: SampleValue>(&mut self, labels: &[(&str, LabelValue<'_>)], value: V) {
        debug_assert!(!self.name.is_empty(), "sample before any family");
        if let Some(sink) = self.samples.as_mut() {
            sink(&Sample {
                family: self.name,
                suffix: self.suffix,
                labels,
                value: value.as_f64(),
            });
            return;
        }
        self.out.push_str(self.name);
        self.out.push_str(self.suffix);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(name);
                self.out.push_str("=\"");
                match *value {
                    LabelValue::Str(s) => escape_label_value(&mut self.out, s),
                    LabelValue::Int(n) => push_int(&mut self.out, n),
                }
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        value.write_to(&mut self.out);
        self.out.push('\n');
        self.flush_if_full();
    }

    /// The exposition (for a streaming writer: what was not yet handed to
    /// the sink); OpenMetrics gets its closing `# EOF`.
    pub fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }

    /// Ends a streaming writer: the last chunk goes to the sink too.
    pub fn finish_streaming(mut self) {
        let abandoned = self.abandoned;
        let mut sink = self.sink.take();
        let last = self.finish();
        if let Some(sink) = sink.as_mut().filter(|_| !abandoned && !last.is_empty()) {
            sink(last);
        }
    }
}

/// Label values escape `\`, `"` and newline, in both formats.
pub fn escape_label_value(out: &mut String, value: &str) {
    // Almost no value needs escaping. The scan does not stop at the first
    // hit, so the compiler can compare 16 or 32 bytes at a time: values are
    // short (topic and group names), where a search routine's set-up costs
    // more than the scan.
    let needs_escape = value
        .bytes()
        .fold(false, |found, b| found | matches!(b, b'\\' | b'"' | b'\n'));
    if !needs_escape {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// HELP text escapes `\` and newline; OpenMetrics also escapes `"`.
fn escape_help(out: &mut String, help: &str, format: Format) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Integers without going through `fmt`: this is the hot path.
fn push_int(out: &mut String, value: i64) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// Whole numbers as integers, others in Rust's shortest round-trip form
/// (exponent for very large or small), and the special values as both
/// formats spell them.
fn push_float(out: &mut String, value: f64) {
    use std::fmt::Write;
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        push_int(out, value as i64);
    } else {
        let _ = write!(out, "{value:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn write_many(w: &mut MetricsWriter, samples: i64) {
        w.gauge("kafka_topic_partition_current_offset", "Offset.");
        for i in 0..samples {
            w.sample(
                &[
                    ("topic", "orders".into()),
                    ("partition", LabelValue::Int(i)),
                ],
                i,
            );
        }
    }

    #[test]
    fn streaming_hands_out_whole_lines_that_add_up_to_the_full_exposition() {
        let mut whole = MetricsWriter::new(Format::OpenMetrics);
        write_many(&mut whole, 1000);
        let expected = whole.finish();

        let chunks = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = chunks.clone();
        let sink: ChunkSink = Box::new(move |c| {
            seen.lock().unwrap().push(c);
            true
        });
        let mut w = MetricsWriter::streaming(Format::OpenMetrics, 1024, sink);
        write_many(&mut w, 1000);
        w.finish_streaming();

        let chunks = chunks.lock().unwrap();
        assert!(chunks.len() > 10, "{} chunks", chunks.len());
        for c in chunks.iter() {
            assert!(c.ends_with('\n'));
            // A chunk closes at the first line end past the threshold.
            assert!(c.len() < 1024 + 80, "chunk of {} bytes", c.len());
        }
        assert_eq!(chunks.concat(), expected);
    }

    #[test]
    fn collecting_hands_over_every_sample_as_numbers_and_writes_no_text() {
        let mut seen = Vec::new();
        let mut w = MetricsWriter::collecting(Box::new(|s: &Sample<'_>| {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|(k, v)| match v {
                    LabelValue::Str(v) => format!("{k}={v}"),
                    LabelValue::Int(v) => format!("{k}={v}"),
                })
                .collect();
            seen.push((format!("{}{}", s.family, s.suffix), labels, s.value));
        }));
        w.family("requests", MetricType::Counter, "Requests.");
        w.sample(&[("api", "Fetch".into())], 7u64);
        w.gauge("up", "Up.");
        w.sample(&[("partition", LabelValue::Int(3))], true);
        assert_eq!(w.finish(), "");
        assert_eq!(
            seen,
            vec![
                (
                    "requests_total".to_string(),
                    vec!["api=Fetch".to_string()],
                    7.0
                ),
                ("up".to_string(), vec!["partition=3".to_string()], 1.0),
            ]
        );
    }

    #[test]
    fn streaming_stops_handing_out_chunks_once_the_sink_refuses() {
        let calls = Arc::new(Mutex::new(0));
        let seen = calls.clone();
        let sink: ChunkSink = Box::new(move |_| {
            *seen.lock().unwrap() += 1;
            false
        });
        let mut w = MetricsWriter::streaming(Format::Prometheus, 512, sink);
        write_many(&mut w, 1000);
        w.finish_streaming();
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    fn render(format: Format, f: impl FnOnce(&mut MetricsWriter)) -> String {
        let mut w = MetricsWriter::new(format);
        f(&mut w);
        w.finish()
    }

    #[test]
    fn escapes_backslash_quote_and_newline_in_label_values() {
        let out = render(Format::Prometheus, |w| {
            w.gauge("g", "Help.");
            w.sample(&[("group", "a\\b\"c\nd".into())], 1i64);
        });
        assert_eq!(
            out,
            "# HELP g Help.\n# TYPE g gauge\ng{group=\"a\\\\b\\\"c\\nd\"} 1\n"
        );
    }

    #[test]
    fn leaves_other_characters_alone() {
        let mut out = String::new();
        escape_label_value(&mut out, "tab\there/ünï{}=,'");
        assert_eq!(out, "tab\there/ünï{}=,'");
    }

    #[test]
    fn help_escaping_differs_by_format() {
        let help = "a \\ b \"c\"\nd";
        let prom = render(Format::Prometheus, |w| w.gauge("g", help));
        assert_eq!(prom, "# HELP g a \\\\ b \"c\"\\nd\n# TYPE g gauge\n");
        let om = render(Format::OpenMetrics, |w| w.gauge("g", help));
        assert_eq!(
            om,
            "# HELP g a \\\\ b \\\"c\\\"\\nd\n# TYPE g gauge\n# EOF\n"
        );
    }

    #[test]
    fn counters_get_total_on_samples_and_on_the_prometheus_header_only() {
        let write = |w: &mut MetricsWriter| {
            w.family("requests", MetricType::Counter, "Requests.");
            w.sample(&[("code", 200.into())], 3i64);
        };
        assert_eq!(
            render(Format::Prometheus, write),
            "# HELP requests_total Requests.\n# TYPE requests_total counter\nrequests_total{code=\"200\"} 3\n"
        );
        assert_eq!(
            render(Format::OpenMetrics, write),
            "# HELP requests Requests.\n# TYPE requests counter\nrequests_total{code=\"200\"} 3\n# EOF\n"
        );
    }

    #[test]
    fn writes_values() {
        let out = render(Format::Prometheus, |w| {
            w.gauge("g", "G.");
            w.sample(&[], i64::MIN);
            w.sample(&[], i64::MAX);
            w.sample(&[], 0i64);
            w.sample(&[], -1i32);
            w.sample(&[], u64::MAX);
            w.sample(&[], true);
            w.sample(&[], false);
            w.sample(&[], 2.0f64);
            w.sample(&[], 1.25f64);
            w.sample(&[], 1e-7f64);
            w.sample(&[], 1e21f64);
            w.sample(&[], f64::NAN);
            w.sample(&[], f64::INFINITY);
            w.sample(&[], f64::NEG_INFINITY);
        });
        let values: Vec<&str> = out
            .lines()
            .skip(2)
            .map(|l| l.strip_prefix("g ").unwrap())
            .collect();
        assert_eq!(
            values,
            [
                "-9223372036854775808",
                "9223372036854775807",
                "0",
                "-1",
                "1.8446744073709552e19",
                "1",
                "0",
                "2",
                "1.25",
                "1e-7",
                "1e21",
                "NaN",
                "+Inf",
                "-Inf"
            ]
        );
    }

    #[test]
    fn integer_label_values() {
        let out = render(Format::OpenMetrics, |w| {
            w.gauge("g", "G.");
            w.sample(&[("a", "x".into()), ("partition", (-3).into())], 7u32);
        });
        assert_eq!(
            out,
            "# HELP g G.\n# TYPE g gauge\ng{a=\"x\",partition=\"-3\"} 7\n# EOF\n"
        );
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Format::Prometheus.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(
            Format::OpenMetrics.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }
}
