//! The reader of `mntr`'s answer: one `zk_<name>\t<value>` line per value
//! (MonitorCommand in ZooKeeper's sources).
//!
//! 3.4 and 3.5 write a fixed list; 3.6+ add every metric of the server's
//! metrics provider (several hundred lines, in no fixed order), and the
//! leader's learners are `zk_learners` where they were `zk_followers`.
//! The values kafkascope names are read; the others are passed over.

use crate::zookeeper::answer_lines::{LineByLineAnswer, count, read_lines, shorten};
use crate::zookeeper::unreadable_lines::UnreadableLines;
use crate::zookeeper_figures::{LeaderFigures, MemberRole};

/// What `mntr` says, of the values kafkascope names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MntrAnswer {
    pub version: Option<String>,
    /// `zk_server_state`; `None` when missing.
    pub state: Option<MemberRole>,
    pub avg_latency_ms: Option<f64>,
    pub min_latency_ms: Option<f64>,
    pub max_latency_ms: Option<f64>,
    pub packets_received: Option<u64>,
    pub packets_sent: Option<u64>,
    pub alive_connections: Option<u64>,
    pub outstanding_requests: Option<u64>,
    pub znode_count: Option<u64>,
    pub watch_count: Option<u64>,
    pub ephemerals_count: Option<u64>,
    pub approximate_data_size: Option<u64>,
    pub open_file_descriptors: Option<u64>,
    pub max_file_descriptors: Option<u64>,
    pub uptime_ms: Option<u64>,
    pub quorum_size: Option<u64>,
    /// The leader's values (all `None` on other members).
    pub leader: LeaderFigures,
    /// `zk_` lines read, named or not.
    pub lines_read: usize,
    pub unreadable: UnreadableLines,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MntrError {
    #[error("not a mntr answer (no 'zk_<name><tab><value>' line): {excerpt}")]
    NotMntr { excerpt: String },
}

/// Reads `mntr`'s answer. Bad lines are skipped and reported; an answer
/// without one readable line is not `mntr`'s at all.
pub fn parse_mntr(text: &str) -> Result<MntrAnswer, MntrError> {
    let mut answer = MntrAnswer::default();
    let lines = read_lines(text, |line| read_line(&mut answer, line));
    if answer.lines_read == 0 {
        return Err(MntrError::NotMntr {
            excerpt: kafkascope_client::http_client::excerpt(text.as_bytes()),
        });
    }
    answer.unreadable = lines.unreadable;
    Ok(answer)
}

impl LineByLineAnswer for MntrAnswer {
    fn lines_read(&self) -> usize {
        self.lines_read
    }

    fn unreadable(&self) -> &UnreadableLines {
        &self.unreadable
    }
}

fn read_line(answer: &mut MntrAnswer, line: &str) -> Result<(), String> {
    let Some((key, value)) = line.split_once('\t') else {
        return Err(format!(
            "no tab between name and value: '{}'",
            shorten(line)
        ));
    };
    let Some(name) = key.strip_prefix("zk_") else {
        return Err(format!("'{}' does not start with zk_", shorten(key)));
    };
    answer.lines_read += 1;
    read_value(answer, name, key, value.trim())
}

/// Keeps `value` if kafkascope names `name` (`mntr`'s name without `zk_`,
/// as the AdminServer's `monitor` names it too); `key` is how an error
/// quotes it.
pub(super) fn read_value(
    answer: &mut MntrAnswer,
    name: &str,
    key: &str,
    value: &str,
) -> Result<(), String> {
    match name {
        "version" => answer.version = Some(value.to_string()),
        "server_state" => answer.state = Some(MemberRole::from_mode(value)),
        "avg_latency" => answer.avg_latency_ms = Some(number(key, value)?),
        "min_latency" => answer.min_latency_ms = Some(number(key, value)?),
        "max_latency" => answer.max_latency_ms = Some(number(key, value)?),
        _ => {
            if let Some(slot) = count_slot(answer, name) {
                *slot = Some(count(key, value)?);
            }
        }
    }
    Ok(())
}

/// Where a count named `name` goes, if kafkascope names it.
fn count_slot<'a>(answer: &'a mut MntrAnswer, name: &str) -> Option<&'a mut Option<u64>> {
    Some(match name {
        "packets_received" => &mut answer.packets_received,
        "packets_sent" => &mut answer.packets_sent,
        "num_alive_connections" => &mut answer.alive_connections,
        "outstanding_requests" => &mut answer.outstanding_requests,
        "znode_count" => &mut answer.znode_count,
        "watch_count" => &mut answer.watch_count,
        "ephemerals_count" => &mut answer.ephemerals_count,
        "approximate_data_size" => &mut answer.approximate_data_size,
        "open_file_descriptor_count" => &mut answer.open_file_descriptors,
        "max_file_descriptor_count" => &mut answer.max_file_descriptors,
        "uptime" => &mut answer.uptime_ms,
        "quorum_size" => &mut answer.quorum_size,
        // The same count under its 3.4/3.5 name and its 3.6+ name.
        "learners" | "followers" => &mut answer.leader.learners,
        "synced_followers" => &mut answer.leader.synced_followers,
        "synced_observers" => &mut answer.leader.synced_observers,
        "synced_non_voting_followers" => &mut answer.leader.synced_non_voting_followers,
        "pending_syncs" => &mut answer.leader.pending_syncs,
        _ => return None,
    })
}

pub(super) fn number(key: &str, value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{key}: '{}' is not a number", shorten(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus_text::LineError;

    const VERSION_3_9_5: &str =
        "3.9.5-293c895a8d966a3ecb92872be4a1daf87d725da2, built on 2026-02-11 20:18 UTC";

    #[test]
    fn reads_the_leaders_mntr_answer_from_a_real_3_9_ensemble() {
        let answer = parse_mntr(include_str!("answers/leader-mntr.txt")).unwrap();
        assert_eq!(
            answer,
            MntrAnswer {
                version: Some(VERSION_3_9_5.to_string()),
                state: Some(MemberRole::Leader),
                avg_latency_ms: Some(0.0),
                min_latency_ms: Some(0.0),
                max_latency_ms: Some(0.0),
                packets_received: Some(10),
                packets_sent: Some(11),
                alive_connections: Some(1),
                outstanding_requests: Some(0),
                znode_count: Some(8),
                watch_count: Some(0),
                ephemerals_count: Some(0),
                approximate_data_size: Some(230),
                open_file_descriptors: Some(42),
                max_file_descriptors: Some(20000),
                uptime_ms: Some(8009),
                quorum_size: Some(3),
                leader: LeaderFigures {
                    learners: Some(2),
                    synced_followers: Some(2),
                    synced_observers: Some(0),
                    synced_non_voting_followers: Some(0),
                    pending_syncs: Some(0),
                },
                lines_read: 543,
                unreadable: UnreadableLines::default(),
            }
        );
    }

    #[test]
    fn reads_a_followers_answer_which_has_no_leader_values() {
        let answer = parse_mntr(include_str!("answers/follower-mntr.txt")).unwrap();
        assert_eq!(answer.state, Some(MemberRole::Follower));
        assert_eq!(answer.avg_latency_ms, Some(5.2857));
        assert_eq!(answer.min_latency_ms, Some(1.0));
        assert_eq!(answer.max_latency_ms, Some(11.0));
        assert_eq!(answer.packets_received, Some(18));
        assert_eq!(answer.packets_sent, Some(19));
        assert_eq!(answer.open_file_descriptors, Some(40));
        assert_eq!(answer.leader, LeaderFigures::default());
        assert_eq!(answer.lines_read, 511);
        assert_eq!(answer.unreadable, UnreadableLines::default());
    }

    #[test]
    fn reads_a_3_4_leaders_followers_as_its_learners() {
        let text = "zk_version\t3.4.14-4c25d480e66aadd371de8bd2fd8da255ac140bcf, built on 03/06/2019 16:18 GMT\n\
zk_avg_latency\t0\nzk_max_latency\t1650\nzk_min_latency\t0\nzk_server_state\tleader\n\
zk_followers\t2\nzk_synced_followers\t1\nzk_pending_syncs\t0\n";
        let answer = parse_mntr(text).unwrap();
        assert_eq!(answer.state, Some(MemberRole::Leader));
        assert_eq!(answer.max_latency_ms, Some(1650.0));
        assert_eq!(
            answer.leader,
            LeaderFigures {
                learners: Some(2),
                synced_followers: Some(1),
                pending_syncs: Some(0),
                ..LeaderFigures::default()
            }
        );
    }

    #[test]
    fn bad_lines_are_skipped_and_reported_by_number_and_the_rest_still_read() {
        let text = "zk_version\t3.9.5\nzk_znode_count\tlots\ngarbage line\n\
zk_avg_latency\tNaN\nname\tvalue\nzk_watch_count\t7\nzk_proposal_sizes\t-1\n";
        let answer = parse_mntr(text).unwrap();
        assert_eq!(answer.watch_count, Some(7));
        assert_eq!(answer.znode_count, None);
        let reasons: Vec<String> = answer
            .unreadable
            .kept
            .iter()
            .map(LineError::to_string)
            .collect();
        assert_eq!(
            reasons,
            [
                "line 2: zk_znode_count: 'lots' is not a count",
                "line 3: no tab between name and value: 'garbage line'",
                "line 4: zk_avg_latency: 'NaN' is not a number",
                "line 5: 'name' does not start with zk_",
            ]
        );
    }

    #[test]
    fn an_answer_cut_short_drops_its_last_partial_line_and_says_so() {
        let full = include_str!("answers/leader-mntr.txt");
        // Cut inside "zk_open_file_descriptor_count\t42": "4" alone would be wrong.
        let at = full.find("zk_open_file_descriptor_count\t4").unwrap() + 31;
        let answer = parse_mntr(&full[..at]).unwrap();
        assert_eq!(answer.open_file_descriptors, None);
        assert_eq!(answer.approximate_data_size, Some(230));
        assert_eq!(answer.unreadable.count(), 1);
        assert_eq!(
            answer.unreadable.kept[0].reason,
            "cut short (no end of line)"
        );
    }

    #[test]
    fn garbage_or_a_refusal_is_not_a_mntr_answer() {
        assert_eq!(
            parse_mntr("\u{1}\u{2}binary\n"),
            Err(MntrError::NotMntr {
                excerpt: "\u{1}\u{2}binary".to_string()
            })
        );
        assert_eq!(
            parse_mntr(include_str!("answers/not-whitelisted-mntr.txt")),
            Err(MntrError::NotMntr {
                excerpt: "mntr is not executed because it is not in the whitelist.".to_string()
            })
        );
    }
}
