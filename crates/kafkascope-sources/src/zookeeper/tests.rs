//! The source against protocol-level fakes of a member's client port: each
//! connection reads the 4-byte word, writes the answer the fake holds for
//! it and closes, as ZooKeeper's server does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::zookeeper_figures::{EnsembleProblem, FourLetterWord, MemberRole};

/// What a fake member does with a word.
#[derive(Clone)]
enum Behaviour {
    Answer(Vec<u8>),
    /// Reads the word and never answers (nor closes).
    Hang,
}

const LEADER_SRVR: &str = include_str!("answers/leader-srvr.txt");
const LEADER_MNTR: &str = include_str!("answers/leader-mntr.txt");
const FOLLOWER_SRVR: &str = include_str!("answers/follower-srvr.txt");
const FOLLOWER_MNTR: &str = include_str!("answers/follower-mntr.txt");
const NOT_WHITELISTED_MNTR: &str = include_str!("answers/not-whitelisted-mntr.txt");
const NOT_SERVING: &str = include_str!("answers/not-serving-srvr.txt");

type Answers = BTreeMap<&'static str, Behaviour>;

/// A fake member on a free loopback port; returns its `host:port`.
async fn fake_member(answers: Answers) -> String {
    fake_member_with_handle(answers).await.0
}

/// A fake member whose answers the test can change between polls.
async fn fake_member_with_handle(answers: Answers) -> (String, Arc<Mutex<Answers>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let answers = Arc::new(Mutex::new(answers));
    let handle = Arc::clone(&answers);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answers = Arc::clone(&answers);
            tokio::spawn(async move {
                let mut word = [0u8; 4];
                if socket.read_exact(&mut word).await.is_err() {
                    return;
                }
                let word = String::from_utf8_lossy(&word).into_owned();
                let behaviour = answers.lock().unwrap().get(word.as_str()).cloned();
                match behaviour {
                    Some(Behaviour::Answer(bytes)) => {
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    Some(Behaviour::Hang) => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                    None => {}
                }
            });
        }
    });
    (address, handle)
}

fn answers(ruok: &str, srvr: &str, mntr: &str) -> Answers {
    BTreeMap::from([
        ("ruok", Behaviour::Answer(ruok.as_bytes().to_vec())),
        ("srvr", Behaviour::Answer(srvr.as_bytes().to_vec())),
        ("mntr", Behaviour::Answer(mntr.as_bytes().to_vec())),
    ])
}

/// A loopback address nothing listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    address
}

fn source(members: &[(&str, &str)]) -> ZookeeperSource {
    let targets = members
        .iter()
        .map(|(name, address)| ZookeeperTarget::client_port(*name, *address))
        .collect();
    ZookeeperSource::new(ZookeeperSettings {
        timeout: Duration::from_secs(2),
        ..ZookeeperSettings::new(targets)
    })
}

fn figures(polled: &Polled) -> &ZookeeperFigures {
    match &polled.figures {
        SourceFigures::Zookeeper(figures) => figures,
        _ => panic!("no ZooKeeper figures"),
    }
}

#[tokio::test]
async fn fake_ensemble_of_a_leader_two_followers_and_a_dead_member_is_judged() {
    let leader = fake_member(answers("imok", LEADER_SRVR, LEADER_MNTR)).await;
    let follower = fake_member(answers("imok", FOLLOWER_SRVR, FOLLOWER_MNTR)).await;
    let dead = closed_port().await;
    let mut source = source(&[("zk-1", &follower), ("zk-2", &leader), ("zk-3", &dead)]);
    let polled = source.poll(&PollContext::default()).await;

    let up: Vec<bool> = polled.targets.iter().map(|t| t.up).collect();
    assert_eq!(up, [true, true, false]);
    let down_reason = polled.targets[2].error.as_deref().unwrap();
    assert!(
        down_reason.starts_with("srvr: connect failed: Connection refused"),
        "{down_reason}"
    );
    assert_eq!(polled.targets[0].error, None);
    assert_eq!(polled.targets[1].role, "leader");
    // 1 ruok + 9 srvr lines + 543 mntr lines.
    assert_eq!(polled.targets[1].samples, 553);

    let figures = figures(&polled);
    let leader = &figures.members[1];
    assert_eq!(leader.role, MemberRole::Leader);
    assert_eq!(leader.ruok.as_deref(), Some("imok"));
    assert_eq!(leader.zxid, Some(0x1_0000_0005));
    assert_eq!(leader.packets_received.map(|c| c.total), Some(10.0));
    assert_eq!(leader.open_file_descriptors, Some(42));
    assert_eq!(leader.leader.and_then(|l| l.synced_followers), Some(2));
    assert_eq!(figures.members[2].role, MemberRole::Unknown);
    assert_eq!(
        figures.ensemble.problems,
        [EnsembleProblem::MembersDown {
            members: vec!["zk-3".into()]
        }]
    );
    assert_eq!(figures.ensemble.leaders, ["zk-2"]);
}

#[tokio::test]
async fn fake_member_refusing_mntr_is_up_and_names_what_is_missing() {
    let member = fake_member(answers("imok", FOLLOWER_SRVR, NOT_WHITELISTED_MNTR)).await;
    let mut source = source(&[("zk-1", &member)]);
    let polled = source.poll(&PollContext::default()).await;
    let status = &polled.targets[0];
    assert!(status.up);
    assert_eq!(
        status.error.as_deref(),
        Some(
            "not in the whitelist (4lw.commands.whitelist): mntr; missing: watch count, \
             ephemerals count, approximate data size, open and max file descriptors, uptime, \
             quorum size, the leader's learners, synced followers and pending syncs"
        )
    );
    let member = &figures(&polled).members[0];
    assert_eq!(member.role, MemberRole::Follower);
    assert_eq!(member.not_allowed, [FourLetterWord::Mntr]);
    assert_eq!(member.watch_count, None);
    assert_eq!(member.znode_count, Some(8));
}

#[tokio::test]
async fn fake_member_without_a_quorum_is_up_and_not_serving() {
    let member = fake_member(answers("imok", NOT_SERVING, NOT_SERVING)).await;
    let mut source = source(&[("zk-1", &member)]);
    let polled = source.poll(&PollContext::default()).await;
    assert!(polled.targets[0].up);
    assert_eq!(
        polled.targets[0].error.as_deref(),
        Some("not serving requests (electing a leader, or no quorum)")
    );
    let figures = figures(&polled);
    assert!(!figures.members[0].serving);
    assert_eq!(
        figures.ensemble.problems,
        [
            EnsembleProblem::NoLeader,
            EnsembleProblem::MembersNotServing {
                members: vec!["zk-1".into()]
            }
        ]
    );
}

#[tokio::test]
async fn fake_member_answering_garbage_is_up_with_a_clear_error_and_no_figures() {
    let garbage = "\u{0}\u{7f}SSH-2.0-OpenSSH_9.2\r\n";
    let member = fake_member(answers("imok", garbage, garbage)).await;
    let mut source = source(&[("zk-1", &member)]);
    let polled = source.poll(&PollContext::default()).await;
    let error = polled.targets[0].error.as_deref().unwrap();
    assert!(
        error.starts_with("not a srvr answer (no 'Zookeeper version' line): "),
        "{error}"
    );
    assert!(
        error.contains("; not a mntr answer (no 'zk_<name><tab><value>' line): "),
        "{error}"
    );
    assert_eq!(figures(&polled).members[0].role, MemberRole::Unknown);
}

#[tokio::test]
async fn fake_member_sending_an_oversized_or_non_utf8_answer_is_refused_not_truncated() {
    let huge = format!("zk_version\t3.9.5\n{}", "zk_x\t1\n".repeat(200_000));
    let member = fake_member(BTreeMap::from([
        ("ruok", Behaviour::Answer(b"im\xffok".to_vec())),
        ("srvr", Behaviour::Answer(LEADER_SRVR.as_bytes().to_vec())),
        ("mntr", Behaviour::Answer(huge.into_bytes())),
    ]))
    .await;
    let mut source = source(&[("zk-1", &member)]);
    source.settings.max_answer_bytes = 1 << 20;
    let polled = source.poll(&PollContext::default()).await;
    assert_eq!(
        polled.targets[0].error.as_deref(),
        Some(
            "ruok: the answer is not UTF-8 text: invalid utf-8 sequence of 1 bytes from \
             index 2; mntr: the answer is larger than 1048576 bytes"
        )
    );
    let member = &figures(&polled).members[0];
    assert_eq!(member.role, MemberRole::Leader);
    assert_eq!(member.watch_count, None);
}

#[tokio::test]
async fn fake_member_that_never_answers_is_down_within_the_timeout() {
    let hang = BTreeMap::from([
        ("ruok", Behaviour::Hang),
        ("srvr", Behaviour::Hang),
        ("mntr", Behaviour::Hang),
    ]);
    let member = fake_member(hang).await;
    let mut source = source(&[("zk-1", &member)]);
    source.settings.timeout = Duration::from_millis(300);
    let polled = source.poll(&PollContext::default()).await;
    assert!(!polled.targets[0].up);
    assert_eq!(
        polled.targets[0].error.as_deref(),
        Some("srvr: no complete answer within 300ms (0 bytes received)")
    );
}

#[tokio::test]
async fn fake_member_packet_rates_count_from_its_previous_poll_and_restart_after_a_reset() {
    let (member, handle) = fake_member_with_handle(answers("imok", LEADER_SRVR, LEADER_MNTR)).await;
    let mut source = source(&[("zk-1", &member)]);
    let polled = source.poll(&PollContext::default()).await;
    assert_eq!(
        figures(&polled).members[0].packets_sent.unwrap().per_sec,
        None
    );

    // The same member read again: its counters did not move.
    let polled = source.poll(&PollContext::default()).await;
    assert_eq!(
        figures(&polled).members[0].packets_sent.unwrap().per_sec,
        Some(0.0)
    );

    // Counters that went back (a restart, or `srst`) give no rate.
    let mntr = LEADER_MNTR.replace("zk_packets_sent\t11", "zk_packets_sent\t3");
    *handle.lock().unwrap() = answers("imok", LEADER_SRVR, &mntr);
    let polled = source.poll(&PollContext::default()).await;
    let sent = figures(&polled).members[0].packets_sent.unwrap();
    assert_eq!(sent.total, 3.0);
    assert_eq!(sent.per_sec, None);
}
