//! How much of the database file holds data, for operators and the benchmark.

use crate::error::{StoreError, db_error};
use crate::store::Store;

/// Sizes in bytes; `file` minus the rest is free space redb keeps for reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskUsage {
    pub file: u64,
    /// Keys and values as stored.
    pub stored: u64,
    /// B-tree overhead around them.
    pub metadata: u64,
    /// Unused space inside allocated pages.
    pub fragmented: u64,
    pub allocated: u64,
}

impl Store {
    /// Gives free pages back to the file system; redb keeps freed pages for reuse, so the
    /// file only shrinks through this. Takes time in proportion to the database size.
    pub fn compact(&mut self) -> Result<bool, StoreError> {
        self.db.compact().map_err(|e| db_error("compacting", e))
    }

    pub fn disk_usage(&self) -> Result<DiskUsage, StoreError> {
        let txn = self.db.begin_write().map_err(|e| db_error("begin", e))?;
        let stats = txn.stats().map_err(|e| db_error("stats", e))?;
        txn.abort().map_err(|e| db_error("abort", e))?;
        let file = std::fs::metadata(self.database_path())
            .map_err(|source| StoreError::Io {
                path: self.database_path(),
                source,
            })?
            .len();
        Ok(DiskUsage {
            file,
            stored: stats.stored_bytes(),
            metadata: stats.metadata_bytes(),
            fragmented: stats.fragmented_bytes(),
            allocated: stats.allocated_pages() * stats.page_size() as u64,
        })
    }
}
