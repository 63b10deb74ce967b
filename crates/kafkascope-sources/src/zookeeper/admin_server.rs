//! Reading one member through its AdminServer: `ruok`, `server_stats` and
//! `monitor` asked at once over the shared HTTP client (a GET each, within
//! the timeout and the bound on the answer), read by `admin_json.rs` into
//! the same reading the four-letter words give.
//!
//! The member is up when any command gets ZooKeeper's JSON back; when none
//! does (nothing listens, a refusal of the credentials, another server's
//! pages), it is down and the first reason says why.

use std::time::Instant;

use kafkascope_client::http_client::{HttpClient, HttpError, HttpRequest, excerpt};

use crate::zookeeper::AdminServerTarget;
use crate::zookeeper::admin_json::{
    AdminAnswerError, AdminCommand, CommandAnswer, FieldsRead, monitor_answer,
    parse_command_answer, server_stats_answer,
};
use crate::zookeeper::four_letter_words::AskLimits;
use crate::zookeeper::member::{MemberReading, Reading, finish_reading};

/// Why a command got no answer from ZooKeeper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminCommandError {
    #[error("{command}: {error}")]
    Http {
        command: AdminCommand,
        error: HttpError,
    },
    #[error("{command}: HTTP {status}: {message}")]
    Status {
        command: AdminCommand,
        status: u16,
        message: String,
    },
    #[error(transparent)]
    Answer(#[from] AdminAnswerError),
}

/// Asks the member's AdminServer the three commands and reads what it says.
pub async fn read_member(
    name: &str,
    target: &AdminServerTarget,
    limits: AskLimits,
) -> MemberReading {
    let started = Instant::now();
    let mut client = HttpClient::new(limits.timeout, limits.timeout, limits.max_answer_bytes);
    client.tls = target.tls.clone();
    let (ruok, server_stats, monitor) = tokio::join!(
        ask(&client, target, AdminCommand::Ruok),
        ask(&client, target, AdminCommand::ServerStats),
        ask(&client, target, AdminCommand::Monitor),
    );
    let outcome = match first_down_reason([&server_stats, &monitor, &ruok]) {
        Some(reason) => Err(reason),
        None => Ok(reading(ruok, server_stats, monitor)),
    };
    finish_reading(name, &target.url.to_string(), started, outcome)
}

/// GETs `/commands/<command>` below the target's URL.
async fn ask(
    client: &HttpClient,
    target: &AdminServerTarget,
    command: AdminCommand,
) -> Result<CommandAnswer, AdminCommandError> {
    let url = target.url.joined(&command.path());
    let request = HttpRequest {
        basic_auth: target.basic_auth.as_ref(),
        ..HttpRequest::get(&url, "application/json")
    };
    let answer = client
        .send(request)
        .await
        .map_err(|error| AdminCommandError::Http { command, error })?;
    if !answer.is_success() {
        return Err(AdminCommandError::Status {
            command,
            status: answer.status,
            message: status_message(answer.status, &answer.body),
        });
    }
    Ok(parse_command_answer(command, &answer.body)?)
}

/// Why the member is down, if no command got ZooKeeper's answer: the first
/// command's error.
fn first_down_reason(answers: [&Result<CommandAnswer, AdminCommandError>; 3]) -> Option<String> {
    if answers.iter().any(|a| a.is_ok()) {
        return None;
    }
    answers
        .iter()
        .find_map(|a| a.as_ref().err())
        .map(AdminCommandError::to_string)
}

/// What the three answers of a member that is up come to.
fn reading(
    ruok: Result<CommandAnswer, AdminCommandError>,
    server_stats: Result<CommandAnswer, AdminCommandError>,
    monitor: Result<CommandAnswer, AdminCommandError>,
) -> Reading {
    let mut reading = Reading::default();
    // The AdminServer's ruok has no text: running is its imok.
    if ran(&mut reading, AdminCommand::Ruok, ruok).is_some() {
        reading.ruok = Some("imok".to_string());
        reading.samples += 1;
    }
    if let Some(fields) = ran(&mut reading, AdminCommand::ServerStats, server_stats)
        && let Some(answer) = read_fields(
            &mut reading,
            AdminCommand::ServerStats,
            server_stats_answer(&fields),
        )
    {
        reading.samples += answer.lines_read;
        reading.srvr = Some(answer);
    }
    match monitor {
        // 3.9's monitor fails with a 500 where no server runs; mntr says
        // that it is not serving, which server_stats or ruok said already.
        Err(AdminCommandError::Status { status, .. }) if status >= 500 && reading.not_serving => {}
        monitor => {
            if let Some(fields) = ran(&mut reading, AdminCommand::Monitor, monitor)
                && let Some(answer) =
                    read_fields(&mut reading, AdminCommand::Monitor, monitor_answer(&fields))
            {
                reading.samples += answer.lines_read;
                reading.mntr = Some(answer);
            }
        }
    }
    reading
}

/// The fields of a command that ran; why not, noted otherwise.
fn ran(
    reading: &mut Reading,
    command: AdminCommand,
    answer: Result<CommandAnswer, AdminCommandError>,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    match answer {
        Ok(CommandAnswer::Ran(fields)) => Some(fields),
        Ok(CommandAnswer::NotServing) => {
            reading.not_serving = true;
            None
        }
        Ok(CommandAnswer::Failed(error)) => {
            reading.notes.push(format!(
                "{command}: ZooKeeper answered with an error: {error}"
            ));
            None
        }
        Err(error) => {
            reading.notes.push(error.to_string());
            None
        }
    }
}

/// A read answer, its bad fields noted; or why it could not be read.
fn read_fields<A>(
    reading: &mut Reading,
    command: AdminCommand,
    read: Result<FieldsRead<A>, AdminAnswerError>,
) -> Option<A> {
    match read {
        Ok((answer, bad)) => {
            if let Some(first) = bad.first() {
                reading.notes.push(format!(
                    "{} unreadable field(s) in the {command} answer; {first}",
                    bad.len()
                ));
            }
            Some(answer)
        }
        Err(error) => {
            reading.notes.push(error.to_string());
            None
        }
    }
}

/// What a refused request's answer says: Jetty's error page by its title,
/// anything else by its start; and what a 401 or a 404 asks of the config.
fn status_message(status: u16, body: &[u8]) -> String {
    let said = html_title(body).unwrap_or_else(|| excerpt(body));
    match status {
        401 => format!(
            "{said} (the AdminServer, or a proxy before it, wants credentials: username and password)"
        ),
        404 => format!(
            "{said} (no such AdminServer command: a ZooKeeper before 3.5, or a wrong path in admin_url)"
        ),
        _ => said,
    }
}

/// The `<title>` of an HTML page, its common entities decoded.
fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find("<title>")? + "<title>".len();
    let end = start + text[start..].find("</title>")?;
    let title = text[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Some(excerpt(title.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jettys_error_page_is_quoted_by_its_title() {
        let page = include_bytes!("answers/admin-not-serving-monitor.html");
        assert_eq!(
            status_message(500, page),
            "Error 500 java.lang.NullPointerException: Cannot invoke \
             \"org.apache.zookeeper.server.ZooKeeperServer.dumpMonitorValues(java.util.function.BiConsumer)\" \
             because \"zkServer\" is null"
        );
        assert_eq!(
            status_message(
                401,
                b"<html><head><title>Error 401 Unauthorized</title></head></html>"
            ),
            "Error 401 Unauthorized (the AdminServer, or a proxy before it, wants credentials: \
             username and password)"
        );
        assert_eq!(
            status_message(404, b"not here"),
            "not here (no such AdminServer command: a ZooKeeper before 3.5, or a wrong path in admin_url)"
        );
    }

    #[test]
    fn a_member_outside_a_quorum_is_not_serving_and_its_monitor_500_is_not_noted() {
        let not_serving = || {
            parse_command_answer(
                AdminCommand::ServerStats,
                include_bytes!("answers/admin-not-serving-server_stats.json"),
            )
            .map_err(AdminCommandError::from)
        };
        let monitor_500 = Err(AdminCommandError::Status {
            command: AdminCommand::Monitor,
            status: 500,
            message: "Error 500".to_string(),
        });
        let read = reading(not_serving(), not_serving(), monitor_500);
        assert!(read.not_serving);
        assert_eq!(read.ruok, None);
        assert_eq!(read.srvr, None);
        assert_eq!(read.mntr, None);
        assert_eq!(read.notes, Vec::<String>::new());
        assert_eq!(read.samples, 0);
    }

    #[test]
    fn a_serving_members_failures_are_noted_and_what_answered_still_counts() {
        let ruok = parse_command_answer(
            AdminCommand::Ruok,
            include_bytes!("answers/admin-ruok.json"),
        )
        .map_err(AdminCommandError::from);
        let server_stats = Err(AdminCommandError::Status {
            command: AdminCommand::ServerStats,
            status: 404,
            message: "Error 404 Not Found".to_string(),
        });
        let monitor = Ok(CommandAnswer::Failed(
            "Unknown command: monitor".to_string(),
        ));
        let read = reading(ruok, server_stats, monitor);
        assert!(!read.not_serving);
        assert_eq!(read.ruok.as_deref(), Some("imok"));
        assert_eq!(read.samples, 1);
        assert_eq!(
            read.notes,
            [
                "server_stats: HTTP 404: Error 404 Not Found",
                "monitor: ZooKeeper answered with an error: Unknown command: monitor",
            ]
        );
    }
}
