//! The verdict on an ensemble from one poll of its members: exactly one
//! leader (or one standalone server), every follower synced with it, every
//! member answering and serving, and an odd member count.

use crate::zookeeper_figures::{
    EnsembleProblem, EnsembleVerdict, FourLetterWord, MemberFigures, MemberRole,
};

/// Judges the ensemble that `members` (every configured member, read or
/// not) make up.
pub fn judge(members: &[MemberFigures]) -> EnsembleVerdict {
    let names = |keep: &dyn Fn(&MemberFigures) -> bool| -> Vec<String> {
        members
            .iter()
            .filter(|m| keep(m))
            .map(|m| m.name.clone())
            .collect()
    };
    let leading = |m: &MemberFigures| matches!(m.role, MemberRole::Leader | MemberRole::Standalone);
    let down = names(&|m| !m.up);
    let not_serving = names(&|m| m.up && !m.serving);
    let leaders = names(&leading);
    let observers = members
        .iter()
        .filter(|m| m.role == MemberRole::Observer)
        .count();
    let expected_synced_followers = members.len().saturating_sub(1 + observers);

    let mut verdict = EnsembleVerdict {
        members: members.len(),
        members_up: members.len() - down.len(),
        members_serving: members.iter().filter(|m| m.up && m.serving).count(),
        expected_synced_followers,
        ..EnsembleVerdict::default()
    };
    let silent = names(&|m| m.up && m.serving && says_no_role(m));
    match leaders.len() {
        // Members that allow neither srvr nor mntr may lead unseen.
        0 if !silent.is_empty() => verdict.unchecked.push(format!(
            "which member leads: {} allow(s) neither srvr nor mntr (4lw.commands.whitelist)",
            silent.join(", ")
        )),
        0 => verdict.problems.push(EnsembleProblem::NoLeader),
        1 => {}
        _ => verdict.problems.push(EnsembleProblem::SeveralLeaders {
            members: leaders.clone(),
        }),
    }
    if !down.is_empty() {
        verdict
            .problems
            .push(EnsembleProblem::MembersDown { members: down });
    }
    if !not_serving.is_empty() {
        verdict.problems.push(EnsembleProblem::MembersNotServing {
            members: not_serving,
        });
    }
    if let [leader] = members.iter().filter(|m| leading(m)).collect::<Vec<_>>()[..] {
        check_sync(&mut verdict, leader);
    }
    // Observers do not vote: the quorum is of the others.
    let voters = members.len() - observers;
    if voters.is_multiple_of(2) && voters > 0 {
        verdict
            .problems
            .push(EnsembleProblem::EvenMemberCount { members: voters });
    }
    verdict.leaders = leaders;
    verdict.healthy = verdict.problems.is_empty();
    verdict
}

/// A member up whose whitelist refuses both words that name its role.
fn says_no_role(member: &MemberFigures) -> bool {
    member.role == MemberRole::Unknown
        && member.not_allowed.contains(&FourLetterWord::Srvr)
        && member.not_allowed.contains(&FourLetterWord::Mntr)
}

/// The leader's synced followers against the ensemble's followers. A
/// standalone server has none to sync.
fn check_sync(verdict: &mut EnsembleVerdict, leader: &MemberFigures) {
    if leader.role == MemberRole::Standalone {
        return;
    }
    let synced = leader.leader.and_then(|l| l.synced_followers);
    verdict.synced_followers = synced;
    match synced {
        Some(synced) if synced < verdict.expected_synced_followers as u64 => {
            verdict.problems.push(EnsembleProblem::FollowersNotSynced {
                synced,
                expected: verdict.expected_synced_followers,
            });
        }
        Some(_) => {}
        None => verdict.unchecked.push(sync_unchecked(leader)),
    }
}

fn sync_unchecked(leader: &MemberFigures) -> String {
    let why = if leader.not_allowed.contains(&FourLetterWord::Mntr) {
        format!(
            "{} does not allow mntr (4lw.commands.whitelist)",
            leader.name
        )
    } else {
        format!("{}'s mntr answer did not say", leader.name)
    };
    format!("whether the followers are synced: the leader {why}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zookeeper_figures::LeaderFigures;

    fn member(name: &str, role: MemberRole) -> MemberFigures {
        MemberFigures {
            up: true,
            serving: true,
            role,
            ..MemberFigures::unread(name, &format!("{name}:2181"))
        }
    }

    fn leader(name: &str, synced: u64) -> MemberFigures {
        MemberFigures {
            leader: Some(LeaderFigures {
                learners: Some(synced),
                synced_followers: Some(synced),
                ..LeaderFigures::default()
            }),
            ..member(name, MemberRole::Leader)
        }
    }

    fn down(name: &str) -> MemberFigures {
        MemberFigures::unread(name, &format!("{name}:2181"))
    }

    #[test]
    fn three_members_one_leader_two_synced_followers_are_healthy() {
        let verdict = judge(&[
            member("zk-1", MemberRole::Follower),
            leader("zk-2", 2),
            member("zk-3", MemberRole::Follower),
        ]);
        assert_eq!(
            verdict,
            EnsembleVerdict {
                members: 3,
                members_up: 3,
                members_serving: 3,
                leaders: vec!["zk-2".into()],
                synced_followers: Some(2),
                expected_synced_followers: 2,
                healthy: true,
                problems: vec![],
                unchecked: vec![],
            }
        );
    }

    #[test]
    fn a_member_down_is_named_and_the_leaders_sync_count_falls_short() {
        let verdict = judge(&[
            down("zk-1"),
            leader("zk-2", 1),
            member("zk-3", MemberRole::Follower),
        ]);
        assert!(!verdict.healthy);
        assert_eq!(verdict.members_up, 2);
        assert_eq!(
            verdict.problems,
            [
                EnsembleProblem::MembersDown {
                    members: vec!["zk-1".into()]
                },
                EnsembleProblem::FollowersNotSynced {
                    synced: 1,
                    expected: 2
                },
            ]
        );
        assert_eq!(verdict.problems[0].to_string(), "members down: zk-1");
        assert_eq!(
            verdict.problems[1].to_string(),
            "the leader has 1 synced follower(s) of 2"
        );
    }

    #[test]
    fn an_even_member_count_is_flagged_with_why() {
        let verdict = judge(&[
            leader("zk-1", 3),
            member("zk-2", MemberRole::Follower),
            member("zk-3", MemberRole::Follower),
            member("zk-4", MemberRole::Follower),
        ]);
        assert_eq!(
            verdict.problems,
            [EnsembleProblem::EvenMemberCount { members: 4 }]
        );
        assert_eq!(
            verdict.problems[0].to_string(),
            "an even number of members: 4 members tolerate no more failures than 3 (1 each), \
             as a quorum of 4 needs 3"
        );
        assert!(!verdict.healthy);
    }

    #[test]
    fn no_leader_while_the_members_left_elect_and_do_not_serve() {
        let mut electing = member("zk-2", MemberRole::Unknown);
        electing.serving = false;
        let verdict = judge(&[down("zk-1"), electing, down("zk-3")]);
        assert_eq!(
            verdict.problems,
            [
                EnsembleProblem::NoLeader,
                EnsembleProblem::MembersDown {
                    members: vec!["zk-1".into(), "zk-3".into()]
                },
                EnsembleProblem::MembersNotServing {
                    members: vec!["zk-2".into()]
                },
            ]
        );
        assert_eq!(verdict.synced_followers, None);
    }

    #[test]
    fn two_leaders_are_flagged_and_neither_sync_count_is_taken() {
        let verdict = judge(&[
            leader("zk-1", 2),
            member("zk-2", MemberRole::Standalone),
            leader("zk-3", 2),
        ]);
        assert_eq!(
            verdict.problems,
            [EnsembleProblem::SeveralLeaders {
                members: vec!["zk-1".into(), "zk-2".into(), "zk-3".into()]
            }]
        );
        assert_eq!(verdict.synced_followers, None);
    }

    #[test]
    fn a_single_standalone_server_is_healthy() {
        let verdict = judge(&[member("zk-1", MemberRole::Standalone)]);
        assert!(verdict.healthy, "{verdict:?}");
        assert_eq!(verdict.expected_synced_followers, 0);
    }

    #[test]
    fn observers_are_not_expected_among_the_synced_followers() {
        let verdict = judge(&[
            leader("zk-1", 2),
            member("zk-2", MemberRole::Follower),
            member("zk-3", MemberRole::Follower),
            member("zk-obs", MemberRole::Observer),
        ]);
        assert_eq!(verdict.expected_synced_followers, 2);
        // Four targets, one of them an observer: three voters, an odd count.
        assert!(verdict.healthy, "{verdict:?}");
    }

    #[test]
    fn a_member_that_allows_neither_srvr_nor_mntr_may_lead_unseen_so_no_leader_is_unchecked() {
        let mut silent = member("zk-3", MemberRole::Unknown);
        silent.not_allowed = vec![FourLetterWord::Srvr, FourLetterWord::Mntr];
        let verdict = judge(&[
            member("zk-1", MemberRole::Follower),
            member("zk-2", MemberRole::Follower),
            silent,
        ]);
        assert!(verdict.healthy, "{verdict:?}");
        assert_eq!(
            verdict.unchecked,
            ["which member leads: zk-3 allow(s) neither srvr nor mntr (4lw.commands.whitelist)"]
        );
    }

    #[test]
    fn a_leader_that_does_not_allow_mntr_leaves_the_sync_unchecked_not_failed() {
        let mut restricted = member("zk-2", MemberRole::Leader);
        restricted.not_allowed = vec![FourLetterWord::Mntr];
        let verdict = judge(&[
            member("zk-1", MemberRole::Follower),
            restricted,
            member("zk-3", MemberRole::Follower),
        ]);
        assert!(verdict.healthy);
        assert_eq!(
            verdict.unchecked,
            [
                "whether the followers are synced: the leader zk-2 does not allow mntr \
              (4lw.commands.whitelist)"
            ]
        );
    }
}
