//! Maintenance: downsampling old chunks into coarser tiers and deleting what is past
//! retention, including series that stopped being written.
//!
//! Downsampling keeps the last value of each bucket. Every figure the collector records is
//! either a counter-like running total (offsets, which must stay monotonic so rates still
//! work) or a gauge sampled at a point in time (lags, counts), and the last value is the
//! truthful reading of both; a mean would invent offsets that never existed. Buckets are
//! left-open, `(t - step, t]`, and the kept value is stamped `t`, so a downsampled sample is
//! never dated before the moment it was observed, and a 1-minute bucket falls wholly inside
//! one 5-minute bucket.
//!
//! Each tier walks aligned windows of its chunk span, oldest first, and rewrites every finer
//! chunk in a window into one chunk per series. Windows commit in batches of series; a crash
//! midway is harmless because a rerun finds nothing finer left in finished series.

use redb::{Durability, ReadableDatabase, ReadableTable, Table, WriteTransaction};

use crate::chunk::{BlockTimesCache, Grid, encode_chunk, view_chunk};
use crate::config::DownsampleTier;
use crate::error::{StoreError, StoreProblem, db_error};
use crate::series_index::SeriesId;
use crate::store::Store;
use crate::tables::{self, BLOCKS, CHUNKS, LAST_WRITTEN, MERGED_BLOCKS, META, SERIES};

/// Series rewritten per transaction, bounding the transaction's dirty pages.
pub(crate) const SERIES_PER_BATCH: usize = 20_000;
/// Automatic retention passes are this far apart in data time, so expired data outlives
/// the retention by up to this much.
pub const RETENTION_PASS_EVERY_MS: i64 = 3_600_000;

/// What one maintenance pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub chunks_rewritten: usize,
    pub chunks_deleted: usize,
    pub series_removed: usize,
    pub problems: Vec<StoreProblem>,
}

impl Store {
    /// Downsamples and applies retention as of `now_ms` (data time, normally the latest
    /// cycle). Runs by itself after seals; callable directly.
    pub fn maintain(&mut self, now_ms: i64) -> Result<MaintenanceReport, StoreError> {
        self.maintain_with(now_ms, true)
    }

    /// The pass run after seals: retention scans every series' oldest chunks, and chunks
    /// expire a whole window at a time, so it runs at most once per
    /// [`RETENTION_PASS_EVERY_MS`] of data time; merging and downsampling run every time.
    pub(crate) fn maintain_after_seal(&mut self, now_ms: i64) -> Result<(), StoreError> {
        let retention_due = self
            .retention_at_ms
            .is_none_or(|at| now_ms - at >= RETENTION_PASS_EVERY_MS);
        self.maintain_with(now_ms, retention_due).map(drop)
    }

    fn maintain_with(
        &mut self,
        now_ms: i64,
        retention: bool,
    ) -> Result<MaintenanceReport, StoreError> {
        let mut report = MaintenanceReport::default();
        if let Some(origin) = self.origin_ms {
            self.merge_raw(origin, now_ms, &mut report)?;
            for (tier_no, tier) in self.config.tiers.clone().iter().enumerate() {
                self.downsample_tier(tier_no, tier, origin, now_ms, &mut report)?;
            }
        }
        if retention {
            self.apply_retention(now_ms, &mut report)?;
            self.retention_at_ms = Some(now_ms);
        }
        self.maintained_at_ms = Some(now_ms);
        Ok(report)
    }

    fn downsample_tier(
        &mut self,
        tier_no: usize,
        tier: &DownsampleTier,
        origin: i64,
        now_ms: i64,
        report: &mut MaintenanceReport,
    ) -> Result<(), StoreError> {
        let span = tier.chunk_span_ms;
        let key = tables::tier_through_key(tier_no);
        let txn = self.db.begin_read().map_err(|e| db_error("begin", e))?;
        let meta = txn.open_table(META).map_err(|e| db_error("meta", e))?;
        let mut window =
            tables::read_meta(&meta, &key)?.unwrap_or_else(|| (origin - 1).div_euclid(span) * span);
        drop((meta, txn));
        let limit = (now_ms - tier.after_ms).div_euclid(span) * span;
        let ids: Vec<SeriesId> = self.index.live_ids().collect();
        while window + span <= limit {
            for batch in ids.chunks(SERIES_PER_BATCH) {
                let txn = self.begin(Durability::None)?;
                {
                    let mut rewriter = WindowRewriter {
                        chunks: txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?,
                        blocks: txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?,
                        merged: txn
                            .open_table(MERGED_BLOCKS)
                            .map_err(|e| db_error("merged blocks", e))?,
                        block_times: BlockTimesCache::default(),
                        merged_times: BlockTimesCache::default(),
                        tier,
                        window,
                        compression_level: self.config.compression_level,
                    };
                    for id in batch {
                        report.chunks_rewritten += rewriter.rewrite(*id, report)?;
                    }
                }
                txn.commit().map_err(|e| db_error("downsampling", e))?;
            }
            window += span;
            let txn = self.begin(Durability::Immediate)?;
            delete_blocks(&txn, i64::MIN, window)?;
            tables::write_meta(&txn, &key, window)?;
            txn.commit().map_err(|e| db_error("downsampling", e))?;
        }
        Ok(())
    }

    fn apply_retention(
        &mut self,
        now_ms: i64,
        report: &mut MaintenanceReport,
    ) -> Result<(), StoreError> {
        let cutoff = now_ms - self.config.retention_ms;
        let max_span = self.config.max_chunk_span_ms();
        let expired: Vec<SeriesId> = self
            .index
            .live_ids()
            .filter(|id| {
                self.index
                    .last_written_ms(*id)
                    .is_some_and(|at| at < cutoff)
            })
            .filter(|id| self.head.samples(*id, i64::MIN, i64::MAX).is_empty())
            .collect();
        let txn = self.begin(Durability::Immediate)?;
        {
            let err = |e: redb::StorageError| db_error("retention", e);
            let mut chunks = txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?;
            let ids: Vec<SeriesId> = self.index.live_ids().collect();
            for id in ids {
                let mut deleted = 0;
                chunks
                    .retain_in((id, i64::MIN)..=(id, cutoff), |(_, start), bytes| {
                        let keep = match view_chunk(start, bytes) {
                            Ok(view) => view.end_ms >= cutoff,
                            Err(_) => start.saturating_add(max_span) >= cutoff,
                        };
                        deleted += usize::from(!keep);
                        keep
                    })
                    .map_err(err)?;
                report.chunks_deleted += deleted;
            }
            let mut series = txn.open_table(SERIES).map_err(|e| db_error("series", e))?;
            let mut last_written = txn
                .open_table(LAST_WRITTEN)
                .map_err(|e| db_error("series", e))?;
            for id in &expired {
                chunks
                    .retain_in((*id, i64::MIN)..=(*id, i64::MAX), |_, _| false)
                    .map_err(err)?;
                series.remove(*id).map_err(err)?;
                last_written.remove(*id).map_err(err)?;
            }
        }
        let longest_block = self.config.seal_span_ms.max(self.config.merge_span_ms);
        delete_blocks(&txn, i64::MIN, cutoff - longest_block)?;
        txn.commit().map_err(|e| db_error("retention", e))?;
        for id in &expired {
            self.index.remove(*id);
            self.head.forget(*id);
        }
        report.series_removed += expired.len();
        Ok(())
    }

    pub(crate) fn begin(&self, durability: Durability) -> Result<WriteTransaction, StoreError> {
        let mut txn = self.db.begin_write().map_err(|e| db_error("begin", e))?;
        txn.set_durability(durability)
            .map_err(|e| db_error("durability", e))?;
        Ok(txn)
    }
}

/// Deletes raw and merged timestamp blocks starting in `(from, to]`; their chunks are
/// gone by then.
pub(crate) fn delete_blocks(txn: &WriteTransaction, from: i64, to: i64) -> Result<(), StoreError> {
    for table in [BLOCKS, MERGED_BLOCKS] {
        let mut blocks = txn.open_table(table).map_err(|e| db_error("blocks", e))?;
        blocks
            .retain_in(from..=to, |_, _| false)
            .map_err(|e| db_error("deleting blocks", e))?;
    }
    Ok(())
}

/// Rewrites the finer chunks of one window of one tier, series by series.
struct WindowRewriter<'t, 'c> {
    chunks: Table<'t, (u32, i64), &'static [u8]>,
    blocks: Table<'t, i64, &'static [u8]>,
    merged: Table<'t, i64, &'static [u8]>,
    block_times: BlockTimesCache,
    merged_times: BlockTimesCache,
    tier: &'c DownsampleTier,
    window: i64,
    compression_level: usize,
}

impl WindowRewriter<'_, '_> {
    /// Rewrites one series' finer chunks in the window `(window, window + span]` into one chunk at
    /// the tier's step. Returns how many chunks were replaced; damaged ones are reported and left.
    fn rewrite(
        &mut self,
        id: SeriesId,
        report: &mut MaintenanceReport,
    ) -> Result<usize, StoreError> {
        let (tier, window) = (self.tier, self.window);
        let err = |e: redb::StorageError| db_error("reading chunks", e);
        let range = (id, window + 1)..=(id, window + tier.chunk_span_ms);
        let mut sources = Vec::new();
        let mut samples = Vec::new();
        for entry in self.chunks.range(range).map_err(err)? {
            let (key, bytes) = entry.map_err(err)?;
            let start_ms = key.value().1;
            let decoded = view_chunk(start_ms, bytes.value()).and_then(|view| {
                let finer = match view.grid {
                    Grid::Block | Grid::Merged => true,
                    Grid::Regular { step_ms } => step_ms < tier.step_ms,
                };
                let times = match view.grid {
                    Grid::Block => Some(self.block_times.get(start_ms, &self.blocks)?),
                    Grid::Merged => Some(self.merged_times.get(start_ms, &self.merged)?),
                    Grid::Regular { .. } => None,
                };
                Ok((
                    finer,
                    view.samples(start_ms, times.as_deref().map(Vec::as_slice))?,
                ))
            });
            match decoded {
                Ok((finer, chunk_samples)) => {
                    sources.push((start_ms, finer));
                    samples.extend(chunk_samples);
                }
                Err(reason) => report.problems.push(
                    StoreProblem::CorruptChunk {
                        series_id: id,
                        start_ms,
                        reason,
                    }
                    .reported(),
                ),
            }
        }
        if !sources.iter().any(|(_, finer)| *finer) {
            return Ok(0);
        }
        let slots = (tier.chunk_span_ms / tier.step_ms) as usize;
        let mut buckets: Vec<Option<f64>> = vec![None; slots];
        for (at_ms, value) in samples {
            let slot = (at_ms - window - 1).div_euclid(tier.step_ms) as usize;
            if let Some(bucket) = buckets.get_mut(slot) {
                *bucket = Some(value);
            }
        }
        for (start_ms, _) in &sources {
            self.chunks.remove((id, *start_ms)).map_err(err)?;
        }
        let present: Vec<bool> = buckets.iter().map(Option::is_some).collect();
        let values: Vec<f64> = buckets.iter().flatten().copied().collect();
        if let Some(last_slot) = present.iter().rposition(|p| *p) {
            let start_ms = window + tier.step_ms;
            let end_ms = start_ms + last_slot as i64 * tier.step_ms;
            let grid = Grid::Regular {
                step_ms: tier.step_ms,
            };
            let bytes = encode_chunk(
                start_ms,
                end_ms,
                grid,
                &present,
                &values,
                self.compression_level,
            )
            .map_err(|e| db_error("compressing chunk", e))?;
            self.chunks
                .insert((id, start_ms), bytes.as_slice())
                .map_err(err)?;
        }
        Ok(sources.len())
    }
}
