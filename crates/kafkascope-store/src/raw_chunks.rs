//! Sealed intervals that are not merged yet: their chunks live in `RAW_CHUNKS`, keyed by
//! (block start, series id) rather than by series first as merged and downsampled chunks.
//!
//! A seal writes one chunk for every series. Keyed by series first, each chunk lands in a
//! different b-tree leaf, so on a full store a seal copied one page per series and its
//! commit wrote them all back: most of the ingest time on a 7-day store. Keyed by time
//! first, a seal appends to the end of the tree. Readers find a series' raw chunks through
//! the raw block list (`BLOCKS`), which holds only the blocks not merged or downsampled yet,
//! a dozen or two normally.

use redb::{ReadableTable, StorageError};

use crate::chunk::{BlockTimesCache, Grid, view_chunk};
use crate::error::StoreProblem;
use crate::series_index::SeriesId;

/// Starts of the raw blocks beginning in `[from, to]`.
pub(crate) fn block_starts(
    blocks: &impl ReadableTable<i64, &'static [u8]>,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, StorageError> {
    if from > to {
        return Ok(Vec::new());
    }
    let mut starts = Vec::new();
    for entry in blocks.range(from..=to)? {
        starts.push(entry?.0.value());
    }
    Ok(starts)
}

/// One series' raw chunk of the block starting at `start_ms`, if it has one.
pub(crate) fn raw_samples(
    raw: &impl ReadableTable<(i64, SeriesId), &'static [u8]>,
    blocks: &impl ReadableTable<i64, &'static [u8]>,
    block_times: &mut BlockTimesCache,
    start_ms: i64,
    id: SeriesId,
) -> Result<Option<RawChunk>, RawChunkError> {
    let Some(bytes) = raw.get((start_ms, id)).map_err(RawChunkError::Storage)? else {
        return Ok(None);
    };
    let size = bytes.value().len() as u64;
    let decoded = view_chunk(start_ms, bytes.value()).and_then(|view| {
        if view.grid != Grid::Block {
            return Err("raw chunk not on its block's grid".to_string());
        }
        let times = block_times.get(start_ms, blocks)?;
        view.samples(start_ms, Some(&times))
    });
    decoded
        .map(|samples| Some(RawChunk { samples, size }))
        .map_err(RawChunkError::Damaged)
}

/// One series' raw chunks of the blocks starting at `starts`, read for a merge or a
/// downsampling, which both replace them by one chunk.
pub(crate) fn gather_raw_chunks(
    raw: &impl ReadableTable<(i64, SeriesId), &'static [u8]>,
    blocks: &impl ReadableTable<i64, &'static [u8]>,
    block_times: &mut BlockTimesCache,
    starts: &[i64],
    id: SeriesId,
) -> Result<GatheredRawChunks, StorageError> {
    let mut gathered = GatheredRawChunks::default();
    for &start_ms in starts {
        match raw_samples(raw, blocks, block_times, start_ms, id) {
            Ok(Some(chunk)) => {
                gathered.sources.push(start_ms);
                gathered.bytes += chunk.size;
                gathered.samples.extend(chunk.samples);
            }
            Ok(None) => {}
            Err(RawChunkError::Storage(e)) => return Err(e),
            Err(RawChunkError::Damaged(reason)) => gathered.damaged.push((start_ms, reason)),
        }
    }
    Ok(gathered)
}

/// What [`gather_raw_chunks`] read.
#[derive(Default)]
pub(crate) struct GatheredRawChunks {
    pub(crate) samples: Vec<(i64, f64)>,
    /// Block starts of the chunks read, to delete once replaced.
    pub(crate) sources: Vec<i64>,
    /// Their size in the database, in bytes.
    pub(crate) bytes: u64,
    /// Block starts and reasons of the chunks that could not be read: left in place.
    pub(crate) damaged: Vec<(i64, String)>,
}

impl GatheredRawChunks {
    /// Hands what was read to the series' rewrite: the samples to `samples`, their size
    /// to `freed_bytes`, each damaged chunk of series `id` to `problems`. Returns the
    /// block starts read, to delete once the rewrite is stored.
    pub(crate) fn hand_over(
        self,
        id: SeriesId,
        samples: &mut Vec<(i64, f64)>,
        freed_bytes: &mut u64,
        problems: &mut Vec<StoreProblem>,
    ) -> Vec<i64> {
        *freed_bytes += self.bytes;
        samples.extend(self.samples);
        for (start_ms, reason) in self.damaged {
            problems.push(StoreProblem::corrupt_chunk(id, start_ms, reason));
        }
        self.sources
    }
}

/// One series' raw chunk, read.
pub(crate) struct RawChunk {
    pub(crate) samples: Vec<(i64, f64)>,
    /// Its size in the database, in bytes.
    pub(crate) size: u64,
}

/// Why a raw chunk could not be read: the database failed, or the chunk is damaged.
#[derive(Debug)]
pub(crate) enum RawChunkError {
    Storage(StorageError),
    Damaged(String),
}
