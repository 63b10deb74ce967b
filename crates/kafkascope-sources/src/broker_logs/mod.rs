//! The brokers' own log files as a source: a `kafkascope_logs::LogFollower`
//! polled every interval on a blocking thread (file reads are blocking),
//! its events kept in an [`event_store::EventStore`] and counted in
//! [`log_totals::LogTotals`], both kept in a folder of the data dir so a
//! restart neither reads nor counts anything twice. Each file is a target.
//! Brokers whose files are read by `kafkascope agent` on their host are
//! polled over HTTP ([`agent_poller`]); their events go into the same store
//! and counts.

pub mod agent_feed;
pub mod agent_poller;
pub mod broker_log_figures;
pub mod event_store;
pub mod log_totals;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use kafkascope_client::http_client::HttpClient;
pub use kafkascope_logs::{
    FileSetConfig, KAFKA_LOG_FILES, KAFKA_PATTERN, Layout, LogFollowerConfig, StartPosition,
};
use kafkascope_logs::{LogBatch, LogFollower};

use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind, TargetStatus, now_ms};
use agent_poller::{AgentCursors, AgentTarget, Fetched, fetch_agent, merge_agents};
use broker_log_figures::BrokerLogFigures;
use event_store::{DEFAULT_EVENT_CAPACITY, EventStore};
use log_totals::LogTotals;

/// The role of a log file's target status.
pub const LOG_FILE_ROLE: &str = "log_file";

/// How the source follows a cluster's broker logs.
#[derive(Debug, Clone)]
pub struct BrokerLogsSettings {
    /// The files by broker, their layout and the positions file.
    pub follower: LogFollowerConfig,
    /// Where the events (`events.jsonl`) and counts (`counts.json`) are
    /// kept; none: in memory only.
    pub state_dir: Option<PathBuf>,
    pub event_capacity: usize,
    /// Brokers whose files their host's agent reads.
    pub agents: Vec<AgentTarget>,
    /// For each agent's connect and answer.
    pub agent_timeout: Duration,
}

/// An agent's answer is at most a thousand events of bounded lines.
const MAX_AGENT_ANSWER_BYTES: usize = 32 << 20;

impl BrokerLogsSettings {
    pub fn new(follower: LogFollowerConfig) -> Self {
        BrokerLogsSettings {
            follower,
            state_dir: None,
            event_capacity: DEFAULT_EVENT_CAPACITY,
            agents: Vec::new(),
            agent_timeout: Duration::from_secs(10),
        }
    }
}

/// Follows one cluster's broker logs.
pub struct BrokerLogsSource {
    following: Arc<Mutex<Following>>,
    agents: Vec<AgentTarget>,
    client: HttpClient,
}

/// What a poll works on, moved to a blocking thread and back.
struct Following {
    /// Why there is none: a layout the follower refused (told every poll).
    follower: Result<LogFollower, String>,
    brokers: Vec<i32>,
    totals: LogTotals,
    totals_file: Option<PathBuf>,
    events: Arc<EventStore>,
    /// Trouble with the kept state, told by the next poll.
    problems: Vec<String>,
    cursors: AgentCursors,
}

impl BrokerLogsSource {
    /// Never fails: a layout the follower refuses is told by every poll,
    /// and a state file that cannot be read by the first poll (started
    /// afresh).
    pub fn new(settings: BrokerLogsSettings) -> BrokerLogsSource {
        let mut brokers: Vec<i32> = Vec::new();
        for node in settings.follower.file_sets.iter().filter_map(|s| s.node) {
            if !brokers.contains(&node) {
                brokers.push(node);
            }
        }
        for agent in &settings.agents {
            if !brokers.contains(&agent.broker) {
                brokers.push(agent.broker);
            }
        }
        let follower = LogFollower::new(settings.follower).map_err(|e| e.to_string());
        let mut problems = Vec::new();
        let events = match &settings.state_dir {
            Some(dir) => {
                let path = dir.join("events.jsonl");
                match EventStore::open(&path, settings.event_capacity) {
                    Ok((store, 0)) => store,
                    Ok((store, unreadable)) => {
                        problems.push(format!(
                            "{}: {unreadable} unreadable lines left out",
                            path.display()
                        ));
                        store
                    }
                    Err(error) => {
                        problems.push(error.to_string());
                        EventStore::in_memory(settings.event_capacity)
                    }
                }
            }
            None => EventStore::in_memory(settings.event_capacity),
        };
        let (cursors, problem) =
            AgentCursors::load(settings.state_dir.as_ref().map(|d| d.join("agents.json")));
        problems.extend(problem);
        let totals_file = settings.state_dir.map(|dir| dir.join("counts.json"));
        let totals = match totals_file.as_deref().map(LogTotals::load) {
            Some(Ok(totals)) => totals,
            Some(Err(error)) => {
                problems.push(error.to_string());
                LogTotals::default()
            }
            None => LogTotals::default(),
        };
        let following = Following {
            follower,
            totals: totals.with_brokers(&brokers),
            brokers,
            totals_file,
            events: Arc::new(events),
            problems,
            cursors,
        };
        BrokerLogsSource {
            following: Arc::new(Mutex::new(following)),
            client: HttpClient::new(
                settings.agent_timeout,
                settings.agent_timeout,
                MAX_AGENT_ANSWER_BYTES,
            ),
            agents: settings.agents,
        }
    }
}

impl Source for BrokerLogsSource {
    fn kind(&self) -> SourceKind {
        SourceKind::BrokerLogs
    }

    fn poll<'a>(&'a mut self, _context: &'a PollContext) -> BoxFuture<'a, Polled> {
        let following = self.following.clone();
        Box::pin(async move {
            let fetched = self.fetch_agents().await;
            let polled = tokio::task::spawn_blocking(move || {
                let mut following = following.lock().unwrap_or_else(|e| e.into_inner());
                following.poll(fetched)
            })
            .await;
            polled.unwrap_or_else(|error| Polled {
                targets: vec![state_status(format!("the poll failed: {error}"))],
                figures: SourceFigures::None,
            })
        })
    }
}

impl BrokerLogsSource {
    /// Every agent asked at once, each from where its cursor stands.
    async fn fetch_agents(&self) -> Vec<Fetched> {
        if self.agents.is_empty() {
            return Vec::new();
        }
        let cursors = {
            let following = self.following.lock().unwrap_or_else(|e| e.into_inner());
            following.cursors.by_agent.clone()
        };
        let client = &self.client;
        futures::future::join_all(self.agents.iter().map(|target| {
            let cursor = cursors.get(&target.url.to_string()).cloned();
            fetch_agent(client, target, cursor)
        }))
        .await
    }
}

impl Following {
    fn poll(&mut self, fetched: Vec<Fetched>) -> Polled {
        let started = Instant::now();
        let read_at_ms = now_ms();
        let follower = match &mut self.follower {
            Ok(follower) => follower,
            Err(error) => {
                return Polled {
                    targets: vec![state_status(error.clone())],
                    figures: SourceFigures::None,
                };
            }
        };
        let LogBatch {
            events,
            mut files,
            problems,
            ..
        } = follower.poll();
        self.problems.extend(problems);
        let agents = merge_agents(fetched, &mut self.cursors, &mut self.totals, &self.events);
        self.problems.extend(agents.problems);
        if (self.totals.add_poll(&files, &events) | agents.moved)
            && let Some(path) = &self.totals_file
            && let Err(error) = self.totals.save(path)
        {
            self.problems.push(error.to_string());
        }
        let new_events = events.len() + agents.new_events;
        if let Err(error) = self.events.append_read(events, read_at_ms) {
            self.problems.push(error.to_string());
        }
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut targets: Vec<TargetStatus> = files
            .iter()
            .map(|file| TargetStatus {
                target: file.path.clone(),
                role: LOG_FILE_ROLE.to_string(),
                broker: file.node,
                up: file.up,
                duration_ms,
                samples: usize::try_from(file.lines_read).unwrap_or(usize::MAX),
                error: file.error.clone(),
            })
            .collect();
        targets.extend(agents.targets);
        files.extend(agents.files);
        if !self.problems.is_empty() {
            targets.push(state_status(std::mem::take(&mut self.problems).join("; ")));
        }
        Polled {
            targets,
            figures: SourceFigures::BrokerLogs(BrokerLogFigures {
                brokers: self.brokers.clone(),
                files,
                totals: self.totals.clone(),
                new_events,
                events: self.events.clone(),
            }),
        }
    }
}

/// The status saying what went wrong with the kept state (positions,
/// events, counts): files are still followed.
fn state_status(error: String) -> TargetStatus {
    TargetStatus {
        target: "broker log state".to_string(),
        role: "state".to_string(),
        broker: None,
        up: false,
        duration_ms: 0.0,
        samples: 0,
        error: Some(error),
    }
}

#[cfg(test)]
mod tests;
