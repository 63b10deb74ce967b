//! The events read from a cluster's broker logs: the latest `capacity` of
//! them in memory, and in a JSON-lines file so a restart keeps them. The
//! file is rotated once it holds `capacity` events (the previous one kept
//! as `<name>.1`), so the disk holds at most twice that.
//!
//! A change of the whole cluster (an ISR change, a fencing, a new
//! controller) is logged by every node that replays the metadata; the store
//! keeps it once, with every node that told it ([`cross_node`]).

use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use kafkascope_logs::LogEvent;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use cross_node::RecentChanges;

mod cross_node;

/// How many events a cluster keeps by default.
pub const DEFAULT_EVENT_CAPACITY: usize = 10_000;

/// One event as kept and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Increasing in the order events were read, across restarts.
    pub id: u64,
    /// The record's time, or when it was read if the record had none.
    pub time_ms: i64,
    /// The node whose logs told it first.
    pub broker: Option<i32>,
    /// Every node whose logs told it, in order of id; set by the store.
    #[serde(default)]
    pub reported_by: Vec<i32>,
    /// `isr_shrink`, `broker_fenced`... (`kafkascope_logs::EventKind`).
    pub kind: String,
    pub level: Option<String>,
    pub logger: String,
    pub thread: String,
    pub file: String,
    /// The record's first line in its file (1-based).
    pub line: u64,
    /// The kind's own fields (`topic`, `partition`, `old_isr`, `new_isr`...).
    pub fields: Map<String, Value>,
    /// The record's lines, bounded; `lines_cut` says how many were left out.
    pub lines: Vec<String>,
    pub lines_cut: u32,
}

impl StoredEvent {
    /// `event` as kept, timed `read_at_ms` if its record had no time.
    pub fn from_log_event(event: LogEvent, read_at_ms: i64) -> StoredEvent {
        let mut fields = match serde_json::to_value(&event.detected) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        fields.remove("kind");
        StoredEvent {
            id: 0,
            time_ms: event.timestamp_ms.unwrap_or(read_at_ms),
            broker: event.node,
            reported_by: event.node.into_iter().collect(),
            kind: event.kind().name().to_string(),
            level: event.level.map(|level| level.name().to_string()),
            logger: event.logger,
            thread: event.thread,
            file: event.file,
            line: event.line,
            fields,
            lines: event.lines,
            lines_cut: event.lines_cut,
        }
    }
}

/// What to pick from the store; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub broker: Option<i32>,
    pub kind: Option<String>,
    pub level: Option<String>,
    /// The events whose `topic` field is this (ISR changes, elections).
    pub topic: Option<String>,
    /// Times in ms since the epoch, both inclusive.
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub offset: usize,
    pub limit: usize,
}

impl EventFilter {
    fn keeps(&self, event: &StoredEvent) -> bool {
        self.broker
            .is_none_or(|b| event.broker == Some(b) || event.reported_by.contains(&b))
            && self.kind.as_deref().is_none_or(|k| event.kind == k)
            && self
                .level
                .as_deref()
                .is_none_or(|l| event.level.as_deref() == Some(l))
            && self
                .topic
                .as_deref()
                .is_none_or(|t| event.fields.get("topic").and_then(Value::as_str) == Some(t))
            && self.since_ms.is_none_or(|t| event.time_ms >= t)
            && self.until_ms.is_none_or(|t| event.time_ms <= t)
    }
}

/// A page of events, newest first, and how many matched in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPage {
    pub total: usize,
    /// How many of all that matched are of each kind.
    pub kinds: BTreeMap<String, usize>,
    pub events: Vec<Arc<StoredEvent>>,
}

/// Writing or reading the events file failed.
#[derive(Debug, thiserror::Error)]
#[error("broker log events file {path}: {source}")]
pub struct EventStoreError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The store of one cluster's events; shared by its source (which appends)
/// and the API (which reads).
#[derive(Debug)]
pub struct EventStore {
    inner: Mutex<StoreInner>,
}

#[derive(Debug)]
struct StoreInner {
    capacity: usize,
    /// In order of id.
    events: VecDeque<Arc<StoredEvent>>,
    next_id: u64,
    file: Option<EventsFile>,
    recent: RecentChanges,
}

#[derive(Debug)]
struct EventsFile {
    path: PathBuf,
    /// Events written to the current file.
    written: usize,
}

impl EventStore {
    /// A store kept in memory only.
    pub fn in_memory(capacity: usize) -> EventStore {
        EventStore::with(capacity, VecDeque::new(), None)
    }

    /// The store kept in `path`, with what it (and its rotated
    /// predecessor) holds. Lines that cannot be read are left out and
    /// counted in the second value.
    pub fn open(path: &Path, capacity: usize) -> Result<(EventStore, usize), EventStoreError> {
        let capacity = capacity.max(1);
        let error = |source| EventStoreError {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let mut events = BTreeMap::new();
        let mut unreadable = 0;
        read_events(&rotated_path(path), &mut events, &mut unreadable, capacity).map_err(
            |source| EventStoreError {
                path: rotated_path(path),
                source,
            },
        )?;
        let written = read_events(path, &mut events, &mut unreadable, capacity).map_err(error)?;
        let events = events.into_values().collect();
        let file = EventsFile {
            path: path.to_path_buf(),
            written,
        };
        Ok((EventStore::with(capacity, events, Some(file)), unreadable))
    }

    fn with(capacity: usize, events: VecDeque<Arc<StoredEvent>>, file: Option<EventsFile>) -> Self {
        let next_id = events.iter().map(|e| e.id + 1).max().unwrap_or(1);
        let mut recent = RecentChanges::default();
        for event in &events {
            recent.remember(event);
        }
        EventStore {
            inner: Mutex::new(StoreInner {
                capacity: capacity.max(1),
                events,
                next_id,
                file,
                recent,
            }),
        }
    }

    /// Keeps `events` (numbered here), dropping the oldest beyond the
    /// capacity, and appends them to the file. An event another node
    /// already told adds its node to that event, which is written again
    /// under its id (the later line wins when the file is read). They are
    /// kept in memory even when the file cannot be written.
    pub fn append(&self, events: Vec<StoredEvent>) -> Result<(), EventStoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut inner = self.lock();
        let mut written = Vec::with_capacity(events.len());
        for event in events {
            written.push(inner.keep(event));
        }
        while inner.events.len() > inner.capacity {
            inner.events.pop_front();
        }
        let oldest_id = inner.events.front().map_or(0, |e| e.id);
        inner.recent.forget_before(oldest_id);
        let capacity = inner.capacity;
        match &mut inner.file {
            Some(file) => file.append(&written, capacity),
            None => Ok(()),
        }
    }

    /// Keeps the events a follower's poll at `read_at_ms` found.
    pub fn append_read(
        &self,
        events: Vec<LogEvent>,
        read_at_ms: i64,
    ) -> Result<(), EventStoreError> {
        self.append(
            events
                .into_iter()
                .map(|event| StoredEvent::from_log_event(event, read_at_ms))
                .collect(),
        )
    }

    /// The events `filter` keeps, newest first (by time, then by id).
    pub fn query(&self, filter: &EventFilter) -> EventPage {
        let inner = self.lock();
        let mut kept: Vec<&Arc<StoredEvent>> =
            inner.events.iter().filter(|e| filter.keeps(e)).collect();
        kept.sort_by(|a, b| b.time_ms.cmp(&a.time_ms).then(b.id.cmp(&a.id)));
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for event in &kept {
            *kinds.entry(event.kind.clone()).or_default() += 1;
        }
        EventPage {
            total: kept.len(),
            kinds,
            events: kept
                .into_iter()
                .skip(filter.offset)
                .take(filter.limit)
                .cloned()
                .collect(),
        }
    }

    /// Up to `limit` events numbered after `after`, oldest first.
    pub fn after(&self, after: u64, limit: usize) -> Vec<Arc<StoredEvent>> {
        let inner = self.lock();
        let first = inner.events.partition_point(|e| e.id <= after);
        inner.events.range(first..).take(limit).cloned().collect()
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, StoreInner> {
        // A panic elsewhere while holding it leaves a consistent deque.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl StoreInner {
    /// `event` as a new event, or as one more node telling an event kept.
    fn keep(&mut self, mut event: StoredEvent) -> Arc<StoredEvent> {
        event.reported_by = event.broker.into_iter().collect();
        if let Some(id) = self
            .recent
            .same_change(&event, |id| self.position(id).map(|at| &*self.events[at]))
            && let Some(at) = self.position(id)
        {
            let mut told = StoredEvent::clone(&self.events[at]);
            told.reported_by.extend(event.broker);
            told.reported_by.sort_unstable();
            let told = Arc::new(told);
            self.events[at] = told.clone();
            return told;
        }
        event.id = self.next_id;
        self.next_id += 1;
        let event = Arc::new(event);
        self.recent.remember(&event);
        self.events.push_back(event.clone());
        event
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.events.binary_search_by_key(&id, |e| e.id).ok()
    }
}

impl EventsFile {
    fn append(
        &mut self,
        events: &[Arc<StoredEvent>],
        capacity: usize,
    ) -> Result<(), EventStoreError> {
        let error = |source| EventStoreError {
            path: self.path.clone(),
            source,
        };
        if self.written >= capacity {
            std::fs::rename(&self.path, rotated_path(&self.path))
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .map_err(error)?;
            self.written = 0;
        }
        let mut text = Vec::new();
        for event in events {
            serde_json::to_writer(&mut text, event.as_ref()).map_err(|e| error(e.into()))?;
            text.push(b'\n');
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(error)?;
        file.write_all(&text).map_err(error)?;
        self.written += events.len();
        Ok(())
    }
}

/// `events.jsonl` → `events.jsonl.1`.
fn rotated_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// Adds the events of `path` (none if it is missing) by id, a later line
/// replacing an earlier one of the same id, keeping the last `capacity`;
/// returns how many lines it holds.
fn read_events(
    path: &Path,
    events: &mut BTreeMap<u64, Arc<StoredEvent>>,
    unreadable: &mut usize,
    capacity: usize,
) -> std::io::Result<usize> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut lines = 0;
    for line in BufReader::new(file).split(b'\n') {
        lines += 1;
        match serde_json::from_slice::<StoredEvent>(&line?) {
            Ok(mut event) => {
                // Kept before events listed their nodes.
                if event.reported_by.is_empty() {
                    event.reported_by = event.broker.into_iter().collect();
                }
                events.insert(event.id, Arc::new(event));
                if events.len() > capacity {
                    events.pop_first();
                }
            }
            Err(_) => *unreadable += 1,
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests;
