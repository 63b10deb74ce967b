//! The record_timestamps collector over several cycles against the fake
//! cluster: what it fills in `records_at`, and what each cycle costs in
//! Fetch requests as committed offsets move or stay.

use std::collections::BTreeMap;
use std::sync::Arc;

use kafkascope_client::admin::{Admin, RecordAt};
use kafkascope_client::{BrokerPool, ClientConfig};
use kafkascope_collector::CollectorSettings;
use kafkascope_collector::collector::{Collector, registry, run_all};
use kafkascope_collector::collectors::{
    cluster_metadata::ClusterMetadataCollector, committed_offsets::CommittedOffsetsCollector,
    consumer_groups::ConsumerGroupsCollector, log_offsets::LogOffsetsCollector,
    record_timestamps::RecordTimestampsCollector,
};
use kafkascope_collector::cycle::Cycle;
use kafkascope_fake_broker::{
    ApiKey, BatchSpec, Compression, FakeCluster, FakeClusterHandle, GroupSpec, PartitionSpec,
    TopicSpec,
};

const T: &str = "orders";

/// orders-0 and -3 on broker 1, -1 on 2, -2 on 3. billing lags on 0, 1
/// (below the log start) and 2, and is caught up on 3; audit lags on 0.
fn model() -> FakeCluster {
    let orders =
        TopicSpec::new(T)
            .partition(PartitionSpec::new(0, vec![1]).records(0, (0..10).map(|i| 1_000 + i)))
            .partition(
                PartitionSpec::new(1, vec![2])
                    .offsets(20, 20)
                    .records(20, (20..30).map(|i| 2_000 + i)),
            )
            .partition(PartitionSpec::new(2, vec![3]).batch(
                BatchSpec::data(0, [3_000, 3_001, 3_002, 3_003]).compression(Compression::Lz4),
            ))
            .partition(PartitionSpec::new(3, vec![1]).records(0, [4_000, 4_001, 4_002]));
    FakeCluster::new("fake")
        .with_brokers([1, 2, 3])
        .topic(orders)
        .group(
            GroupSpec::new("billing", 1)
                .committed(T, 0, 4)
                .committed(T, 1, 5)
                .committed(T, 2, 2)
                .committed(T, 3, 3),
        )
        .group(GroupSpec::new("audit", 2).committed(T, 0, 7))
}

struct Harness {
    fake: FakeClusterHandle,
    admin: Admin,
    settings: CollectorSettings,
    collectors: Vec<Box<dyn Collector>>,
}

impl Harness {
    fn start(model: FakeCluster) -> Self {
        let fake = model.start().unwrap();
        let bootstrap = fake.bootstrap().split(',').map(String::from).collect();
        let admin = Admin::new(Arc::new(BrokerPool::new(
            bootstrap,
            ClientConfig::default(),
        )));
        let collectors: Vec<Box<dyn Collector>> = vec![
            Box::new(ClusterMetadataCollector),
            Box::new(ConsumerGroupsCollector),
            Box::new(CommittedOffsetsCollector),
            Box::new(LogOffsetsCollector),
            Box::new(RecordTimestampsCollector::default()),
        ];
        Harness {
            fake,
            admin,
            settings: CollectorSettings::new("fake"),
            collectors,
        }
    }

    /// Runs one cycle; returns its records_at and the Fetch requests it cost
    /// brokers 1, 2 and 3.
    async fn cycle(&self) -> (BTreeMap<(i32, i64), RecordAt>, [usize; 3], Vec<String>) {
        self.fake.clear_request_log();
        let mut cycle = Cycle::new(&self.admin, &self.settings);
        let (_, aborted) = run_all(&self.collectors, &mut cycle).await;
        assert!(aborted.is_none(), "{aborted:?}");
        let topics: Vec<&String> = cycle.records_at.keys().collect();
        assert!(topics.iter().all(|t| *t == T), "{topics:?}");
        let records = cycle.records_at.get(T).cloned().unwrap_or_default();
        assert!(records.is_sorted_by_key(|(key, _)| *key), "{records:?}");
        let records = records.into_iter().collect();
        let fetches = [1, 2, 3].map(|b| self.fake.request_count(b, ApiKey::Fetch));
        let mut problems: Vec<String> = cycle.errors.iter().map(|e| e.message.clone()).collect();
        problems.extend(cycle.unsupported_apis.iter().cloned());
        (records, fetches, problems)
    }

    fn commit(&self, group: &str, partition: i32, offset: i64) {
        self.fake.update(|m| {
            m.group_mut(group)
                .unwrap()
                .offsets
                .insert((T.to_string(), partition), offset);
        });
    }
}

fn ts(ms: i64) -> RecordAt {
    RecordAt::Timestamp(ms)
}

#[tokio::test]
async fn fake_cluster_cached_offsets_cost_no_fetch_and_moved_ones_one() {
    let h = Harness::start(model());

    let (records, fetches, problems) = h.cycle().await;
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(
        records,
        BTreeMap::from([
            ((0, 4), ts(1_004)),
            ((0, 7), ts(1_007)),
            ((1, 5), RecordAt::BelowLogStart(Some(20))),
            ((2, 2), ts(3_002)),
        ])
    );
    // Both groups' offsets of orders-0 share broker 1's one Fetch; below the
    // log start needs none.
    assert_eq!(fetches, [1, 0, 1]);

    let (again, fetches, _) = h.cycle().await;
    assert_eq!(again, records);
    assert_eq!(fetches, [0, 0, 0]);

    // billing moves on orders-0; audit's offset stays cached.
    h.commit("billing", 0, 6);
    let (records, fetches, _) = h.cycle().await;
    assert_eq!(records[&(0, 6)], ts(1_006));
    assert_eq!(records[&(0, 7)], ts(1_007));
    assert!(!records.contains_key(&(0, 4)));
    assert_eq!(fetches, [1, 0, 0]);

    // Offset 4 was dropped from the cache when no group was at it any more.
    h.commit("billing", 0, 4);
    let (records, fetches, _) = h.cycle().await;
    assert_eq!(records[&(0, 4)], ts(1_004));
    assert_eq!(fetches, [1, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_a_failed_fetch_leaves_the_offset_absent_and_says_why() {
    let mut model = model();
    model.unsupported_apis(3, vec![ApiKey::Fetch]);
    let h = Harness::start(model);
    let (records, fetches, problems) = h.cycle().await;
    assert_eq!(
        records.keys().copied().collect::<Vec<_>>(),
        vec![(0, 4), (0, 7), (1, 5)]
    );
    assert_eq!(fetches, [1, 0, 0]);
    assert_eq!(problems, vec!["FetchRequest".to_string()]);
}

#[test]
fn registry_runs_record_timestamps_right_after_log_offsets_in_the_lag_stage() {
    let names: Vec<&str> = registry().lag.iter().map(|c| c.name()).collect();
    let at = names.iter().position(|n| *n == "log_offsets").unwrap();
    assert_eq!(names[at + 1], "record_timestamps");
}
