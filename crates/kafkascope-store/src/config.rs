//! Where the store keeps its files and how long and how finely it keeps history.

use std::path::PathBuf;

use crate::error::StoreError;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The head holds presence as one `u64` bitmap per series, so no interval has more cycles.
pub const MAX_CYCLES_PER_CHUNK: usize = 64;

/// Data older than `after_ms` is rewritten at one sample per `step_ms`, in chunks spanning
/// `chunk_span_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownsampleTier {
    pub after_ms: i64,
    pub step_ms: i64,
    pub chunk_span_ms: i64,
}

/// How the store behaves; [`StoreConfig::new`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Directory holding `history.redb` and `head.wal`; created if missing.
    pub dir: PathBuf,
    /// Chunks ending before `now - retention_ms` are deleted, and series not written since.
    pub retention_ms: i64,
    /// The open interval is sealed when a cycle falls into the next aligned span of this length.
    pub seal_span_ms: i64,
    /// ... or when it already holds this many cycles (at most [`MAX_CYCLES_PER_CHUNK`]).
    pub seal_max_cycles: usize,
    /// Raw chunks are merged into one chunk per series per aligned window of this length once
    /// it is sealed (fewer, larger pco columns: smaller on disk, faster to read); 0 disables.
    pub merge_span_ms: i64,
    /// Coarser tiers, ordered by `after_ms`; empty keeps raw data for the whole retention.
    pub tiers: Vec<DownsampleTier>,
    /// fsync the write-ahead log after every cycle (a crash of the machine, not only of the
    /// process, then loses nothing that `append` returned for).
    pub wal_fsync: bool,
    /// A maintenance pass (merging, downsampling, retention) starts at most once per this
    /// much data time; see `Store::maintain_if_due`.
    pub maintenance_every_ms: i64,
    /// Series per maintenance slice, which bounds how long one slice holds the store.
    pub maintenance_slice_series: usize,
    /// A finished pass checks at most this often whether compacting the file is worthwhile;
    /// 0 never compacts by itself.
    pub compaction_every_ms: i64,
    /// ... and compacts when at least this share of the file is free ...
    pub compaction_free_percent: u8,
    /// ... and at least this many bytes.
    pub compaction_min_free_bytes: u64,
    /// pco compression level 0..=12; lower seals faster, higher stores smaller.
    pub compression_level: usize,
    /// redb's page cache; queries and maintenance stream through it, so it bounds their
    /// memory rather than the history's size.
    pub cache_bytes: usize,
}

impl StoreConfig {
    /// Defaults: 7 days of retention, 5-minute intervals, 1-minute resolution after 6 hours,
    /// 5-minute resolution after 24 hours, fsync per cycle.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            retention_ms: 7 * DAY_MS,
            seal_span_ms: 5 * MINUTE_MS,
            seal_max_cycles: MAX_CYCLES_PER_CHUNK,
            merge_span_ms: HOUR_MS,
            tiers: vec![
                DownsampleTier {
                    after_ms: 6 * HOUR_MS,
                    step_ms: MINUTE_MS,
                    chunk_span_ms: HOUR_MS,
                },
                DownsampleTier {
                    after_ms: DAY_MS,
                    step_ms: 5 * MINUTE_MS,
                    chunk_span_ms: 12 * HOUR_MS,
                },
            ],
            wal_fsync: true,
            maintenance_every_ms: 10 * MINUTE_MS,
            maintenance_slice_series: 2_000,
            compaction_every_ms: HOUR_MS,
            compaction_free_percent: 50,
            compaction_min_free_bytes: 4 << 20,
            compression_level: 4,
            cache_bytes: 64 << 20,
        }
    }

    /// Checks the alignment rules the chunk layout relies on: every chunk lies inside one
    /// aligned span of the next coarser tier, and every bucket inside one chunk.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |reason: String| Err(StoreError::Config(reason));
        if self.retention_ms <= 0 || self.seal_span_ms <= 0 || self.maintenance_every_ms <= 0 {
            return bad("retention, seal span and maintenance interval must be positive".into());
        }
        if self.maintenance_slice_series == 0 || self.compaction_every_ms < 0 {
            return bad("maintenance slices need series; compaction_every_ms must be >= 0".into());
        }
        if self.compaction_free_percent > 100 {
            return bad("compaction_free_percent must be 0..=100".into());
        }
        if !(1..=MAX_CYCLES_PER_CHUNK).contains(&self.seal_max_cycles) {
            return bad(format!(
                "seal_max_cycles must be 1..={MAX_CYCLES_PER_CHUNK}"
            ));
        }
        if self.compression_level > 12 {
            return bad("compression_level must be 0..=12".into());
        }
        let mut finer_span = self.seal_span_ms;
        if self.merge_span_ms < 0 || self.merge_span_ms % self.seal_span_ms != 0 {
            return bad("merge_span_ms must be 0 or a multiple of seal_span_ms".into());
        }
        if self.merge_span_ms > 0 {
            finer_span = self.merge_span_ms;
        }
        let mut finer_after = 0;
        for tier in &self.tiers {
            if tier.step_ms <= 0 || tier.chunk_span_ms % tier.step_ms != 0 {
                return bad(format!(
                    "tier step {} must divide its chunk span",
                    tier.step_ms
                ));
            }
            if tier.chunk_span_ms % finer_span != 0 || tier.after_ms <= finer_after {
                return bad(format!(
                    "tier after {} ms must come later than the finer one and its span be a multiple of {finer_span} ms",
                    tier.after_ms
                ));
            }
            finer_span = tier.chunk_span_ms;
            finer_after = tier.after_ms;
        }
        Ok(())
    }

    /// The longest time a single chunk can span, so a query knows how far back to look.
    pub(crate) fn max_chunk_span_ms(&self) -> i64 {
        self.tiers
            .iter()
            .map(|t| t.chunk_span_ms)
            .fold(self.seal_span_ms.max(self.merge_span_ms), i64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_misaligned_tiers_are_rejected() {
        let mut config = StoreConfig::new("/nonexistent");
        assert!(config.validate().is_ok());
        assert_eq!(config.max_chunk_span_ms(), 12 * HOUR_MS);
        config.tiers[0].chunk_span_ms = 7 * MINUTE_MS;
        assert!(matches!(config.validate(), Err(StoreError::Config(_))));
        let mut config = StoreConfig::new("/nonexistent");
        config.seal_max_cycles = 65;
        assert!(matches!(config.validate(), Err(StoreError::Config(_))));
    }
}
