//! Failures operators grep for: log directories, memory, file handles,
//! authentication, the log cleaner and log flushes.

use super::DetectContext;
use super::fields::{after, between, id, leading_int, topic_partition};
use crate::event::Detected;
use crate::record::Record;

/// How much of a line an event's `detail` keeps.
const DETAIL_CHARS: usize = 300;

/// `Stopped serving replicas in dir {dir}` (`ReplicaManager`) and
/// `Shutdown broker because all log dirs in {dirs} have failed`.
pub fn log_dir_failure(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let dir = after(message, "Stopped serving replicas in dir ")
        .or_else(|| between(message, "because all log dirs in ", " have failed"));
    if let Some(dir) = dir {
        out.push(Detected::LogDirFailure {
            dir: dir.trim().to_string(),
        });
    }
}

/// `java.lang.OutOfMemoryError: Java heap space`, in the message or the
/// stack trace.
pub fn out_of_memory(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    if let Some(line) = line_with(record, "java.lang.OutOfMemoryError") {
        let detail = after(line, "java.lang.OutOfMemoryError").unwrap_or("");
        let detail = detail.trim_start_matches(':').trim();
        out.push(Detected::OutOfMemory {
            detail: bounded(detail),
        });
    }
}

/// `java.io.IOException: Too many open files`, wherever in the record.
pub fn too_many_open_files(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    if let Some(line) = line_with(record, "Too many open files") {
        out.push(Detected::TooManyOpenFiles {
            detail: bounded(line.trim()),
        });
    }
}

/// `[SocketServer listenerType=BROKER, nodeId=0] Failed authentication with
/// /127.0.0.1 (channelId=...) (Authentication failed during authentication
/// due to invalid credentials with SASL mechanism SCRAM-SHA-256)`
/// (`org.apache.kafka.common.network.Selector`).
pub fn authentication_failure(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let Some(rest) = after(record.message(), "Failed authentication with ") else {
        return;
    };
    let client = rest.split(' ').next().unwrap_or("").trim_end_matches(',');
    // The reason is the last parenthesised part; the channel id comes before it.
    let reason = match rest.find("(channelId=") {
        Some(at) => rest[at..].find(") ").map(|end| &rest[at + end + 2..]),
        None => rest.find(" (").map(|at| &rest[at + 1..]),
    };
    let reason = reason.unwrap_or("").trim();
    let reason = reason.strip_prefix('(').unwrap_or(reason);
    let reason = reason.strip_suffix(')').unwrap_or(reason);
    out.push(Detected::AuthenticationFailure {
        client: client.to_string(),
        reason: bounded(reason),
    });
}

/// `Unexpected exception thrown when cleaning log {log}. Marking its
/// partition (t-0) as uncleanable` (`LogCleaner`).
pub fn log_cleaner_exception(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let partition = between(message, "Marking its partition (", ")").and_then(topic_partition);
    out.push(Detected::LogCleanerError {
        topic: partition.as_ref().map(|(topic, _)| topic.clone()),
        partition: partition.map(|(_, p)| p),
        detail: bounded(message),
    });
}

/// Any ERROR of the log cleaner's loggers (its thread dying, a cleaning
/// that failed), whatever its wording.
pub fn log_cleaner_error_record(record: &Record<'_>, out: &mut Vec<Detected>) {
    out.push(Detected::LogCleanerError {
        topic: None,
        partition: None,
        detail: bounded(record.message()),
    });
}

/// `Error while flushing log for t-0 in dir /data with offset 5 ...`
/// (`UnifiedLog`) and `Error flushing topic t` (`LogManager`).
pub fn log_flush_failed(
    record: &Record<'_>,
    _context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    let (topic, partition) = match between(message, "Error while flushing log for ", " in dir ")
        .and_then(topic_partition)
    {
        Some((topic, partition)) => (Some(topic), Some(partition)),
        None => (
            after(message, "Error flushing topic ").map(|t| t.trim().to_string()),
            None,
        ),
    };
    out.push(Detected::LogFlushSlowOrFailed {
        topic,
        partition,
        took_ms: None,
        failed: true,
        detail: bounded(message),
    });
}

/// A flush that `took N ms` at or above the configured threshold (Kafka
/// writes flush times at DEBUG; a layout or logger that shows them, or a
/// plugin's message, is read the same way).
pub fn log_flush_slow(
    record: &Record<'_>,
    context: &mut DetectContext<'_>,
    out: &mut Vec<Detected>,
) {
    let message = record.message();
    if !message.contains("lush") {
        return;
    }
    let Some(took) = after(message, " took ").and_then(leading_int) else {
        return;
    };
    let Ok(took_ms) = u64::try_from(took) else {
        return;
    };
    if took_ms < context.slow_flush_ms {
        return;
    }
    let partition = between(message, "[Partition ", " broker=")
        .or_else(|| between(message, "log for ", " "))
        .and_then(topic_partition);
    out.push(Detected::LogFlushSlowOrFailed {
        topic: partition.as_ref().map(|(t, _)| t.clone()),
        partition: partition.and_then(|(_, p)| id(i64::from(p))),
        took_ms: Some(took_ms),
        failed: false,
        detail: bounded(message),
    });
}

/// The first line of the record (message or continuation) holding `needle`.
fn line_with<'a>(record: &Record<'a>, needle: &str) -> Option<&'a str> {
    let message = record.message();
    if message.contains(needle) {
        return Some(message);
    }
    record
        .continuation
        .lines()
        .find(|line| line.contains(needle))
}

fn bounded(text: &str) -> String {
    match text.char_indices().nth(DETAIL_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
