//! Reading: series selection by label matchers, label names and values, and samples of
//! selected series over a time range.
//!
//! Samples come back at the resolution they are stored in: raw where raw chunks remain,
//! downsampled further back, so a range that spans tiers returns each part at the best
//! resolution still kept. Chunks are decoded one at a time; damaged ones are reported in the
//! result and skipped.

use std::collections::BTreeSet;

use redb::{ReadOnlyTable, ReadableDatabase};

use crate::chunk::{BlockTimesCache, Grid, view_chunk};
use crate::error::{StoreError, StoreProblem, db_error};
use crate::matcher::Matcher;
use crate::raw_chunks::{RawChunkError, block_starts, raw_samples};
use crate::series_index::SeriesId;
use crate::series_key::{METRIC_NAME_LABEL, SeriesKey};
use crate::store::Store;
use crate::tables::{BLOCKS, CHUNKS, MERGED_BLOCKS, RAW_CHUNKS};

/// One series' samples in a range, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSamples {
    pub id: SeriesId,
    pub key: SeriesKey,
    pub samples: Vec<(i64, f64)>,
}

/// Samples of one series, with the damage skipped to produce them.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRange {
    pub samples: Vec<(i64, f64)>,
    pub problems: Vec<StoreProblem>,
}

/// Samples of every selected series, with whatever damage was skipped to produce them.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub series: Vec<SeriesSamples>,
    pub problems: Vec<StoreProblem>,
}

impl Store {
    /// Series matching all matchers (`__name__` selects the metric name), by id.
    pub fn select(&self, matchers: &[Matcher]) -> Vec<(SeriesId, SeriesKey)> {
        self.index
            .select(matchers)
            .into_iter()
            .map(|(id, key)| (id, key.to_key()))
            .collect()
    }

    /// Sorted label names of the matching series, `__name__` included.
    pub fn label_names(&self, matchers: &[Matcher]) -> Vec<String> {
        let mut names = BTreeSet::new();
        for (_, key) in self.index.select(matchers) {
            names.insert(METRIC_NAME_LABEL);
            names.extend(key.labels().map(|(k, _)| k));
        }
        names.into_iter().map(str::to_string).collect()
    }

    /// Sorted distinct non-empty values of `label` among the matching series.
    pub fn label_values(&self, label: &str, matchers: &[Matcher]) -> Vec<String> {
        let values: BTreeSet<&str> = self
            .index
            .select(matchers)
            .into_iter()
            .map(|(_, key)| key.label(label))
            .filter(|v| !v.is_empty())
            .collect();
        values.into_iter().map(str::to_string).collect()
    }

    /// Samples of every matching series with timestamps in `[start_ms, end_ms]`.
    pub fn query(
        &self,
        matchers: &[Matcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<QueryResult, StoreError> {
        let mut reader = self.reader()?;
        let mut result = QueryResult {
            series: Vec::new(),
            problems: Vec::new(),
        };
        for (id, key) in self.index.select(matchers) {
            let samples = reader.samples(id, start_ms, end_ms, &mut result.problems)?;
            result.series.push(SeriesSamples {
                id,
                key: key.to_key(),
                samples,
            });
        }
        Ok(result)
    }

    /// Like [`Store::query`], with only each series' latest sample in
    /// `[start_ms, end_ms]` (none if it has none there). The open interval
    /// is newer than anything sealed, so a series with a sample there is
    /// answered from memory; only the others are read from the database.
    pub fn query_latest(
        &self,
        matchers: &[Matcher],
        start_ms: i64,
        end_ms: i64,
    ) -> Result<QueryResult, StoreError> {
        let mut reader = None;
        let mut result = QueryResult {
            series: Vec::new(),
            problems: Vec::new(),
        };
        for (id, key) in self.index.select(matchers) {
            let latest = match self.head.latest(id, start_ms, end_ms) {
                Some(sample) => Some(sample),
                None => {
                    let reader = match &mut reader {
                        Some(reader) => reader,
                        None => reader.insert(self.reader()?),
                    };
                    let samples = reader.samples(id, start_ms, end_ms, &mut result.problems)?;
                    samples.last().copied()
                }
            };
            result.series.push(SeriesSamples {
                id,
                key: key.to_key(),
                samples: latest.into_iter().collect(),
            });
        }
        Ok(result)
    }

    /// Samples of one series in `[start_ms, end_ms]`, with the damage skipped.
    pub fn samples(
        &self,
        id: SeriesId,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<SampleRange, StoreError> {
        if !self.index.contains(id) {
            return Err(StoreError::UnknownSeries(id));
        }
        let mut problems = Vec::new();
        let samples = self
            .reader()?
            .samples(id, start_ms, end_ms, &mut problems)?;
        Ok(SampleRange { samples, problems })
    }

    fn reader(&self) -> Result<ChunkReader<'_>, StoreError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| db_error("begin read", e))?;
        Ok(ChunkReader {
            chunks: txn.open_table(CHUNKS).map_err(|e| db_error("chunks", e))?,
            raw: txn
                .open_table(RAW_CHUNKS)
                .map_err(|e| db_error("raw chunks", e))?,
            blocks: txn.open_table(BLOCKS).map_err(|e| db_error("blocks", e))?,
            merged: txn
                .open_table(MERGED_BLOCKS)
                .map_err(|e| db_error("merged blocks", e))?,
            block_times: BlockTimesCache::default(),
            merged_times: BlockTimesCache::default(),
            block_starts: None,
            store: self,
        })
    }
}

/// One read snapshot of the database plus the block timestamps decoded so far.
struct ChunkReader<'s> {
    chunks: ReadOnlyTable<(u32, i64), &'static [u8]>,
    raw: ReadOnlyTable<(i64, u32), &'static [u8]>,
    blocks: ReadOnlyTable<i64, &'static [u8]>,
    merged: ReadOnlyTable<i64, &'static [u8]>,
    block_times: BlockTimesCache,
    merged_times: BlockTimesCache,
    /// The raw blocks of the last window asked for: every series of a
    /// query asks for the same one.
    block_starts: Option<((i64, i64), Vec<i64>)>,
    store: &'s Store,
}

impl ChunkReader<'_> {
    fn samples(
        &mut self,
        id: SeriesId,
        start_ms: i64,
        end_ms: i64,
        problems: &mut Vec<StoreProblem>,
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        // A window within the open interval has all its samples in memory:
        // no chunk of the database can hold any of them.
        if self
            .store
            .head
            .first_ms()
            .is_some_and(|first| start_ms >= first)
        {
            return Ok(self.store.head.samples(id, start_ms, end_ms));
        }
        let from = start_ms.saturating_sub(self.store.config.max_chunk_span_ms());
        let mut out = Vec::new();
        let range = self
            .chunks
            .range((id, from)..=(id, end_ms))
            .map_err(|e| db_error("reading chunks", e))?;
        for entry in range {
            let (key, bytes) = match entry {
                Ok(pair) => pair,
                Err(e) => {
                    problems.push(StoreProblem::corrupt_chunk(id, from, e.to_string()));
                    break;
                }
            };
            let chunk_start = key.value().1;
            match self.decode(chunk_start, bytes.value(), start_ms) {
                Ok(samples) => out.extend(
                    samples
                        .into_iter()
                        .filter(|(t, _)| (start_ms..=end_ms).contains(t)),
                ),
                Err(reason) => problems.push(StoreProblem::corrupt_chunk(id, chunk_start, reason)),
            }
        }
        self.raw_samples(id, start_ms, end_ms, &mut out, problems)?;
        out.extend(self.store.head.samples(id, start_ms, end_ms));
        // Raw chunks are newer than the merged and downsampled ones, but a store from before
        // the raw table may hold raw chunks among those; sorting sorted runs costs little.
        out.sort_by_key(|(t, _)| *t);
        Ok(out)
    }

    /// Samples from the series' chunks of sealed intervals not merged yet.
    fn raw_samples(
        &mut self,
        id: SeriesId,
        start_ms: i64,
        end_ms: i64,
        out: &mut Vec<(i64, f64)>,
        problems: &mut Vec<StoreProblem>,
    ) -> Result<(), StoreError> {
        let from = start_ms.saturating_sub(self.store.config.seal_span_ms);
        let starts = match &self.block_starts {
            Some((window, starts)) if *window == (from, end_ms) => starts.clone(),
            _ => {
                let starts = block_starts(&self.blocks, from, end_ms)
                    .map_err(|e| db_error("reading blocks", e))?;
                self.block_starts = Some(((from, end_ms), starts.clone()));
                starts
            }
        };
        for start in starts {
            match raw_samples(&self.raw, &self.blocks, &mut self.block_times, start, id) {
                Ok(chunk) => out.extend(
                    chunk
                        .into_iter()
                        .flat_map(|chunk| chunk.samples)
                        .filter(|(t, _)| (start_ms..=end_ms).contains(t)),
                ),
                Err(RawChunkError::Damaged(reason)) => {
                    problems.push(StoreProblem::corrupt_chunk(id, start, reason))
                }
                Err(RawChunkError::Storage(e)) => {
                    problems.push(StoreProblem::corrupt_chunk(id, start, e.to_string()))
                }
            }
        }
        Ok(())
    }

    fn decode(
        &mut self,
        chunk_start: i64,
        bytes: &[u8],
        start_ms: i64,
    ) -> Result<Vec<(i64, f64)>, String> {
        let view = view_chunk(chunk_start, bytes)?;
        if view.end_ms < start_ms {
            return Ok(Vec::new());
        }
        let times = match view.grid {
            Grid::Block => Some(self.block_times.get(chunk_start, &self.blocks)?),
            Grid::Merged => Some(self.merged_times.get(chunk_start, &self.merged)?),
            Grid::Regular { .. } => None,
        };
        view.samples(chunk_start, times.as_deref().map(Vec::as_slice))
    }
}
