//! The agent's side of broker logs (`kafkascope agent --broker-logs`): a
//! `LogFollower` over one broker's files, its events numbered in a bounded
//! store so `serve` can ask for those after the last it took
//! (`GET /broker-logs?after=<seq>`), beside the files' statuses and the
//! counts. With a state folder the events, the counts and the numbering are
//! kept across the agent's restarts: events it read but `serve` had not
//! taken yet are still there for `serve` after a crash.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kafkascope_logs::{FileStatus, LogBatch, LogFollower, LogFollowerConfig};
use serde::{Deserialize, Serialize};

use super::event_store::{EventStore, StoredEvent};
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
    /// When this agent's numbering began (its first start with its state
    /// folder): a new value means a new sequence, and new counts.
    pub agent_start_ms: i64,
    pub broker: i32,
    /// The sequence number to ask `after` next time.
    pub next: u64,
    /// Events after `after`, oldest first; each `id` is its sequence number.
    pub events: Vec<StoredEvent>,
    pub files: Vec<AgentFileStatus>,
    /// Counts since the numbering began.
    pub totals: LogTotals,
    /// Trouble of the follower itself (its layout, its positions file) or
    /// of the kept state.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// Where the agent keeps its events, counts and numbering.
struct AgentState {
    totals_file: PathBuf,
}

/// The numbering's start, kept beside the events it numbers.
#[derive(Debug, Serialize, Deserialize)]
struct Sequence {
    started_ms: i64,
}

/// What the agent follows and keeps.
pub struct AgentFeed {
    broker: i32,
    agent_start_ms: i64,
    /// Why there is none: a layout the follower refused.
    follower: Result<LogFollower, String>,
    events: Arc<EventStore>,
    files: Vec<AgentFileStatus>,
    totals: LogTotals,
    state: Option<AgentState>,
    /// The last poll's trouble.
    problems: Vec<String>,
    /// Trouble with the kept state when the agent started, told on.
    state_problems: Vec<String>,
}

impl AgentFeed {
    /// A feed keeping its events in memory only. Never fails: a layout the
    /// follower refuses is told by every page.
    pub fn new(broker: i32, follower: LogFollowerConfig, capacity: usize) -> AgentFeed {
        AgentFeed {
            broker,
            agent_start_ms: now_ms(),
            follower: LogFollower::new(follower).map_err(|e| e.to_string()),
            events: Arc::new(EventStore::in_memory(capacity)),
            files: Vec::new(),
            totals: LogTotals::default().with_brokers(&[broker]),
            state: None,
            problems: Vec::new(),
            state_problems: Vec::new(),
        }
    }

    /// A feed keeping its events (`events.jsonl`), counts (`counts.json`)
    /// and numbering (`sequence.json`) in `dir`, going on from what they
    /// hold. Without a numbering kept the events and counts kept are
    /// dropped, as `serve` will take the sequence afresh. State that cannot
    /// be kept is told by every page; the files are still followed.
    pub fn with_state(
        broker: i32,
        follower: LogFollowerConfig,
        capacity: usize,
        dir: &Path,
    ) -> AgentFeed {
        let mut feed = AgentFeed::new(broker, follower, capacity);
        let events_file = dir.join("events.jsonl");
        let totals_file = dir.join("counts.json");
        let sequence_file = dir.join("sequence.json");
        let kept = std::fs::read(&sequence_file)
            .ok()
            .and_then(|text| serde_json::from_slice::<Sequence>(&text).ok());
        match kept {
            Some(sequence) => feed.agent_start_ms = sequence.started_ms,
            None => {
                for stale in [
                    events_file.clone(),
                    dir.join("events.jsonl.1"),
                    totals_file.clone(),
                ] {
                    let _ = std::fs::remove_file(stale);
                }
                let sequence = Sequence {
                    started_ms: feed.agent_start_ms,
                };
                let written = serde_json::to_vec(&sequence)
                    .map_err(std::io::Error::from)
                    .and_then(|text| std::fs::write(&sequence_file, text));
                if let Err(error) = written {
                    let shown = sequence_file.display();
                    feed.state_problems
                        .push(format!("{shown}: {error}; events are kept in memory only"));
                    return feed;
                }
            }
        }
        match EventStore::open(&events_file, capacity) {
            Ok((store, unreadable)) => {
                if unreadable > 0 {
                    let shown = events_file.display();
                    feed.state_problems
                        .push(format!("{shown}: {unreadable} unreadable lines left out"));
                }
                feed.events = Arc::new(store);
            }
            Err(error) => feed.state_problems.push(error.to_string()),
        }
        match LogTotals::load(&totals_file) {
            Ok(totals) => feed.totals = totals.with_brokers(&[broker]),
            Err(error) => feed.state_problems.push(error.to_string()),
        }
        feed.state = Some(AgentState { totals_file });
        feed
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
        let moved = self.totals.add_poll(&files, &events);
        self.files = files.iter().map(AgentFileStatus::from).collect();
        // The last poll's trouble only: a positions file fixed is no longer told.
        self.problems = problems;
        if let Err(error) = self.events.append_read(events, read_at_ms) {
            self.problems.push(error.to_string());
        }
        if moved
            && let Some(state) = &self.state
            && let Err(error) = self.totals.save(&state.totals_file)
        {
            self.problems.push(error.to_string());
        }
    }

    /// The answer to `GET /broker-logs?after=&limit=`.
    pub fn page(&self, after: u64, limit: usize) -> AgentLogPage {
        let events: Vec<StoredEvent> = self
            .events
            .after(after, limit.min(MAX_AGENT_PAGE))
            .iter()
            .map(|event| StoredEvent::clone(event))
            .collect();
        let next = events.last().map_or(after, |event| event.id);
        let mut problems = self.state_problems.clone();
        problems.extend(self.problems.iter().cloned());
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

    /// Kafka's wording of an ISR shrink of `orders-<partition>` on broker 2.
    fn shrink_line(partition: u32) -> String {
        format!(
            "[2026-12-07 02:06:0{partition},357] INFO [Partition orders-{partition} broker=2] \
             Shrinking ISR from 2,1,3 to 2,1. Leader: (highWatermark: 120, endOffset: 130). \
             (kafka.cluster.Partition)\n"
        )
    }

    /// Appends `text` and a record after it: a file's last record is held
    /// until the next one begins (its stack trace may go on).
    fn append(path: &Path, text: &str) {
        use std::io::Write;
        let text =
            format!("{text}[2026-12-07 02:06:09,000] INFO next (kafka.server.KafkaServer)\n");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    fn follower(logs: &Path, state: &Path) -> LogFollowerConfig {
        LogFollowerConfig {
            file_sets: vec![kafkascope_logs::FileSetConfig::kafka_logs_dir(
                Some(2),
                logs,
            )],
            positions_file: Some(state.join("positions.json")),
            ..LogFollowerConfig::default()
        }
    }

    /// (id, partition) of each event of a page.
    fn shrinks(page: &AgentLogPage) -> Vec<(u64, i64)> {
        page.events
            .iter()
            .map(|e| (e.id, e.fields["partition"].as_i64().unwrap()))
            .collect()
    }

    #[test]
    fn pages_go_on_from_after_and_hold_at_most_limit() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        append(
            &logs.join("server.log"),
            &(0..3).map(shrink_line).collect::<String>(),
        );
        let mut feed = AgentFeed::new(2, follower(&logs, dir.path()), 10);
        assert_eq!(feed.page(0, 10).next, 0);
        feed.poll();
        let page = feed.page(0, 2);
        assert_eq!((shrinks(&page), page.next), (vec![(1, 0), (2, 1)], 2));
        let page = feed.page(2, 10);
        assert_eq!((shrinks(&page), page.next), (vec![(3, 2)], 3));
        // A number from the future (another agent's) gives nothing.
        let page = feed.page(99, 10);
        assert_eq!((shrinks(&page), page.next), (vec![], 99));
        assert_eq!(page.totals.events["2"]["isr_shrink"], 3);
    }

    #[test]
    fn a_restarted_agent_keeps_its_numbering_events_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let (logs, state) = (dir.path().join("logs"), dir.path().join("state"));
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        append(
            &logs.join("server.log"),
            &(shrink_line(0) + &shrink_line(1)),
        );
        let mut feed = AgentFeed::with_state(2, follower(&logs, &state), 10, &state);
        feed.poll();
        let first = feed.page(0, 10);
        assert_eq!(shrinks(&first), vec![(1, 0), (2, 1)]);
        assert!(first.problems.is_empty(), "{:?}", first.problems);
        // Stopped before serve took event 2; a line written meanwhile.
        drop(feed);
        append(&logs.join("server.log"), &shrink_line(2));
        let mut feed = AgentFeed::with_state(2, follower(&logs, &state), 10, &state);
        feed.poll();
        let page = feed.page(1, 10);
        assert_eq!(page.agent_start_ms, first.agent_start_ms);
        assert_eq!((shrinks(&page), page.next), (vec![(2, 1), (3, 2)], 3));
        assert_eq!(page.totals.events["2"]["isr_shrink"], 3);

        // The numbering lost: a new sequence, without the old events and counts.
        drop(feed);
        std::fs::remove_file(state.join("sequence.json")).unwrap();
        let mut feed = AgentFeed::with_state(2, follower(&logs, &state), 10, &state);
        feed.poll();
        let page = feed.page(0, 10);
        assert_eq!((shrinks(&page), page.next), (vec![], 0));
        assert_eq!(page.totals.events["2"]["isr_shrink"], 0);
        append(&logs.join("server.log"), &shrink_line(3));
        feed.poll();
        assert_eq!(shrinks(&feed.page(0, 10)), vec![(1, 3)]);
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
