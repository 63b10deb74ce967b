//! Where each file was read up to, saved atomically (a temporary file
//! renamed over the last one) so a restart never reads a line twice, with
//! the ISRs last seen so ISR changes are still told after a restart.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::LogsError;
use crate::isr_tracker::IsrTracker;

/// The positions file's format version.
pub const POSITIONS_VERSION: u32 = 1;

/// How far one file was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPosition {
    pub path: PathBuf,
    pub device: u64,
    pub inode: u64,
    /// The next byte to read: the start of a record not yet finished.
    pub offset: u64,
    /// Lines before `offset`.
    pub line: u64,
    pub head_len: u64,
    pub head_hash: u64,
}

/// The whole positions file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPositions {
    pub version: u32,
    pub files: Vec<SavedPosition>,
    /// The ISR trackers by file set (its index and node id).
    pub isr: BTreeMap<String, IsrTracker>,
}

impl SavedPositions {
    /// Reads `path`; a missing file is no positions.
    pub fn load(path: &Path) -> Result<SavedPositions, LogsError> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SavedPositions::default());
            }
            Err(source) => {
                return Err(LogsError::ReadPositions {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_slice(&text).map_err(|source| LogsError::BadPositions {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes `path` whole or not at all.
    pub fn save(&self, path: &Path) -> Result<(), LogsError> {
        let error = |source| LogsError::SavePositions {
            path: path.to_path_buf(),
            source,
        };
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let text = serde_json::to_vec_pretty(self)
            .map_err(std::io::Error::other)
            .map_err(error)?;
        let mut file = std::fs::File::create(&temporary).map_err(error)?;
        file.write_all(&text).map_err(error)?;
        file.sync_all().map_err(error)?;
        std::fs::rename(&temporary, path).map_err(error)
    }

    pub fn position_of(&self, path: &Path) -> Option<&SavedPosition> {
        self.files.iter().find(|p| p.path == path)
    }
}

/// The key of a file set's ISR tracker.
pub fn isr_key(set: usize, node: Option<i32>) -> String {
    match node {
        Some(node) => format!("{set}:{node}"),
        None => format!("{set}:-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("positions.json");
        assert_eq!(
            SavedPositions::load(&path).unwrap(),
            SavedPositions::default()
        );
        let positions = SavedPositions {
            version: POSITIONS_VERSION,
            files: vec![SavedPosition {
                path: "/logs/server.log".into(),
                device: 1,
                inode: 2,
                offset: 300,
                line: 3,
                head_len: 100,
                head_hash: 42,
            }],
            isr: BTreeMap::new(),
        };
        positions.save(&path).unwrap();
        assert_eq!(SavedPositions::load(&path).unwrap(), positions);
        assert!(!dir.path().join("positions.json.tmp").exists());
    }

    #[test]
    fn a_garbled_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("positions.json");
        std::fs::write(&path, b"\x00garbage").unwrap();
        let error = SavedPositions::load(&path).unwrap_err().to_string();
        assert!(error.starts_with("positions file "), "{error}");
        assert!(error.contains("is not valid"), "{error}");
    }
}
