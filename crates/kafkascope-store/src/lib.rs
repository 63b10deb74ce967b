//! kafkascope-store: the embedded history of every collection cycle's numbers.
//!
//! # Model
//! A series is a metric name plus sorted labels ([`SeriesKey`]) and gets a dense `u32` id
//! ([`SeriesId`]) kept in an index that is held in memory (its size follows the live series,
//! not the retention) and mirrored in redb. A collection cycle is appended with
//! [`Store::append`]: one timestamp shared by all of its samples.
//!
//! # Write path and durability
//! Each cycle is written to `head.wal` (length + CRC32C framed, see `wal.rs`) and into the
//! head, the in-memory columns of the open interval. With `wal_fsync` (default) the log is
//! fsynced per cycle, so even a machine crash loses nothing `append` returned for; without
//! it a `kill -9` still loses nothing, since the bytes sit in the kernel. An interval is
//! sealed when a cycle falls into the next aligned `seal_span_ms` (5 min) or the interval
//! holds `seal_max_cycles` (at most 64): one redb transaction writes the interval's
//! timestamp block, one pco-compressed chunk per series (see `chunk.rs`; kept in a table
//! keyed by time first until merged, so a seal appends rather than touching one b-tree page
//! per series, see `raw_chunks.rs`), new series and last-write times; then the log is
//! emptied. On start the index is loaded and the log
//! replayed up to its first damaged record, which is reported and cut off.
//!
//! # Maintenance
//! `append` and `seal` never do more than the above, so ingest stays fast on a full store.
//! Everything else is maintenance, which the caller runs when it has time with
//! [`Store::maintain_if_due`]: a pass starts at most every `maintenance_every_ms` of data
//! time and is done in slices of `maintenance_slice_series` series, each a short
//! transaction, so a server can let queries and the next cycle in between (see
//! `maintenance.rs`). [`Store::maintain`] runs a whole pass at once.
//!
//! Once an aligned `merge_span_ms` window (1 h) is sealed, each series' raw chunks in it are
//! merged into one (see `merge.rs`): small seals keep the log and head short, long columns
//! keep the disk footprint and query cost low.
//!
//! # Retention and downsampling
//! Chunks older than each tier's `after_ms` (6 h and 24 h by default) are rewritten at its
//! step (1 min, 5 min), keeping the last value per bucket (see `retention.rs` for why).
//! Chunks that ended before `now - retention_ms` (7 days) are deleted, and so are series not
//! written for as long (at most hourly, so data may outlive the retention by up to an hour).
//! Vanished series are simply not appended to any more, and so age out.
//!
//! # Compaction
//! redb reuses freed pages but never shrinks its file by itself; a pass that rewrote or
//! deleted chunks ends, at most every `compaction_every_ms` and when the file grew or
//! enough chunks went since the last look, with a check of the free share and a compaction
//! when half the file or more is free (see `compaction.rs`).
//!
//! # Damage
//! Chunks, blocks and series entries carry CRC32C checksums. A damaged one is reported as a
//! [`StoreProblem`] (and logged) and skipped; everything else still answers. A database file
//! redb cannot open at all is moved aside and a fresh one started.
//!
//! # Memory
//! The head holds one interval; queries read chunk by chunk within a redb read
//! transaction; maintenance rewrites one series' window at a time and commits per slice;
//! redb's page cache is capped by `cache_bytes` (64 MiB). Nothing holds the history in
//! memory.
//!
//! # Reading
//! [`Store::select`], [`Store::label_names`], [`Store::label_values`] take Prometheus-style
//! [`Matcher`]s; [`Store::query`] and [`Store::samples`] return samples over
//! `[start, end]` at the best resolution stored for each part of the range.
//!
//! # Files
//! `history.redb` (tables in `tables.rs`) and `head.wal`, in `StoreConfig::dir`. Appends
//! must come in time order; an older or equal timestamp is refused (`OutOfOrder`).
//!
//! Not thread-safe by itself: writes take `&mut self`, reads `&self`; a server wraps the
//! store in a lock.

mod chunk;
mod compaction;
mod config;
mod disk_usage;
mod error;
mod head;
mod maintenance;
mod matcher;
mod merge;
mod query;
mod raw_chunks;
mod retention;
mod series_index;
mod series_key;
mod store;
mod symbol_table;
mod tables;
mod varint;
mod wal;

pub use config::{DownsampleTier, MAX_CYCLES_PER_CHUNK, StoreConfig};
pub use disk_usage::DiskUsage;
pub use error::{StoreError, StoreProblem};
pub use maintenance::{
    Compaction, Maintenance, MaintenanceReport, MaintenanceStage, RETENTION_PASS_EVERY_MS,
};
pub use matcher::Matcher;
pub use query::{QueryResult, SeriesSamples};
pub use series_index::SeriesId;
pub use series_key::{METRIC_NAME_LABEL, SeriesKey};
pub use store::{Appended, Store};
