//! The store: opening and recovering, appending cycles, and sealing the open interval.

use std::path::Path;

use redb::{Database, DatabaseError, ReadableDatabase, ReadableTable, StorageError};

use crate::chunk::{Grid, encode_block, encode_chunk};
use crate::config::StoreConfig;
use crate::error::{StoreError, StoreProblem, db_error};
use crate::head::Head;
use crate::maintenance::Pass;
use crate::series_index::{SeriesId, SeriesIndex};
use crate::series_key::SeriesKey;
use crate::tables::{self, BLOCKS, LAST_WRITTEN, META, RAW_CHUNKS, SERIES};
use crate::wal::{Wal, WalRecord};

const DATABASE_FILE: &str = "history.redb";
const WAL_FILE: &str = "head.wal";

/// How one `append` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub written: usize,
    /// Samples naming an id that is not (or no longer) a live series; they were dropped.
    pub unknown_series: usize,
}

/// An embedded time-series store; see the crate documentation.
pub struct Store {
    pub(crate) config: StoreConfig,
    pub(crate) db: Database,
    wal: Wal,
    pub(crate) head: Head,
    pub(crate) index: SeriesIndex,
    unsaved_series: Vec<SeriesId>,
    last_ms: Option<i64>,
    pub(crate) origin_ms: Option<i64>,
    pub(crate) maintained_at_ms: Option<i64>,
    pub(crate) retention_at_ms: Option<i64>,
    pub(crate) compaction_checked_at_ms: Option<i64>,
    /// Bytes of chunks merged, downsampled or deleted since the last compaction check.
    pub(crate) freed_bytes_since_check: u64,
    /// The file's size after the last compaction check.
    pub(crate) file_bytes_at_check: Option<u64>,
    pub(crate) pass: Option<Pass>,
    open_problems: Vec<StoreProblem>,
}

impl Store {
    /// Opens the store in `config.dir`, restoring sealed history and replaying the log.
    /// Damage found on the way is skipped and listed in [`Store::open_problems`].
    pub fn open(config: StoreConfig) -> Result<Self, StoreError> {
        config.validate()?;
        std::fs::create_dir_all(&config.dir).map_err(|source| StoreError::Io {
            path: config.dir.clone(),
            source,
        })?;
        let mut problems = Vec::new();
        let db = open_database(
            &config.dir.join(DATABASE_FILE),
            config.cache_bytes,
            &mut problems,
        )?;
        let txn = db.begin_write().map_err(|e| db_error("begin", e))?;
        tables::create_all(&txn)?;
        txn.commit().map_err(|e| db_error("creating tables", e))?;
        let (index, sealed_through, origin_ms) = load_sealed(&db, &mut problems)?;
        let mut restored = Restored {
            db: &db,
            config: &config,
            head: Head::default(),
            index,
            unsaved_series: Vec::new(),
            sealed_through,
            failure: None,
        };
        let (wal, wal_problem) = Wal::open(&config.dir.join(WAL_FILE), config.wal_fsync, |r| {
            restored.apply(r)
        })?;
        if let Some(failure) = restored.failure {
            return Err(failure);
        }
        problems.extend(wal_problem);
        let last_ms = restored.head.last_ms().or(restored.sealed_through);
        Ok(Self {
            origin_ms: origin_ms.or(restored.head.first_ms()),
            head: restored.head,
            index: restored.index,
            unsaved_series: restored.unsaved_series,
            last_ms,
            maintained_at_ms: None,
            retention_at_ms: None,
            compaction_checked_at_ms: None,
            freed_bytes_since_check: 0,
            file_bytes_at_check: None,
            pass: None,
            open_problems: problems,
            config,
            db,
            wal,
        })
    }

    /// Damage found while opening: a damaged log tail, unreadable series entries, a database
    /// file that had to be moved aside.
    pub fn open_problems(&self) -> &[StoreProblem] {
        &self.open_problems
    }

    /// The timestamp of the newest cycle appended, sealed or not.
    pub fn last_cycle_ms(&self) -> Option<i64> {
        self.last_ms
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The id of a series, registering it on first use.
    pub fn series_id(&mut self, key: &SeriesKey) -> Result<SeriesId, StoreError> {
        if let Some(id) = self.index.id(key) {
            return Ok(id);
        }
        let id = self.index.create(key)?;
        // Counts as written now, so retention does not take it before its first sample.
        self.index
            .mark_written(id, self.last_ms.unwrap_or(i64::MIN));
        self.wal.add_series(id, key);
        self.unsaved_series.push(id);
        Ok(id)
    }

    /// Appends one collection cycle: every sample shares `at_ms`, which must be later than the
    /// previous cycle's. Durable in the log when this returns.
    pub fn append(
        &mut self,
        at_ms: i64,
        samples: impl IntoIterator<Item = (SeriesId, f64)>,
    ) -> Result<Appended, StoreError> {
        if let Some(last_ms) = self.last_ms.filter(|last| *last >= at_ms) {
            return Err(StoreError::OutOfOrder { at_ms, last_ms });
        }
        if self
            .head
            .first_ms()
            .is_some_and(|first| self.must_seal_before(first, at_ms))
        {
            self.seal()?;
        }
        if self.origin_ms.is_none() {
            self.origin_ms = Some(at_ms);
            let registered: Vec<SeriesId> = self.index.live_ids().collect();
            registered
                .into_iter()
                .for_each(|id| self.index.mark_written(id, at_ms));
        }
        self.wal.begin_cycle(at_ms);
        self.head.begin_cycle(at_ms);
        let mut appended = Appended {
            written: 0,
            unknown_series: 0,
        };
        for (id, value) in samples {
            if !self.index.contains(id) {
                appended.unknown_series += 1;
                continue;
            }
            self.wal.push_sample(id, value);
            self.head.add(id, value);
            appended.written += 1;
        }
        // The head holds the cycle even if the log write fails, so time moves on regardless.
        self.last_ms = Some(at_ms);
        self.wal.commit_cycle()?;
        Ok(appended)
    }

    /// Appends one cycle given by series keys, registering new series.
    pub fn append_keyed<'k>(
        &mut self,
        at_ms: i64,
        samples: impl IntoIterator<Item = (&'k SeriesKey, f64)>,
    ) -> Result<Appended, StoreError> {
        let resolved = samples
            .into_iter()
            .map(|(key, value)| Ok((self.series_id(key)?, value)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.append(at_ms, resolved)
    }

    /// A cycle in the next aligned span, or one past the cycle limit, starts a new interval.
    fn must_seal_before(&self, first_ms: i64, at_ms: i64) -> bool {
        let span = |t: i64| (t - 1).div_euclid(self.config.seal_span_ms);
        span(first_ms) != span(at_ms) || self.head.cycle_count() >= self.config.seal_max_cycles
    }

    /// Writes the open interval into the database in one transaction and empties the log.
    /// Maintenance is left to [`Store::maintain_if_due`].
    pub fn seal(&mut self) -> Result<(), StoreError> {
        seal_head(
            &self.db,
            &self.config,
            &self.head,
            &mut self.index,
            &self.unsaved_series,
        )?;
        self.wal.truncate()?;
        self.unsaved_series.clear();
        self.head.clear();
        Ok(())
    }

    pub(crate) fn database_path(&self) -> std::path::PathBuf {
        self.config.dir.join(DATABASE_FILE)
    }

    /// Seals what is open, so the next start has nothing to replay.
    pub fn close(mut self) -> Result<(), StoreError> {
        self.seal()
    }
}

/// Opens the database, moving an unreadable file aside rather than refusing to start.
fn open_database(
    path: &Path,
    cache_bytes: usize,
    problems: &mut Vec<StoreProblem>,
) -> Result<Database, StoreError> {
    match Database::builder().set_cache_size(cache_bytes).create(path) {
        Ok(db) => Ok(db),
        Err(DatabaseError::Storage(StorageError::Corrupted(reason))) => {
            move_aside(path, cache_bytes, reason, problems)
        }
        Err(DatabaseError::Storage(StorageError::Io(e)))
            if e.kind() == std::io::ErrorKind::InvalidData =>
        {
            move_aside(path, cache_bytes, e.to_string(), problems)
        }
        Err(e) => Err(db_error("opening database", e)),
    }
}

fn move_aside(
    path: &Path,
    cache_bytes: usize,
    reason: String,
    problems: &mut Vec<StoreProblem>,
) -> Result<Database, StoreError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let moved_to = path.with_extension(format!("redb.damaged-{stamp}"));
    std::fs::rename(path, &moved_to).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    problems.push(StoreProblem::DatabaseMovedAside { moved_to, reason }.reported());
    Database::builder()
        .set_cache_size(cache_bytes)
        .create(path)
        .map_err(|e| db_error("creating database", e))
}

type Sealed = (SeriesIndex, Option<i64>, Option<i64>);

/// Loads the series index and counters; unreadable series entries are reported and skipped.
fn load_sealed(db: &Database, problems: &mut Vec<StoreProblem>) -> Result<Sealed, StoreError> {
    let err = |e: redb::Error| db_error("loading series index", e);
    let txn = db.begin_read().map_err(|e| err(e.into()))?;
    let mut index = SeriesIndex::default();
    let series = txn.open_table(SERIES).map_err(|e| err(e.into()))?;
    for entry in series.iter().map_err(|e| err(e.into()))? {
        let (id, bytes) = entry.map_err(|e| err(e.into()))?;
        match tables::decode_series_entry(bytes.value()) {
            Ok(key) => index.insert(id.value(), &key),
            Err(reason) => problems.push(
                StoreProblem::CorruptSeries {
                    series_id: id.value(),
                    reason,
                }
                .reported(),
            ),
        }
    }
    let last_written = txn.open_table(LAST_WRITTEN).map_err(|e| err(e.into()))?;
    for entry in last_written.iter().map_err(|e| err(e.into()))? {
        let (id, at) = entry.map_err(|e| err(e.into()))?;
        index.mark_written(id.value(), at.value());
    }
    index.shrink_to_fit();
    let meta = txn.open_table(META).map_err(|e| err(e.into()))?;
    let sealed_through = tables::read_meta(&meta, tables::META_SEALED_THROUGH)?;
    let origin = tables::read_meta(&meta, tables::META_ORIGIN)?;
    Ok((index, sealed_through, origin))
}

/// Rebuilds the open interval from the log while the store is being opened.
struct Restored<'a> {
    db: &'a Database,
    config: &'a StoreConfig,
    head: Head,
    index: SeriesIndex,
    unsaved_series: Vec<SeriesId>,
    sealed_through: Option<i64>,
    failure: Option<StoreError>,
}

impl Restored<'_> {
    fn apply(&mut self, record: WalRecord) {
        if self.failure.is_some() {
            return;
        }
        match record {
            WalRecord::NewSeries(id, key) => {
                if !self.index.contains(id) {
                    self.index.insert(id, &key);
                    self.unsaved_series.push(id);
                }
            }
            WalRecord::Cycle(at_ms, _) if self.sealed_through.is_some_and(|s| at_ms <= s) => {}
            WalRecord::Cycle(at_ms, samples) => {
                if let Err(e) = self.replay_cycle(at_ms, samples) {
                    self.failure = Some(e);
                }
            }
        }
    }

    /// A log written under a larger cycle limit may hold more than one interval now; the
    /// overflow is sealed here and the log keeps it until the next regular seal.
    fn replay_cycle(
        &mut self,
        at_ms: i64,
        samples: Vec<(SeriesId, f64)>,
    ) -> Result<(), StoreError> {
        if self.head.last_ms().is_some_and(|last| last >= at_ms) {
            return Ok(());
        }
        if self.head.cycle_count() >= self.config.seal_max_cycles {
            seal_head(
                self.db,
                self.config,
                &self.head,
                &mut self.index,
                &self.unsaved_series,
            )?;
            self.unsaved_series.clear();
            self.head.clear();
        }
        self.head.begin_cycle(at_ms);
        for (id, value) in samples {
            if self.index.contains(id) {
                self.head.add(id, value);
            }
        }
        Ok(())
    }
}

/// Writes one interval: its timestamp block, one chunk per series, new series and last
/// write times, all in one transaction.
pub(crate) fn seal_head(
    db: &Database,
    config: &StoreConfig,
    head: &Head,
    index: &mut SeriesIndex,
    unsaved_series: &[SeriesId],
) -> Result<(), StoreError> {
    let (Some(first_ms), Some(last_ms)) = (head.first_ms(), head.last_ms()) else {
        return Ok(());
    };
    let err = |e: redb::Error| db_error("sealing", e);
    let txn = db.begin_write().map_err(|e| err(e.into()))?;
    {
        let mut blocks = txn.open_table(BLOCKS).map_err(|e| err(e.into()))?;
        blocks
            .insert(first_ms, encode_block(head.times()).as_slice())
            .map_err(|e| err(e.into()))?;
        let mut chunks = txn.open_table(RAW_CHUNKS).map_err(|e| err(e.into()))?;
        let mut last_written = txn.open_table(LAST_WRITTEN).map_err(|e| err(e.into()))?;
        let slots = head.cycle_count();
        let mut present = Vec::with_capacity(slots);
        for (id, bitmap, values) in head.columns() {
            present.clear();
            present.extend((0..slots).map(|slot| bitmap & (1 << slot) != 0));
            let end_ms = head.times()[63 - bitmap.leading_zeros() as usize];
            let bytes = encode_chunk(
                first_ms,
                end_ms,
                Grid::Block,
                &present,
                values,
                config.compression_level,
            )
            .map_err(|e| db_error("compressing chunk", e))?;
            chunks
                .insert((first_ms, id), bytes.as_slice())
                .map_err(|e| err(e.into()))?;
            last_written.insert(id, end_ms).map_err(|e| err(e.into()))?;
            index.mark_written(id, end_ms);
        }
        let mut series = txn.open_table(SERIES).map_err(|e| err(e.into()))?;
        for id in unsaved_series {
            if let Some(key) = index.key(*id) {
                series
                    .insert(*id, tables::series_entry(&key.to_key()).as_slice())
                    .map_err(|e| err(e.into()))?;
            }
        }
    }
    tables::write_meta(&txn, tables::META_SEALED_THROUGH, last_ms)?;
    let origin = index_origin(&txn, first_ms)?;
    tables::write_meta(&txn, tables::META_ORIGIN, origin)?;
    txn.commit().map_err(|e| err(e.into()))
}

fn index_origin(txn: &redb::WriteTransaction, first_ms: i64) -> Result<i64, StoreError> {
    let meta = txn
        .open_table(META)
        .map_err(|e| db_error("opening meta", e))?;
    Ok(tables::read_meta(&meta, tables::META_ORIGIN)?.unwrap_or(first_ms))
}
