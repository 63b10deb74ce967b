//! One log record: its first line split by the layout, and the lines that
//! continue it (a stack trace, a multi-line message).

use crate::layout::LineFields;
use crate::level::Level;

/// A complete record, as detectors see it.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub first_line: &'a str,
    pub fields: &'a LineFields,
    /// The continuation lines kept, each ending in `\n`.
    pub continuation: &'a str,
}

impl<'a> Record<'a> {
    pub fn message(&self) -> &'a str {
        self.first_line
            .get(self.fields.message.clone())
            .unwrap_or("")
    }

    pub fn logger(&self) -> &'a str {
        self.first_line
            .get(self.fields.logger.clone())
            .unwrap_or("")
    }

    pub fn thread(&self) -> &'a str {
        self.first_line
            .get(self.fields.thread.clone())
            .unwrap_or("")
    }

    pub fn level(&self) -> Option<Level> {
        self.fields.level
    }
}
