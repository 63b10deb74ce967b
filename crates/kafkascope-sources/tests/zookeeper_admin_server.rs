//! Members read through their AdminServer (`admin_url`) against a real
//! Apache ZooKeeper ensemble with its AdminServers on
//! (`testbed/zookeeper-ensemble.sh --admin-server`, through the testkit):
//! each member reads the same as through its four-letter words, a stopped
//! member is down with the reason, and AdminServer URLs where nothing
//! listens, where another HTTP server answers or where credentials are
//! refused are down with a clear error while the others still count.

mod zookeeper_polls;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::Source;
use kafkascope_sources::source::PollContext;
use kafkascope_sources::zookeeper::{ZookeeperSettings, ZookeeperSource, ZookeeperTarget};
use kafkascope_sources::zookeeper_figures::{EnsembleProblem, MemberFigures, MemberRole};
use kafkascope_testkit::zookeeper::ZookeeperEnsemble;
use zookeeper_polls::{figures, poll_until};

fn source(targets: Vec<ZookeeperTarget>) -> ZookeeperSource {
    ZookeeperSource::new(ZookeeperSettings {
        timeout: Duration::from_secs(5),
        ..ZookeeperSettings::new(targets)
    })
}

fn admin_target(name: &str, url: &str) -> ZookeeperTarget {
    ZookeeperTarget::admin_server(name, HttpUrl::parse(url).unwrap())
}

fn words_source(ensemble: &ZookeeperEnsemble) -> ZookeeperSource {
    source(
        (1..=ensemble.members())
            .map(|m| ZookeeperTarget::client_port(format!("zk-{m}"), ensemble.member_address(m)))
            .collect(),
    )
}

fn admin_targets(ensemble: &ZookeeperEnsemble) -> Vec<ZookeeperTarget> {
    (1..=ensemble.members())
        .map(|m| admin_target(&format!("zk-{m}"), &ensemble.member_admin_url(m)))
        .collect()
}

/// The member's figures without those that move on an idle ensemble (or
/// count the asking connection itself, as srvr's connections do), and
/// without where it was read: the rest must be equal.
fn stable(m: &MemberFigures) -> MemberFigures {
    MemberFigures {
        address: String::new(),
        latency: None,
        packets_received: None,
        packets_sent: None,
        alive_connections: None,
        open_file_descriptors: None,
        uptime_ms: None,
        ..m.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_ensemble_reads_the_same_through_its_admin_server_as_through_four_letter_words() {
    let ensemble = tokio::task::block_in_place(|| ZookeeperEnsemble::start_with_admin_server(3))
        .expect("starting a 3-member ZooKeeper ensemble with its AdminServers");
    let mut words = words_source(&ensemble);
    let mut admin = source(admin_targets(&ensemble));
    poll_until(&mut words, "healthy by its words", |f| f.ensemble.healthy).await;
    let through_admin = poll_until(&mut admin, "healthy by its AdminServers", |f| {
        f.ensemble.healthy
    })
    .await;
    let through_words = words.poll(&PollContext::default()).await;
    let (by_admin, by_words) = (figures(&through_admin), figures(&through_words));

    for (m, (admin, words)) in by_admin.members.iter().zip(&by_words.members).enumerate() {
        let number = m as u32 + 1;
        assert_eq!(stable(admin), stable(words), "zk-{number}");
        assert_eq!(
            admin.address,
            format!("{}/", ensemble.member_admin_url(number))
        );
        let status = &through_admin.targets[m];
        assert!(status.up && status.error.is_none(), "{status:?}");
        assert_eq!(status.target, admin.address);
        assert_eq!(status.role, admin.role.name());
        // Counters that move: present, as through the words.
        for (what, present) in [
            ("packets received", admin.packets_received.is_some()),
            ("packets sent", admin.packets_sent.is_some()),
            ("latency", admin.latency.is_some()),
            ("connections", admin.alive_connections.is_some()),
            (
                "open file descriptors",
                admin.open_file_descriptors.is_some(),
            ),
            ("uptime", admin.uptime_ms.is_some()),
        ] {
            assert!(present, "zk-{number} lacks its {what}");
        }
        assert_eq!(admin.ruok.as_deref(), Some("imok"));
        assert!(admin.version.as_deref().unwrap().starts_with("3.9.5-"));
        // A fresh ensemble: /, /zookeeper, its quota and config nodes.
        assert_eq!(admin.znode_count, Some(5));
        assert_eq!(admin.quorum_size, Some(3));
        assert_eq!(admin.not_allowed, []);
    }
    assert_eq!(by_admin.ensemble, by_words.ensemble);
    assert_eq!(by_admin.ensemble.synced_followers, Some(2));
    let leader = by_admin
        .members
        .iter()
        .position(|m| m.role == MemberRole::Leader)
        .expect("a leader") as u32
        + 1;
    let leader_figures = by_admin.members[leader as usize - 1].leader.unwrap();
    assert_eq!(leader_figures.learners, Some(2));
    assert_eq!(leader_figures.synced_followers, Some(2));
    assert_eq!(
        by_admin
            .members
            .iter()
            .filter(|m| m.role == MemberRole::Follower)
            .count(),
        2
    );

    // Beside two URLs that are no AdminServer, the real members still count.
    let dead = closed_port_url();
    let garbage = http_server("200 OK", "text/plain", "hello, I am not ZooKeeper");
    let mut targets = admin_targets(&ensemble);
    targets.push(admin_target("zk-dead", &dead));
    targets.push(admin_target("zk-web", &garbage));
    let polled = source(targets).poll(&PollContext::default()).await;
    let mixed = figures(&polled);
    assert_eq!(mixed.ensemble.members, 5);
    assert_eq!(mixed.ensemble.members_up, 3);
    assert_eq!(mixed.ensemble.leaders, [format!("zk-{leader}")]);
    assert_eq!(
        mixed.ensemble.problems,
        [
            EnsembleProblem::MembersDown {
                members: vec!["zk-dead".to_string(), "zk-web".to_string()]
            },
            EnsembleProblem::FollowersNotSynced {
                synced: 2,
                expected: 4
            },
        ]
    );
    assert_eq!(
        polled.targets[3].error.as_deref(),
        Some("server_stats: connect failed: Connection refused (os error 111)")
    );
    assert_eq!(
        polled.targets[4].error.as_deref(),
        Some(
            "server_stats: not a ZooKeeper AdminServer answer (no JSON object naming its \
             command): hello, I am not ZooKeeper"
        )
    );

    tokio::task::block_in_place(|| ensemble.stop_member(leader)).unwrap();
    let stopped = format!("zk-{leader}");
    let polled = poll_until(&mut admin, "re-elected without the old leader", |f| {
        f.ensemble.leaders.len() == 1 && f.ensemble.members_serving == 2
    })
    .await;
    let without = figures(&polled);
    let status = &polled.targets[leader as usize - 1];
    assert!(!status.up);
    assert_eq!(
        status.error.as_deref(),
        Some("server_stats: connect failed: Connection refused (os error 111)")
    );
    assert!(!without.members[leader as usize - 1].up);
    assert!(!without.ensemble.leaders.contains(&stopped));
    assert_eq!(without.ensemble.synced_followers, Some(1));
    assert_eq!(
        without.ensemble.problems,
        [
            EnsembleProblem::MembersDown {
                members: vec![stopped]
            },
            EnsembleProblem::FollowersNotSynced {
                synced: 1,
                expected: 2
            },
        ]
    );
    assert!(!without.ensemble.healthy);
}

#[tokio::test]
async fn admin_urls_that_are_no_admin_server_are_down_with_a_clear_reason() {
    let dead = closed_port_url();
    let garbage = http_server("200 OK", "text/html", "<html><body>It works!</body></html>");
    let refused = http_server(
        "401 Unauthorized",
        "text/html",
        "<html><head><title>Error 401 Unauthorized</title></head></html>",
    );
    let missing = http_server("404 Not Found", "text/plain", "no such page");
    let mut source = source(vec![
        admin_target("zk-dead", &dead),
        admin_target("zk-web", &garbage),
        admin_target("zk-auth", &refused),
        admin_target("zk-old", &missing),
    ]);
    let polled = source.poll(&PollContext::default()).await;
    let errors: Vec<Option<&str>> = polled.targets.iter().map(|t| t.error.as_deref()).collect();
    assert_eq!(
        errors,
        [
            Some("server_stats: connect failed: Connection refused (os error 111)"),
            Some(
                "server_stats: not a ZooKeeper AdminServer answer (no JSON object naming its \
                 command): <html><body>It works!</body></html>"
            ),
            Some(
                "server_stats: HTTP 401: Error 401 Unauthorized (the AdminServer, or a proxy \
                 before it, wants credentials: username and password)"
            ),
            Some(
                "server_stats: HTTP 404: no such page (no such AdminServer command: a ZooKeeper \
                 before 3.5, or a wrong path in admin_url)"
            ),
        ]
    );
    assert!(polled.targets.iter().all(|t| !t.up && t.samples == 0));
    let all = figures(&polled);
    assert!(
        all.members
            .iter()
            .all(|m| !m.up && m.role == MemberRole::Unknown)
    );
    assert_eq!(all.ensemble.members_up, 0);
    assert_eq!(
        all.ensemble.problems,
        [
            EnsembleProblem::NoLeader,
            EnsembleProblem::MembersDown {
                members: ["zk-dead", "zk-web", "zk-auth", "zk-old"]
                    .map(String::from)
                    .to_vec()
            },
            EnsembleProblem::EvenMemberCount { members: 4 },
        ]
    );
}

/// `http://127.0.0.1:<port>` where nothing listens.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// A plain HTTP server answering every request with `status` and `body`,
/// on a thread for the rest of the test process; returns its URL.
fn http_server(status: &'static str, content_type: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            // The request's head, up to its blank line.
            while request.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}
