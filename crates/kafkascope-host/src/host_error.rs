//! What can go wrong reading a host's figures: a file that cannot be read,
//! or a line of it that does not say what the kernel documents.

use std::path::PathBuf;

/// A line of a `/proc` file that could not be read, counted from 1. The
/// parsers return it; [`HostError::Parse`] adds the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

impl LineError {
    pub fn new(line: usize, reason: impl Into<String>) -> Self {
        Self {
            line,
            reason: reason.into(),
        }
    }
}

/// Why one reader gave nothing. Every variant names the file (or the
/// mount), so an operator knows where to look.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{} is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("{} line {line}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl HostError {
    /// `error` as found in the file at `path`.
    pub fn at(path: PathBuf, error: LineError) -> Self {
        HostError::Parse {
            path,
            line: error.line,
            reason: error.reason,
        }
    }
}
