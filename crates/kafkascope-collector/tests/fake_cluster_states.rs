//! Cluster states tansu cannot produce (several brokers, shrunk ISR, offline
//! and non-preferred leaders, a broker down, old protocol versions), served
//! by the protocol-level fake broker.

use std::time::Duration;

use kafka_protocol::messages::ApiKey;
use kafkascope_client::ClientConfig;
use kafkascope_collector::{ClusterCollector, ClusterSnapshot, CollectorSettings};
use kafkascope_fake_broker::{
    FakeCluster, FakeClusterHandle, GroupSpec, MemberSpec, PartitionSpec, TopicSpec,
};

fn model() -> FakeCluster {
    FakeCluster::new("fake-cluster")
        .with_brokers([1, 2, 3])
        .controller(2)
        .topic(
            TopicSpec::new("orders")
                .config("min.insync.replicas", "2")
                .config("retention.ms", "604800000")
                // In sync, preferred leader.
                // Records, so the committed offsets' timestamps can be read.
                .partition(
                    PartitionSpec::new(0, vec![1, 2, 3])
                        .offsets(0, 100)
                        .records(0, 1_000..1_100)
                        .size(1000),
                )
                // Shrunk ISR, led by its second replica.
                .partition(
                    PartitionSpec::new(1, vec![2, 3, 1])
                        .leader(3)
                        .isr(vec![3, 1])
                        .offsets(10, 50)
                        .size(500),
                )
                // No leader at all.
                .partition(
                    PartitionSpec::new(2, vec![3, 1])
                        .leader(-1)
                        .isr(vec![])
                        .offline(vec![3, 1]),
                )
                // Below min.insync.replicas.
                .partition(
                    PartitionSpec::new(3, vec![1, 2])
                        .isr(vec![1])
                        .offsets(0, 7)
                        .records(0, 2_000..2_007),
                ),
        )
        .group(
            GroupSpec::new("billing", 2)
                .member(
                    MemberSpec::new("m-1", "billing-app", "/10.0.0.7").assign("orders", vec![0, 1]),
                )
                .committed("orders", 0, 90)
                .committed("orders", 1, 50)
                .committed("orders", 3, 2),
        )
}

fn collector(cluster: &FakeClusterHandle) -> ClusterCollector {
    let client = ClientConfig {
        reconnect_backoff: Duration::from_millis(10),
        reconnect_backoff_max: Duration::from_millis(10),
        ..ClientConfig::default()
    };
    let bootstrap = cluster.bootstrap().split(',').map(String::from).collect();
    ClusterCollector::new(CollectorSettings::new("fake"), bootstrap, client)
}

fn flags(snapshot: &ClusterSnapshot) -> Vec<(i32, bool, bool, bool, bool)> {
    let topic = &snapshot.topics["orders"];
    topic
        .partitions
        .iter()
        .map(|p| {
            (
                p.partition,
                p.is_under_replicated(),
                p.is_under_min_isr(topic.min_insync_replicas()),
                p.is_offline(),
                p.leader_is_preferred(),
            )
        })
        .collect()
}

#[tokio::test]
async fn fake_multi_broker_flags_counts_and_lag() {
    let cluster = model().start().unwrap();
    let snapshot = collector(&cluster).collect_once().await;

    assert!(!snapshot.stale, "{:?}", snapshot.errors);
    assert_eq!(snapshot.cluster_id.as_deref(), Some("fake-cluster"));
    assert_eq!(snapshot.controller_id, Some(2));
    assert_eq!(
        flags(&snapshot),
        vec![
            (0, false, false, false, true),
            (1, true, false, false, false),
            (2, true, true, true, false),
            (3, true, true, false, true),
        ]
    );
    let brokers: Vec<(i32, u32, u32, bool, Option<u64>)> = snapshot
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
        brokers,
        vec![
            (1, 4, 2, true, Some(1500)),
            (2, 3, 0, true, Some(1500)),
            (3, 3, 1, true, Some(1500))
        ]
    );
    let topic = &snapshot.topics["orders"];
    assert_eq!(topic.configs["min.insync.replicas"], "2");
    let offsets: Vec<_> = topic
        .partitions
        .iter()
        .map(|p| (p.earliest_offset, p.latest_offset))
        .collect();
    assert_eq!(
        offsets,
        vec![
            (Some(0), Some(100)),
            (Some(10), Some(50)),
            (None, None),
            (Some(0), Some(7))
        ]
    );
    assert_eq!(topic.partitions[1].size_bytes, Some(500));

    let group = &snapshot.groups["billing"];
    assert_eq!(group.coordinator, Some(2));
    let lag: Vec<_> = group.offsets.iter().map(|o| (o.partition, o.lag)).collect();
    assert_eq!(lag, vec![(0, Some(10)), (1, Some(0)), (3, Some(5))]);
    assert_eq!(
        group.owner_of("orders", 1).unwrap().client_id,
        "billing-app"
    );
    assert_eq!(group.members[0].assignment[0].partitions, vec![0, 1]);
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
}

#[tokio::test]
async fn fake_requests_are_sharded_by_leader_and_coordinator() {
    let cluster = model()
        .group(GroupSpec::new("audit", 2).committed("orders", 0, 1))
        .group(GroupSpec::new("search", 1).committed("orders", 0, 1))
        .start()
        .unwrap();
    collector(&cluster).collect_once().await;
    let count = |broker, api| cluster.request_count(broker, api);
    // Three ListOffsets (earliest, latest, read_committed) to each leader only.
    assert_eq!([1, 2, 3].map(|b| count(b, ApiKey::ListOffsets)), [3, 0, 3]);
    assert_eq!([1, 2, 3].map(|b| count(b, ApiKey::ListGroups)), [1, 1, 1]);
    // One DescribeGroups and one OffsetFetch per coordinator, all its groups in it.
    assert_eq!(
        [1, 2, 3].map(|b| count(b, ApiKey::DescribeGroups)),
        [1, 1, 0]
    );
    assert_eq!([1, 2, 3].map(|b| count(b, ApiKey::OffsetFetch)), [1, 1, 0]);
    assert_eq!(cluster.total_requests(ApiKey::Metadata), 1);
}

#[tokio::test]
async fn fake_old_offset_fetch_sends_one_request_per_group() {
    let mut model = model()
        .group(GroupSpec::new("audit", 2).committed("orders", 0, 1))
        .group(GroupSpec::new("search", 2).committed("orders", 0, 3));
    model.max_version_all(ApiKey::OffsetFetch, 7);
    let cluster = model.start().unwrap();
    let snapshot = collector(&cluster).collect_once().await;
    assert_eq!(cluster.request_count(2, ApiKey::OffsetFetch), 3);
    let commits: Vec<_> = snapshot
        .groups
        .values()
        .map(|g| (g.name.as_str(), g.offsets[0].committed_offset))
        .collect();
    assert_eq!(commits, vec![("audit", 1), ("billing", 90), ("search", 3)]);
}

#[tokio::test]
async fn fake_unsupported_api_is_reported_and_never_sent() {
    let mut model = model();
    for broker in [1, 2, 3] {
        model.unsupported_apis(broker, vec![ApiKey::DescribeLogDirs]);
    }
    let cluster = model.start().unwrap();
    let mut collector = collector(&cluster);
    for _ in 0..2 {
        let snapshot = collector.collect_once().await;
        // The fake offers no DescribeQuorum (as a ZooKeeper-mode cluster
        // does not) and no ListPartitionReassignments either.
        assert_eq!(
            snapshot.unsupported_apis,
            vec![
                "DescribeLogDirsRequest".to_string(),
                "DescribeQuorumRequest".to_string(),
                "ListPartitionReassignmentsRequest".to_string()
            ]
        );
        assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
        assert!(snapshot.brokers.iter().all(|b| b.log_dir_bytes.is_none()));
    }
    assert_eq!(cluster.total_requests(ApiKey::DescribeLogDirs), 0);
}

#[tokio::test]
async fn fake_broker_down_leaves_a_partial_snapshot_then_recovers() {
    let cluster = model().start().unwrap();
    let mut collector = collector(&cluster);
    collector.collect_once().await;

    cluster.set_broker_down(3, true).await.unwrap();
    let snapshot = collector.collect_once().await;
    assert!(!snapshot.stale);
    let broker3 = snapshot
        .broker(3)
        .expect("a missing broker is still listed");
    assert!(!broker3.reachable);
    let topic = &snapshot.topics["orders"];
    // What broker 1 leads is still there; what broker 3 leads is marked missing.
    assert_eq!(topic.partitions[0].latest_offset, Some(100));
    assert_eq!(topic.partitions[1].latest_offset, None);
    assert!(topic.partitions[1].error.is_some());
    assert_eq!(snapshot.groups["billing"].offsets[1].lag, None);
    assert!(
        snapshot.errors.iter().any(|e| e.broker == Some(3)),
        "{:?}",
        snapshot.errors
    );

    cluster.set_broker_down(3, false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let snapshot = collector.collect_once().await;
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    assert!(snapshot.broker(3).unwrap().reachable);
    assert_eq!(
        snapshot.topics["orders"].partitions[1].latest_offset,
        Some(50)
    );
}

/// From the second cycle on, groups are listed beside Metadata on the
/// brokers the previous cycle knew; a broker Metadata names for the first
/// time is listed in the same cycle, and one it no longer names is dropped.
#[tokio::test]
async fn fake_group_listing_follows_brokers_that_join_and_leave() {
    let cluster = model()
        .group(GroupSpec::new("audit", 3).committed("orders", 0, 1))
        .start()
        .unwrap();
    cluster.set_broker_down(3, true).await.unwrap();
    let mut collector = collector(&cluster);
    let names = |s: &ClusterSnapshot| s.groups.keys().cloned().collect::<Vec<_>>();
    let listed_by = |cluster: &FakeClusterHandle| {
        [1, 2, 3].map(|b| cluster.request_count(b, ApiKey::ListGroups))
    };

    let first = collector.collect_once().await;
    assert_eq!(names(&first), vec!["billing"]);
    assert_eq!(listed_by(&cluster), [1, 1, 0]);

    cluster.set_broker_down(3, false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let joined = collector.collect_once().await;
    assert_eq!(names(&joined), vec!["audit", "billing"]);
    assert_eq!(listed_by(&cluster), [2, 2, 1]);
    // The commits started with the early listing covered billing only; the
    // listing was mended, so they were read again, the joined broker's
    // group included.
    let lags = |s: &ClusterSnapshot, group: &str| {
        s.groups[group]
            .offsets
            .iter()
            .map(|o| (o.partition, o.committed_offset, o.lag))
            .collect::<Vec<_>>()
    };
    assert_eq!(lags(&joined, "audit"), vec![(0, 1, Some(99))]);
    assert_eq!(
        lags(&joined, "billing"),
        vec![(0, 90, Some(10)), (1, 50, Some(0)), (3, 2, Some(5))]
    );
    assert!(
        !joined
            .errors
            .iter()
            .any(|e| e.collector == "consumer_groups"),
        "{:?}",
        joined.errors
    );

    cluster.set_broker_down(3, true).await.unwrap();
    let left = collector.collect_once().await;
    // The early listing asked broker 3 and failed; Metadata no longer names
    // it, so that failure is no error of this cycle's listing.
    assert_eq!(names(&left), vec!["billing"]);
    assert!(
        !left.errors.iter().any(|e| e.collector == "consumer_groups"),
        "{:?}",
        left.errors
    );
}

/// From the second cycle on, the commits are asked for the moment the
/// groups are listed and the log end the moment the commits answered: each
/// once per cycle, never again by the collectors that take them.
#[tokio::test]
async fn fake_early_commits_and_log_end_are_read_once_per_cycle() {
    let cluster = model().start().unwrap();
    let mut collector = collector(&cluster);
    let mut last = None;
    for _ in 0..3 {
        last = Some(collector.collect_once().await);
    }
    let last = last.unwrap();
    assert!(last.errors.is_empty(), "{:?}", last.errors);
    assert_eq!(
        [1, 2, 3].map(|b| cluster.request_count(b, ApiKey::OffsetFetch)),
        [0, 3, 0]
    );
    // Latest, earliest and read_committed end, from each leader, a cycle.
    assert_eq!(
        [1, 2, 3].map(|b| cluster.request_count(b, ApiKey::ListOffsets)),
        [9, 0, 9]
    );
    let billing: Vec<_> = last.groups["billing"]
        .offsets
        .iter()
        .map(|o| (o.partition, o.lag))
        .collect();
    assert_eq!(billing, vec![(0, Some(10)), (1, Some(0)), (3, Some(5))]);
}
