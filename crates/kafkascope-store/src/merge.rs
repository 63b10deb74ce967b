//! Merging sealed raw chunks: once an aligned `merge_span_ms` window (1 h by default) is
//! sealed, each series' raw chunks in it become one chunk over the window's combined
//! timestamps, and the window's raw blocks one merged block.
//!
//! Seals stay small and frequent (the log and the head hold at most one 5-minute interval),
//! while history is stored in long columns: pco's per-column header is paid once per hour
//! instead of twelve times, and a query opens twelve times fewer chunks. Resolution is
//! unchanged. A window is merged in slices of series (see `maintenance.rs`), one transaction
//! each; a rerun after a crash finds the finished series already merged and redoes only the
//! rest.

use redb::{ReadableTable, Table, WriteTransaction};

use crate::chunk::{BlockTimesCache, Grid, decode_block, encode_block, encode_chunk, view_chunk};
use crate::error::{StoreError, StoreProblem, db_error};
use crate::maintenance::{MaintenanceReport, Slice};
use crate::raw_chunks::gather_raw_chunks;
use crate::series_index::SeriesId;
use crate::store::Store;
use crate::tables::{self, BLOCKS, CHUNKS, MERGED_BLOCKS, RAW_CHUNKS};

impl Store {
    /// Merges the next slice of series in the oldest sealed window not merged yet; the
    /// window's raw blocks go, and its progress is recorded, with its last slice.
    pub(crate) fn merge_slice(
        &mut self,
        origin: i64,
        now_ms: i64,
        next_id: &mut SeriesId,
        report: &mut MaintenanceReport,
    ) -> Result<Slice, StoreError> {
        let span = self.config.merge_span_ms;
        if span == 0 {
            return Ok(Slice::Idle);
        }
        let window = self
            .read_progress(tables::META_MERGED_THROUGH)?
            .unwrap_or_else(|| (origin - 1).div_euclid(span) * span);
        let sealed_until = self
            .head
            .first_ms()
            .map_or(now_ms, |first| now_ms.min(first - 1));
        if window + span > sealed_until {
            return Ok(Slice::Idle);
        }
        let (ids, next) = self.slice_ids(*next_id);
        let txn = self.begin()?;
        let merged = window_times(&txn, window, span)?;
        let last = next == 0 || merged.is_none();
        if let Some(WindowBlocks { times, starts }) = &merged {
            let mut merger = WindowMerger {
                chunks: txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?,
                raw: txn
                    .open_table(RAW_CHUNKS)
                    .map_err(|e| db_error("raw chunks", e))?,
                raw_starts: starts,
                blocks: txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?,
                block_times: BlockTimesCache::default(),
                times,
                freed_bytes: 0,
                window,
                span,
                compression_level: self.config.compression_level,
            };
            for id in ids {
                report.chunks_rewritten += merger.merge(id, report)?;
            }
            self.freed_bytes_since_check += merger.freed_bytes;
        }
        if last {
            if merged.is_some() {
                let mut blocks = txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?;
                blocks
                    .retain_in(window + 1..=window + span, |_, _| false)
                    .map_err(|e| db_error("deleting blocks", e))?;
            }
            tables::write_meta(&txn, tables::META_MERGED_THROUGH, window + span)?;
        }
        self.commit_slice(txn, "merging")?;
        *next_id = if last { 0 } else { next };
        Ok(Slice::Worked)
    }
}

/// Writes the merged block of `(window, window + span]` and returns its timestamps and the
/// raw blocks' starts, or `None` when the window has fewer than two raw blocks (nothing to
/// merge). Every slice of
/// a window writes the same block again, which keeps slices independent of each other.
fn window_times(
    txn: &WriteTransaction,
    window: i64,
    span: i64,
) -> Result<Option<WindowBlocks>, StoreError> {
    let mut times = Vec::new();
    let mut starts = Vec::new();
    let mut blocks_seen = 0;
    let blocks = txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?;
    let range = blocks
        .range(window + 1..=window + span)
        .map_err(|e| db_error("blocks", e))?;
    for entry in range {
        let (start, bytes) = entry.map_err(|e| db_error("blocks", e))?;
        match decode_block(start.value(), bytes.value()) {
            Ok(block) => {
                times.extend(block);
                starts.push(start.value());
            }
            Err(reason) => {
                let start_ms = start.value();
                StoreProblem::CorruptBlock { start_ms, reason }.reported();
            }
        }
        blocks_seen += 1;
    }
    if blocks_seen < 2 || times.is_empty() {
        return Ok(None);
    }
    let mut merged = txn
        .open_table(MERGED_BLOCKS)
        .map_err(|e| db_error("merged blocks", e))?;
    merged
        .insert(times[0], encode_block(&times).as_slice())
        .map_err(|e| db_error("merged blocks", e))?;
    Ok(Some(WindowBlocks { times, starts }))
}

/// A merge window's raw blocks: all their timestamps in order, and where each starts.
struct WindowBlocks {
    times: Vec<i64>,
    starts: Vec<i64>,
}

/// Merges one window's raw chunks, series by series.
struct WindowMerger<'t, 'w> {
    chunks: Table<'t, (u32, i64), &'static [u8]>,
    raw: Table<'t, (i64, u32), &'static [u8]>,
    raw_starts: &'w [i64],
    blocks: Table<'t, i64, &'static [u8]>,
    block_times: BlockTimesCache,
    times: &'w [i64],
    /// Bytes of the chunks merged away, for the compaction check.
    freed_bytes: u64,
    window: i64,
    span: i64,
    compression_level: usize,
}

impl WindowMerger<'_, '_> {
    fn merge(&mut self, id: SeriesId, report: &mut MaintenanceReport) -> Result<usize, StoreError> {
        let err = |e: redb::StorageError| db_error("merging chunks", e);
        let mut sources = Vec::new();
        let mut samples = Vec::new();
        let range = (id, self.window + 1)..=(id, self.window + self.span);
        for entry in self.chunks.range(range).map_err(err)? {
            let (key, bytes) = entry.map_err(err)?;
            let start_ms = key.value().1;
            let decoded = view_chunk(start_ms, bytes.value()).and_then(|view| match view.grid {
                Grid::Block => {
                    let times = self.block_times.get(start_ms, &self.blocks)?;
                    view.samples(start_ms, Some(&times)).map(Some)
                }
                Grid::Merged | Grid::Regular { .. } => Ok(None),
            });
            match decoded {
                Ok(Some(chunk_samples)) => {
                    sources.push(start_ms);
                    self.freed_bytes += bytes.value().len() as u64;
                    samples.extend(chunk_samples);
                }
                Ok(None) => {}
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
        if sources.is_empty() && raw_sources.is_empty() {
            return Ok(0);
        }
        for start_ms in &sources {
            self.chunks.remove((id, *start_ms)).map_err(err)?;
        }
        for start_ms in &raw_sources {
            self.raw.remove((*start_ms, id)).map_err(err)?;
        }
        samples.sort_by_key(|(t, _)| *t);
        let mut present = vec![false; self.times.len()];
        let mut values = Vec::with_capacity(samples.len());
        for (at_ms, value) in samples {
            if let Ok(slot) = self.times.binary_search(&at_ms)
                && !present[slot]
            {
                present[slot] = true;
                values.push(value);
            }
        }
        let first = self.times[0];
        let last_slot = present.iter().rposition(|p| *p).unwrap_or(0);
        let bytes = encode_chunk(
            first,
            self.times[last_slot],
            Grid::Merged,
            &present,
            &values,
            self.compression_level,
        )
        .map_err(|e| db_error("compressing chunk", e))?;
        self.chunks
            .insert((id, first), bytes.as_slice())
            .map_err(err)?;
        Ok(sources.len() + raw_sources.len())
    }
}
