//! The follower: a set of files per broker node, each read from where it
//! was left, across rotation (the old file finished, then the new one from
//! its start) and truncation (read again from the start), a bounded amount
//! per poll so one huge file cannot starve the others.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::counts::{LogCounts, Tally};
use crate::detectors::DetectorSet;
use crate::error::LogsError;
use crate::error_burst::BurstConfig;
use crate::event::LogEvent;
use crate::followed_file::{FollowedFile, find_by_inode, identity_of};
use crate::isr_tracker::IsrTracker;
use crate::layout::{KAFKA_PATTERN, Layout};
use crate::level::Level;
use crate::line_check::SkipReason;
use crate::line_processor::{FileParseState, ProcessSettings, Sinks, finish_record, process_chunk};
use crate::positions::{POSITIONS_VERSION, SavedPosition, SavedPositions, isr_key};
use crate::record_assembler::RecordLimits;

/// The files Kafka's own log4j configuration writes into its logs folder.
/// Controller and state-change logs come first: they tell a partition's
/// ISR before the server log confirms changes to it.
pub const KAFKA_LOG_FILES: [&str; 6] = [
    "controller.log",
    "state-change.log",
    "server.log",
    "log-cleaner.log",
    "kafka-authorizer.log",
    "kafka-request.log",
];

/// The log files of one broker or controller node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSetConfig {
    /// The node the files belong to, given to every event read from them.
    pub node: Option<i32>,
    pub paths: Vec<PathBuf>,
    /// The log4j pattern the files are written with.
    pub pattern: String,
    /// The node's UTC offset: timestamps carry no zone.
    pub utc_offset_seconds: i32,
}

impl FileSetConfig {
    /// Kafka's log files in `dir`, in Kafka's layout, in UTC.
    pub fn kafka_logs_dir(node: Option<i32>, dir: &Path) -> FileSetConfig {
        FileSetConfig {
            node,
            paths: KAFKA_LOG_FILES.iter().map(|name| dir.join(name)).collect(),
            pattern: KAFKA_PATTERN.to_string(),
            utc_offset_seconds: 0,
        }
    }
}

/// Where a file never read before is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPosition {
    /// Its first byte: nothing it holds is missed.
    #[default]
    Beginning,
    /// Its end: only what is written from now on.
    End,
}

/// How the follower reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFollowerConfig {
    pub file_sets: Vec<FileSetConfig>,
    /// Where positions are saved after each poll (none: not saved).
    pub positions_file: Option<PathBuf>,
    pub start: StartPosition,
    /// Bytes read from one file (with its rotated predecessor) per poll.
    pub max_bytes_per_file_per_poll: usize,
    /// A line longer than this is skipped as too long.
    pub max_line_bytes: usize,
    pub record_limits: RecordLimits,
    pub burst: BurstConfig,
    /// A flush reported as taking at least this long is slow.
    pub slow_flush_ms: u64,
    /// Loggers named in the counts; the others count as `other`.
    pub top_loggers: usize,
}

impl Default for LogFollowerConfig {
    fn default() -> Self {
        LogFollowerConfig {
            file_sets: Vec::new(),
            positions_file: None,
            start: StartPosition::Beginning,
            max_bytes_per_file_per_poll: 8 << 20,
            max_line_bytes: 1 << 20,
            record_limits: RecordLimits::default(),
            burst: BurstConfig::default(),
            slow_flush_ms: 1_000,
            top_loggers: 50,
        }
    }
}

/// How following one file went in a poll, like a source's target status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStatus {
    pub path: String,
    pub node: Option<i32>,
    /// Open and read without error.
    pub up: bool,
    /// Why it could not be read (`no such file`, `read failed: ...`).
    pub error: Option<String>,
    /// Where reading stands and how big the file is.
    pub offset: u64,
    pub size: u64,
    /// Bytes and lines read in this poll (a rotated predecessor included).
    pub bytes_read: u64,
    pub lines_read: u64,
    /// Since the follower started.
    pub rotations: u64,
    pub truncations: u64,
    /// This poll's records of this file by level, and its skipped lines by
    /// reason (the batch's counts add up every file's).
    pub records_by_level: BTreeMap<Level, u64>,
    pub skipped: BTreeMap<SkipReason, u64>,
}

impl FileStatus {
    /// Bytes written but not yet read.
    pub fn backlog_bytes(&self) -> u64 {
        self.size.saturating_sub(self.offset)
    }
}

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogBatch {
    pub events: Vec<LogEvent>,
    /// This poll's counts ([`LogFollower::totals`] has them since start).
    pub counts: LogCounts,
    pub files: Vec<FileStatus>,
    /// Trouble of the follower itself (its positions file).
    pub problems: Vec<String>,
}

impl LogBatch {
    pub fn bytes_read(&self) -> u64 {
        self.files.iter().map(|f| f.bytes_read).sum()
    }
}

struct SetState {
    node: Option<i32>,
    layout: Layout,
    isr: IsrTracker,
}

struct FileState {
    path: PathBuf,
    display: String,
    set: usize,
    current: Option<FollowedFile>,
    /// Rotated-away files still to finish, oldest first.
    retired: VecDeque<FollowedFile>,
    restore: Option<SavedPosition>,
    opened_before: bool,
    rotations: u64,
    truncations: u64,
}

/// Follows the configured files; see the crate documentation.
pub struct LogFollower {
    config: LogFollowerConfig,
    settings: ProcessSettings,
    sets: Vec<SetState>,
    files: Vec<FileState>,
    detectors: DetectorSet,
    totals: Tally,
    buffer: Vec<u8>,
    problems: Vec<String>,
    /// What was saved last: an unchanged state is not written again.
    last_saved: Option<SavedPositions>,
}

impl LogFollower {
    /// A follower of `config`'s files, resuming from its positions file. A
    /// layout that does not compile is an error; a positions file that
    /// cannot be read is reported in the first batch and the files read
    /// from their start.
    pub fn new(config: LogFollowerConfig) -> Result<LogFollower, LogsError> {
        let mut problems = Vec::new();
        let saved = match &config.positions_file {
            Some(path) => SavedPositions::load(path).unwrap_or_else(|error| {
                problems.push(error.to_string());
                SavedPositions::default()
            }),
            None => SavedPositions::default(),
        };
        let mut sets = Vec::new();
        let mut files = Vec::new();
        for (index, set) in config.file_sets.iter().enumerate() {
            let layout = Layout::compile(&set.pattern, set.utc_offset_seconds)
                .map_err(|source| LogsError::Layout { set: index, source })?;
            let isr = saved
                .isr
                .get(&isr_key(index, set.node))
                .cloned()
                .unwrap_or_default();
            sets.push(SetState {
                node: set.node,
                layout,
                isr,
            });
            files.extend(set.paths.iter().map(|path| FileState {
                path: path.clone(),
                display: path.display().to_string(),
                set: index,
                current: None,
                retired: VecDeque::new(),
                restore: saved.position_of(path).cloned(),
                opened_before: false,
                rotations: 0,
                truncations: 0,
            }));
        }
        let settings = ProcessSettings {
            limits: config.record_limits,
            burst: config.burst,
            slow_flush_ms: config.slow_flush_ms,
            tracked_loggers: config.top_loggers.saturating_mul(4).max(1),
            max_line_bytes: config.max_line_bytes.max(1),
        };
        Ok(LogFollower {
            config,
            settings,
            sets,
            files,
            detectors: DetectorSet::new(),
            totals: Tally::default(),
            buffer: Vec::new(),
            problems,
            last_saved: None,
        })
    }

    /// Reads what was written since the last poll from every file.
    pub fn poll(&mut self) -> LogBatch {
        let mut tally = Tally::default();
        let mut events = Vec::new();
        let mut statuses = Vec::with_capacity(self.files.len());
        let chunk = self.settings.max_line_bytes.saturating_add(1).max(4 << 20);
        let reader = Reader {
            detectors: &self.detectors,
            settings: &self.settings,
            start: self.config.start,
            budget: self.config.max_bytes_per_file_per_poll.max(1) as u64,
            chunk,
        };
        for file in &mut self.files {
            let set = &mut self.sets[file.set];
            let mut file_tally = Tally::default();
            let mut status =
                reader.poll_file(file, set, &mut file_tally, &mut events, &mut self.buffer);
            status.records_by_level = file_tally.records_by_level();
            status.skipped = file_tally.skipped_by_reason().clone();
            tally.absorb(&file_tally, self.settings.tracked_loggers);
            statuses.push(status);
        }
        self.totals.absorb(&tally, self.settings.tracked_loggers);
        let mut problems = std::mem::take(&mut self.problems);
        if let Err(error) = self.save_if_changed() {
            problems.push(error.to_string());
        }
        LogBatch {
            events,
            counts: tally.counts(self.config.top_loggers),
            files: statuses,
            problems,
        }
    }

    /// Counts since the follower started.
    pub fn totals(&self) -> LogCounts {
        self.totals.counts(self.config.top_loggers)
    }

    /// Saves every file's position (done after each poll that moved one).
    pub fn save_positions(&self) -> Result<(), LogsError> {
        match &self.config.positions_file {
            Some(path) => self.positions().save(path),
            None => Ok(()),
        }
    }

    fn save_if_changed(&mut self) -> Result<(), LogsError> {
        let Some(path) = &self.config.positions_file else {
            return Ok(());
        };
        let positions = self.positions();
        if self.last_saved.as_ref() != Some(&positions) {
            positions.save(path)?;
            self.last_saved = Some(positions);
        }
        Ok(())
    }

    fn positions(&self) -> SavedPositions {
        SavedPositions {
            version: POSITIONS_VERSION,
            files: self.files.iter().filter_map(saved_position).collect(),
            isr: self
                .sets
                .iter()
                .enumerate()
                .map(|(index, set)| (isr_key(index, set.node), set.isr.clone()))
                .collect(),
        }
    }
}

/// Where a file stands: its oldest unfinished file, at the start of a
/// record still being gathered (so it is read whole after a restart).
fn saved_position(file: &FileState) -> Option<SavedPosition> {
    let open = file.retired.front().or(file.current.as_ref())?;
    let (offset, line) = open
        .parse
        .assembler
        .pending_offset()
        .map_or((open.offset, open.parse.line), |(offset, line)| {
            (offset, line - 1)
        });
    Some(SavedPosition {
        path: file.path.clone(),
        device: open.identity.device,
        inode: open.identity.inode,
        offset,
        line,
        head_len: open.identity.head_len,
        head_hash: open.identity.head_hash,
    })
}

/// What reading a poll's files shares.
struct Reader<'a> {
    detectors: &'a DetectorSet,
    settings: &'a ProcessSettings,
    start: StartPosition,
    budget: u64,
    chunk: usize,
}

/// How a read went: bytes read, and whether the file's end was reached.
struct ReadOutcome {
    bytes: u64,
    at_end: bool,
}

impl Reader<'_> {
    fn poll_file(
        &self,
        file: &mut FileState,
        set: &mut SetState,
        tally: &mut Tally,
        events: &mut Vec<LogEvent>,
        buffer: &mut Vec<u8>,
    ) -> FileStatus {
        let lines_before = tally.lines;
        let mut error = self.notice_rotation(file, tally).err();
        let mut budget = self.budget;
        let mut bytes_read = 0;
        while let Some(old) = file.retired.front_mut() {
            let mut sinks = sinks(set, self, tally, events, &file.display);
            match self.read(old, budget, buffer, &mut sinks, true) {
                Ok(outcome) => {
                    budget = budget.saturating_sub(outcome.bytes);
                    bytes_read += outcome.bytes;
                    if !outcome.at_end {
                        break;
                    }
                    finish_record(&mut old.parse, &mut sinks);
                    file.retired.pop_front();
                }
                Err(e) => {
                    error.get_or_insert(format!("reading the rotated file: {e}"));
                    file.retired.pop_front();
                }
            }
        }
        if let Some(current) = &mut file.current {
            let mut sinks = sinks(set, self, tally, events, &file.display);
            match self.read_current(current, budget, buffer, &mut sinks, &mut file.truncations) {
                Ok(outcome) => bytes_read += outcome.bytes,
                Err(e) => {
                    error.get_or_insert(format!("read failed: {e}"));
                }
            }
        }
        let (offset, size) = file.current.as_ref().map_or((0, 0), |current| {
            (current.offset, current.size().unwrap_or(current.offset))
        });
        FileStatus {
            path: file.display.clone(),
            node: set.node,
            up: error.is_none(),
            error,
            offset,
            size,
            bytes_read,
            lines_read: tally.lines - lines_before,
            rotations: file.rotations,
            truncations: file.truncations,
            records_by_level: BTreeMap::new(),
            skipped: BTreeMap::new(),
        }
    }

    /// Retires the open file when its name now names another file (or
    /// none), and opens the file the name names.
    fn notice_rotation(&self, file: &mut FileState, tally: &mut Tally) -> Result<(), String> {
        let named = match identity_of(&file.path) {
            Ok(identity) => Some(identity),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("stat failed: {e}")),
        };
        let moved = file.current.as_ref().is_some_and(|current| {
            named != Some((current.identity.device, current.identity.inode))
        });
        if moved && let Some(old) = file.current.take() {
            file.retired.push_back(old);
            file.rotations += 1;
            tally.rotations += 1;
        }
        if named.is_none() {
            return Err("no such file".to_string());
        }
        if file.current.is_none() {
            let opened = self.open_current(file, tally);
            file.current = Some(opened.map_err(|e| format!("open failed: {e}"))?);
            file.opened_before = true;
        }
        Ok(())
    }

    /// Opens the file `file.path` names, resuming from a saved position
    /// when it is the same file (same inode, same first bytes); when it is
    /// not, the saved file is looked for under another name in the same
    /// folder (rotated while we were down) and finished first.
    fn open_current(&self, file: &mut FileState, tally: &mut Tally) -> io::Result<FollowedFile> {
        let mut opened = FollowedFile::open(&file.path, 0, 0)?;
        let Some(saved) = file.restore.take() else {
            if self.start == StartPosition::End && !file.opened_before {
                opened.offset = opened.size()?;
            }
            return Ok(opened);
        };
        let same_inode =
            (saved.device, saved.inode) == (opened.identity.device, opened.identity.inode);
        if same_inode {
            if opened.head_is(saved.head_len, saved.head_hash)? && opened.size()? >= saved.offset {
                opened.offset = saved.offset;
                opened.parse = FileParseState::at_line(saved.line);
            } else {
                file.truncations += 1;
                tally.truncations += 1;
            }
            return Ok(opened);
        }
        let folder = file.path.parent().unwrap_or(Path::new("."));
        if let Some(old_path) = find_by_inode(folder, saved.device, saved.inode)
            && let Ok(old) = FollowedFile::open(&old_path, saved.offset, saved.line)
            && old.head_is(saved.head_len, saved.head_hash)?
        {
            file.retired.push_back(old);
            file.rotations += 1;
            tally.rotations += 1;
        }
        Ok(opened)
    }

    fn read_current(
        &self,
        current: &mut FollowedFile,
        budget: u64,
        buffer: &mut Vec<u8>,
        sinks: &mut Sinks<'_>,
        truncations: &mut u64,
    ) -> io::Result<ReadOutcome> {
        if current.size()? < current.offset || !current.head_unchanged()? {
            finish_record(&mut current.parse, sinks);
            current.restart()?;
            *truncations += 1;
            sinks.tally.truncations += 1;
        }
        let outcome = self.read(current, budget, buffer, sinks, false)?;
        // Nothing new and nothing waiting: the record gathered is complete.
        if outcome.bytes == 0 && current.size()? == current.offset {
            finish_record(&mut current.parse, sinks);
        }
        current.refresh_head()?;
        Ok(outcome)
    }

    /// Reads and processes up to `budget` bytes. A file that will not grow
    /// (`finishing`) has a last line without `\n` processed at its end.
    fn read(
        &self,
        file: &mut FollowedFile,
        budget: u64,
        buffer: &mut Vec<u8>,
        sinks: &mut Sinks<'_>,
        finishing: bool,
    ) -> io::Result<ReadOutcome> {
        if buffer.len() < self.chunk {
            buffer.resize(self.chunk, 0);
        }
        let mut read_total = 0u64;
        loop {
            let want = (budget - read_total).min(self.chunk as u64) as usize;
            if want == 0 {
                return Ok(ReadOutcome {
                    bytes: read_total,
                    at_end: false,
                });
            }
            let read = file.read_at_offset(&mut buffer[..want])?;
            let used = process_chunk(&mut file.parse, &buffer[..read], file.offset, sinks);
            file.offset += used as u64;
            read_total += used as u64;
            if used == 0 && read == want {
                // A line longer than what the budget leaves: next poll.
                return Ok(ReadOutcome {
                    bytes: read_total,
                    at_end: false,
                });
            }
            if read < want {
                if finishing && used < read {
                    let mut last = buffer[used..read].to_vec();
                    last.push(b'\n');
                    process_chunk(&mut file.parse, &last, file.offset, sinks);
                    file.offset += (read - used) as u64;
                    read_total += (read - used) as u64;
                }
                return Ok(ReadOutcome {
                    bytes: read_total,
                    at_end: true,
                });
            }
        }
    }
}

fn sinks<'a>(
    set: &'a mut SetState,
    reader: &'a Reader<'_>,
    tally: &'a mut Tally,
    events: &'a mut Vec<LogEvent>,
    file: &'a str,
) -> Sinks<'a> {
    Sinks {
        layout: &set.layout,
        detectors: reader.detectors,
        isr: &mut set.isr,
        tally,
        events,
        settings: reader.settings,
        node: set.node,
        file,
    }
}
