//! Turns a file's bytes into records and events: splits lines, skips and
//! counts the ones that are not text, starts a record at each line the
//! layout matches and continues it with the others, and hands each finished
//! record to the counts, the error-burst detector and the detectors.

use crate::counts::Tally;
use crate::detectors::{DetectContext, DetectorSet};
use crate::error_burst::{BurstConfig, ErrorBurst};
use crate::event::{Detected, LogEvent};
use crate::isr_tracker::IsrTracker;
use crate::layout::Layout;
use crate::line_check::{SkipReason, check_line};
use crate::record_assembler::{Finished, RecordAssembler, RecordLimits};

/// The settings line processing needs.
#[derive(Debug, Clone, Copy)]
pub struct ProcessSettings {
    pub limits: RecordLimits,
    pub burst: BurstConfig,
    pub slow_flush_ms: u64,
    pub tracked_loggers: usize,
    /// A line longer than this is skipped as too long.
    pub max_line_bytes: usize,
}

/// The reading state of one file: the record being gathered, its line
/// number, its error bursts.
#[derive(Debug, Default)]
pub struct FileParseState {
    pub assembler: RecordAssembler,
    burst: ErrorBurst,
    /// Inside a line longer than the bound, skipping to its end.
    skipping_long_line: bool,
    /// Lines read so far (the number of the last complete line).
    pub line: u64,
}

impl FileParseState {
    /// A state resuming after `line` lines.
    pub fn at_line(line: u64) -> FileParseState {
        FileParseState {
            line,
            ..FileParseState::default()
        }
    }
}

/// What processing writes to, shared by the files of a poll.
pub struct Sinks<'a> {
    pub layout: &'a Layout,
    pub detectors: &'a DetectorSet,
    pub isr: &'a mut IsrTracker,
    pub tally: &'a mut Tally,
    pub events: &'a mut Vec<LogEvent>,
    pub settings: &'a ProcessSettings,
    pub node: Option<i32>,
    pub file: &'a str,
}

/// Processes the complete lines of `chunk` (read at `offset` of the file)
/// and returns how many bytes were used; a last line without its `\n`
/// waits for the next read, unless it is already longer than the bound.
pub fn process_chunk(
    state: &mut FileParseState,
    chunk: &[u8],
    offset: u64,
    sinks: &mut Sinks<'_>,
) -> usize {
    let mut at = 0;
    if state.skipping_long_line {
        match memchr::memchr(b'\n', chunk) {
            Some(end) => {
                state.skipping_long_line = false;
                at = end + 1;
            }
            None => return chunk.len(),
        }
    }
    while let Some(len) = memchr::memchr(b'\n', &chunk[at..]) {
        state.line += 1;
        sinks.tally.lines += 1;
        sinks.tally.bytes += len as u64 + 1;
        handle_line(state, &chunk[at..at + len], offset + at as u64, sinks);
        at += len + 1;
    }
    let rest = chunk.len() - at;
    if rest >= sinks.settings.max_line_bytes {
        state.line += 1;
        sinks.tally.lines += 1;
        sinks.tally.bytes += rest as u64;
        sinks
            .tally
            .skipped(sinks.file, state.line, SkipReason::TooLong);
        state.skipping_long_line = true;
        return chunk.len();
    }
    at
}

fn handle_line(state: &mut FileParseState, line: &[u8], offset: u64, sinks: &mut Sinks<'_>) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = match check_line(line) {
        Ok(text) => text,
        Err(reason) => {
            sinks.tally.skipped(sinks.file, state.line, reason);
            return;
        }
    };
    if let Some(fields) = sinks.layout.parse(line) {
        finish_record(state, sinks);
        state
            .assembler
            .start(text, fields, state.line, offset, sinks.settings.limits);
    } else if !state.assembler.continue_with(text, sinks.settings.limits) && !text.is_empty() {
        sinks
            .tally
            .skipped(sinks.file, state.line, SkipReason::NoRecord);
    }
}

/// Hands the pending record, if any, to the counts and detectors.
pub fn finish_record(state: &mut FileParseState, sinks: &mut Sinks<'_>) {
    let FileParseState {
        assembler, burst, ..
    } = state;
    assembler.finish(|finished| emit(finished, burst, sinks));
}

fn emit(finished: Finished<'_>, burst: &mut ErrorBurst, sinks: &mut Sinks<'_>) {
    let record = finished.record;
    let settings = sinks.settings;
    sinks
        .tally
        .record(record.level(), record.logger(), settings.tracked_loggers);
    sinks.tally.lines_cut += u64::from(finished.cut_lines);
    sinks.tally.bytes_cut += finished.cut_bytes;
    let mut detected: Vec<Detected> = Vec::new();
    if let (Some(level), Some(at)) = (record.level(), record.fields.timestamp_ms)
        && level.is_error()
        && let Some(event) = burst.error_at(at, settings.burst)
    {
        detected.push(event);
    }
    let mut context = DetectContext {
        isr: sinks.isr,
        slow_flush_ms: settings.slow_flush_ms,
    };
    sinks.detectors.detect(&record, &mut context, &mut detected);
    for detected in detected {
        sinks.tally.event(detected.kind());
        let lines = std::iter::once(record.first_line)
            .chain(record.continuation.lines())
            .map(str::to_string)
            .collect();
        sinks.events.push(LogEvent {
            node: sinks.node,
            file: sinks.file.to_string(),
            line: finished.line,
            offset: finished.offset,
            timestamp_ms: record.fields.timestamp_ms,
            level: record.level(),
            logger: record.logger().to_string(),
            thread: record.thread().to_string(),
            detected,
            lines,
            lines_cut: finished.cut_lines,
        });
    }
}
