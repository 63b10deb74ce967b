//! The counts `/metrics` shows for broker logs, since following began:
//! saved beside the positions after every poll that changed them, so a
//! restart continues the counters instead of starting them again (nothing
//! is read twice, so nothing is counted twice).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use kafkascope_logs::{Detected, EventKind, FileStatus, LogEvent};
use serde::{Deserialize, Serialize};

/// One followed file's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTotals {
    pub broker: Option<i32>,
    /// Records by level (`INFO`, `ERROR`...).
    pub lines_by_level: BTreeMap<String, u64>,
    /// Skipped lines by reason (`binary`, `not_utf8`, `too_long`, `no_record`).
    pub skipped_by_reason: BTreeMap<String, u64>,
}

/// Every count, by file and by broker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogTotals {
    /// By the file's path as configured.
    pub files: BTreeMap<String, FileTotals>,
    /// Events by broker (its id as text, `""` for none) and kind.
    pub events: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Reading or saving the counts failed.
#[derive(Debug, thiserror::Error)]
pub enum LogTotalsError {
    #[error("broker log counts file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("broker log counts file {path} is not valid: {source}")]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// The count of unclean elections, beside `leader_election` (which counts
/// them too): the one election kind that loses records.
pub const UNCLEAN_LEADER_ELECTION: &str = "unclean_leader_election";

/// A broker id as a key of [`LogTotals::events`].
pub fn broker_key(broker: Option<i32>) -> String {
    broker.map(|b| b.to_string()).unwrap_or_default()
}

impl LogTotals {
    /// Every kind at zero for each of `brokers`, so a counter exists
    /// before its first event and `increase()` sees that one too.
    pub fn with_brokers(mut self, brokers: &[i32]) -> LogTotals {
        for broker in brokers {
            let kinds = self.events.entry(broker_key(Some(*broker))).or_default();
            for kind in EventKind::ALL {
                kinds.entry(kind.name().to_string()).or_default();
            }
            kinds
                .entry(UNCLEAN_LEADER_ELECTION.to_string())
                .or_default();
        }
        self
    }

    /// Adds a poll's file statuses and events; says whether anything moved.
    pub fn add_poll(&mut self, files: &[FileStatus], events: &[LogEvent]) -> bool {
        let mut moved = false;
        for status in files {
            let totals = self.files.entry(status.path.clone()).or_default();
            totals.broker = status.node;
            for (level, count) in &status.records_by_level {
                *totals
                    .lines_by_level
                    .entry(level.name().to_string())
                    .or_default() += count;
                moved = true;
            }
            for (reason, count) in &status.skipped {
                *totals
                    .skipped_by_reason
                    .entry(reason.name().to_string())
                    .or_default() += count;
                moved = true;
            }
        }
        for event in events {
            let kinds = self.events.entry(broker_key(event.node)).or_default();
            *kinds.entry(event.kind().name().to_string()).or_default() += 1;
            if let Detected::LeaderElection { unclean: true, .. } = event.detected {
                *kinds
                    .entry(UNCLEAN_LEADER_ELECTION.to_string())
                    .or_default() += 1;
            }
            moved = true;
        }
        moved
    }

    /// Reads `path`; a missing file is no counts.
    pub fn load(path: &Path) -> Result<LogTotals, LogTotalsError> {
        match std::fs::read(path) {
            Ok(text) => serde_json::from_slice(&text).map_err(|source| LogTotalsError::Invalid {
                path: path.to_path_buf(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LogTotals::default()),
            Err(source) => Err(LogTotalsError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes `path` whole or not at all (a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), LogTotalsError> {
        let error = |source| LogTotalsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let text = serde_json::to_vec(self).map_err(|e| error(e.into()))?;
        let mut file = std::fs::File::create(&temporary).map_err(error)?;
        file.write_all(&text).map_err(error)?;
        file.sync_all().map_err(error)?;
        std::fs::rename(&temporary, path).map_err(error)
    }
}
