//! Maintenance passes (merging, downsampling, retention, compaction), run by the caller in
//! bounded slices rather than inside `append` or `seal`.
//!
//! Ingest must stay fast on a full store, and a server holds the store's write lock while
//! maintaining, so a query would wait for a whole pass. A pass is therefore a cursor: each
//! [`Store::maintain_if_due`] call does one slice (one window of one stage for at most
//! `maintenance_slice_series` series, or the compaction check) and returns, and the caller
//! calls again when it has time. Every stage keeps its progress per window in the database
//! and a slice is idempotent for the series it finished, so an abandoned pass (a crash, a
//! direct [`Store::maintain`]) is simply redone from the last finished window.

use redb::{ReadableDatabase, WriteTransaction};

use crate::error::{StoreError, StoreProblem, db_error};
use crate::series_index::SeriesId;
use crate::store::Store;
use crate::tables::{self, META};

/// Automatic retention passes are this far apart in data time, so expired data outlives
/// the retention by up to this much.
pub const RETENTION_PASS_EVERY_MS: i64 = 3_600_000;

/// What maintenance did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub chunks_rewritten: usize,
    pub chunks_deleted: usize,
    pub series_removed: usize,
    /// Set when the database file was compacted.
    pub compaction: Option<Compaction>,
    pub problems: Vec<StoreProblem>,
}

/// A compaction's effect on the database file, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    pub file_before: u64,
    pub file_after: u64,
}

/// The outcome of one [`Store::maintain_if_due`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Maintenance {
    /// No pass is running and none is due yet; nothing was done.
    NotDue,
    /// One slice of a pass was done; call again to go on.
    InProgress(MaintenanceReport),
    /// The pass ended with this call.
    Finished(MaintenanceReport),
}

/// The stages of a pass, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceStage {
    Merge,
    /// Downsampling into the tier of this index in `StoreConfig::tiers`.
    Downsample(usize),
    Retention,
    Compaction,
}

impl std::fmt::Display for MaintenanceStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Merge => f.write_str("merge"),
            Self::Downsample(tier) => write!(f, "downsample to tier {tier}"),
            Self::Retention => f.write_str("retention"),
            Self::Compaction => f.write_str("compaction"),
        }
    }
}

use MaintenanceStage as Stage;

/// A running pass: the data time it maintains as of, and where it stands.
#[derive(Debug, Clone)]
pub(crate) struct Pass {
    now_ms: i64,
    stage: Stage,
    /// The first series id of the next slice in the current window.
    next_id: SeriesId,
    retention: bool,
    compaction: bool,
    /// Chunks rewritten or deleted so far; compaction is only worth a look after some.
    churn: usize,
}

/// What a stage's slice found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slice {
    /// The stage has nothing (left) to do.
    Idle,
    /// One slice was done; the cursor says where the next one starts.
    Worked,
}

impl Store {
    /// Runs one slice of maintenance as of `now_ms` (data time, normally the latest cycle):
    /// continues a running pass, or starts one when `maintenance_every_ms` has passed since
    /// the last (or none ran since opening). Retention is part of a pass at most once per
    /// [`RETENTION_PASS_EVERY_MS`]; a finished pass that rewrote or deleted chunks ends with
    /// a compaction check (see [`Store::compact_if_worthwhile`]).
    ///
    /// A failed slice abandons the pass; the next one starts `maintenance_every_ms` later.
    pub fn maintain_if_due(&mut self, now_ms: i64) -> Result<Maintenance, StoreError> {
        if self.pass.is_none() {
            let due = self
                .maintained_at_ms
                .is_none_or(|at| now_ms - at >= self.config.maintenance_every_ms);
            if !due {
                return Ok(Maintenance::NotDue);
            }
            let retention = self
                .retention_at_ms
                .is_none_or(|at| now_ms - at >= RETENTION_PASS_EVERY_MS);
            self.pass = Some(Pass::new(now_ms, retention, true));
        }
        let mut report = MaintenanceReport::default();
        match self.run_slice(&mut report) {
            Ok(true) => Ok(Maintenance::Finished(report)),
            Ok(false) => Ok(Maintenance::InProgress(report)),
            Err(error) => {
                self.pass = None;
                self.maintained_at_ms = Some(now_ms);
                Err(error)
            }
        }
    }

    /// Runs a whole pass at once as of `now_ms`, retention included and compaction left
    /// out; a pass under way is restarted. For tests, tools and callers that own the store.
    pub fn maintain(&mut self, now_ms: i64) -> Result<MaintenanceReport, StoreError> {
        self.pass = Some(Pass::new(now_ms, true, false));
        let mut report = MaintenanceReport::default();
        loop {
            match self.run_slice(&mut report) {
                Ok(true) => return Ok(report),
                Ok(false) => {}
                Err(error) => {
                    self.pass = None;
                    return Err(error);
                }
            }
        }
    }

    /// Whether a pass has slices left.
    pub fn maintenance_running(&self) -> bool {
        self.pass.is_some()
    }

    /// The stage the running pass is in: after an unfinished slice, the
    /// stage that slice worked on.
    pub fn maintenance_stage(&self) -> Option<MaintenanceStage> {
        self.pass.as_ref().map(|pass| pass.stage)
    }

    /// Does the next slice of the running pass, moving through the stages that have nothing
    /// to do. Returns whether the pass is over.
    fn run_slice(&mut self, report: &mut MaintenanceReport) -> Result<bool, StoreError> {
        while let Some(mut pass) = self.pass.take() {
            let before = report.chunks_rewritten + report.chunks_deleted;
            let slice = self.stage_slice(&mut pass, report)?;
            pass.churn += report.chunks_rewritten + report.chunks_deleted - before;
            match slice {
                Slice::Worked => {
                    self.pass = Some(pass);
                    return Ok(false);
                }
                Slice::Idle => {
                    pass.next_id = 0;
                    match self.next_stage(pass.stage) {
                        Some(stage) => {
                            pass.stage = stage;
                            self.pass = Some(pass);
                        }
                        None => self.finish(&pass),
                    }
                }
            }
        }
        Ok(true)
    }

    fn stage_slice(
        &mut self,
        pass: &mut Pass,
        report: &mut MaintenanceReport,
    ) -> Result<Slice, StoreError> {
        let Some(origin) = self.origin_ms else {
            return Ok(Slice::Idle);
        };
        match pass.stage {
            Stage::Merge => self.merge_slice(origin, pass.now_ms, &mut pass.next_id, report),
            Stage::Downsample(tier) => {
                self.downsample_slice(tier, origin, pass.now_ms, &mut pass.next_id, report)
            }
            Stage::Retention if pass.retention => {
                let slice = self.retention_slice(pass.now_ms, &mut pass.next_id, report)?;
                if pass.next_id == 0 {
                    // The sweep reached the last series; retention is done for this pass.
                    pass.retention = false;
                    self.retention_at_ms = Some(pass.now_ms);
                }
                Ok(slice)
            }
            Stage::Compaction
                if pass.compaction && pass.churn > 0 && self.compaction_due(pass.now_ms) =>
            {
                pass.compaction = false;
                report.compaction = self.compact_if_worthwhile(pass.now_ms)?;
                Ok(Slice::Worked)
            }
            Stage::Retention | Stage::Compaction => Ok(Slice::Idle),
        }
    }

    fn next_stage(&self, stage: Stage) -> Option<Stage> {
        let tiers = self.config.tiers.len();
        match stage {
            Stage::Merge if tiers > 0 => Some(Stage::Downsample(0)),
            Stage::Downsample(tier) if tier + 1 < tiers => Some(Stage::Downsample(tier + 1)),
            Stage::Merge | Stage::Downsample(_) => Some(Stage::Retention),
            Stage::Retention => Some(Stage::Compaction),
            Stage::Compaction => None,
        }
    }

    fn finish(&mut self, pass: &Pass) {
        self.maintained_at_ms = Some(pass.now_ms);
    }

    /// The next at most `maintenance_slice_series` live ids from `next_id`, and the cursor
    /// after them: 0 once the last live series is included.
    pub(crate) fn slice_ids(&self, next_id: SeriesId) -> (Vec<SeriesId>, SeriesId) {
        let ids = self
            .index
            .live_ids_from(next_id, self.config.maintenance_slice_series + 1);
        if ids.len() > self.config.maintenance_slice_series {
            let next = ids[self.config.maintenance_slice_series];
            let mut ids = ids;
            ids.truncate(self.config.maintenance_slice_series);
            (ids, next)
        } else {
            (ids, 0)
        }
    }
}

impl Store {
    pub(crate) fn begin(&self) -> Result<WriteTransaction, StoreError> {
        self.db.begin_write().map_err(|e| db_error("begin", e))
    }

    /// A stage's persisted progress: the end of the last window it finished.
    pub(crate) fn read_progress(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| db_error("begin", e))?;
        let meta = txn.open_table(META).map_err(|e| db_error("meta", e))?;
        tables::read_meta(&meta, key)
    }

    /// Commits a slice durably. redb cannot reuse a page freed after the last durable
    /// commit, so slices that rode along non-durably until their window's end grew the file
    /// by the window's whole churn (a 7-day store at 1/10 size: 304 MiB instead of 207 MiB,
    /// and compactions that the next hours undid); the fsync is cheap beside a slice.
    pub(crate) fn commit_slice(&self, txn: WriteTransaction, what: &str) -> Result<(), StoreError> {
        txn.commit().map_err(|e| db_error(what, e))
    }
}

impl Pass {
    fn new(now_ms: i64, retention: bool, compaction: bool) -> Self {
        Self {
            now_ms,
            stage: Stage::Merge,
            next_id: 0,
            retention,
            compaction,
            churn: 0,
        }
    }
}
