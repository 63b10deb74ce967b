//! The real brokers' own logs during a fault: a 3-node Apache Kafka cluster
//! of this test's own (the test bed, Kafka's log4j2 layout and files), a
//! topic with replication factor 3, node 2 stopped and started again, all
//! three nodes' `logs/` folders followed.
//!
//! Stopped: every partition (all had node 2 in their ISR) shrinks from
//! {0,1,2} to {0,1}, told by its leader's logs (a KRaft broker logs a
//! partition's ISR when it leads it, or follows it under an unchanged
//! leader: a follower whose leader changed logs no ISR); a clean election
//! for exactly the partitions node 2 led (per `kafka-topics --describe`),
//! told by the new leader; node 2 fenced, told by both controllers still
//! up; node 2's own shutdown. Started again (the test bed renames its
//! `server.log`, a rotation): node 2 registered anew and unfenced, and
//! every partition expands back to {0,1,2}, told by its leader.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use kafkascope_logs::{
    Detected, FileSetConfig, IsrChange, LogEvent, LogFollower, LogFollowerConfig, ShutdownPhase,
};
use kafkascope_testkit::KafkaCluster;

const TOPIC: &str = "logs-rf3";
const STOPPED: i32 = 2;

/// An ISR before and after, as sets.
type IsrPair = (BTreeSet<i32>, BTreeSet<i32>);

struct Followed {
    follower: LogFollower,
    events: Vec<LogEvent>,
}

impl Followed {
    /// Polls until a poll reads nothing (which finishes the last records).
    fn catch_up(&mut self) {
        loop {
            let batch = self.follower.poll();
            for file in &batch.files {
                let missing = file.error.as_deref() == Some("no such file");
                assert!(file.up || missing, "{}: {:?}", file.path, file.error);
            }
            let read = batch.bytes_read();
            self.events.extend(batch.events);
            if read == 0 {
                return;
            }
        }
    }

    /// Polls until `done` holds of the events so far.
    fn wait_for(&mut self, what: &str, done: impl Fn(&[LogEvent]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            self.catch_up();
            if done(&self.events) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; seen:\n{}",
                summary(&self.events)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// The ISR changes of our topic seen by `node`'s logs, by partition.
fn isr_changes(
    events: &[LogEvent],
    node: i32,
    pick: fn(&Detected) -> Option<&IsrChange>,
) -> BTreeMap<i32, Vec<IsrPair>> {
    let mut by_partition: BTreeMap<i32, Vec<_>> = BTreeMap::new();
    for event in events.iter().filter(|e| e.node == Some(node)) {
        if let Some(change) = pick(&event.detected)
            && change.topic == TOPIC
        {
            by_partition.entry(change.partition).or_default().push((
                change.old_isr.iter().copied().collect(),
                change.new_isr.iter().copied().collect(),
            ));
        }
    }
    by_partition
}

fn shrink(detected: &Detected) -> Option<&IsrChange> {
    match detected {
        Detected::IsrShrink(change) => Some(change),
        _ => None,
    }
}

fn expand(detected: &Detected) -> Option<&IsrChange> {
    match detected {
        Detected::IsrExpand(change) => Some(change),
        _ => None,
    }
}

fn count(events: &[LogEvent], node: i32, wanted: &Detected) -> usize {
    events
        .iter()
        .filter(|e| e.node == Some(node) && &e.detected == wanted)
        .count()
}

/// Checks the ISR changes the surviving nodes tell: each one `old` to
/// `new`, at most once per partition and node, every partition's by its
/// leader.
fn check_isr_changes(
    events: &[LogEvent],
    pick: fn(&Detected) -> Option<&IsrChange>,
    (old, new): (&[i32], &[i32]),
    leaders: &BTreeMap<i32, i32>,
) {
    let pair: IsrPair = (old.iter().copied().collect(), new.iter().copied().collect());
    for node in [0, 1] {
        for (partition, changes) in isr_changes(events, node, pick) {
            assert_eq!(changes.len(), 1, "node {node}, partition {partition}");
            assert_eq!(changes[0], pair, "node {node}, partition {partition}");
        }
    }
    for (partition, leader) in leaders {
        let told = isr_changes(events, *leader, pick);
        assert!(
            told.contains_key(partition),
            "leader {leader} of partition {partition}"
        );
    }
}

/// Whether the surviving nodes together told every partition's change.
fn all_partitions_told(events: &[LogEvent], pick: fn(&Detected) -> Option<&IsrChange>) -> bool {
    let told: BTreeSet<i32> = [0, 1]
        .iter()
        .flat_map(|&node| isr_changes(events, node, pick).into_keys())
        .collect();
    told.len() == 3
}

/// Partition → leader, from `kafka-topics --describe`.
fn described_leaders(cluster: &KafkaCluster) -> BTreeMap<i32, i32> {
    let out = cluster
        .kafka_topics(&["--describe", "--topic", TOPIC])
        .expect("kafka-topics --describe");
    let field = |line: &str, name: &str| -> Option<i32> {
        line.split('\t')
            .find_map(|part| part.trim().strip_prefix(name))
            .and_then(|value| value.trim().parse().ok())
    };
    out.lines()
        .filter_map(|line| Some((field(line, "Partition:")?, field(line, "Leader:")?)))
        .collect()
}

#[test]
fn kafka_broker_logs_tell_the_isr_shrink_election_fencing_and_expand_of_a_stopped_node() {
    let cluster = KafkaCluster::start(3).expect("starting a Kafka cluster of this test's own");
    let file_sets = (0..3)
        .map(|node| {
            let dir = cluster.dir().join(format!("node-{node}/logs"));
            FileSetConfig::kafka_logs_dir(Some(node), &dir)
        })
        .collect();
    let config = LogFollowerConfig {
        file_sets,
        ..LogFollowerConfig::default()
    };
    let mut followed = Followed {
        follower: LogFollower::new(config).unwrap(),
        events: Vec::new(),
    };
    followed.catch_up();
    cluster
        .kafka_topics(&[
            "--create",
            "--topic",
            TOPIC,
            "--partitions",
            "3",
            "--replication-factor",
            "3",
        ])
        .expect("creating the topic");
    let deadline = Instant::now() + Duration::from_secs(60);
    let leaders = loop {
        let leaders = described_leaders(&cluster);
        if leaders.len() == 3 && leaders.values().all(|&l| l >= 0) {
            break leaders;
        }
        assert!(
            Instant::now() < deadline,
            "the topic's leaders: {leaders:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let led_by_stopped: BTreeSet<i32> = leaders
        .iter()
        .filter(|(_, leader)| **leader == STOPPED)
        .map(|(partition, _)| *partition)
        .collect();
    followed.catch_up();
    let before_stop = followed.events.len();

    cluster.stop_node(STOPPED as u32).expect("stopping node 2");
    followed.wait_for("the shrinks and node 2's fencing", |events| {
        let events = &events[before_stop..];
        all_partitions_told(events, shrink)
            && [0, 1].iter().all(|&node| {
                events.iter().any(|e| {
                    e.node == Some(node)
                        && matches!(
                            e.detected,
                            Detected::BrokerFenced {
                                broker: STOPPED,
                                ..
                            }
                        )
                })
            })
    });
    // What trails the condition (a second shrink would show here).
    std::thread::sleep(Duration::from_secs(2));
    followed.catch_up();
    let stopped = followed.events[before_stop..].to_vec();
    let leaders_after_stop = described_leaders(&cluster);
    check_isr_changes(&stopped, shrink, (&[0, 1, 2], &[0, 1]), &leaders_after_stop);
    for node in [0, 1] {
        assert_eq!(isr_changes(&stopped, node, expand), BTreeMap::new());
        let fenced = stopped.iter().filter(|e| {
            e.node == Some(node)
                && matches!(
                    e.detected,
                    Detected::BrokerFenced {
                        broker: STOPPED,
                        ..
                    }
                )
        });
        assert_eq!(fenced.count(), 1, "node {node} fenced node 2 once");
        let shutting_down = Detected::BrokerShutdown {
            broker: STOPPED,
            phase: ShutdownPhase::ControlledShutdown,
        };
        assert_eq!(count(&stopped, node, &shutting_down), 1);
    }
    let elections: BTreeMap<i32, (i32, Option<i32>, bool)> = stopped
        .iter()
        .filter_map(|e| match &e.detected {
            Detected::LeaderElection {
                topic,
                partition,
                leader,
                previous_leader,
                unclean,
                ..
            } if topic == TOPIC => {
                assert_eq!(e.node, Some(*leader), "the new leader tells its election");
                Some((*partition, (*leader, *previous_leader, *unclean)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        elections.keys().copied().collect::<BTreeSet<_>>(),
        led_by_stopped
    );
    for (leader, previous, unclean) in elections.values() {
        assert_ne!(*leader, STOPPED);
        assert_eq!((*previous, *unclean), (Some(STOPPED), false));
    }
    let completed = Detected::BrokerShutdown {
        broker: STOPPED,
        phase: ShutdownPhase::Completed,
    };
    assert_eq!(count(&stopped, STOPPED, &completed), 1);

    let before_start = followed.events.len();
    cluster
        .start_node(STOPPED as u32)
        .expect("starting node 2 again");
    followed.wait_for("the expands and node 2's unfencing", |events| {
        let events = &events[before_start..];
        all_partitions_told(events, expand)
            && [0, 1].iter().all(|&node| {
                events.iter().any(|e| {
                    e.node == Some(node)
                        && matches!(
                            e.detected,
                            Detected::BrokerUnfenced {
                                broker: STOPPED,
                                ..
                            }
                        )
                })
            })
    });
    std::thread::sleep(Duration::from_secs(2));
    followed.catch_up();
    let started = followed.events[before_start..].to_vec();
    check_isr_changes(
        &started,
        expand,
        (&[0, 1], &[0, 1, 2]),
        &described_leaders(&cluster),
    );
    for node in [0, 1] {
        assert_eq!(isr_changes(&started, node, shrink), BTreeMap::new());
        let registered = started.iter().filter(|e| {
            e.node == Some(node)
                && matches!(
                    e.detected,
                    Detected::BrokerRegistered {
                        broker: STOPPED,
                        new_incarnation: true,
                        ..
                    }
                )
        });
        assert_eq!(
            registered.count(),
            1,
            "node {node} saw node 2 register anew"
        );
    }
    // The renamed server.log was finished, not read again as new.
    assert_eq!(count(&followed.events, STOPPED, &completed), 1);
    assert!(followed.follower.totals().rotations >= 1);
}

/// One line per event: node, kind and fields.
fn summary(events: &[LogEvent]) -> String {
    events
        .iter()
        .map(|e| format!("node {:?} {}:{} {:?}", e.node, e.file, e.line, e.detected))
        .collect::<Vec<_>>()
        .join("\n")
}
