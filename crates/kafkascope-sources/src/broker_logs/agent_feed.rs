//! The agent's side of broker logs (`kafkascope agent --broker-logs`): a
//! `LogFollower` over one broker's files, its events numbered in a bounded
//! ring so `serve` can ask for those after the last it took
//! (`GET /broker-logs?after=<seq>`), beside the files' statuses and the
//! counts since the agent started.

use std::collections::VecDeque;

use kafkascope_logs::{FileStatus, LogBatch, LogFollower, LogFollowerConfig};
use serde::{Deserialize, Serialize};

use super::event_store::StoredEvent;
use super::log_totals::LogTotals;
use crate::source::now_ms;

/// Events an agent keeps for `serve` to take by default.
pub const DEFAULT_AGENT_RING: usize = 10_000;
/// The most events one answer holds; `limit` is bounded by it.
pub const MAX_AGENT_PAGE: usize = 1_000;

/// One followed file as the agent tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentFileStatus {
    pub path: String,
    pub up: bool,
    pub error: Option<String>,
    pub offset: u64,
    pub size: u64,
}

impl From<&FileStatus> for AgentFileStatus {
    fn from(status: &FileStatus) -> Self {
        AgentFileStatus {
            path: status.path.clone(),
            up: status.up,
            error: status.error.clone(),
            offset: status.offset,
            size: status.size,
        }
    }
}

/// The answer of `GET /broker-logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentLogPage {
    /// When this agent process started: a new value means a new sequence.
    pub agent_start_ms: i64,
    pub broker: i32,
    /// The sequence number to ask `after` next time.
    pub next: u64,
    /// Events after `after`, oldest first; each `id` is its sequence number.
    pub events: Vec<StoredEvent>,
    pub files: Vec<AgentFileStatus>,
    /// Counts since the agent started.
    pub totals: LogTotals,
    /// Trouble of the follower itself (its layout, its positions file).
    #[serde(default)]
    pub problems: Vec<String>,
}

/// The numbered events, bounded: the oldest leave first.
#[derive(Debug)]
pub struct EventRing {
    capacity: usize,
    events: VecDeque<StoredEvent>,
    last_seq: u64,
}

impl EventRing {
    pub fn new(capacity: usize) -> EventRing {
        EventRing {
            capacity: capacity.max(1),
            events: VecDeque::new(),
            last_seq: 0,
        }
    }

    /// Numbers `event` (1, 2, 3... in the order pushed) and keeps it.
    pub fn push(&mut self, mut event: StoredEvent) {
        self.last_seq += 1;
        event.id = self.last_seq;
        self.events.push_back(event);
        if self.events.len() > self.capacity {
            self.events.pop_front();
        }
    }

    /// Up to `limit` events numbered after `after`, oldest first, and the
    /// number to ask after next (`after` itself when there is nothing new).
    pub fn page(&self, after: u64, limit: usize) -> (Vec<StoredEvent>, u64) {
        // Numbers are consecutive, so the first one wanted is found by
        // arithmetic rather than a scan.
        let first = self.last_seq + 1 - self.events.len() as u64;
        let skip =
            usize::try_from(after.saturating_add(1).saturating_sub(first)).unwrap_or(usize::MAX);
        let events: Vec<StoredEvent> = self.events.iter().skip(skip).take(limit).cloned().collect();
        let next = events.last().map_or(after, |event| event.id);
        (events, next)
    }
}

/// What the agent follows and keeps.
pub struct AgentFeed {
    broker: i32,
    agent_start_ms: i64,
    /// Why there is none: a layout the follower refused.
    follower: Result<LogFollower, String>,
    ring: EventRing,
    files: Vec<AgentFileStatus>,
    totals: LogTotals,
    problems: Vec<String>,
}

impl AgentFeed {
    /// Never fails: a layout the follower refuses is told by every page.
    pub fn new(broker: i32, follower: LogFollowerConfig, ring_capacity: usize) -> AgentFeed {
        AgentFeed {
            broker,
            agent_start_ms: now_ms(),
            follower: LogFollower::new(follower).map_err(|e| e.to_string()),
            ring: EventRing::new(ring_capacity),
            files: Vec::new(),
            totals: LogTotals::default().with_brokers(&[broker]),
            problems: Vec::new(),
        }
    }

    /// Reads what was written since the last poll (blocking file reads).
    pub fn poll(&mut self) {
        let Ok(follower) = &mut self.follower else {
            return;
        };
        let read_at_ms = now_ms();
        let LogBatch {
            events,
            files,
            problems,
            ..
        } = follower.poll();
        self.totals.add_poll(&files, &events);
        self.files = files.iter().map(AgentFileStatus::from).collect();
        // The last poll's trouble only: a positions file fixed is no longer told.
        self.problems = problems;
        for event in events {
            self.ring
                .push(StoredEvent::from_log_event(event, read_at_ms));
        }
    }

    /// The answer to `GET /broker-logs?after=&limit=`.
    pub fn page(&self, after: u64, limit: usize) -> AgentLogPage {
        let (events, next) = self.ring.page(after, limit.min(MAX_AGENT_PAGE));
        let mut problems = self.problems.clone();
        if let Err(error) = &self.follower {
            problems.push(error.clone());
        }
        AgentLogPage {
            agent_start_ms: self.agent_start_ms,
            broker: self.broker,
            next,
            events,
            files: self.files.clone(),
            totals: self.totals.clone(),
            problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn event(kind: &str) -> StoredEvent {
        StoredEvent {
            id: 0,
            time_ms: 1,
            broker: Some(2),
            reported_by: Vec::new(),
            kind: kind.to_string(),
            level: None,
            logger: String::new(),
            thread: String::new(),
            file: "server.log".to_string(),
            line: 1,
            fields: Map::new(),
            lines: Vec::new(),
            lines_cut: 0,
        }
    }

    fn ids(events: &[StoredEvent]) -> Vec<u64> {
        events.iter().map(|e| e.id).collect()
    }

    #[test]
    fn pages_follow_the_sequence_and_the_ring_drops_the_oldest() {
        let mut ring = EventRing::new(3);
        let (events, next) = ring.page(0, 10);
        assert!(events.is_empty());
        assert_eq!(next, 0);
        for kind in ["a", "b"] {
            ring.push(event(kind));
        }
        let (events, next) = ring.page(0, 1);
        assert_eq!((ids(&events), next), (vec![1], 1));
        assert_eq!(events[0].kind, "a");
        let (events, next) = ring.page(1, 10);
        assert_eq!((ids(&events), next), (vec![2], 2));
        let (events, next) = ring.page(2, 10);
        assert_eq!((ids(&events), next), (vec![], 2));
        for kind in ["c", "d", "e"] {
            ring.push(event(kind));
        }
        // 1 and 2 left the ring: a reader behind gets what is left.
        let (events, next) = ring.page(0, 10);
        assert_eq!((ids(&events), next), (vec![3, 4, 5], 5));
        assert_eq!(events[2].kind, "e");
        let (events, next) = ring.page(3, 1);
        assert_eq!((ids(&events), next), (vec![4], 4));
        // A number from the future (another agent's) gives nothing.
        let (events, next) = ring.page(99, 10);
        assert_eq!((ids(&events), next), (vec![], 99));
    }

    #[test]
    fn a_feed_without_a_follower_tells_why_and_serves_an_empty_page() {
        let config = LogFollowerConfig {
            file_sets: vec![kafkascope_logs::FileSetConfig {
                node: Some(4),
                paths: vec!["server.log".into()],
                pattern: "%d %X %m".to_string(),
                utc_offset_seconds: 0,
            }],
            ..LogFollowerConfig::default()
        };
        let mut feed = AgentFeed::new(4, config, 10);
        feed.poll();
        let page = feed.page(0, 5000);
        assert_eq!(page.broker, 4);
        assert_eq!(page.next, 0);
        assert!(page.events.is_empty());
        assert_eq!(page.problems.len(), 1);
        assert!(
            page.problems[0].contains("unsupported"),
            "{:?}",
            page.problems
        );
        assert_eq!(page.totals.events["4"]["isr_shrink"], 0);
    }
}
