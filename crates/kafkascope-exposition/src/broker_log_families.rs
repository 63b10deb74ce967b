//! What the brokers' own log files tell (`kafkascope_broker_log_*`, with
//! `cluster` and `broker`): the events detected by kind, records by level
//! and skipped lines by reason per file, counted since following began
//! (kept across restarts), and whether each file is followed.

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::broker_logs::broker_log_figures::BrokerLogFigures;

use crate::labels::Label;
use crate::writer::{LabelValue, MetricType, MetricsWriter};

pub const EVENTS: &str = "kafkascope_broker_log_events";
pub const LINES: &str = "kafkascope_broker_log_lines";
pub const SKIPPED_LINES: &str = "kafkascope_broker_log_skipped_lines";
pub const FILE_UP: &str = "kafkascope_broker_log_file_up";
pub const FILE_BACKLOG: &str = "kafkascope_broker_log_file_backlog_bytes";

/// Every family this module writes, in order (counters without `_total`).
pub const FAMILIES: &[&str] = &[EVENTS, LINES, SKIPPED_LINES, FILE_UP, FILE_BACKLOG];

/// A broker id as a label: its number, or empty when the files name none.
fn broker_label(broker: Option<i32>) -> LabelValue<'static> {
    broker.map_or(LabelValue::Str(""), LabelValue::from)
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let polls: Vec<(&str, &BrokerLogFigures)> = sources
        .iter()
        .filter_map(|s| s.broker_logs().map(|f| (s.cluster.as_str(), f)))
        .collect();
    w.family(
        EVENTS,
        MetricType::Counter,
        "Events detected in the broker's log files, by kind (isr_shrink, broker_fenced, out_of_memory...), since following began.",
    );
    for (cluster, figures) in &polls {
        for (broker, kinds) in &figures.totals.events {
            let broker = match broker.parse::<i32>() {
                Ok(id) => LabelValue::from(id),
                Err(_) => LabelValue::Str(broker),
            };
            for (kind, count) in kinds {
                let labels: [Label<'_>; 3] = [
                    ("cluster", (*cluster).into()),
                    ("broker", broker),
                    ("kind", kind.into()),
                ];
                w.sample(&labels, *count);
            }
        }
    }
    per_file_counts(w, &polls, LINES, "level", |t| &t.lines_by_level);
    per_file_counts(w, &polls, SKIPPED_LINES, "reason", |t| &t.skipped_by_reason);
    w.gauge(
        FILE_UP,
        "1 when the log file was opened and read without error in the last poll, else 0 (missing, unreadable).",
    );
    for (cluster, figures) in &polls {
        for file in &figures.files {
            w.sample(&file_labels(cluster, file.node, &file.path), file.up);
        }
    }
    w.gauge(
        FILE_BACKLOG,
        "Bytes written to the log file and not yet read (a file growing faster than it is read shows here).",
    );
    for (cluster, figures) in &polls {
        for file in figures.files.iter().filter(|f| f.up) {
            let labels = file_labels(cluster, file.node, &file.path);
            w.sample(&labels, file.backlog_bytes());
        }
    }
}

fn file_labels<'a>(cluster: &'a str, broker: Option<i32>, file: &'a str) -> [Label<'a>; 3] {
    [
        ("cluster", cluster.into()),
        ("broker", broker_label(broker)),
        ("file", file.into()),
    ]
}

type FileCounts = std::collections::BTreeMap<String, u64>;

/// A counter family by file and `label` (a level, a skip reason).
fn per_file_counts(
    w: &mut MetricsWriter,
    polls: &[(&str, &BrokerLogFigures)],
    name: &'static str,
    label: &'static str,
    counts: fn(&kafkascope_sources::broker_logs::log_totals::FileTotals) -> &FileCounts,
) {
    let help = if name == LINES {
        "Records read from the log file, by level, since following began."
    } else {
        "Lines of the log file skipped as unreadable (binary, not_utf8, too_long, no_record), since following began."
    };
    w.family(name, MetricType::Counter, help);
    for (cluster, figures) in polls {
        for (file, totals) in &figures.totals.files {
            for (value, count) in counts(totals) {
                let labels: [Label<'_>; 4] = [
                    ("cluster", (*cluster).into()),
                    ("broker", broker_label(totals.broker)),
                    ("file", file.into()),
                    (label, value.into()),
                ];
                w.sample(&labels, *count);
            }
        }
    }
}
