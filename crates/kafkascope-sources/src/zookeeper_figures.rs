//! What a ZooKeeper ensemble's members say of themselves through the
//! four-letter words (`ruok`, `srvr`, `mntr`), and the verdict on the
//! ensemble as a whole ([`EnsembleVerdict`]).

use serde::Serialize;

use crate::jmx_figures::Counter;

/// One poll of a ZooKeeper ensemble.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ZookeeperFigures {
    /// In the order of the configured targets.
    pub members: Vec<MemberFigures>,
    pub ensemble: EnsembleVerdict,
}

/// The four-letter words kafkascope sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FourLetterWord {
    /// "Are you OK": `imok` while the process runs.
    Ruok,
    /// The server's summary: version, latency, packets, zxid, mode, node count.
    Srvr,
    /// Every monitoring value, one `zk_<name>\t<value>` line each.
    Mntr,
}

impl FourLetterWord {
    pub const ALL: [FourLetterWord; 3] = [
        FourLetterWord::Ruok,
        FourLetterWord::Srvr,
        FourLetterWord::Mntr,
    ];

    /// The word as sent, and as `4lw.commands.whitelist` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            FourLetterWord::Ruok => "ruok",
            FourLetterWord::Srvr => "srvr",
            FourLetterWord::Mntr => "mntr",
        }
    }
}

impl std::fmt::Display for FourLetterWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a member is in its ensemble (`srvr`'s `Mode`, `mntr`'s
/// `zk_server_state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Leader,
    Follower,
    /// A non-voting member that follows the leader.
    Observer,
    /// A single server that is not part of an ensemble.
    Standalone,
    /// Cut off from the quorum, serving reads only (`readonlymode.enabled`).
    ReadOnly,
    /// Down, not serving, or not saying.
    #[default]
    Unknown,
}

impl MemberRole {
    /// The role a mode names; anything else is [`MemberRole::Unknown`].
    pub fn from_mode(mode: &str) -> MemberRole {
        match mode.trim() {
            "leader" => MemberRole::Leader,
            "follower" => MemberRole::Follower,
            "observer" => MemberRole::Observer,
            "standalone" => MemberRole::Standalone,
            "read-only" => MemberRole::ReadOnly,
            _ => MemberRole::Unknown,
        }
    }

    /// The name in labels and the JSON API.
    pub fn name(self) -> &'static str {
        match self {
            MemberRole::Leader => "leader",
            MemberRole::Follower => "follower",
            MemberRole::Observer => "observer",
            MemberRole::Standalone => "standalone",
            MemberRole::ReadOnly => "read-only",
            MemberRole::Unknown => "unknown",
        }
    }
}

/// Request latency since the server's statistics were last reset, in ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    pub min_ms: f64,
    pub avg_ms: f64,
    pub max_ms: f64,
}

/// What only the leader reports: its learners and how many are in sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LeaderFigures {
    /// Followers and observers connected (`zk_learners`; `zk_followers`
    /// before 3.6, which counted the same).
    pub learners: Option<u64>,
    /// Voting followers in sync with the leader.
    pub synced_followers: Option<u64>,
    pub synced_observers: Option<u64>,
    pub synced_non_voting_followers: Option<u64>,
    /// Learners still being synced.
    pub pending_syncs: Option<u64>,
}

/// One member of the ensemble, as its four-letter words describe it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemberFigures {
    /// The member's name in the config (e.g. `zk-1`).
    pub name: String,
    /// `host:port` of its client port, or its AdminServer's URL.
    pub address: String,
    /// It answered at least one four-letter word (or AdminServer command).
    pub up: bool,
    /// It serves clients: it is in a quorum (or standalone). A member that
    /// answers but is electing a leader, or lost its quorum, is up and not
    /// serving.
    pub serving: bool,
    pub role: MemberRole,
    /// The answer to `ruok` (`imok`).
    pub ruok: Option<String>,
    pub version: Option<String>,
    pub latency: Option<Latency>,
    pub outstanding_requests: Option<u64>,
    pub alive_connections: Option<u64>,
    pub znode_count: Option<u64>,
    pub watch_count: Option<u64>,
    pub ephemerals_count: Option<u64>,
    pub approximate_data_size_bytes: Option<u64>,
    pub open_file_descriptors: Option<u64>,
    pub max_file_descriptors: Option<u64>,
    /// Counters with their rate against the member's previous poll.
    pub packets_received: Option<Counter>,
    pub packets_sent: Option<Counter>,
    /// The last transaction id the member has seen (`srvr` only).
    pub zxid: Option<u64>,
    pub uptime_ms: Option<u64>,
    /// Voting members of the ensemble, as the member knows it (3.6+).
    pub quorum_size: Option<u64>,
    /// On the leader only.
    pub leader: Option<LeaderFigures>,
    /// Words the member refused because `4lw.commands.whitelist` leaves
    /// them out.
    pub not_allowed: Vec<FourLetterWord>,
    /// The figures missing because of [`MemberFigures::not_allowed`].
    pub missing_figures: Vec<&'static str>,
}

impl MemberFigures {
    /// The member as configured, before it is read.
    pub fn unread(name: &str, address: &str) -> MemberFigures {
        MemberFigures {
            name: name.to_string(),
            address: address.to_string(),
            ..MemberFigures::default()
        }
    }

    /// Turns the packet counters into rates against `before`, read
    /// `seconds` earlier; a counter that went back (a restart, `srst`)
    /// gives no rate.
    pub fn add_rates(&mut self, before: &MemberFigures, seconds: f64) {
        rate(
            &mut self.packets_received,
            &before.packets_received,
            seconds,
        );
        rate(&mut self.packets_sent, &before.packets_sent, seconds);
    }
}

fn rate(now: &mut Option<Counter>, then: &Option<Counter>, seconds: f64) {
    if let (Some(now), Some(then)) = (now, then) {
        now.per_sec =
            (seconds > 0.0 && now.total >= then.total).then(|| (now.total - then.total) / seconds);
    }
}

/// The verdict on the whole ensemble from one poll of its members.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EnsembleVerdict {
    /// Configured members.
    pub members: usize,
    pub members_up: usize,
    pub members_serving: usize,
    /// Members that say they lead (or run standalone).
    pub leaders: Vec<String>,
    /// The leader's synced followers, when exactly one leader said.
    pub synced_followers: Option<u64>,
    /// Followers a fully synced leader has: every other configured member
    /// but the observers.
    pub expected_synced_followers: usize,
    /// No problem found (what could not be checked is in `unchecked`).
    pub healthy: bool,
    pub problems: Vec<EnsembleProblem>,
    /// Checks that could not be made, and why (a member's whitelist).
    pub unchecked: Vec<String>,
}

/// Something wrong with the ensemble as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum EnsembleProblem {
    /// No member leads: the ensemble serves no writes.
    NoLeader,
    /// More than one member says it leads (or runs standalone).
    SeveralLeaders { members: Vec<String> },
    /// Members that answer no four-letter word.
    MembersDown { members: Vec<String> },
    /// Members that answer but serve no clients (electing, or no quorum).
    MembersNotServing { members: Vec<String> },
    /// The leader has fewer synced followers than the ensemble has followers.
    FollowersNotSynced { synced: u64, expected: usize },
    /// An even count of voting members (observers do not vote): it
    /// tolerates no more failures than one member fewer.
    EvenMemberCount { members: usize },
}

impl std::fmt::Display for EnsembleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnsembleProblem::NoLeader => f.write_str("no member leads the ensemble"),
            EnsembleProblem::SeveralLeaders { members } => {
                write!(f, "several members lead: {}", members.join(", "))
            }
            EnsembleProblem::MembersDown { members } => {
                write!(f, "members down: {}", members.join(", "))
            }
            EnsembleProblem::MembersNotServing { members } => write!(
                f,
                "members not serving requests (electing a leader or without a quorum): {}",
                members.join(", ")
            ),
            EnsembleProblem::FollowersNotSynced { synced, expected } => write!(
                f,
                "the leader has {synced} synced follower(s) of {expected}"
            ),
            EnsembleProblem::EvenMemberCount { members } => {
                let n = *members;
                write!(
                    f,
                    "an even number of members: {n} members tolerate no more failures than {} \
                     ({} each), as a quorum of {n} needs {}",
                    n.saturating_sub(1),
                    (n.saturating_sub(1)) / 2,
                    n / 2 + 1
                )
            }
        }
    }
}
