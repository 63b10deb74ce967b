//! Unit tests of snapshot assembly on hand-built cycle results.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kafkascope_client::admin::{
    Admin, BrokerLogDirs, BrokerMetadata, ClusterMetadata, DescribedGroup, DescribedMember, LogDir,
    PartitionMetadata, TopicMetadata,
};
use kafkascope_client::{BrokerPool, ClientConfig, ClientError};

use crate::assemble::{assemble, stale};
use crate::cycle::Cycle;
use crate::settings::CollectorSettings;

fn admin() -> Admin {
    Admin::new(Arc::new(BrokerPool::new(vec![], ClientConfig::default())))
}

fn partition(
    partition: i32,
    leader: Option<i32>,
    replicas: &[i32],
    isr: &[i32],
) -> PartitionMetadata {
    PartitionMetadata {
        partition,
        leader,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        ..PartitionMetadata::default()
    }
}

fn metadata() -> ClusterMetadata {
    ClusterMetadata {
        cluster_id: Some("c1".into()),
        controller_id: Some(1),
        brokers: (1..=3)
            .map(|id| BrokerMetadata {
                id,
                host: format!("b{id}"),
                port: 9092,
                rack: None,
            })
            .collect(),
        topics: vec![TopicMetadata {
            name: "orders".into(),
            partitions: vec![
                partition(0, Some(1), &[1, 2], &[1, 2]),
                partition(1, Some(3), &[2, 3], &[3]),
                partition(2, None, &[3, 1], &[]),
            ],
            ..TopicMetadata::default()
        }],
    }
}

fn tp(partition: i32) -> (String, i32) {
    ("orders".to_string(), partition)
}

fn fill(cycle: &mut Cycle<'_>, ends: [i64; 2], commits: [i64; 2], at_secs: u64) {
    cycle.started_at = UNIX_EPOCH + Duration::from_secs(at_secs);
    cycle.metadata = Some(std::sync::Arc::new(metadata()));
    cycle.latest = [(tp(0), ends[0]), (tp(1), ends[1])].into_iter().collect();
    cycle.earliest = [(tp(0), 0), (tp(1), 0)].into_iter().collect();
    cycle.groups = vec![DescribedGroup {
        group_id: "g1".into(),
        state: "Stable".into(),
        protocol_type: "consumer".into(),
        protocol: "range".into(),
        coordinator: 2,
        members: vec![DescribedMember {
            member_id: "m1".into(),
            client_id: "app".into(),
            client_host: "/10.0.0.1".into(),
            assignment: vec![("orders".into(), vec![0, 1])],
            ..DescribedMember::default()
        }],
        ..DescribedGroup::default()
    }];
    cycle.committed = BTreeMap::from([(
        "g1".to_string(),
        BTreeMap::from([
            (tp(0), commits[0]),
            (tp(1), commits[1]),
            // A commit on a topic that has since been deleted.
            (("gone".to_string(), 0), 7),
        ]),
    )]);
}

#[test]
fn derives_broker_counts_flags_and_lag() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let mut cycle = Cycle::new(&admin, &settings);
    fill(&mut cycle, [10, 4], [7, 9], 100);
    cycle.log_dirs = Some(vec![BrokerLogDirs {
        broker: 1,
        total_bytes: 500,
        partition_bytes: BTreeMap::from([(tp(0), 300)]),
        ..BrokerLogDirs::default()
    }]);
    cycle.record(
        "consumer_groups",
        Some(3),
        "",
        &ClientError::Connect {
            addr: "b3:9092".into(),
            reason: "refused".into(),
        },
    );
    let snapshot = assemble(&mut cycle, None, vec![], 12);

    assert_eq!(snapshot.cluster, "prod");
    assert_eq!(snapshot.collected_at_ms, 100_000);
    let counts: Vec<(i32, u32, u32, bool, Option<u64>)> = snapshot
        .brokers
        .iter()
        .map(|b| {
            (
                b.id,
                b.partition_count,
                b.leader_count,
                b.reachable,
                b.log_dir_bytes,
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            (1, 2, 1, true, Some(500)),
            (2, 2, 0, true, None),
            (3, 2, 1, false, None)
        ]
    );
    let topic = &snapshot.topics["orders"];
    assert_eq!(topic.replication_factor(), 2);
    assert_eq!(topic.under_replicated_count(), 2);
    let p = &topic.partitions;
    assert!(!p[0].is_under_replicated() && p[0].leader_is_preferred());
    assert!(p[1].is_under_replicated() && !p[1].leader_is_preferred());
    assert!(p[2].is_offline() && p[2].latest_offset.is_none());
    assert_eq!(p[0].size_bytes, Some(300));

    let group = &snapshot.groups["g1"];
    let lags: Vec<(i32, i64, Option<i64>)> = group
        .offsets
        .iter()
        .map(|o| (o.partition, o.committed_offset, o.lag))
        .collect();
    // Partition 1's commit (9) is past its end (4): clamped to 0, never negative.
    assert_eq!(lags, vec![(0, 7, Some(3)), (1, 9, Some(0))]);
    assert_eq!((group.total_lag(), group.max_lag()), (Some(3), Some(3)));
    assert_eq!(group.owner_of("orders", 1).unwrap().client_id, "app");
    assert_eq!(snapshot.errors.len(), 1);
    assert_eq!(snapshot.errors[0].kind, "connection");
}

#[test]
fn follower_lag_and_log_dirs_come_from_each_brokers_describe_log_dirs() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let mut cycle = Cycle::new(&admin, &settings);
    fill(&mut cycle, [10, 4], [7, 9], 100);
    let dirs = |broker: i32, held: &[(i32, u64, i64)], dir: LogDir| BrokerLogDirs {
        broker,
        total_bytes: held.iter().map(|h| h.1).sum(),
        partition_bytes: held.iter().map(|&(p, size, _)| (tp(p), size)).collect(),
        partition_offset_lag: held
            .iter()
            .filter(|h| h.2 > 0)
            .map(|&(p, _, lag)| (tp(p), lag))
            .collect(),
        dirs: vec![dir],
    };
    let online = LogDir {
        path: "/data".into(),
        size_bytes: 10,
        volume_total_bytes: Some(1000),
        volume_usable_bytes: Some(600),
        error: None,
    };
    let failed = LogDir {
        path: "/data-2".into(),
        error: Some("KAFKA_STORAGE_ERROR".into()),
        ..LogDir::default()
    };
    cycle.log_dirs = Some(vec![
        dirs(1, &[(0, 300, 0), (2, 100, 0)], online.clone()),
        // A follower of partition 0 five behind, and of partition 1 (out
        // of the ISR) forty behind.
        dirs(2, &[(0, 290, 5), (1, 50, 40)], online.clone()),
        dirs(3, &[(1, 90, 0), (2, 100, 0)], failed.clone()),
    ]);
    let snapshot = assemble(&mut cycle, None, vec![], 12);
    let lags: Vec<Vec<(i32, i64)>> = snapshot.topics["orders"]
        .partitions
        .iter()
        .map(|p| {
            p.follower_lag
                .iter()
                .map(|f| (f.broker, f.offset_lag))
                .collect()
        })
        .collect();
    // Partition 2 has no leader: nothing to be behind of.
    assert_eq!(lags, vec![vec![(2, 5)], vec![(2, 40)], vec![]]);
    let log_dirs: Vec<(i32, Vec<LogDir>)> = snapshot
        .brokers
        .iter()
        .map(|b| (b.id, b.log_dirs.clone()))
        .collect();
    assert_eq!(
        log_dirs,
        vec![
            (1, vec![online.clone()]),
            (2, vec![online]),
            (3, vec![failed])
        ]
    );
}

#[test]
fn rates_come_from_the_previous_snapshot() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let mut first = Cycle::new(&admin, &settings);
    fill(&mut first, [10, 4], [7, 2], 100);
    let before = assemble(&mut first, None, vec![], 1);
    let mut second = Cycle::new(&admin, &settings);
    fill(&mut second, [60, 4], [27, 4], 110);
    let after = assemble(&mut second, Some(&before), vec![], 1);

    let topic = &after.topics["orders"];
    assert_eq!(topic.partitions[0].messages_in_per_sec, Some(5.0));
    assert_eq!(topic.partitions[1].messages_in_per_sec, Some(0.0));
    assert_eq!(topic.partitions[2].messages_in_per_sec, None);
    assert_eq!(topic.messages_in_per_sec, Some(5.0));
    let group = &after.groups["g1"];
    assert_eq!(group.offsets[0].messages_consumed_per_sec, Some(2.0));
    assert_eq!(group.messages_consumed_per_sec, Some(2.2));
    assert!(before.topics["orders"].messages_in_per_sec.is_none());
}

#[test]
fn unsupported_api_is_noted_not_counted_as_error() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let mut cycle = Cycle::new(&admin, &settings);
    let error = ClientError::UnsupportedApi {
        addr: "b1:9092".into(),
        api: "DescribeLogDirsRequest",
        offered: "nothing".into(),
    };
    cycle.record("log_dirs", Some(1), "", &error);
    cycle.record("log_dirs", Some(2), "", &error);
    let snapshot = assemble(&mut cycle, None, vec![], 1);
    assert!(snapshot.errors.is_empty());
    assert_eq!(
        snapshot.unsupported_apis,
        vec!["DescribeLogDirsRequest".to_string()]
    );
}

#[test]
fn failed_cycle_republishes_last_snapshot_as_stale() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let mut good = Cycle::new(&admin, &settings);
    fill(&mut good, [10, 4], [7, 2], 100);
    let before = assemble(&mut good, None, vec![], 1);
    let mut failed = Cycle::new(&admin, &settings);
    failed.record(
        "cluster_metadata",
        None,
        "",
        &ClientError::NoBrokerReachable("b1:9092: refused".into()),
    );
    let after = stale(&failed, Some(&before), vec![], 5);
    assert!(after.stale);
    assert_eq!(after.collected_at_ms, 100_000);
    assert_eq!(after.groups["g1"].total_lag(), Some(5));
    assert!(after.brokers.iter().all(|b| !b.reachable));
    assert_eq!(after.errors.len(), 1);
}

#[test]
fn consume_rates_pair_partitions_that_come_and_go() {
    let (admin, settings) = (admin(), CollectorSettings::new("prod"));
    let cycle_with = |commits: &[(i32, i64)], at_secs| {
        let mut cycle = Cycle::new(&admin, &settings);
        fill(&mut cycle, [100, 100], [0, 0], at_secs);
        cycle.committed = BTreeMap::from([(
            "g1".to_string(),
            commits.iter().map(|&(p, o)| (tp(p), o)).collect(),
        )]);
        cycle
    };
    let rates = |snapshot: &crate::ClusterSnapshot| -> Vec<(i32, Option<f64>)> {
        snapshot.groups["g1"]
            .offsets
            .iter()
            .map(|o| (o.partition, o.messages_consumed_per_sec))
            .collect()
    };
    let first = assemble(&mut cycle_with(&[(1, 10)], 100), None, vec![], 1);
    // Partition 0 is new: no rate; partition 1 moved 30 in 10 s.
    let second = assemble(
        &mut cycle_with(&[(0, 5), (1, 40)], 110),
        Some(&first),
        vec![],
        1,
    );
    assert_eq!(rates(&second), vec![(0, None), (1, Some(3.0))]);
    // Partition 0 left; partition 1 moved 20 in 10 s.
    let third = assemble(&mut cycle_with(&[(1, 60)], 120), Some(&second), vec![], 1);
    assert_eq!(rates(&third), vec![(1, Some(2.0))]);
}
