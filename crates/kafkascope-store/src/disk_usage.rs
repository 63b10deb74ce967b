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
    /// Walks every page of the database: costs about as much as reading it.
    pub fn disk_usage(&self) -> Result<DiskUsage, StoreError> {
        let txn = self.db.begin_write().map_err(|e| db_error("begin", e))?;
        let stats = txn.stats().map_err(|e| db_error("stats", e))?;
        txn.abort().map_err(|e| db_error("abort", e))?;
        Ok(DiskUsage {
            file: self.database_file_bytes()?,
            stored: stats.stored_bytes(),
            metadata: stats.metadata_bytes(),
            fragmented: stats.fragmented_bytes(),
            allocated: stats.allocated_pages() * stats.page_size() as u64,
        })
    }
}

impl Store {
    pub(crate) fn database_file_bytes(&self) -> Result<u64, StoreError> {
        let path = self.database_path();
        match std::fs::metadata(&path) {
            Ok(metadata) => Ok(metadata.len()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }
}
