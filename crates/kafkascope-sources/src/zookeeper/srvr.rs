//! The reader of `srvr`'s answer: `Name: value` lines (StatCommand in
//! ZooKeeper's sources), the same from 3.4 to 3.9.
//!
//! ```text
//! Zookeeper version: 3.9.5-293c…, built on 2026-02-11 20:18 UTC
//! Latency min/avg/max: 1/5.2857/11
//! Received: 17
//! Sent: 18
//! Connections: 1
//! Outstanding: 0
//! Zxid: 0x100000005
//! Mode: follower
//! Node count: 8
//! ```
//!
//! The leader adds `Proposal sizes last/min/max`; a read-only member says
//! so on a line of its own. Lines of names kafkascope does not know are
//! passed over (later versions may add some).

use crate::zookeeper::answer_lines::{LineByLineAnswer, count, read_lines, shorten};
use crate::zookeeper::unreadable_lines::UnreadableLines;
use crate::zookeeper_figures::{Latency, MemberRole};

const VERSION: &str = "Zookeeper version";
const READ_ONLY_LINE: &str = "READ-ONLY mode; serving only read-only clients";

/// What `srvr` says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SrvrAnswer {
    pub version: Option<String>,
    pub read_only: bool,
    pub latency: Option<Latency>,
    pub received: Option<u64>,
    pub sent: Option<u64>,
    pub connections: Option<u64>,
    pub outstanding: Option<u64>,
    pub zxid: Option<u64>,
    /// `None` when the answer has no readable `Mode` line.
    pub mode: Option<MemberRole>,
    pub node_count: Option<u64>,
    /// Lines read into a figure.
    pub lines_read: usize,
    pub unreadable: UnreadableLines,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrvrError {
    #[error("not a srvr answer (no 'Zookeeper version' line): {excerpt}")]
    NotSrvr { excerpt: String },
}

/// Reads `srvr`'s answer. Bad lines are skipped and reported; an answer
/// with no version line is not `srvr`'s at all.
pub fn parse_srvr(text: &str) -> Result<SrvrAnswer, SrvrError> {
    let mut answer = SrvrAnswer::default();
    let lines = read_lines(text, |line| read_line(&mut answer, line));
    if answer.version.is_none() {
        return Err(SrvrError::NotSrvr {
            excerpt: kafkascope_client::http_client::excerpt(text.as_bytes()),
        });
    }
    answer.unreadable = lines.unreadable;
    if answer.mode.is_none() {
        answer.unreadable.add(
            lines.after_last,
            "the answer ends without a Mode line".to_string(),
        );
    }
    Ok(answer)
}

impl LineByLineAnswer for SrvrAnswer {
    fn lines_read(&self) -> usize {
        self.lines_read
    }

    fn unreadable(&self) -> &UnreadableLines {
        &self.unreadable
    }
}

fn read_line(answer: &mut SrvrAnswer, line: &str) -> Result<(), String> {
    if line == READ_ONLY_LINE {
        answer.read_only = true;
        answer.lines_read += 1;
        return Ok(());
    }
    let Some((name, value)) = line.split_once(": ") else {
        return Err(format!("not a 'name: value' line: '{}'", shorten(line)));
    };
    let value = value.trim();
    match name {
        VERSION => answer.version = Some(value.to_string()),
        "Latency min/avg/max" => answer.latency = Some(latency(value)?),
        "Received" => answer.received = Some(count(name, value)?),
        "Sent" => answer.sent = Some(count(name, value)?),
        "Connections" => answer.connections = Some(count(name, value)?),
        "Outstanding" => answer.outstanding = Some(count(name, value)?),
        "Zxid" => answer.zxid = Some(zxid(value)?),
        "Node count" => answer.node_count = Some(count(name, value)?),
        "Mode" => answer.mode = Some(mode(value)?),
        _ => return Ok(()),
    }
    answer.lines_read += 1;
    Ok(())
}

/// `min/avg/max` in ms; the average is a decimal since 3.5, whole before.
fn latency(value: &str) -> Result<Latency, String> {
    let bad = || {
        format!(
            "Latency min/avg/max: '{}' is not three numbers",
            shorten(value)
        )
    };
    let mut parts = value.split('/').map(|p| p.trim().parse::<f64>());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Ok(min_ms)), Some(Ok(avg_ms)), Some(Ok(max_ms)), None) => Ok(Latency {
            min_ms,
            avg_ms,
            max_ms,
        }),
        _ => Err(bad()),
    }
}

fn zxid(value: &str) -> Result<u64, String> {
    value
        .strip_prefix("0x")
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .ok_or_else(|| format!("Zxid: '{}' is not a hexadecimal 0x… id", shorten(value)))
}

fn mode(value: &str) -> Result<MemberRole, String> {
    match MemberRole::from_mode(value) {
        MemberRole::Unknown => Err(format!("Mode: unknown mode '{}'", shorten(value))),
        role => Ok(role),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus_text::LineError;

    const VERSION_3_9_5: &str =
        "3.9.5-293c895a8d966a3ecb92872be4a1daf87d725da2, built on 2026-02-11 20:18 UTC";

    #[test]
    fn reads_a_followers_srvr_answer_from_a_real_3_9_ensemble() {
        let answer = parse_srvr(include_str!("answers/follower-srvr.txt")).unwrap();
        assert_eq!(
            answer,
            SrvrAnswer {
                version: Some(VERSION_3_9_5.to_string()),
                read_only: false,
                latency: Some(Latency {
                    min_ms: 1.0,
                    avg_ms: 5.2857,
                    max_ms: 11.0
                }),
                received: Some(17),
                sent: Some(18),
                connections: Some(1),
                outstanding: Some(0),
                zxid: Some(0x1_0000_0005),
                mode: Some(MemberRole::Follower),
                node_count: Some(8),
                lines_read: 9,
                unreadable: UnreadableLines::default(),
            }
        );
    }

    #[test]
    fn reads_the_leaders_answer_with_its_proposal_sizes_line_passed_over() {
        let answer = parse_srvr(include_str!("answers/leader-srvr.txt")).unwrap();
        assert_eq!(answer.mode, Some(MemberRole::Leader));
        assert_eq!(answer.zxid, Some(0x1_0000_0005));
        assert_eq!(answer.received, Some(9));
        assert_eq!(answer.sent, Some(10));
        assert_eq!(
            answer.latency,
            Some(Latency {
                min_ms: 0.0,
                avg_ms: 0.0,
                max_ms: 0.0
            })
        );
        assert_eq!(answer.lines_read, 9);
        assert_eq!(answer.unreadable, UnreadableLines::default());
    }

    #[test]
    fn reads_a_3_4_answer_with_a_whole_average_and_a_read_only_member() {
        let text = "Zookeeper version: 3.4.14-4c25d480e66aadd371de8bd2fd8da255ac140bcf, built on 03/06/2019 16:18 GMT\n\
READ-ONLY mode; serving only read-only clients\n\
Latency min/avg/max: 0/2/1650\n\
Received: 2110310\n\
Sent: 1526598\n\
Connections: 10\n\
Outstanding: 0\n\
Zxid: 0x4b000ab1c2\n\
Mode: read-only\n\
Node count: 12792\n";
        let answer = parse_srvr(text).unwrap();
        assert!(answer.read_only);
        assert_eq!(answer.mode, Some(MemberRole::ReadOnly));
        assert_eq!(answer.zxid, Some(0x4b_000a_b1c2));
        assert_eq!(answer.latency.map(|l| l.avg_ms), Some(2.0));
        assert_eq!(answer.node_count, Some(12792));
    }

    #[test]
    fn a_bad_line_is_skipped_and_reported_by_number_and_the_rest_still_read() {
        let text = "Zookeeper version: 3.8.4\nLatency min/avg/max: 0/x/1\nReceived: many\n\
Sent: 5\nno colon here\nZxid: 12\nMode: weird\nNode count: 5\n";
        let answer = parse_srvr(text).unwrap();
        assert_eq!(answer.sent, Some(5));
        assert_eq!(answer.node_count, Some(5));
        assert_eq!(answer.latency, None);
        assert_eq!(answer.mode, None);
        let reasons: Vec<String> = answer
            .unreadable
            .kept
            .iter()
            .map(LineError::to_string)
            .collect();
        assert_eq!(
            reasons,
            [
                "line 2: Latency min/avg/max: '0/x/1' is not three numbers",
                "line 3: Received: 'many' is not a count",
                "line 5: not a 'name: value' line: 'no colon here'",
                "line 6: Zxid: '12' is not a hexadecimal 0x… id",
                "line 7: Mode: unknown mode 'weird'",
                "line 9: the answer ends without a Mode line",
            ]
        );
    }

    #[test]
    fn an_answer_cut_short_keeps_its_whole_lines_and_says_where_it_ends() {
        let full = include_str!("answers/follower-srvr.txt");
        let cut = &full[..full.find("Mode: ").unwrap() + 8];
        let answer = parse_srvr(cut).unwrap();
        assert_eq!(answer.zxid, Some(0x1_0000_0005));
        assert_eq!(answer.mode, None);
        let reasons: Vec<String> = answer
            .unreadable
            .kept
            .iter()
            .map(LineError::to_string)
            .collect();
        assert_eq!(
            reasons,
            [
                "line 8: cut short (no end of line)",
                "line 9: the answer ends without a Mode line",
            ]
        );
    }

    #[test]
    fn garbage_is_not_a_srvr_answer() {
        assert_eq!(
            parse_srvr("HTTP/1.1 400 Bad Request\r\n\r\n"),
            Err(SrvrError::NotSrvr {
                excerpt: "HTTP/1.1 400 Bad Request".to_string()
            })
        );
        assert_eq!(
            parse_srvr(""),
            Err(SrvrError::NotSrvr {
                excerpt: "empty answer".to_string()
            })
        );
    }
}
