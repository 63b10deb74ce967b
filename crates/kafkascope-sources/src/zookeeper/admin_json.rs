//! The AdminServer's answers (ZooKeeper 3.5+: Jetty on `admin.serverPort`,
//! `GET /commands/<name>` answering one JSON object; `Commands.java` in
//! ZooKeeper's sources), read into what the four-letter words give:
//! `server_stats` into srvr's [`SrvrAnswer`], `monitor` into mntr's
//! [`MntrAnswer`], so a member's figures are the same either way.
//!
//! Every answer names its `command` and an `error`, null when the command
//! ran. A member outside a quorum answers `ruok` and `server_stats` with
//! the not-serving error (srvr's notice). `server_stats` nests srvr's
//! figures:
//!
//! ```text
//! {"version": "3.9.5-293c…, built on 2026-02-11 20:18 UTC", "read_only": false,
//!  "server_stats": {"packets_sent": 2, "packets_received": 2, "server_state": "leader",
//!                   "outstanding_requests": 0, "min_latency": 0, "avg_latency": 0.0,
//!                   "max_latency": 0, "last_processed_zxid": 4294967296,
//!                   "num_alive_client_connections": 0, "uptime": 2576, …},
//!  "node_count": 5, "command": "server_stats", "error": null}
//! ```
//!
//! `monitor` is flat: mntr's values under mntr's names without `zk_`
//! (`"znode_count": 5`, `"learners": 2` on the leader), numbers as JSON
//! numbers, so mntr's reader reads each value.

use serde_json::{Map, Value};

use crate::zookeeper::answer_lines::{count, shorten};
use crate::zookeeper::four_letter_words::NOT_SERVING;
use crate::zookeeper::mntr::{self, MntrAnswer};
use crate::zookeeper::srvr::SrvrAnswer;
use crate::zookeeper_figures::{FourLetterWord, Latency, MemberRole};

/// The AdminServer commands kafkascope asks: the four-letter words under
/// their AdminServer names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCommand {
    Ruok,
    ServerStats,
    Monitor,
}

impl AdminCommand {
    /// The name in `/commands/<name>` and in the answer's `command`.
    pub fn name(self) -> &'static str {
        match self {
            AdminCommand::Ruok => "ruok",
            AdminCommand::ServerStats => "server_stats",
            AdminCommand::Monitor => "monitor",
        }
    }

    /// The four-letter word it answers for.
    pub fn word(self) -> FourLetterWord {
        match self {
            AdminCommand::Ruok => FourLetterWord::Ruok,
            AdminCommand::ServerStats => FourLetterWord::Srvr,
            AdminCommand::Monitor => FourLetterWord::Mntr,
        }
    }

    /// Its path below the AdminServer's root.
    pub fn path(self) -> String {
        format!("/commands/{}", self.name())
    }
}

impl std::fmt::Display for AdminCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a command's answer is, before its figures are read.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandAnswer {
    /// The command ran: the answer's fields.
    Ran(Map<String, Value>),
    /// The member is up but in no quorum.
    NotServing,
    /// ZooKeeper's `error` (an unknown command, say).
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminAnswerError {
    #[error(
        "{command}: not a ZooKeeper AdminServer answer (no JSON object naming its command): {excerpt}"
    )]
    NotAdminAnswer {
        command: AdminCommand,
        excerpt: String,
    },
    #[error("{command}: the answer has no {field}")]
    Missing {
        command: AdminCommand,
        field: &'static str,
    },
    #[error("{command}: the answer has none of the figures kafkascope reads")]
    NoFigures { command: AdminCommand },
}

/// Reads a command's answer as ZooKeeper writes it: a JSON object with its
/// `command` and `error`.
pub fn parse_command_answer(
    command: AdminCommand,
    body: &[u8],
) -> Result<CommandAnswer, AdminAnswerError> {
    let not_admin = || AdminAnswerError::NotAdminAnswer {
        command,
        excerpt: kafkascope_client::http_client::excerpt(body),
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(not_admin());
    };
    if !fields.get("command").is_some_and(Value::is_string) {
        return Err(not_admin());
    }
    Ok(match fields.get("error") {
        None | Some(Value::Null) => CommandAnswer::Ran(fields),
        Some(Value::String(error)) if error.trim() == NOT_SERVING => CommandAnswer::NotServing,
        Some(Value::String(error)) => CommandAnswer::Failed(shorten(error.trim())),
        Some(other) => CommandAnswer::Failed(shorten(&other.to_string())),
    })
}

/// A read answer and the fields that could not be read (skipped, as
/// srvr's and mntr's bad lines are).
pub type FieldsRead<A> = (A, Vec<String>);

/// Reads `server_stats`'s fields into srvr's answer; `lines_read` counts
/// the fields read. An answer without a version is not one.
pub fn server_stats_answer(
    fields: &Map<String, Value>,
) -> Result<FieldsRead<SrvrAnswer>, AdminAnswerError> {
    let command = AdminCommand::ServerStats;
    let mut top = Fields::new(fields, "");
    let Some(version) = top.text("version") else {
        return Err(AdminAnswerError::Missing {
            command,
            field: "version",
        });
    };
    let mut answer = SrvrAnswer {
        version: Some(version),
        read_only: top.flag("read_only").unwrap_or(false),
        node_count: top.count("node_count"),
        ..SrvrAnswer::default()
    };
    let mut read = top.read;
    let mut bad = top.bad;
    match fields.get("server_stats") {
        Some(Value::Object(stats)) => {
            let mut stats = Fields::new(stats, "server_stats.");
            answer.latency = stats.latency();
            answer.received = stats.count("packets_received");
            answer.sent = stats.count("packets_sent");
            answer.connections = stats.count("num_alive_client_connections");
            answer.outstanding = stats.count("outstanding_requests");
            answer.zxid = stats.count("last_processed_zxid");
            answer.mode = stats.mode();
            read += stats.read;
            bad.extend(stats.bad);
        }
        _ => bad.push("no server_stats object".to_string()),
    }
    answer.lines_read = read;
    Ok((answer, bad))
}

/// Reads `monitor`'s fields into mntr's answer; `lines_read` counts every
/// field but `command` and `error`, named or not, as mntr's lines are.
pub fn monitor_answer(
    fields: &Map<String, Value>,
) -> Result<FieldsRead<MntrAnswer>, AdminAnswerError> {
    let mut answer = MntrAnswer::default();
    let mut bad = Vec::new();
    for (name, value) in fields {
        if name == "command" || name == "error" {
            continue;
        }
        answer.lines_read += 1;
        if let Err(reason) = mntr::read_value(&mut answer, name, name, &scalar_text(value)) {
            bad.push(reason);
        }
    }
    if answer.lines_read == 0 {
        return Err(AdminAnswerError::NoFigures {
            command: AdminCommand::Monitor,
        });
    }
    Ok((answer, bad))
}

/// A value as mntr would write it: a string as is, anything else as JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.trim().to_string(),
        other => other.to_string(),
    }
}

/// The fields of one JSON object, read by name: a missing field is no
/// figure, one of the wrong kind is noted by its path.
struct Fields<'a> {
    fields: &'a Map<String, Value>,
    /// Before a field's name in a note (`server_stats.`).
    path: &'static str,
    read: usize,
    bad: Vec<String>,
}

impl<'a> Fields<'a> {
    fn new(fields: &'a Map<String, Value>, path: &'static str) -> Self {
        Fields {
            fields,
            path,
            read: 0,
            bad: Vec::new(),
        }
    }

    /// The value of `name`, counted as read if `convert` takes it.
    fn take<T>(
        &mut self,
        name: &str,
        convert: impl Fn(&str, &Value) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.fields.get(name)?;
        match convert(&format!("{}{name}", self.path), value) {
            Ok(read) => {
                self.read += 1;
                Some(read)
            }
            Err(reason) => {
                self.bad.push(reason);
                None
            }
        }
    }

    fn text(&mut self, name: &str) -> Option<String> {
        self.take(name, |key, value| match value {
            Value::String(text) => Ok(text.trim().to_string()),
            other => Err(format!(
                "{key}: {} is not text",
                shorten(&other.to_string())
            )),
        })
    }

    fn flag(&mut self, name: &str) -> Option<bool> {
        self.take(name, |key, value| {
            value.as_bool().ok_or_else(|| {
                format!(
                    "{key}: {} is not true or false",
                    shorten(&value.to_string())
                )
            })
        })
    }

    fn count(&mut self, name: &str) -> Option<u64> {
        self.take(name, |key, value| count(key, &scalar_text(value)))
    }

    fn number(&mut self, name: &str) -> Option<f64> {
        self.take(name, |key, value| mntr::number(key, &scalar_text(value)))
    }

    /// `min_latency`, `avg_latency` and `max_latency` in ms, if all three
    /// can be read (each is read, so each bad one is noted).
    fn latency(&mut self) -> Option<Latency> {
        let min = self.number("min_latency");
        let avg = self.number("avg_latency");
        let max = self.number("max_latency");
        Some(Latency {
            min_ms: min?,
            avg_ms: avg?,
            max_ms: max?,
        })
    }

    /// `server_state`: srvr's `Mode`.
    fn mode(&mut self) -> Option<MemberRole> {
        let mode = self.take("server_state", |key, value| {
            match MemberRole::from_mode(&scalar_text(value)) {
                MemberRole::Unknown => Err(format!(
                    "{key}: unknown mode {}",
                    shorten(&value.to_string())
                )),
                role => Ok(role),
            }
        });
        if mode.is_none() && !self.fields.contains_key("server_state") {
            self.bad
                .push(format!("the answer has no {}server_state", self.path));
        }
        mode
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zookeeper_figures::LeaderFigures;

    const VERSION_3_9_5: &str =
        "3.9.5-293c895a8d966a3ecb92872be4a1daf87d725da2, built on 2026-02-11 20:18 UTC";

    fn ran(command: AdminCommand, body: &str) -> Map<String, Value> {
        match parse_command_answer(command, body.as_bytes()) {
            Ok(CommandAnswer::Ran(fields)) => fields,
            other => panic!("{command} did not run: {other:?}"),
        }
    }

    #[test]
    fn reads_the_leaders_server_stats_from_a_real_3_9_ensemble_as_srvr_reads_it() {
        let fields = ran(
            AdminCommand::ServerStats,
            include_str!("answers/admin-leader-server_stats.json"),
        );
        let (answer, bad) = server_stats_answer(&fields).unwrap();
        assert_eq!(
            answer,
            SrvrAnswer {
                version: Some(VERSION_3_9_5.to_string()),
                read_only: false,
                latency: Some(Latency {
                    min_ms: 0.0,
                    avg_ms: 0.0,
                    max_ms: 0.0
                }),
                received: Some(2),
                sent: Some(2),
                connections: Some(0),
                outstanding: Some(0),
                zxid: Some(0x1_0000_0000),
                mode: Some(MemberRole::Leader),
                node_count: Some(5),
                lines_read: 12,
                unreadable: Default::default(),
            }
        );
        assert_eq!(bad, Vec::<String>::new());
    }

    #[test]
    fn reads_a_followers_server_stats() {
        let fields = ran(
            AdminCommand::ServerStats,
            include_str!("answers/admin-follower-server_stats.json"),
        );
        let (answer, bad) = server_stats_answer(&fields).unwrap();
        assert_eq!(answer.mode, Some(MemberRole::Follower));
        assert_eq!(answer.zxid, Some(4_294_967_296));
        assert_eq!(answer.node_count, Some(5));
        assert_eq!(answer.lines_read, 12);
        assert_eq!(bad, Vec::<String>::new());
    }

    #[test]
    fn reads_the_leaders_monitor_answer_as_mntr_reads_its_lines() {
        let fields = ran(
            AdminCommand::Monitor,
            include_str!("answers/admin-leader-monitor.json"),
        );
        let (answer, bad) = monitor_answer(&fields).unwrap();
        assert_eq!(
            answer,
            MntrAnswer {
                version: Some(VERSION_3_9_5.to_string()),
                state: Some(MemberRole::Leader),
                avg_latency_ms: Some(0.0),
                min_latency_ms: Some(0.0),
                max_latency_ms: Some(0.0),
                packets_received: Some(2),
                packets_sent: Some(2),
                alive_connections: Some(0),
                outstanding_requests: Some(0),
                znode_count: Some(5),
                watch_count: Some(0),
                ephemerals_count: Some(0),
                approximate_data_size: Some(182),
                open_file_descriptors: Some(55),
                max_file_descriptors: Some(20000),
                uptime_ms: Some(31154),
                quorum_size: Some(3),
                leader: LeaderFigures {
                    learners: Some(2),
                    synced_followers: Some(2),
                    synced_observers: Some(0),
                    synced_non_voting_followers: Some(0),
                    pending_syncs: Some(0),
                },
                // 540 fields but command and error.
                lines_read: 538,
                unreadable: Default::default(),
            }
        );
        assert_eq!(bad, Vec::<String>::new());
    }

    #[test]
    fn reads_a_followers_monitor_answer_which_has_no_leader_values() {
        let fields = ran(
            AdminCommand::Monitor,
            include_str!("answers/admin-follower-monitor.json"),
        );
        let (answer, bad) = monitor_answer(&fields).unwrap();
        assert_eq!(answer.state, Some(MemberRole::Follower));
        assert_eq!(answer.open_file_descriptors, Some(53));
        assert_eq!(answer.uptime_ms, Some(30940));
        assert_eq!(answer.leader, LeaderFigures::default());
        assert_eq!(answer.lines_read, 501);
        assert_eq!(bad, Vec::<String>::new());
    }

    #[test]
    fn ruok_runs_and_a_member_outside_a_quorum_is_not_serving() {
        let ruok = ran(AdminCommand::Ruok, include_str!("answers/admin-ruok.json"));
        assert_eq!(ruok.get("command"), Some(&Value::from("ruok")));
        assert_eq!(
            parse_command_answer(
                AdminCommand::ServerStats,
                include_bytes!("answers/admin-not-serving-server_stats.json")
            ),
            Ok(CommandAnswer::NotServing)
        );
    }

    #[test]
    fn an_unknown_command_is_zookeepers_error() {
        let body = br#"{ "command" : "nosuch", "error" : "Unknown command: nosuch" }"#;
        assert_eq!(
            parse_command_answer(AdminCommand::Monitor, body),
            Ok(CommandAnswer::Failed("Unknown command: nosuch".to_string()))
        );
    }

    #[test]
    fn html_json_without_a_command_or_nothing_is_not_an_admin_answer() {
        let cases: [(&[u8], &str); 4] = [
            (
                include_bytes!("answers/admin-not-serving-monitor.html"),
                "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n<title>Error 500 java.lang.NullPointerException: Cannot invoke &quot;org.apache.zookeeper.server.ZooKeeperServer.…",
            ),
            (br#"{"status": "UP"}"#, r#"{"status": "UP"}"#),
            (b"[1, 2]", "[1, 2]"),
            (b"", "empty answer"),
        ];
        for (body, excerpt) in cases {
            assert_eq!(
                parse_command_answer(AdminCommand::Monitor, body),
                Err(AdminAnswerError::NotAdminAnswer {
                    command: AdminCommand::Monitor,
                    excerpt: excerpt.to_string()
                })
            );
        }
        assert_eq!(
            AdminAnswerError::NotAdminAnswer {
                command: AdminCommand::Monitor,
                excerpt: "x".to_string()
            }
            .to_string(),
            "monitor: not a ZooKeeper AdminServer answer (no JSON object naming its command): x"
        );
    }

    #[test]
    fn bad_fields_are_skipped_and_named_and_the_rest_still_read() {
        let body = r#"{"version": "3.8.4", "read_only": "no", "node_count": -1,
            "server_stats": {"min_latency": 0, "avg_latency": "fast", "max_latency": 3,
              "packets_received": 7, "last_processed_zxid": 12.5, "server_state": "electing"},
            "command": "server_stats", "error": null}"#;
        let (answer, bad) = server_stats_answer(&ran(AdminCommand::ServerStats, body)).unwrap();
        assert_eq!(answer.version.as_deref(), Some("3.8.4"));
        assert_eq!(answer.received, Some(7));
        assert_eq!(answer.latency, None);
        assert_eq!(answer.mode, None);
        assert_eq!(answer.zxid, None);
        assert_eq!(answer.lines_read, 4);
        assert_eq!(
            bad,
            [
                "read_only: \"no\" is not true or false",
                "node_count: '-1' is not a count",
                "server_stats.avg_latency: 'fast' is not a number",
                "server_stats.last_processed_zxid: '12.5' is not a count",
                "server_stats.server_state: unknown mode \"electing\"",
            ]
        );
        let monitor = r#"{"znode_count": "lots", "watch_count": 7, "avg_latency": null,
            "peer_state": "following - broadcast", "command": "monitor", "error": null}"#;
        let (answer, bad) = monitor_answer(&ran(AdminCommand::Monitor, monitor)).unwrap();
        assert_eq!(answer.watch_count, Some(7));
        assert_eq!(answer.znode_count, None);
        assert_eq!(answer.lines_read, 4);
        assert_eq!(
            bad,
            [
                "avg_latency: 'null' is not a number",
                "znode_count: 'lots' is not a count",
            ]
        );
    }

    #[test]
    fn server_stats_without_a_version_or_monitor_without_fields_is_refused() {
        let no_version = r#"{"node_count": 5, "command": "server_stats", "error": null}"#;
        assert_eq!(
            server_stats_answer(&ran(AdminCommand::ServerStats, no_version)).unwrap_err(),
            AdminAnswerError::Missing {
                command: AdminCommand::ServerStats,
                field: "version"
            }
        );
        let no_stats = r#"{"version": "3.9.5", "command": "server_stats", "error": null}"#;
        let (answer, bad) = server_stats_answer(&ran(AdminCommand::ServerStats, no_stats)).unwrap();
        assert_eq!(answer.mode, None);
        assert_eq!(bad, ["no server_stats object"]);
        let empty = r#"{"command": "monitor", "error": null}"#;
        assert_eq!(
            monitor_answer(&ran(AdminCommand::Monitor, empty))
                .unwrap_err()
                .to_string(),
            "monitor: the answer has none of the figures kafkascope reads"
        );
    }
}
