//! A broker stopped and started again on a 3-node Apache Kafka cluster of
//! this test's own: the states tansu could not produce, each checked
//! against `kafka-topics --describe` and the brokers' own answers.
//!
//! Topics: `down-rf3` (3 partitions, RF 3), `down-rf2` (replicas 2,0 / 0,1
//! / 1,2) and `down-rf1` (replicas 2 / 0). With node 2 stopped: every
//! partition with a replica on 2 is under-replicated, the RF-2 ones on 2
//! are under min.insync.replicas=2, `down-rf1-0` is offline. After the
//! restart the partitions node 2 led have other leaders (not preferred)
//! until a preferred-leader election moves them back.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::kafka::describe_field;
use common::{Metrics, Serve, kafkascope_ok};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const TOPICS: [&str; 3] = ["down-rf3", "down-rf2", "down-rf1"];

fn topic_command(cluster: &KafkaCluster, args: &[&str]) -> String {
    cluster
        .kafka_topics(args)
        .unwrap_or_else(|e| panic!("kafka-topics {args:?}: {e:#}"))
}

/// `(topic, partition, leader, replicas, isr)` of every partition line in a
/// kafka-topics-shaped `--describe` table, for this test's topics.
fn partition_rows(table: &str) -> Vec<[String; 5]> {
    let mut rows: Vec<[String; 5]> = table
        .lines()
        .filter(|line| line.contains("Partition: "))
        .map(|line| {
            let field = |name: &str| describe_field(line, name);
            ["Topic: ", "Partition: ", "Leader: ", "Replicas: ", "Isr: "].map(field)
        })
        .filter(|row| TOPICS.contains(&row[0].as_str()))
        .collect();
    rows.sort();
    rows
}

/// kafka-topics and kafkascope on the same filter flag, per topic.
fn both_describe(cluster: &KafkaCluster, filter: &[&str]) -> (Vec<[String; 5]>, Vec<[String; 5]>) {
    let theirs = topic_command(cluster, &[&["--describe"][..], filter].concat());
    let bootstrap = cluster.bootstrap();
    let ours = kafkascope_ok(
        &[
            &[
                "topics",
                "--describe",
                "--bootstrap-server",
                bootstrap.as_str(),
            ][..],
            filter,
        ]
        .concat(),
    );
    (partition_rows(&ours), partition_rows(&theirs))
}

fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Partition flags from the JSON API: partition → (offline, under
/// replicated, under min ISR, leader is preferred).
fn partition_flags(serve: &Serve, topic: &str) -> BTreeMap<i64, [bool; 4]> {
    let detail = serve.json(&format!("/api/v1/clusters/default/topics/{topic}"));
    detail["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let flag = |name: &str| p[name].as_bool().unwrap();
            (
                p["partition"].as_i64().unwrap(),
                [
                    flag("offline"),
                    flag("under_replicated"),
                    flag("under_min_isr"),
                    flag("leader_is_preferred"),
                ],
            )
        })
        .collect()
}

/// (replicas hosted, leaders) per broker, counted from kafka-topics' view
/// of every topic.
fn counts_per_broker_from_kafka_topics(cluster: &KafkaCluster) -> BTreeMap<i64, (u64, u64)> {
    let table = topic_command(cluster, &["--describe"]);
    let mut counts: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for line in table.lines().filter(|l| l.contains("Partition: ")) {
        let field = |name: &str| describe_field(line, name);
        for replica in field("Replicas: ").split(',').filter(|r| !r.is_empty()) {
            counts.entry(replica.parse().unwrap()).or_default().0 += 1;
        }
        if let Ok(leader) = field("Leader: ").parse::<i64>() {
            counts.entry(leader).or_default().1 += 1;
        }
    }
    counts
}

fn counts_per_broker_from_kafkascope(serve: &Serve) -> BTreeMap<i64, (u64, u64)> {
    let brokers = serve.json("/api/v1/clusters/default/brokers");
    brokers["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap(),
                (
                    b["partition_count"].as_u64().unwrap(),
                    b["leader_count"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

fn metric(serve: &Serve, name: &str) -> Option<f64> {
    let m: Metrics = serve.metrics();
    m.get(name, &[("cluster", "default")])
}

#[test]
fn kafka_stopped_broker_restart_and_preferred_leader_election() {
    let cluster = KafkaCluster::start(3).expect("starting a Kafka cluster of this test's own");
    topic_command(
        &cluster,
        &[
            "--create",
            "--topic",
            "down-rf3",
            "--partitions",
            "3",
            "--replication-factor",
            "3",
        ],
    );
    topic_command(
        &cluster,
        &[
            "--create",
            "--topic",
            "down-rf2",
            "--replica-assignment",
            "2:0,0:1,1:2",
        ],
    );
    topic_command(
        &cluster,
        &[
            "--create",
            "--topic",
            "down-rf1",
            "--replica-assignment",
            "2,0",
        ],
    );
    let serve = Serve::start(&[
        "--bootstrap-server",
        &cluster.bootstrap(),
        "--interval",
        "1",
    ]);
    wait_for("the topics in a snapshot", Duration::from_secs(30), || {
        metric(&serve, "kafkascope_under_replicated_partitions") == Some(0.0)
            && serve
                .get("/api/v1/clusters/default/topics/down-rf1")
                .is_some_and(|(status, _)| status == 200)
    });
    let epoch_before = metric(&serve, "kafkascope_quorum_leader_epoch").unwrap();
    let leader_before = metric(&serve, "kafkascope_controller_id").unwrap();

    // --- node 2 stopped ---------------------------------------------------
    cluster.stop_node(2).unwrap();
    wait_for(
        "node 2's partitions to leave the ISRs",
        Duration::from_secs(60),
        || {
            metric(&serve, "kafkascope_offline_partitions") == Some(1.0)
                && metric(&serve, "kafkascope_under_replicated_partitions")
                    .is_some_and(|n| n >= 5.0)
        },
    );
    for filter in [
        &["--under-replicated-partitions"][..],
        &["--unavailable-partitions"][..],
        &[][..],
    ] {
        let (ours, theirs) = both_describe(&cluster, filter);
        assert_eq!(ours, theirs, "topics --describe {filter:?}");
    }
    let (_, unavailable) = both_describe(&cluster, &["--unavailable-partitions"]);
    let offline: Vec<_> = unavailable
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(offline, [("down-rf1", "0")]);
    // kafka-topics compares the ISR with min.insync.replicas as configured;
    // the broker (its UnderMinIsr gauge, and whether acks=all writes
    // succeed) caps it at the replica count, and so does kafkascope: an
    // RF-1 partition with its one replica in sync is not under it.
    let under_min_isr = topic_command(&cluster, &["--describe", "--under-min-isr-partitions"]);
    let theirs: Vec<(String, String)> = partition_rows(&under_min_isr)
        .into_iter()
        .filter(|r| {
            let count = |list: &str| list.split(',').filter(|id| !id.is_empty()).count();
            count(&r[4]) < count(&r[3]).min(2)
        })
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let mut ours = Vec::new();
    for topic in TOPICS {
        for (partition, [_, _, under_min, _]) in partition_flags(&serve, topic) {
            if under_min {
                ours.push((topic.to_string(), partition.to_string()));
            }
        }
    }
    ours.sort();
    assert_eq!(ours, theirs, "under min ISR: kafkascope vs kafka-topics");
    assert_eq!(
        partition_flags(&serve, "down-rf2"),
        BTreeMap::from([
            (0, [false, true, true, false]),
            (1, [false, false, false, true]),
            (2, [false, true, true, true]),
        ])
    );
    // Node 2 is gone from Metadata; the replicas that name it keep it on the
    // list, down, and the quorum still counts it a voter.
    let brokers = serve.json("/api/v1/clusters/default/brokers");
    let listed: Vec<(i64, bool, &str)> = brokers["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap(),
                b["reachable"].as_bool().unwrap(),
                b["quorum_role"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    // kafka_exporter's count: the brokers Metadata lists.
    assert_eq!(metric(&serve, "kafka_brokers"), Some(2.0));
    let leader_now = metric(&serve, "kafkascope_controller_id").unwrap();
    let role = |id: f64| if leader_now == id { "leader" } else { "voter" };
    assert_ne!(leader_now, 2.0);
    assert_eq!(
        listed,
        [
            (0, true, role(0.0)),
            (1, true, role(1.0)),
            (2, false, "voter")
        ]
    );
    if leader_before == 2.0 {
        assert!(metric(&serve, "kafkascope_quorum_leader_epoch").unwrap() > epoch_before);
    }
    // Node 2 fetches no more: its last fetch ages, or, where a new leader
    // took over, there is none to age; the live voters keep fetching.
    let fetch_age = |replica: &str| {
        serve.metrics().get(
            "kafkascope_quorum_replica_last_fetch_age_seconds",
            &[
                ("cluster", "default"),
                ("replica", replica),
                ("role", "voter"),
            ],
        )
    };
    std::thread::sleep(Duration::from_secs(6));
    assert!(fetch_age("2").is_none_or(|age| age > 5.0));
    for live in ["0", "1"] {
        if leader_now.to_string() != live {
            assert!(fetch_age(live).is_some_and(|age| age < 5.0), "voter {live}");
        }
    }

    // --- node 2 back: in sync, but not leading what it prefers ------------
    cluster.start_node(2).unwrap();
    wait_for(
        "the ISRs to be whole again",
        Duration::from_secs(90),
        || {
            metric(&serve, "kafkascope_under_replicated_partitions") == Some(0.0)
                && metric(&serve, "kafkascope_offline_partitions") == Some(0.0)
        },
    );
    let (ours, theirs) = both_describe(&cluster, &[]);
    assert_eq!(ours, theirs, "after the restart");
    let not_preferred: Vec<(String, String)> = theirs
        .iter()
        .filter(|r| r[3].split(',').next() != Some(r[2].as_str()))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert!(
        not_preferred.contains(&("down-rf2".to_string(), "0".to_string())),
        "{not_preferred:?}"
    );
    wait_for(
        "kafkascope to see the same leaders",
        Duration::from_secs(10),
        || {
            let mut ours = Vec::new();
            for topic in TOPICS {
                for (partition, [_, _, _, preferred]) in partition_flags(&serve, topic) {
                    if !preferred {
                        ours.push((topic.to_string(), partition.to_string()));
                    }
                }
            }
            ours.sort();
            ours == not_preferred
        },
    );

    // --- preferred leader election ----------------------------------------
    let bootstrap = cluster.bootstrap();
    cluster
        .tool(
            "org.apache.kafka.tools.LeaderElectionCommand",
            &[
                "--bootstrap-server",
                &bootstrap,
                "--election-type",
                "PREFERRED",
                "--all-topic-partitions",
            ],
        )
        .unwrap();
    wait_for(
        "every leader to be preferred",
        Duration::from_secs(30),
        || {
            TOPICS.iter().all(|topic| {
                partition_flags(&serve, topic)
                    .values()
                    .all(|[_, _, _, preferred]| *preferred)
            })
        },
    );
    wait_for(
        "partition and leader counts to settle",
        Duration::from_secs(10),
        || {
            counts_per_broker_from_kafkascope(&serve)
                == counts_per_broker_from_kafka_topics(&cluster)
        },
    );
    let value: Value = serve.json("/api/v1/clusters/default/brokers");
    assert_eq!(value["brokers"].as_array().unwrap().len(), 3);
}
