//! Giving the database file's free pages back to the file system.
//!
//! redb keeps pages freed by merging, downsampling and retention for reuse, so the file
//! only grows by itself. In a store that has run for the whole retention the free share is
//! small (about the raw hour waiting to be merged) and reused every hour, but early on, or
//! after retention dropped much, most of the file can be free. A finished maintenance pass
//! that rewrote or deleted chunks therefore checks, at most once per
//! `compaction_every_ms`, whether the free share is worth a compaction. Compaction moves
//! live pages towards the start of the file, so it costs about the live data: cheap exactly
//! when the free share is large, and it runs as its own slice of the pass.

use crate::error::{StoreError, db_error};
use crate::maintenance::Compaction;
use crate::store::Store;

impl Store {
    /// Gives free pages back to the file system; takes time in proportion to the database
    /// size. Returns whether anything was moved.
    pub fn compact(&mut self) -> Result<bool, StoreError> {
        self.db.compact().map_err(|e| db_error("compacting", e))
    }

    /// Compacts when `compaction_every_ms` has passed since the last check and at least
    /// `compaction_free_percent` of the file, and `compaction_min_free_bytes`, is free.
    pub fn compact_if_worthwhile(&mut self, now_ms: i64) -> Result<Option<Compaction>, StoreError> {
        if !self.compaction_due(now_ms) {
            return Ok(None);
        }
        self.compaction_checked_at_ms = Some(now_ms);
        let usage = self.disk_usage()?;
        let free = usage.file.saturating_sub(usage.allocated);
        let share_percent = free.saturating_mul(100) / usage.file.max(1);
        if free < self.config.compaction_min_free_bytes
            || share_percent < u64::from(self.config.compaction_free_percent)
        {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        self.compact()?;
        let file_after = self.database_file_bytes()?;
        tracing::info!(
            file_before = usage.file,
            file_after,
            seconds = started.elapsed().as_secs_f64(),
            "time-series store compacted"
        );
        Ok(Some(Compaction {
            file_before: usage.file,
            file_after,
        }))
    }

    pub(crate) fn compaction_due(&self, now_ms: i64) -> bool {
        let every = self.config.compaction_every_ms;
        every > 0
            && self
                .compaction_checked_at_ms
                .is_none_or(|at| now_ms - at >= every)
    }
}
