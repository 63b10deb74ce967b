//! Each detector on lines real Kafka 4.3 brokers wrote (the test bed's
//! 3-node cluster, node 2 stopped and started again), and on Kafka's own
//! wording where the test bed cannot provoke the event.

use super::*;
use crate::event::{IsrChange, ShutdownPhase};
use crate::layout::Layout;

/// What `lines`, read in order by one node, are detected as.
fn detect_all(lines: &[&str]) -> Vec<Detected> {
    let layout = Layout::kafka();
    let detectors = DetectorSet::new();
    let mut isr = IsrTracker::default();
    let mut out = Vec::new();
    for line in lines {
        let (first, continuation) = line.split_once('\n').unwrap_or((line, ""));
        let fields = layout
            .parse(first.as_bytes())
            .expect("a record's first line");
        let continuation = if continuation.is_empty() {
            String::new()
        } else {
            format!("{continuation}\n")
        };
        let record = Record {
            first_line: first,
            fields: &fields,
            continuation: &continuation,
        };
        let mut context = DetectContext {
            isr: &mut isr,
            slow_flush_ms: 1_000,
        };
        detectors.detect(&record, &mut context, &mut out);
    }
    out
}

const PARTITION_RECORD: &str = "[2026-12-07 02:25:24,823] INFO [QuorumController id=0] Replayed PartitionRecord for new partition cap-rf3-0 with topic ID 6AqkeWznTwyTG4mnJaJtKw and PartitionRegistration(replicas=[1, 2, 0], directories=[ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og, MbPOOVfk-BJmZPgyPqE-0A], isr=[1, 2, 0], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=0). (org.apache.kafka.controller.ReplicationControlManager)";
const FOLLOWER_SHRUNK: &str = "[2026-12-07 02:25:28,218] INFO [Broker id=0] Skipped the become-follower state change for cap-rf3-0 with topic id Some(6AqkeWznTwyTG4mnJaJtKw), partition registration PartitionRegistration(replicas=[1, 2, 0], directories=[ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og, MbPOOVfk-BJmZPgyPqE-0A], isr=[1, 0], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=1) and isNew=false since it is already a follower with leader epoch 0. (state.change.logger)";
const FOLLOWER_EXPANDED: &str = "[2026-12-07 02:25:47,416] INFO [Broker id=0] Skipped the become-follower state change for cap-rf3-0 with topic id Some(6AqkeWznTwyTG4mnJaJtKw), partition registration PartitionRegistration(replicas=[1, 2, 0], directories=[ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og, MbPOOVfk-BJmZPgyPqE-0A], isr=[0, 1, 2], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=2) and isNew=false since it is already a follower with leader epoch 0. (state.change.logger)";

fn isr_change(topic: &str, partition: i32, old: &[i32], new: &[i32], leader: i32) -> IsrChange {
    IsrChange {
        topic: topic.into(),
        partition,
        old_isr: old.to_vec(),
        new_isr: new.to_vec(),
        leader: Some(leader),
    }
}

#[test]
fn kraft_partition_registrations_give_the_isr_shrink_and_expand() {
    assert_eq!(
        detect_all(&[PARTITION_RECORD, FOLLOWER_SHRUNK, FOLLOWER_EXPANDED]),
        [
            Detected::IsrShrink(isr_change("cap-rf3", 0, &[1, 2, 0], &[1, 0], 1)),
            Detected::IsrExpand(isr_change("cap-rf3", 0, &[1, 0], &[0, 1, 2], 1)),
        ]
    );
}

#[test]
fn the_new_leaders_line_is_a_clean_election_and_its_isr_a_shrink() {
    let created = "[2026-12-07 02:25:24,899] INFO [Broker id=2] Leader cap-rf3-1 with topic id Some(6AqkeWznTwyTG4mnJaJtKw) starts at leader epoch 0 from offset 0 with partition epoch 0, high watermark 0, ISR [2,0,1], adding replicas [] and removing replicas [] . Previous leader None and previous leader epoch was -1. (state.change.logger)";
    let elected = "[2026-12-07 02:25:28,171] INFO [Broker id=0] Leader cap-rf3-1 with topic id Some(6AqkeWznTwyTG4mnJaJtKw) starts at leader epoch 1 from offset 0 with partition epoch 1, high watermark 0, ISR [0,1], adding replicas [] and removing replicas [] . Previous leader Some(2) and previous leader epoch was 0. (state.change.logger)";
    assert_eq!(
        detect_all(&[created, elected]),
        [
            Detected::IsrShrink(isr_change("cap-rf3", 1, &[2, 0, 1], &[0, 1], 0)),
            Detected::LeaderElection {
                topic: "cap-rf3".into(),
                partition: 1,
                leader: 0,
                previous_leader: Some(2),
                leader_epoch: Some(1),
                unclean: false,
            },
        ]
    );
}

#[test]
fn a_confirmed_isr_update_counts_once() {
    let updated = "[2026-12-07 02:25:47,537] INFO [Partition cap-rf3-2 broker=0] ISR updated to 0,2,1  and version updated to 2 (kafka.cluster.Partition)";
    let shrunk = "[2026-12-07 02:25:28,170] INFO [Broker id=0] Skipped the become-leader state change for cap-rf3-2 with topic id Some(6AqkeWznTwyTG4mnJaJtKw), partition registration PartitionRegistration(replicas=[0, 1, 2], directories=[MbPOOVfk-BJmZPgyPqE-0A, ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og], isr=[0, 1], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=0, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=1) and isNew=false since it is already the leader with leader epoch 0. Current high watermark 0, ISR [0,1], adding replicas [] and removing replicas []. (state.change.logger)";
    let expanded = "[2026-12-07 02:25:47,540] INFO [Broker id=0] Skipped the become-leader state change for cap-rf3-2 with topic id Some(6AqkeWznTwyTG4mnJaJtKw), partition registration PartitionRegistration(replicas=[0, 1, 2], directories=[MbPOOVfk-BJmZPgyPqE-0A, ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og], isr=[0, 1, 2], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=0, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=2) and isNew=false since it is already the leader with leader epoch 0. Current high watermark 0, ISR [0,1,2], adding replicas [] and removing replicas []. (state.change.logger)";
    assert_eq!(
        detect_all(&[shrunk, updated, expanded]),
        [Detected::IsrExpand(isr_change(
            "cap-rf3",
            2,
            &[0, 1],
            &[0, 2, 1],
            0
        ))]
    );
}

#[test]
fn the_leaders_own_shrink_carries_old_and_new_isr() {
    // Kafka's Partition.maybeShrinkIsr wording (a follower lagging, not stopped).
    let line = "[2026-12-07 03:00:00,000] INFO [Partition orders-7 broker=1] Shrinking ISR from 1,2,3 to 1,3. Leader: (highWatermark: 120, endOffset: 130). Out of sync replicas: (brokerId: 2, endOffset: 100, lastCaughtUpTimeMs: 1796612370000). (kafka.cluster.Partition)";
    let expand = "[2026-12-07 03:01:00,000] INFO [Partition orders-7 broker=1] Expanding ISR from 1,3 to 1,3,2 (kafka.cluster.Partition)";
    let confirmed = "[2026-12-07 03:01:00,010] INFO [Partition orders-7 broker=1] ISR updated to 1,3,2  and version updated to 9 (kafka.cluster.Partition)";
    assert_eq!(
        detect_all(&[line, expand, confirmed]),
        [
            Detected::IsrShrink(isr_change("orders", 7, &[1, 2, 3], &[1, 3], 1)),
            Detected::IsrExpand(isr_change("orders", 7, &[1, 3], &[1, 3, 2], 1)),
        ]
    );
}

#[test]
fn an_unclean_election_names_the_topic_id_partition_and_leader() {
    let line = "[2026-12-07 03:00:00,000] INFO [QuorumController id=1] Setting new leader for topicId 6AqkeWznTwyTG4mnJaJtKw, partition 3 to 2 using an unclean election (org.apache.kafka.controller.PartitionChangeBuilder)";
    assert_eq!(
        detect_all(&[line]),
        [Detected::LeaderElection {
            topic: "6AqkeWznTwyTG4mnJaJtKw".into(),
            partition: 3,
            leader: 2,
            previous_leader: None,
            leader_epoch: None,
            unclean: true,
        }]
    );
}

#[test]
fn controller_changes_with_and_without_a_leader() {
    let lines = [
        "[2026-12-07 02:25:14,888] INFO [QuorumController id=0] In the new epoch 1, the leader is (none). (org.apache.kafka.controller.QuorumController)",
        "[2026-12-07 02:25:15,635] INFO [QuorumController id=0] In the new epoch 1, the leader is 1. (org.apache.kafka.controller.QuorumController)",
        "[2026-12-07 02:25:15,878] INFO [QuorumController id=1] Becoming the active controller at epoch 1, next write offset 1. (org.apache.kafka.controller.QuorumController)",
    ];
    assert_eq!(
        detect_all(&lines),
        [
            Detected::ControllerChange {
                epoch: 1,
                leader: None
            },
            Detected::ControllerChange {
                epoch: 1,
                leader: Some(1)
            },
            Detected::ControllerChange {
                epoch: 1,
                leader: Some(1)
            },
        ]
    );
}

#[test]
fn broker_registration_fencing_and_shutdown() {
    let lines = [
        "[2026-12-07 02:25:17,333] INFO [QuorumController id=0] Replayed initial RegisterBrokerRecord for broker 2: RegisterBrokerRecord(brokerId=2, isMigratingZkBroker=false, incarnationId=aLpzBJIqQAOhGpkqLslbvA, brokerEpoch=18, endPoints=[BrokerEndpoint(name='PLAINTEXT', host='127.0.0.1', port=27002, securityProtocol=0)], rack=null, fenced=true, inControlledShutdown=false, logDirs=[hRXf4M9diaIkGGvBz7q0og], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
        "[2026-12-07 02:25:19,279] INFO [QuorumController id=0] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 2: BrokerRegistrationChangeRecord(brokerId=2, brokerEpoch=18, fenced=-1, inControlledShutdown=0, logDirs=[], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
        "[2026-12-07 02:25:28,184] INFO [QuorumController id=0] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 2: BrokerRegistrationChangeRecord(brokerId=2, brokerEpoch=18, fenced=0, inControlledShutdown=1, logDirs=[], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
        "[2026-12-07 02:25:30,327] INFO [QuorumController id=0] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 2: BrokerRegistrationChangeRecord(brokerId=2, brokerEpoch=18, fenced=1, inControlledShutdown=0, logDirs=[], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
        "[2026-12-07 02:25:30,614] INFO [BrokerServer id=2] shut down completed (kafka.server.BrokerServer)",
        "[2026-12-07 02:25:46,192] INFO [QuorumController id=0] Replayed RegisterBrokerRecord establishing a new incarnation of broker 2: RegisterBrokerRecord(brokerId=2, isMigratingZkBroker=false, incarnationId=VHZlbkSkT9yl18r6n8H2fw, brokerEpoch=94, rack=null, fenced=true, inControlledShutdown=false, logDirs=[hRXf4M9diaIkGGvBz7q0og], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
        "[2026-12-07 02:25:30,369] INFO [data-plane Kafka Request Handler on Broker 2] shut down completely (kafka.server.KafkaRequestHandlerPool)",
    ];
    assert_eq!(
        detect_all(&lines),
        [
            Detected::BrokerRegistered {
                broker: 2,
                broker_epoch: Some(18),
                new_incarnation: false
            },
            Detected::BrokerUnfenced {
                broker: 2,
                broker_epoch: Some(18)
            },
            Detected::BrokerShutdown {
                broker: 2,
                phase: ShutdownPhase::ControlledShutdown
            },
            Detected::BrokerFenced {
                broker: 2,
                broker_epoch: Some(18)
            },
            Detected::BrokerShutdown {
                broker: 2,
                phase: ShutdownPhase::Completed
            },
            Detected::BrokerRegistered {
                broker: 2,
                broker_epoch: Some(94),
                new_incarnation: true
            },
        ]
    );
}

#[test]
fn a_real_authentication_failure_names_the_client_and_reason() {
    let line = "[2026-12-07 02:27:06,372] INFO [SocketServer listenerType=BROKER, nodeId=0] Failed authentication with /127.0.0.1 (channelId=127.0.0.1:27200-127.0.0.1:52334-3-0) (Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256) (org.apache.kafka.common.network.Selector)";
    assert_eq!(
        detect_all(&[line]),
        [Detected::AuthenticationFailure {
            client: "/127.0.0.1".into(),
            reason: "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256".into(),
        }]
    );
}

#[test]
fn memory_and_file_handles_are_found_in_stack_traces() {
    let oom = "[2026-12-07 03:00:00,000] ERROR [KafkaApi-0] Unexpected error handling request (kafka.server.KafkaApis)\njava.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.nio.HeapByteBuffer.<init>(HeapByteBuffer.java:71)";
    let files = "[2026-12-07 03:00:01,000] ERROR Error while accepting connection (kafka.network.DataPlaneAcceptor)\njava.io.IOException: Too many open files\n\tat java.base/sun.nio.ch.Net.accept(Native Method)";
    assert_eq!(
        detect_all(&[oom, files]),
        [
            Detected::OutOfMemory {
                detail: "Java heap space".into()
            },
            Detected::TooManyOpenFiles {
                detail: "java.io.IOException: Too many open files".into()
            },
        ]
    );
}

#[test]
fn log_dir_cleaner_and_flush_failures() {
    let lines = [
        "[2026-12-07 03:00:00,000] WARN [ReplicaManager broker=0] Stopped serving replicas in dir /var/lib/kafka/data-1 (kafka.server.ReplicaManager)",
        "[2026-12-07 03:00:01,000] WARN [kafka-log-cleaner-thread-0]: Unexpected exception thrown when cleaning log Log(dir=/data/compacted-3, topicId=x, topic=compacted, partition=3). Marking its partition (compacted-3) as uncleanable (org.apache.kafka.storage.internals.log.LogCleaner$CleanerThread)",
        "[2026-12-07 03:00:02,000] ERROR [kafka-log-cleaner-thread-0]: Error due to (org.apache.kafka.storage.internals.log.LogCleaner$CleanerThread)\njava.lang.IllegalStateException: bad",
        "[2026-12-07 03:00:03,000] ERROR Error while flushing log for orders-4 in dir /data with offset 120 (exclusive) and recovery point 120 (org.apache.kafka.storage.internals.log.LogDirFailureChannel)",
        "[2026-12-07 03:00:04,000] INFO [Partition orders-5 broker=0] Flushing log took 2500 ms (kafka.cluster.Partition)",
        "[2026-12-07 03:00:05,000] INFO [Partition orders-5 broker=0] Flushing log took 20 ms (kafka.cluster.Partition)",
        "[2026-12-07 03:00:06,000] INFO Loading took 5000 ms (kafka.log.LogManager)",
    ];
    let found = detect_all(&lines);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert_eq!(
        found[0],
        Detected::LogDirFailure {
            dir: "/var/lib/kafka/data-1".into()
        }
    );
    assert!(matches!(
        &found[1],
        Detected::LogCleanerError { topic: Some(t), partition: Some(3), .. } if t == "compacted"
    ));
    assert_eq!(
        found[2],
        Detected::LogCleanerError {
            topic: None,
            partition: None,
            detail: "[kafka-log-cleaner-thread-0]: Error due to".into()
        }
    );
    assert!(matches!(
        &found[3],
        Detected::LogFlushSlowOrFailed { topic: Some(t), partition: Some(4), took_ms: None, failed: true, .. } if t == "orders"
    ));
    assert!(matches!(
        &found[4],
        Detected::LogFlushSlowOrFailed { topic: Some(t), partition: Some(5), took_ms: Some(2500), failed: false, .. } if t == "orders"
    ));
}

#[test]
fn ordinary_lines_detect_nothing() {
    let lines = [
        "[2026-12-07 02:25:28,154] INFO [Broker id=0] Transitioning 2 partition(s) to local leaders. (state.change.logger)",
        "[2026-12-07 02:25:25,086] INFO [Broker id=0] Follower cap-rf3-0 starts at leader epoch 0 from offset 0 with partition epoch 0 and high watermark 0. Current leader is 1. Previous leader None and previous leader epoch was -1. (state.change.logger)",
        "[2026-12-07 02:25:14,108] INFO [QuorumController id=0] Registering periodic task maybeFenceStaleBroker to run every 1125 ms (org.apache.kafka.controller.PeriodicTaskControlManager)",
        "[2026-12-07 02:25:21,287] INFO [KafkaRaftServer nodeId=0] Kafka Server started (kafka.server.KafkaRaftServer)",
    ];
    assert_eq!(detect_all(&lines), []);
}
