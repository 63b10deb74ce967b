//! The errors of this crate, each carrying what it concerns.

use std::path::PathBuf;

/// A layout pattern that cannot be compiled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    #[error("unsupported conversion `%{0}` (supported: %d %p %c %t %m %n, literals, widths)")]
    UnsupportedConversion(String),
    #[error("unsupported date pattern: {0}")]
    UnsupportedDate(String),
    #[error("the pattern has no %m: records would have no message")]
    NoMessage,
    #[error("`{0}` needs literal text after it to know where it ends")]
    UnboundedField(String),
    #[error("the pattern ends inside a conversion: `{0}`")]
    Truncated(String),
}

/// What went wrong with the follower as a whole (a file's own trouble is in
/// its status instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogsError {
    #[error("layout of file set {set}: {source}")]
    Layout {
        set: usize,
        #[source]
        source: LayoutError,
    },
    #[error("reading positions from {path}: {source}")]
    ReadPositions {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("positions file {path} is not valid: {source}")]
    BadPositions {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("saving positions to {path}: {source}")]
    SavePositions {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
