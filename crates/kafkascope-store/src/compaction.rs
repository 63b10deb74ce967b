//! Giving the database file's free pages back to the file system.
//!
//! redb keeps pages freed by merging, downsampling and retention for reuse, so the file
//! only grows by itself. In a store that has run for the whole retention the free share is
//! small (about the raw hour waiting to be merged) and reused every hour, but early on, or
//! after retention dropped much, most of the file can be free. A finished maintenance pass
//! that rewrote or deleted chunks therefore checks, at most once per
//! `compaction_every_ms` and only once enough chunk bytes were removed, whether the free
//! share is worth a compaction. Compaction moves
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

    /// Compacts when `compaction_every_ms` has passed since the last check, the chunks
    /// removed since then suggest it, and at least `compaction_free_percent` of the file, and
    /// `compaction_min_free_bytes`, is free.
    pub fn compact_if_worthwhile(&mut self, now_ms: i64) -> Result<Option<Compaction>, StoreError> {
        if !self.compaction_due(now_ms) {
            return Ok(None);
        }
        let file = self.database_file_bytes()?;
        if !self.free_share_worth_measuring(file) {
            return Ok(None);
        }
        self.compaction_checked_at_ms = Some(now_ms);
        self.freed_bytes_since_check = 0;
        self.file_bytes_at_check = Some(file);
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
        self.file_bytes_at_check = Some(file_after);
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

    /// Measuring the free share walks every page, seconds on a large store, so it is only
    /// done once per opening, or when the file grew, or the chunks removed add up, by half
    /// the share wanted since the last look (pages around removed chunks are freed too). A
    /// store past its first retention period neither grows nor frees more than a few
    /// percent an hour: the merge frees the raw hour, which the next hour reuses.
    fn free_share_worth_measuring(&self, file: u64) -> bool {
        let Some(at_check) = self.file_bytes_at_check else {
            return true;
        };
        let percent = u64::from(self.config.compaction_free_percent);
        let grown = file.saturating_sub(at_check);
        grown.saturating_mul(200) >= at_check.saturating_mul(percent)
            || self.freed_bytes_since_check.saturating_mul(200) >= file.saturating_mul(percent)
    }

    pub(crate) fn compaction_due(&self, now_ms: i64) -> bool {
        let every = self.config.compaction_every_ms;
        every > 0
            && self
                .compaction_checked_at_ms
                .is_none_or(|at| now_ms - at >= every)
    }
}
