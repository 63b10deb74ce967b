//! A ZooKeeper ensemble's members as their four-letter words (or their
//! AdminServer's commands) describe them, under the names ZooKeeper's own
//! `mntr` and the common exporters use (`zk_*`, with `cluster` and
//! `member`), and the verdict on the ensemble as a whole
//! (`kafkascope_zookeeper_ensemble_*`, with `cluster`).

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::zookeeper_figures::{
    EnsembleProblem, EnsembleVerdict, FourLetterWord, LeaderFigures, MemberFigures, MemberRole,
};

use crate::labels::Label;
use crate::writer::MetricsWriter;

pub const SERVER_STATE: &str = "zk_server_state";
pub const RUOK_OK: &str = "kafkascope_zookeeper_ruok_ok";
pub const WORD_ALLOWED: &str = "kafkascope_zookeeper_four_letter_word_allowed";
pub const ENSEMBLE_PROBLEM: &str = "kafkascope_zookeeper_ensemble_problem";

type Read<F> = fn(&F) -> Option<f64>;

fn count(value: Option<u64>) -> Option<f64> {
    value.map(|v| v as f64)
}

fn leader(m: &MemberFigures) -> Option<&LeaderFigures> {
    m.leader.as_ref()
}

const MEMBER: &[(&str, &str, Read<MemberFigures>)] = &[
    (
        "zk_up",
        "1 when the member answered a four-letter word (or an AdminServer command) in the last poll, else 0.",
        |m| Some(if m.up { 1.0 } else { 0.0 }),
    ),
    (
        "zk_avg_latency",
        "Average request latency since the member's statistics were reset, ms.",
        |m| Some(m.latency?.avg_ms),
    ),
    ("zk_min_latency", "Smallest request latency, ms.", |m| {
        Some(m.latency?.min_ms)
    }),
    ("zk_max_latency", "Largest request latency, ms.", |m| {
        Some(m.latency?.max_ms)
    }),
    (
        "zk_outstanding_requests",
        "Requests queued on the member.",
        |m| count(m.outstanding_requests),
    ),
    (
        "zk_num_alive_connections",
        "Client connections open to the member.",
        |m| count(m.alive_connections),
    ),
    ("zk_znode_count", "Znodes in the member's tree.", |m| {
        count(m.znode_count)
    }),
    ("zk_watch_count", "Watches set on the member.", |m| {
        count(m.watch_count)
    }),
    (
        "zk_ephemerals_count",
        "Ephemeral znodes (Kafka's broker registrations among them).",
        |m| count(m.ephemerals_count),
    ),
    (
        "zk_approximate_data_size",
        "Approximate bytes of the member's data tree.",
        |m| count(m.approximate_data_size_bytes),
    ),
    (
        "zk_open_file_descriptor_count",
        "File descriptors the member's process has open.",
        |m| count(m.open_file_descriptors),
    ),
    (
        "zk_max_file_descriptor_count",
        "The member's process's limit on file descriptors.",
        |m| count(m.max_file_descriptors),
    ),
    (
        "zk_packets_received",
        "Packets the member received since its statistics were reset.",
        |m| Some(m.packets_received?.total),
    ),
    (
        "zk_packets_sent",
        "Packets the member sent since its statistics were reset.",
        |m| Some(m.packets_sent?.total),
    ),
    ("zk_uptime", "How long the member has run, ms.", |m| {
        count(m.uptime_ms)
    }),
    (
        "zk_quorum_size",
        "Voting members of the ensemble as the member knows it (3.6+).",
        |m| count(m.quorum_size),
    ),
    (
        "zk_learners",
        "Followers and observers connected to the leader (the leader only).",
        |m| count(leader(m)?.learners),
    ),
    (
        "zk_synced_followers",
        "Voting followers in sync with the leader (the leader only).",
        |m| count(leader(m)?.synced_followers),
    ),
    (
        "zk_synced_observers",
        "Observers in sync with the leader (the leader only).",
        |m| count(leader(m)?.synced_observers),
    ),
    (
        "zk_pending_syncs",
        "Learners the leader is still syncing (the leader only).",
        |m| count(leader(m)?.pending_syncs),
    ),
];

const ENSEMBLE: &[(&str, &str, Read<EnsembleVerdict>)] = &[
    (
        "kafkascope_zookeeper_ensemble_healthy",
        "1 when the ensemble has exactly one leader, every member answering and serving, every follower synced and an odd voting member count, else 0.",
        |v| Some(if v.healthy { 1.0 } else { 0.0 }),
    ),
    (
        "kafkascope_zookeeper_ensemble_members",
        "Configured members of the ensemble.",
        |v| Some(v.members as f64),
    ),
    (
        "kafkascope_zookeeper_ensemble_members_up",
        "Members that answered a four-letter word or an AdminServer command.",
        |v| Some(v.members_up as f64),
    ),
    (
        "kafkascope_zookeeper_ensemble_leaders",
        "Members that say they lead (or run standalone): 1 in a healthy ensemble.",
        |v| Some(v.leaders.len() as f64),
    ),
    (
        "kafkascope_zookeeper_ensemble_synced_followers",
        "The leader's synced followers, when exactly one leader said.",
        |v| count(v.synced_followers),
    ),
    (
        "kafkascope_zookeeper_ensemble_expected_synced_followers",
        "Followers a fully synced leader has: every other member but the observers.",
        |v| Some(v.expected_synced_followers as f64),
    ),
];

/// Every kind of ensemble problem, as its `problem` label names it.
const PROBLEMS: [&str; 6] = [
    "no_leader",
    "several_leaders",
    "members_down",
    "members_not_serving",
    "followers_not_synced",
    "even_member_count",
];

fn problem_name(problem: &EnsembleProblem) -> &'static str {
    match problem {
        EnsembleProblem::NoLeader => PROBLEMS[0],
        EnsembleProblem::SeveralLeaders { .. } => PROBLEMS[1],
        EnsembleProblem::MembersDown { .. } => PROBLEMS[2],
        EnsembleProblem::MembersNotServing { .. } => PROBLEMS[3],
        EnsembleProblem::FollowersNotSynced { .. } => PROBLEMS[4],
        EnsembleProblem::EvenMemberCount { .. } => PROBLEMS[5],
    }
}

const ROLES: [MemberRole; 6] = [
    MemberRole::Leader,
    MemberRole::Follower,
    MemberRole::Observer,
    MemberRole::Standalone,
    MemberRole::ReadOnly,
    MemberRole::Unknown,
];

fn member_labels<'a>(cluster: &'a str, m: &'a MemberFigures) -> [Label<'a>; 2] {
    [
        ("cluster", cluster.into()),
        ("member", m.name.as_str().into()),
    ]
}

/// Every family this module writes, in order.
pub fn families() -> Vec<&'static str> {
    MEMBER
        .iter()
        .map(|f| f.0)
        .chain([SERVER_STATE, RUOK_OK, WORD_ALLOWED])
        .chain(ENSEMBLE.iter().map(|f| f.0))
        .chain([ENSEMBLE_PROBLEM])
        .collect()
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let ensembles: Vec<_> = sources
        .iter()
        .filter_map(|s| s.zookeeper().map(|f| (s.cluster.as_str(), f)))
        .collect();
    let members = || {
        ensembles
            .iter()
            .flat_map(|(cluster, f)| f.members.iter().map(move |m| (*cluster, m)))
    };
    for (name, help, read) in MEMBER {
        w.gauge(name, help);
        for (cluster, m) in members() {
            if let Some(value) = read(m) {
                w.sample(&member_labels(cluster, m), value);
            }
        }
    }
    w.gauge(
        SERVER_STATE,
        "1 for the member's role (leader, follower, observer, standalone, read-only, unknown when down or not saying), 0 for the others.",
    );
    for (cluster, m) in members() {
        for role in ROLES {
            let labels: [Label<'_>; 3] = [
                ("cluster", cluster.into()),
                ("member", m.name.as_str().into()),
                ("state", role.name().into()),
            ];
            w.sample(&labels, m.role == role);
        }
    }
    w.gauge(
        RUOK_OK,
        "1 when the member answered ruok with imok in the last poll, else 0.",
    );
    for (cluster, m) in members() {
        w.sample(
            &member_labels(cluster, m),
            m.ruok.as_deref() == Some("imok"),
        );
    }
    w.gauge(
        WORD_ALLOWED,
        "1 when the member answers the four-letter word, 0 when its 4lw.commands.whitelist leaves it out (members that are up only).",
    );
    for (cluster, m) in members().filter(|(_, m)| m.up) {
        for word in FourLetterWord::ALL {
            let labels: [Label<'_>; 3] = [
                ("cluster", cluster.into()),
                ("member", m.name.as_str().into()),
                ("word", word.as_str().into()),
            ];
            w.sample(&labels, !m.not_allowed.contains(&word));
        }
    }
    write_ensembles(w, &ensembles);
}

fn write_ensembles(
    w: &mut MetricsWriter,
    ensembles: &[(
        &str,
        &kafkascope_sources::zookeeper_figures::ZookeeperFigures,
    )],
) {
    for (name, help, read) in ENSEMBLE {
        w.gauge(name, help);
        for (cluster, f) in ensembles {
            if let Some(value) = read(&f.ensemble) {
                let labels: [Label<'_>; 1] = [("cluster", (*cluster).into())];
                w.sample(&labels, value);
            }
        }
    }
    w.gauge(
        ENSEMBLE_PROBLEM,
        "1 for each kind of problem the ensemble has now (no_leader, several_leaders, members_down, members_not_serving, followers_not_synced, even_member_count), 0 for the others.",
    );
    for (cluster, f) in ensembles {
        for problem in PROBLEMS {
            let present = f
                .ensemble
                .problems
                .iter()
                .any(|p| problem_name(p) == problem);
            let labels: [Label<'_>; 2] =
                [("cluster", (*cluster).into()), ("problem", problem.into())];
            w.sample(&labels, present);
        }
    }
}
