//! Gathers a record's lines: its first line, then continuation lines up to
//! a bound of lines and bytes, counting what the bound cut.

use serde::{Deserialize, Serialize};

use crate::layout::LineFields;
use crate::record::Record;

/// How much of one record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLimits {
    /// Lines kept per record, the first included.
    pub max_lines: u32,
    /// Bytes kept per record.
    pub max_bytes: usize,
}

impl Default for RecordLimits {
    fn default() -> Self {
        RecordLimits {
            max_lines: 200,
            max_bytes: 64 * 1024,
        }
    }
}

/// The record being gathered; its buffers are reused from record to record.
#[derive(Debug, Default)]
pub struct RecordAssembler {
    pending: bool,
    first_line: String,
    fields: LineFields,
    continuation: String,
    kept_lines: u32,
    cut_lines: u32,
    cut_bytes: u64,
    line: u64,
    offset: u64,
}

/// A finished record with where it was read and what was cut of it.
pub struct Finished<'a> {
    pub record: Record<'a>,
    pub line: u64,
    pub offset: u64,
    pub cut_lines: u32,
    pub cut_bytes: u64,
}

impl RecordAssembler {
    /// The byte offset where the pending record starts.
    pub fn pending_offset(&self) -> Option<(u64, u64)> {
        self.pending.then_some((self.offset, self.line))
    }

    /// Starts a record with its first line (the caller finished the last one).
    pub fn start(
        &mut self,
        text: &str,
        fields: LineFields,
        line: u64,
        offset: u64,
        limits: RecordLimits,
    ) {
        self.pending = true;
        self.first_line.clear();
        self.continuation.clear();
        self.kept_lines = 1;
        self.cut_lines = 0;
        self.cut_bytes = 0;
        self.line = line;
        self.offset = offset;
        let keep = floor_char_boundary(text, limits.max_bytes);
        self.first_line.push_str(&text[..keep]);
        self.fields = fields;
        if keep < text.len() {
            self.cut_bytes += (text.len() - keep) as u64;
            self.fields.message.end = self.fields.message.end.min(keep);
            self.fields.logger.end = self.fields.logger.end.min(keep);
            self.fields.thread.end = self.fields.thread.end.min(keep);
        }
    }

    /// Adds a continuation line; `false` if no record is pending to take it.
    pub fn continue_with(&mut self, text: &str, limits: RecordLimits) -> bool {
        if !self.pending {
            return false;
        }
        let used = self.first_line.len() + self.continuation.len();
        if self.kept_lines >= limits.max_lines || used + text.len() + 1 > limits.max_bytes {
            self.cut_lines += 1;
            self.cut_bytes += text.len() as u64 + 1;
        } else {
            self.continuation.push_str(text);
            self.continuation.push('\n');
            self.kept_lines += 1;
        }
        true
    }

    /// Hands the pending record, if any, to `handle` and clears it.
    pub fn finish(&mut self, handle: impl FnOnce(Finished<'_>)) {
        if !self.pending {
            return;
        }
        self.pending = false;
        handle(Finished {
            record: Record {
                first_line: &self.first_line,
                fields: &self.fields,
                continuation: &self.continuation,
            },
            line: self.line,
            offset: self.offset,
            cut_lines: self.cut_lines,
            cut_bytes: self.cut_bytes,
        });
    }
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;

    const LIMITS: RecordLimits = RecordLimits {
        max_lines: 3,
        max_bytes: 1_000,
    };

    fn start(assembler: &mut RecordAssembler, line: &str) {
        let fields = Layout::kafka().parse(line.as_bytes()).unwrap();
        assembler.start(line, fields, 7, 700, LIMITS);
    }

    #[test]
    fn keeps_continuation_lines_up_to_the_line_bound_and_counts_the_rest() {
        let mut assembler = RecordAssembler::default();
        start(&mut assembler, "[2026-12-07 02:25:28,300] ERROR boom (x.Y)");
        for line in [
            "java.lang.IllegalStateException: bad",
            "\tat a.B.c(B.java:1)",
            "\tat a.B.d(B.java:2)",
            "\tat a.B.e(B.java:3)",
        ] {
            assert!(assembler.continue_with(line, LIMITS));
        }
        let mut seen = None;
        assembler.finish(|f| {
            seen = Some((
                f.record.message().to_string(),
                f.record.continuation.to_string(),
                f.line,
                f.offset,
                f.cut_lines,
                f.cut_bytes,
            ))
        });
        assert_eq!(
            seen,
            Some((
                "boom".to_string(),
                "java.lang.IllegalStateException: bad\n\tat a.B.c(B.java:1)\n".to_string(),
                7,
                700,
                2,
                40
            ))
        );
        assert_eq!(assembler.pending_offset(), None);
    }

    #[test]
    fn a_continuation_without_a_record_is_refused() {
        let mut assembler = RecordAssembler::default();
        assert!(!assembler.continue_with("\tat a.B.c(B.java:1)", LIMITS));
        let mut called = false;
        assembler.finish(|_| called = true);
        assert!(!called);
    }

    #[test]
    fn a_first_line_over_the_byte_bound_is_cut_on_a_character_boundary() {
        let limits = RecordLimits {
            max_lines: 3,
            max_bytes: 40,
        };
        let line = "[2026-12-07 02:25:28,300] INFO ééééééééééééééééé (x.Y)";
        let fields = Layout::kafka().parse(line.as_bytes()).unwrap();
        let mut assembler = RecordAssembler::default();
        assembler.start(line, fields, 1, 0, limits);
        let mut message = String::new();
        assembler.finish(|f| message = f.record.message().to_string());
        assert_eq!(message, "éééé");
    }
}
