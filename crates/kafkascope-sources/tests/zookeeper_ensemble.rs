//! The ZooKeeper source against real Apache ZooKeeper ensembles on loopback
//! (`testbed/zookeeper-ensemble.sh`, through the testkit): roles, sync
//! counts and the verdict as a member is stopped and started again, a
//! member whose whitelist leaves `mntr` out, an even member count. Also
//! the poll-cost benchmark `bench/zookeeper.sh` runs (ignored here).

mod zookeeper_polls;

use std::time::Instant;

use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::Source;
use kafkascope_sources::source::PollContext;
use kafkascope_sources::zookeeper::{ZookeeperSettings, ZookeeperSource, ZookeeperTarget};
use kafkascope_sources::zookeeper_figures::{
    EnsembleProblem, FourLetterWord, MemberRole, ZookeeperFigures,
};
use kafkascope_testkit::zookeeper::ZookeeperEnsemble;
use zookeeper_polls::{figures, poll_until};

/// Members by `host:port` of their client ports, or by their AdminServer's
/// `http://` URL.
fn source_for(addresses: &[String]) -> ZookeeperSource {
    let targets = addresses
        .iter()
        .enumerate()
        .map(|(i, address)| {
            let name = format!("zk-{}", i + 1);
            if address.starts_with("http") {
                let url = HttpUrl::parse(address).expect("an AdminServer URL");
                ZookeeperTarget::admin_server(name, url)
            } else {
                ZookeeperTarget::client_port(name, address)
            }
        })
        .collect();
    ZookeeperSource::new(ZookeeperSettings::new(targets))
}

fn ensemble_source(ensemble: &ZookeeperEnsemble) -> ZookeeperSource {
    let addresses: Vec<String> = (1..=ensemble.members())
        .map(|m| ensemble.member_address(m))
        .collect();
    source_for(&addresses)
}

fn count_roles(figures: &ZookeeperFigures, role: MemberRole) -> usize {
    figures.members.iter().filter(|m| m.role == role).count()
}

/// The 1-based member number of the leader.
fn leader_number(figures: &ZookeeperFigures) -> u32 {
    let index = figures
        .members
        .iter()
        .position(|m| m.role == MemberRole::Leader)
        .expect("a leader");
    index as u32 + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_three_member_ensemble_roles_and_sync_follow_a_leader_stopped_and_restarted() {
    let ensemble = tokio::task::block_in_place(|| ZookeeperEnsemble::start(3))
        .expect("starting a 3-member ZooKeeper ensemble");
    let mut source = ensemble_source(&ensemble);

    let polled = poll_until(&mut source, "healthy", |f| f.ensemble.healthy).await;
    let all = figures(&polled);
    assert_eq!(count_roles(all, MemberRole::Leader), 1);
    assert_eq!(count_roles(all, MemberRole::Follower), 2);
    assert_eq!(all.ensemble.synced_followers, Some(2));
    assert_eq!(all.ensemble.expected_synced_followers, 2);
    assert_eq!(all.ensemble.problems, []);
    assert_eq!(all.ensemble.members_up, 3);
    for (member, status) in all.members.iter().zip(&polled.targets) {
        assert!(status.up && status.error.is_none(), "{status:?}");
        assert_eq!(status.role, member.role.name());
        assert_eq!(member.ruok.as_deref(), Some("imok"));
        assert!(member.version.as_deref().unwrap().starts_with("3.9.5-"));
        assert_eq!(member.quorum_size, Some(3));
        // A fresh ensemble: /, /zookeeper, its quota and config nodes.
        assert_eq!(member.znode_count, Some(5));
        assert_eq!(member.not_allowed, []);
        assert!(member.zxid.is_some() && member.open_file_descriptors.is_some());
    }
    let leader = leader_number(all);
    let leader_figures = all.members[leader as usize - 1].leader.unwrap();
    assert_eq!(leader_figures.learners, Some(2));
    assert_eq!(leader_figures.pending_syncs, Some(0));

    // A second poll gives every member's packet rates.
    let polled = source.poll(&PollContext::default()).await;
    for member in &figures(&polled).members {
        let rate = member.packets_received.and_then(|c| c.per_sec);
        assert!(rate.is_some_and(|r| r >= 0.0), "{member:?}");
    }

    tokio::task::block_in_place(|| ensemble.stop_member(leader)).unwrap();
    let stopped = format!("zk-{leader}");
    let polled = poll_until(&mut source, "re-elected without the old leader", |f| {
        f.ensemble.leaders.len() == 1 && f.ensemble.members_serving == 2
    })
    .await;
    let without = figures(&polled);
    let status = &polled.targets[leader as usize - 1];
    assert!(!status.up);
    let reason = status.error.as_deref().unwrap();
    assert!(
        reason.contains("connect failed: Connection refused"),
        "{reason}"
    );
    assert_eq!(without.ensemble.leaders.len(), 1);
    assert!(!without.ensemble.leaders.contains(&stopped));
    assert_eq!(without.ensemble.synced_followers, Some(1));
    assert_eq!(
        without.ensemble.problems,
        [
            EnsembleProblem::MembersDown {
                members: vec![stopped.clone()]
            },
            EnsembleProblem::FollowersNotSynced {
                synced: 1,
                expected: 2
            },
        ]
    );
    assert!(!without.ensemble.healthy);

    tokio::task::block_in_place(|| ensemble.start_member(leader)).unwrap();
    let polled = poll_until(&mut source, "healthy again", |f| f.ensemble.healthy).await;
    let back = figures(&polled);
    assert_eq!(back.ensemble.members_up, 3);
    assert_eq!(back.ensemble.synced_followers, Some(2));
    // The old leader rejoins under the leader elected without it.
    assert_eq!(back.members[leader as usize - 1].role, MemberRole::Follower);
    assert_eq!(count_roles(back, MemberRole::Leader), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_four_member_ensemble_is_flagged_even_and_a_member_allowing_only_srvr_and_ruok_is_up()
{
    let ensemble =
        tokio::task::block_in_place(|| ZookeeperEnsemble::start_with_whitelist(4, 1, "srvr,ruok"))
            .expect("starting a 4-member ZooKeeper ensemble");
    let mut source = ensemble_source(&ensemble);
    let polled = poll_until(
        &mut source,
        "serving with a leader and synced followers",
        |f| {
            f.ensemble.members_serving == 4
                && f.ensemble.leaders.len() == 1
                && (f.ensemble.synced_followers == Some(3) || !f.ensemble.unchecked.is_empty())
        },
    )
    .await;
    let all = figures(&polled);

    let restricted = &all.members[0];
    let status = &polled.targets[0];
    assert!(status.up);
    assert!(matches!(
        restricted.role,
        MemberRole::Leader | MemberRole::Follower
    ));
    assert_eq!(status.role, restricted.role.name());
    assert_eq!(restricted.not_allowed, [FourLetterWord::Mntr]);
    assert_eq!(
        status.error.as_deref(),
        Some(
            "not in the whitelist (4lw.commands.whitelist): mntr; missing: watch count, \
             ephemerals count, approximate data size, open and max file descriptors, uptime, \
             quorum size, the leader's learners, synced followers and pending syncs"
        )
    );
    assert_eq!(restricted.ruok.as_deref(), Some("imok"));
    // srvr's figures are there; mntr's alone are not.
    assert!(restricted.zxid.is_some() && restricted.znode_count == Some(5));
    assert_eq!(restricted.watch_count, None);
    assert_eq!(restricted.open_file_descriptors, None);
    for member in &all.members[1..] {
        assert_eq!(member.not_allowed, []);
        assert_eq!(member.quorum_size, Some(4));
    }

    assert_eq!(
        all.ensemble.problems,
        [EnsembleProblem::EvenMemberCount { members: 4 }]
    );
    assert_eq!(
        all.ensemble.problems[0].to_string(),
        "an even number of members: 4 members tolerate no more failures than 3 (1 each), \
         as a quorum of 4 needs 3"
    );
    if restricted.role == MemberRole::Leader {
        assert_eq!(all.ensemble.synced_followers, None);
        assert_eq!(
            all.ensemble.unchecked,
            [
                "whether the followers are synced: the leader zk-1 does not allow mntr \
              (4lw.commands.whitelist)"
            ]
        );
    } else {
        assert_eq!(all.ensemble.synced_followers, Some(3));
        assert_eq!(all.ensemble.unchecked, Vec::<String>::new());
    }
}

/// `bench/zookeeper.sh`: the cost of polling a 3-member ensemble, printed.
/// `KAFKASCOPE_BENCH_ZOOKEEPER` names the members (`host:port,...`);
/// `KAFKASCOPE_BENCH_POLLS` how many polls (default 200).
#[tokio::test(flavor = "current_thread")]
#[ignore = "a benchmark: bench/zookeeper.sh runs it against a real ensemble"]
async fn zookeeper_poll_cost_benchmark() {
    let members = std::env::var("KAFKASCOPE_BENCH_ZOOKEEPER").expect(
        "KAFKASCOPE_BENCH_ZOOKEEPER: the members' host:port or AdminServer URLs, comma-separated",
    );
    let polls: usize = std::env::var("KAFKASCOPE_BENCH_POLLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let addresses: Vec<String> = members.split(',').map(str::to_string).collect();
    let mut source = source_for(&addresses);
    // One poll first: connections warm, rates primed.
    source.poll(&PollContext::default()).await;

    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let mut each_ms = Vec::with_capacity(polls);
    let mut samples = 0;
    for _ in 0..polls {
        let poll_started = Instant::now();
        let polled = source.poll(&PollContext::default()).await;
        each_ms.push(poll_started.elapsed().as_secs_f64() * 1000.0);
        samples += polled.targets.iter().map(|t| t.samples).sum::<usize>();
        assert!(polled.targets.iter().all(|t| t.up), "{:?}", polled.targets);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    each_ms.sort_by(f64::total_cmp);
    let quantile = |q: f64| each_ms[((each_ms.len() - 1) as f64 * q).round() as usize];
    println!("members: {}", addresses.len());
    println!("polls: {polls}");
    println!("samples per poll: {}", samples / polls);
    println!(
        "wall ms per poll: mean {:.2}, p50 {:.2}, p95 {:.2}, max {:.2}",
        wall * 1000.0 / polls as f64,
        quantile(0.5),
        quantile(0.95),
        quantile(1.0)
    );
    println!(
        "kafkascope CPU ms per poll (user+system): {:.3}",
        cpu * 1000.0 / polls as f64
    );
}

/// This process's user and system CPU time so far, from /proc/self/stat
/// (in clock ticks of 1/100 s, as Linux reports them to user space).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("reading /proc/self/stat");
    // The command name may hold spaces; the fields after its ')' do not.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}
