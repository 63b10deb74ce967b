//! The lines of an answer that could not be read: skipped, and reported by
//! number and reason (the first few; the rest counted), as exporter pages'
//! are.

use crate::prometheus_text::{LineError, MAX_LINE_ERRORS};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnreadableLines {
    /// The first [`MAX_LINE_ERRORS`].
    pub kept: Vec<LineError>,
    pub not_kept: usize,
}

impl UnreadableLines {
    /// Records line `line` (counted from 1) as unreadable.
    pub fn add(&mut self, line: usize, reason: String) {
        if self.kept.len() < MAX_LINE_ERRORS {
            self.kept.push(LineError { line, reason });
        } else {
            self.not_kept += 1;
        }
    }

    pub fn count(&self) -> usize {
        self.kept.len() + self.not_kept
    }

    /// `3 unreadable line(s) in the mntr answer; line 7: …`, if any.
    pub fn summary(&self, what: &str) -> Option<String> {
        let first = self.kept.first()?;
        Some(format!(
            "{} unreadable line(s) in the {what} answer; {first}",
            self.count()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_reasons_and_counts_the_rest() {
        let mut lines = UnreadableLines::default();
        for line in 1..=MAX_LINE_ERRORS + 4 {
            lines.add(line, format!("bad {line}"));
        }
        assert_eq!(lines.kept.len(), MAX_LINE_ERRORS);
        assert_eq!(lines.not_kept, 4);
        assert_eq!(
            lines.summary("mntr").as_deref(),
            Some("20 unreadable line(s) in the mntr answer; line 1: bad 1")
        );
        assert_eq!(UnreadableLines::default().summary("srvr"), None);
    }
}
