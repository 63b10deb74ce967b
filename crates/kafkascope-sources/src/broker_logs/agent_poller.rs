//! `serve`'s side of broker logs read by agents: each agent's
//! `GET /broker-logs?after=<seq>` asked for the events after the last one
//! taken, its events put into the same store and counts as files read
//! here. The cursor per agent (its start time, the next sequence number,
//! the file counts last seen) is kept beside the positions, so a restart
//! of `serve` takes nothing twice; an agent restarted (a new start time)
//! is read again from its first event.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kafkascope_client::http_client::{BasicAuth, HttpClient, HttpRequest, HttpUrl, excerpt};
use kafkascope_logs::FileStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::LOG_FILE_ROLE;
use super::agent_feed::{AgentLogPage, MAX_AGENT_PAGE};
use super::event_store::{EventStore, StoredEvent};
use super::log_totals::{FileTotals, LogTotals, UNCLEAN_LEADER_ELECTION, broker_key};
use crate::source::TargetStatus;

/// The role of an agent's target status.
pub const AGENT_ROLE: &str = "agent";
/// Pages taken from one agent in one poll: a long backlog is taken over
/// several polls rather than in one long one.
const PAGES_PER_POLL: usize = 20;

/// One broker's agent.
#[derive(Debug, Clone)]
pub struct AgentTarget {
    /// The agent's base URL (`http://host:9101`); shown without credentials.
    pub url: HttpUrl,
    pub broker: i32,
    /// Credentials; those in the URL are used when `None`.
    pub basic_auth: Option<BasicAuth>,
}

impl AgentTarget {
    fn page_url(&self, after: u64) -> HttpUrl {
        let mut url = self.url.clone();
        let base = url.path_and_query.trim_end_matches('/').to_string();
        url.path_and_query = format!("{base}/broker-logs?after={after}&limit={MAX_AGENT_PAGE}");
        url
    }

    /// The key of this agent's file `path` in the counts and statuses:
    /// the agent's host and port before the path, as files on several
    /// hosts often share one path.
    fn file_key(&self, path: &str) -> String {
        format!("{}:{path}", self.url.authority)
    }
}

/// Where reading one agent stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCursor {
    pub agent_start_ms: i64,
    pub next: u64,
    /// The agent's file counts last taken, to add only what is new.
    pub files: BTreeMap<String, FileTotals>,
}

/// Every agent's cursor, by its URL as shown.
#[derive(Debug, Default)]
pub struct AgentCursors {
    pub file: Option<PathBuf>,
    pub by_agent: BTreeMap<String, AgentCursor>,
}

impl AgentCursors {
    /// The cursors kept in `file`; a missing file is none, a bad one an error.
    pub fn load(file: Option<PathBuf>) -> (AgentCursors, Option<String>) {
        let Some(path) = file else {
            return (AgentCursors::default(), None);
        };
        let read = match std::fs::read(&path) {
            Ok(text) => serde_json::from_slice(&text).map_err(|e| e.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e.to_string()),
        };
        let (by_agent, problem) = match read {
            Ok(by_agent) => (by_agent, None),
            Err(error) => (
                BTreeMap::new(),
                Some(format!("{}: {error}", path.display())),
            ),
        };
        let cursors = AgentCursors {
            file: Some(path),
            by_agent,
        };
        (cursors, problem)
    }

    /// Writes the file whole or not at all.
    fn save(&self) -> Result<(), String> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        save_whole(path, &self.by_agent).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn save_whole(path: &Path, value: &BTreeMap<String, AgentCursor>) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let text = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(&text)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// What asking one agent gave.
#[derive(Debug)]
pub struct Fetched {
    pub target: AgentTarget,
    pub pages: Result<Vec<AgentLogPage>, String>,
    pub duration_ms: f64,
}

/// Asks `target` for its events after `cursor`, page after page; an agent
/// that restarted since is asked again from its first event.
pub async fn fetch_agent(
    client: &HttpClient,
    target: &AgentTarget,
    cursor: Option<AgentCursor>,
) -> Fetched {
    let started = Instant::now();
    let cursor = cursor.unwrap_or_default();
    let mut pages: Vec<AgentLogPage> = Vec::new();
    let mut after = cursor.next;
    let mut outcome = Ok(());
    for _ in 0..PAGES_PER_POLL {
        let page = match fetch_page(client, target, after).await {
            Ok(page) => page,
            Err(error) => {
                outcome = Err(error);
                break;
            }
        };
        if pages.is_empty() && page.agent_start_ms != cursor.agent_start_ms && after != 0 {
            after = 0;
            continue;
        }
        let full = page.events.len() >= MAX_AGENT_PAGE;
        after = page.next;
        pages.push(page);
        if !full {
            break;
        }
    }
    // Pages taken before a failure still count: their cursor moves.
    let pages = match (outcome, pages.is_empty()) {
        (Err(error), true) => Err(error),
        _ => Ok(pages),
    };
    Fetched {
        target: target.clone(),
        pages,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

async fn fetch_page(
    client: &HttpClient,
    target: &AgentTarget,
    after: u64,
) -> Result<AgentLogPage, String> {
    let url = target.page_url(after);
    let request = HttpRequest {
        basic_auth: target.basic_auth.as_ref(),
        ..HttpRequest::get(&url, "application/json")
    };
    let answer = client.send(request).await.map_err(|e| e.to_string())?;
    if !answer.is_success() {
        return Err(format!("HTTP {}: {}", answer.status, excerpt(&answer.body)));
    }
    serde_json::from_slice(&answer.body)
        .map_err(|e| format!("the answer is not a broker logs page: {e}"))
}

/// What the agents' answers added to a poll.
#[derive(Debug, Default)]
pub struct AgentMerge {
    pub targets: Vec<TargetStatus>,
    /// The agents' files, as the local ones are shown.
    pub files: Vec<FileStatus>,
    pub new_events: usize,
    /// The counts moved (to be saved).
    pub moved: bool,
    pub problems: Vec<String>,
}

/// Puts the agents' events into `store` and `totals`, and moves their
/// cursors (saved once the events are stored).
pub fn merge_agents(
    fetched: Vec<Fetched>,
    cursors: &mut AgentCursors,
    totals: &mut LogTotals,
    store: &EventStore,
) -> AgentMerge {
    let mut merge = AgentMerge::default();
    let mut stored: Vec<StoredEvent> = Vec::new();
    for fetched in fetched {
        let target = &fetched.target;
        let shown = target.url.to_string();
        let pages = match fetched.pages {
            Ok(pages) => pages,
            Err(error) => {
                merge.targets.push(agent_status(
                    target,
                    fetched.duration_ms,
                    0,
                    false,
                    Some(error),
                ));
                continue;
            }
        };
        let Some(last) = pages.last() else {
            continue;
        };
        let mut cursor = cursors.by_agent.get(&shown).cloned().unwrap_or_default();
        if cursor.agent_start_ms != last.agent_start_ms {
            cursor = AgentCursor {
                agent_start_ms: last.agent_start_ms,
                ..AgentCursor::default()
            };
        }
        // Numbers are consecutive: a gap is events that left the agent's
        // ring before they were taken.
        let missed = pages
            .first()
            .and_then(|page| page.events.first())
            .map_or(0, |first| first.id.saturating_sub(cursor.next + 1));
        let mut taken = 0;
        for page in &pages {
            for mut event in page.events.clone() {
                // The config names the broker; the agent's own word is checked below.
                event.broker = Some(target.broker);
                count_event(totals, &event);
                stored.push(event);
                taken += 1;
            }
        }
        merge.moved |= taken > 0;
        merge.moved |= add_file_counts(totals, target, &cursor.files, &last.totals);
        cursor.next = last.next;
        cursor.files = last.totals.files.clone();
        cursors.by_agent.insert(shown, cursor);
        merge.new_events += taken;
        let mut problems = last.problems.clone();
        if missed > 0 {
            problems.push(format!(
                "{missed} events left the agent's memory before they were taken"
            ));
        }
        if last.broker != target.broker {
            problems.push(format!(
                "the agent follows broker {}'s logs, the config says broker {}",
                last.broker, target.broker
            ));
        }
        let error = (!problems.is_empty()).then(|| problems.join("; "));
        merge.targets.push(agent_status(
            target,
            fetched.duration_ms,
            taken,
            true,
            error,
        ));
        for file in &last.files {
            let status = agent_file_status(target, file);
            merge.targets.push(TargetStatus {
                target: status.path.clone(),
                role: LOG_FILE_ROLE.to_string(),
                broker: Some(target.broker),
                up: status.up,
                duration_ms: fetched.duration_ms,
                samples: 0,
                error: status.error.clone(),
            });
            merge.files.push(status);
        }
    }
    if let Err(error) = store.append(stored) {
        merge.problems.push(error.to_string());
    }
    if let Err(error) = cursors.save() {
        merge.problems.push(error);
    }
    merge
}

fn agent_status(
    target: &AgentTarget,
    duration_ms: f64,
    samples: usize,
    up: bool,
    error: Option<String>,
) -> TargetStatus {
    TargetStatus {
        target: target.url.to_string(),
        role: AGENT_ROLE.to_string(),
        broker: Some(target.broker),
        up,
        duration_ms,
        samples,
        error,
    }
}

fn agent_file_status(
    target: &AgentTarget,
    file: &super::agent_feed::AgentFileStatus,
) -> FileStatus {
    FileStatus {
        path: target.file_key(&file.path),
        node: Some(target.broker),
        up: file.up,
        error: file.error.clone(),
        offset: file.offset,
        size: file.size,
        bytes_read: 0,
        lines_read: 0,
        rotations: 0,
        truncations: 0,
        records_by_level: BTreeMap::new(),
        skipped: BTreeMap::new(),
    }
}

/// Counts `event` as [`LogTotals::add_poll`] counts a local one.
fn count_event(totals: &mut LogTotals, event: &StoredEvent) {
    let kinds = totals.events.entry(broker_key(event.broker)).or_default();
    *kinds.entry(event.kind.clone()).or_default() += 1;
    let unclean = event.fields.get("unclean") == Some(&Value::Bool(true));
    if event.kind == "leader_election" && unclean {
        *kinds
            .entry(UNCLEAN_LEADER_ELECTION.to_string())
            .or_default() += 1;
    }
}

/// Adds what the agent counted since `before` to its files' counts here;
/// says whether anything moved.
fn add_file_counts(
    totals: &mut LogTotals,
    target: &AgentTarget,
    before: &BTreeMap<String, FileTotals>,
    now: &LogTotals,
) -> bool {
    let mut moved = false;
    for (path, counts) in &now.files {
        let here = totals.files.entry(target.file_key(path)).or_default();
        here.broker = Some(target.broker);
        let was = before.get(path);
        let pairs = [
            (
                &mut here.lines_by_level,
                &counts.lines_by_level,
                was.map(|w| &w.lines_by_level),
            ),
            (
                &mut here.skipped_by_reason,
                &counts.skipped_by_reason,
                was.map(|w| &w.skipped_by_reason),
            ),
        ];
        for (here, now, was) in pairs {
            for (name, count) in now {
                let earlier = was.and_then(|w| w.get(name)).copied().unwrap_or(0);
                let added = count.saturating_sub(earlier);
                if added > 0 {
                    *here.entry(name.clone()).or_default() += added;
                    moved = true;
                }
            }
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker_logs::agent_feed::AgentFileStatus;
    use serde_json::Map;

    fn target() -> AgentTarget {
        AgentTarget {
            url: HttpUrl::parse("http://ks:pw@b2:9101").unwrap(),
            broker: 2,
            basic_auth: None,
        }
    }

    fn page(start: i64, ids: &[u64], info_lines: u64) -> AgentLogPage {
        let events = ids
            .iter()
            .map(|id| StoredEvent {
                id: *id,
                time_ms: 1,
                broker: Some(2),
                reported_by: Vec::new(),
                kind: "leader_election".to_string(),
                level: Some("INFO".to_string()),
                logger: String::new(),
                thread: String::new(),
                file: "/k/server.log".to_string(),
                line: *id,
                fields: Map::from_iter([("unclean".to_string(), Value::Bool(*id == 2))]),
                lines: Vec::new(),
                lines_cut: 0,
            })
            .collect();
        let mut totals = LogTotals::default();
        let file = totals.files.entry("/k/server.log".to_string()).or_default();
        file.lines_by_level.insert("INFO".to_string(), info_lines);
        AgentLogPage {
            agent_start_ms: start,
            broker: 2,
            next: ids.last().copied().unwrap_or(0),
            events,
            files: vec![AgentFileStatus {
                path: "/k/server.log".to_string(),
                up: true,
                error: None,
                offset: 10,
                size: 12,
            }],
            totals,
            problems: Vec::new(),
        }
    }

    fn fetched(pages: Result<Vec<AgentLogPage>, String>) -> Vec<Fetched> {
        vec![Fetched {
            target: target(),
            pages,
            duration_ms: 1.0,
        }]
    }

    #[test]
    fn events_and_new_lines_are_counted_once_and_a_restarted_agent_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agents.json");
        let (mut cursors, problem) = AgentCursors::load(Some(file.clone()));
        assert_eq!(problem, None);
        let mut totals = LogTotals::default();
        let store = EventStore::in_memory(100);

        let merge = merge_agents(
            fetched(Ok(vec![page(7, &[1, 2], 5)])),
            &mut cursors,
            &mut totals,
            &store,
        );
        assert_eq!(merge.new_events, 2);
        assert!(merge.moved);
        assert_eq!(merge.targets[0].target, "http://b2:9101/");
        assert!(merge.targets[0].up);
        assert_eq!(merge.files[0].path, "b2:9101:/k/server.log");
        assert_eq!(totals.events["2"]["leader_election"], 2);
        assert_eq!(totals.events["2"][UNCLEAN_LEADER_ELECTION], 1);
        assert_eq!(
            totals.files["b2:9101:/k/server.log"].lines_by_level["INFO"],
            5
        );

        // Kept across a restart of serve.
        let (mut cursors, _) = AgentCursors::load(Some(file.clone()));
        assert_eq!(cursors.by_agent["http://b2:9101/"].next, 2);
        merge_agents(
            fetched(Ok(vec![page(7, &[3], 8)])),
            &mut cursors,
            &mut totals,
            &store,
        );
        assert_eq!(totals.events["2"]["leader_election"], 3);
        assert_eq!(
            totals.files["b2:9101:/k/server.log"].lines_by_level["INFO"],
            8
        );

        // A new agent: its counts start again and are all new.
        merge_agents(
            fetched(Ok(vec![page(9, &[1], 1)])),
            &mut cursors,
            &mut totals,
            &store,
        );
        assert_eq!(cursors.by_agent["http://b2:9101/"].agent_start_ms, 9);
        assert_eq!(cursors.by_agent["http://b2:9101/"].next, 1);
        assert_eq!(totals.events["2"]["leader_election"], 4);
        assert_eq!(
            totals.files["b2:9101:/k/server.log"].lines_by_level["INFO"],
            9
        );

        // Events 2 to 4 of the new agent were never taken.
        let gap = merge_agents(
            fetched(Ok(vec![page(9, &[5], 1)])),
            &mut cursors,
            &mut totals,
            &store,
        );
        assert!(gap.targets[0].up);
        assert_eq!(
            gap.targets[0].error.as_deref(),
            Some("3 events left the agent's memory before they were taken")
        );
        assert_eq!(cursors.by_agent["http://b2:9101/"].next, 5);

        let down = merge_agents(
            fetched(Err("connect failed: Connection refused".to_string())),
            &mut cursors,
            &mut totals,
            &store,
        );
        assert!(!down.targets[0].up);
        assert_eq!(
            down.targets[0].error.as_deref(),
            Some("connect failed: Connection refused")
        );
        assert_eq!(cursors.by_agent["http://b2:9101/"].next, 5);
        // Every event taken once, newest first: lines 1, 2, 3, then the
        // restarted agent's lines 1 and 5.
        let lines: Vec<u64> = store
            .query(&crate::broker_logs::event_store::EventFilter {
                limit: 100,
                ..Default::default()
            })
            .events
            .iter()
            .map(|e| e.line)
            .collect();
        assert_eq!(lines, vec![5, 1, 3, 2, 1]);
    }

    #[test]
    fn a_bad_cursor_file_is_told_and_reading_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agents.json");
        std::fs::write(&file, "{not json").unwrap();
        let (cursors, problem) = AgentCursors::load(Some(file));
        assert!(cursors.by_agent.is_empty());
        assert!(
            problem
                .unwrap()
                .contains("agents.json: key must be a string")
        );
    }
}
