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
//! chunk in a window into one chunk per series. A window is rewritten in slices of series
//! (see `maintenance.rs`), one transaction each; a crash midway is harmless because a rerun
//! finds nothing finer left in finished series. Retention sweeps the series in slices too.

use redb::{ReadableTable, Table, WriteTransaction};

use crate::chunk::{BlockTimesCache, Grid, encode_chunk, view_chunk};
use crate::config::DownsampleTier;
use crate::error::{StoreError, StoreProblem, db_error};
use crate::maintenance::{MaintenanceReport, Slice};
use crate::raw_chunks::{block_starts, gather_raw_chunks};
use crate::series_index::SeriesId;
use crate::store::Store;
use crate::tables::{self, BLOCKS, CHUNKS, LAST_WRITTEN, MERGED_BLOCKS, RAW_CHUNKS, SERIES};

impl Store {
    /// Downsamples the next slice of series in tier `tier_no`'s oldest window that is old
    /// enough; the window's finer blocks go, and its progress is recorded, with its last slice.
    pub(crate) fn downsample_slice(
        &mut self,
        tier_no: usize,
        origin: i64,
        now_ms: i64,
        next_id: &mut SeriesId,
        report: &mut MaintenanceReport,
    ) -> Result<Slice, StoreError> {
        let Some(tier) = self.config.tiers.get(tier_no).cloned() else {
            return Ok(Slice::Idle);
        };
        let span = tier.chunk_span_ms;
        let key = tables::tier_through_key(tier_no);
        let window = self
            .read_progress(&key)?
            .unwrap_or_else(|| (origin - 1).div_euclid(span) * span);
        let limit = (now_ms - tier.after_ms).div_euclid(span) * span;
        if window + span > limit {
            return Ok(Slice::Idle);
        }
        let (ids, next) = self.slice_ids(*next_id);
        let txn = self.begin()?;
        {
            let blocks = txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?;
            let raw_starts = block_starts(&blocks, window + 1, window + span)
                .map_err(|e| db_error("blocks", e))?;
            drop(blocks);
            let mut rewriter = WindowRewriter {
                chunks: txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?,
                raw: txn
                    .open_table(RAW_CHUNKS)
                    .map_err(|e| db_error("raw chunks", e))?,
                raw_starts: &raw_starts,
                blocks: txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?,
                merged: txn
                    .open_table(MERGED_BLOCKS)
                    .map_err(|e| db_error("merged blocks", e))?,
                block_times: BlockTimesCache::default(),
                merged_times: BlockTimesCache::default(),
                tier: &tier,
                freed_bytes: 0,
                window,
                compression_level: self.config.compression_level,
            };
            for id in ids {
                report.chunks_rewritten += rewriter.rewrite(id, report)?;
            }
            self.freed_bytes_since_check += rewriter.freed_bytes;
        }
        let last = next == 0;
        if last {
            delete_blocks(&txn, i64::MIN, window + span)?;
            tables::write_meta(&txn, &key, window + span)?;
        }
        self.commit_slice(txn, "downsampling")?;
        *next_id = next;
        Ok(Slice::Worked)
    }

    /// Deletes the chunks past retention of the next slice of series, and those series that
    /// were not written for the whole retention; old blocks go with the last slice.
    pub(crate) fn retention_slice(
        &mut self,
        now_ms: i64,
        next_id: &mut SeriesId,
        report: &mut MaintenanceReport,
    ) -> Result<Slice, StoreError> {
        let cutoff = now_ms - self.config.retention_ms;
        let max_span = self.config.max_chunk_span_ms();
        let (ids, next) = self.slice_ids(*next_id);
        let expired: Vec<SeriesId> = ids
            .iter()
            .copied()
            .filter(|id| {
                self.index
                    .last_written_ms(*id)
                    .is_some_and(|at| at < cutoff)
            })
            .filter(|id| self.head.samples(*id, i64::MIN, i64::MAX).is_empty())
            .collect();
        let txn = self.begin()?;
        let mut freed = 0u64;
        {
            let err = |e: redb::StorageError| db_error("retention", e);
            let mut chunks = txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?;
            for id in ids {
                let mut deleted = 0;
                chunks
                    .retain_in((id, i64::MIN)..=(id, cutoff), |(_, start), bytes| {
                        let keep = match view_chunk(start, bytes) {
                            Ok(view) => view.end_ms >= cutoff,
                            Err(_) => start.saturating_add(max_span) >= cutoff,
                        };
                        if !keep {
                            deleted += 1;
                            freed += bytes.len() as u64;
                        }
                        keep
                    })
                    .map_err(err)?;
                report.chunks_deleted += deleted;
            }
            let mut series = txn.open_table(SERIES).map_err(|e| db_error("series", e))?;
            let mut last_written = txn
                .open_table(LAST_WRITTEN)
                .map_err(|e| db_error("series", e))?;
            let mut raw = txn
                .open_table(RAW_CHUNKS)
                .map_err(|e| db_error("raw chunks", e))?;
            let raw_starts = if expired.is_empty() {
                Vec::new()
            } else {
                let blocks = txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?;
                block_starts(&blocks, i64::MIN, i64::MAX).map_err(err)?
            };
            for id in &expired {
                chunks
                    .retain_in((*id, i64::MIN)..=(*id, i64::MAX), |_, bytes| {
                        freed += bytes.len() as u64;
                        false
                    })
                    .map_err(err)?;
                for start in &raw_starts {
                    if let Some(bytes) = raw.remove((*start, *id)).map_err(err)? {
                        freed += bytes.value().len() as u64;
                    }
                }
                series.remove(*id).map_err(err)?;
                last_written.remove(*id).map_err(err)?;
            }
        }
        let last = next == 0;
        if last {
            let (deleted, bytes) = self.expire_raw_chunks(&txn, cutoff)?;
            report.chunks_deleted += deleted;
            freed += bytes;
            let longest_block = self.config.seal_span_ms.max(self.config.merge_span_ms);
            delete_blocks(&txn, i64::MIN, cutoff - longest_block)?;
        }
        self.commit_slice(txn, "retention")?;
        self.freed_bytes_since_check += freed;
        for id in &expired {
            self.index.remove(*id);
            self.head.forget(*id);
        }
        report.series_removed += expired.len();
        *next_id = next;
        Ok(Slice::Worked)
    }
}

impl Store {
    /// Deletes the raw chunks that ended before `cutoff`, whatever their series; returns
    /// how many and their bytes.
    fn expire_raw_chunks(
        &self,
        txn: &WriteTransaction,
        cutoff: i64,
    ) -> Result<(usize, u64), StoreError> {
        let seal_span = self.config.seal_span_ms;
        let mut raw = txn
            .open_table(RAW_CHUNKS)
            .map_err(|e| db_error("raw chunks", e))?;
        let (mut deleted, mut freed) = (0, 0);
        raw.retain_in((i64::MIN, 0)..=(cutoff, u32::MAX), |(start, _), bytes| {
            let keep = match view_chunk(start, bytes) {
                Ok(view) => view.end_ms >= cutoff,
                Err(_) => start.saturating_add(seal_span) >= cutoff,
            };
            if !keep {
                deleted += 1;
                freed += bytes.len() as u64;
            }
            keep
        })
        .map_err(|e| db_error("retention", e))?;
        Ok((deleted, freed))
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
    raw: Table<'t, (i64, u32), &'static [u8]>,
    raw_starts: &'c [i64],
    blocks: Table<'t, i64, &'static [u8]>,
    merged: Table<'t, i64, &'static [u8]>,
    block_times: BlockTimesCache,
    merged_times: BlockTimesCache,
    tier: &'c DownsampleTier,
    /// Bytes of the chunks rewritten, for the compaction check.
    freed_bytes: u64,
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
                    self.freed_bytes += bytes.value().len() as u64;
                    samples.extend(chunk_samples);
                }
                Err(reason) => report
                    .problems
                    .push(StoreProblem::corrupt_chunk(id, start_ms, reason)),
            }
        }
        let raw_sources = gather_raw_chunks(
            &self.raw,
            &self.blocks,
            &mut self.block_times,
            self.raw_starts,
            id,
        )
        .map_err(err)?
        .hand_over(
            id,
            &mut samples,
            &mut self.freed_bytes,
            &mut report.problems,
        );
        if raw_sources.is_empty() && !sources.iter().any(|(_, finer)| *finer) {
            return Ok(0);
        }
        // The last value of a bucket wins, so samples must be in time order.
        samples.sort_by_key(|(t, _)| *t);
        for start_ms in &raw_sources {
            self.raw.remove((*start_ms, id)).map_err(err)?;
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
        Ok(sources.len() + raw_sources.len())
    }
}
