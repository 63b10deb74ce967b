//! Log levels as log4j writes them.

use serde::Serialize;

/// The level of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The level named by `word` as log4j prints it (`WARNING` is
    /// java.util.logging's name for `WARN`).
    pub fn from_word(word: &[u8]) -> Option<Level> {
        Some(match word {
            b"TRACE" => Level::Trace,
            b"DEBUG" => Level::Debug,
            b"INFO" => Level::Info,
            b"WARN" | b"WARNING" => Level::Warn,
            b"ERROR" | b"SEVERE" => Level::Error,
            b"FATAL" => Level::Fatal,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// ERROR or FATAL: what the error-burst detector counts.
    pub fn is_error(self) -> bool {
        self >= Level::Error
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_log4j_level_words_and_refuses_others() {
        assert_eq!(Level::from_word(b"WARN"), Some(Level::Warn));
        assert_eq!(Level::from_word(b"WARNING"), Some(Level::Warn));
        assert_eq!(Level::from_word(b"ERROR"), Some(Level::Error));
        assert_eq!(Level::from_word(b"Info"), None);
        assert_eq!(Level::from_word(b""), None);
        assert!(Level::Fatal.is_error() && !Level::Warn.is_error());
    }
}
