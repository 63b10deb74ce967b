//! Errors that stop an operation, and problems that are reported while the
//! store keeps answering with everything else it has.

use std::path::PathBuf;

/// An operation of the store failed as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("embedded database: {0}")]
    Database(String),
    #[error("invalid store configuration: {0}")]
    Config(String),
    #[error("cycle at {at_ms} ms is not after the previous cycle at {last_ms} ms")]
    OutOfOrder { at_ms: i64, last_ms: i64 },
    #[error("unknown series id {0}")]
    UnknownSeries(u32),
    #[error("series id space exhausted")]
    TooManySeries,
    #[error("invalid label matcher {matcher}: {reason}")]
    Matcher { matcher: String, reason: String },
}

/// Wraps any redb error with the operation it interrupted.
pub(crate) fn db_error(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("{what}: {err}"))
}

/// Something damaged was found and skipped; the rest of the data still answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreProblem {
    #[error("write-ahead log damaged at byte {offset}: {reason}; later records dropped")]
    WalDamaged { offset: u64, reason: String },
    #[error("chunk of series {series_id} starting at {start_ms} ms unreadable: {reason}")]
    CorruptChunk {
        series_id: u32,
        start_ms: i64,
        reason: String,
    },
    #[error("timestamp block starting at {start_ms} ms unreadable: {reason}")]
    CorruptBlock { start_ms: i64, reason: String },
    #[error("series index entry {series_id} unreadable: {reason}")]
    CorruptSeries { series_id: u32, reason: String },
    #[error("database file unreadable ({reason}); moved aside to {moved_to}")]
    DatabaseMovedAside { moved_to: PathBuf, reason: String },
}

impl StoreProblem {
    /// Logs the problem once where it is found, so a caller that ignores the list still sees it.
    /// A chunk that could not be decoded, reported as it is found.
    pub(crate) fn corrupt_chunk(series_id: u32, start_ms: i64, reason: String) -> Self {
        StoreProblem::CorruptChunk {
            series_id,
            start_ms,
            reason,
        }
        .reported()
    }

    pub(crate) fn reported(self) -> Self {
        tracing::warn!(problem = %self, "time-series store skipped damaged data");
        self
    }
}
