//! `Admin::record_timestamps` against the protocol-level fake cluster: the
//! timestamp at committed offsets in every kind of batch, on three leaders,
//! with exact request counts per broker, also when several groups sit on
//! one partition near each other or far apart.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kafkascope_client::admin::{Admin, RecordAt};
use kafkascope_client::{BrokerPool, ClientConfig, ClientError};
use kafkascope_fake_broker::{
    ApiKey, BatchSpec, Compression, FakeCluster, FakeClusterHandle, PartitionSpec, TopicSpec,
};

const TOPIC: &str = "events";

/// Three partitions per leader (1, 2, 3), each with a log of its own kind.
fn model() -> FakeCluster {
    let on = |index, leader| PartitionSpec::new(index, vec![leader]);
    let events = TopicSpec::new(TOPIC)
        // One record per batch.
        .partition(on(0, 1).records(0, [1_000, 1_001, 1_002, 1_003, 1_004]))
        // One uncompressed batch of five, log start 10.
        .partition(
            on(1, 2)
                .offsets(10, 10)
                .batch(BatchSpec::data(10, [3_000, 3_010, 3_020, 3_030, 3_040])),
        )
        .partition(
            on(2, 3).batch(
                BatchSpec::data(0, [4_000, 4_100, 4_200, 4_300, 4_400, 4_500])
                    .compression(Compression::Lz4),
            ),
        )
        .partition(
            on(3, 1).batch(
                BatchSpec::data(0, [5_000, 5_005, 5_010, 5_015]).compression(Compression::Zstd),
            ),
        )
        // LogAppendTime: the broker stamped the batch at 9 000.
        .partition(on(4, 2).batch(BatchSpec::data(0, [100, 101, 102]).log_append_time(9_000)))
        // A committed transaction: data, then its marker and another marker.
        .partition(
            on(5, 3)
                .batch(BatchSpec::data(0, [6_000, 6_001]).transactional())
                .batch(BatchSpec::commit_marker(2, 6_002))
                .batch(BatchSpec::commit_marker(3, 6_003)),
        )
        // Retention deleted everything below 50.
        .partition(on(6, 1).offsets(50, 50).records(50, [7_050, 7_051, 7_052]))
        .partition(on(7, 2).records(0, [8_000, 8_001, 8_002, 8_003]))
        .partition(
            on(8, 3)
                .batch(BatchSpec::data(0, [9_000, 9_001, 9_002]).compression(Compression::Gzip)),
        )
        .partition(
            on(9, 1)
                .batch(BatchSpec::data(0, [9_100, 9_101, 9_102]).compression(Compression::Snappy)),
        );
    FakeCluster::new("fake")
        .with_brokers([1, 2, 3])
        .topic(events)
}

fn admin(fake: &FakeClusterHandle) -> Admin {
    let bootstrap = fake.bootstrap().split(',').map(String::from).collect();
    Admin::new(Arc::new(BrokerPool::new(
        bootstrap,
        ClientConfig::default(),
    )))
}

fn key(partition: i32, offset: i64) -> ((String, i32), i64) {
    ((TOPIC.to_string(), partition), offset)
}

fn wanted(keys: &[(i32, i64)]) -> BTreeSet<((String, i32), i64)> {
    keys.iter().map(|&(p, o)| key(p, o)).collect()
}

fn answers(pairs: &[(i32, i64, RecordAt)]) -> BTreeMap<((String, i32), i64), RecordAt> {
    pairs.iter().map(|&(p, o, at)| (key(p, o), at)).collect()
}

fn fetches(fake: &FakeClusterHandle) -> [usize; 3] {
    [1, 2, 3].map(|b| fake.request_count(b, ApiKey::Fetch))
}

#[tokio::test]
async fn fake_cluster_every_kind_of_batch_in_one_fetch_per_broker() {
    let fake = model().start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let asked = wanted(&[
        (0, 2),
        (1, 13),
        (2, 4),
        (3, 1),
        (4, 1),
        (5, 2),
        (6, 20),
        (7, 4),
        (8, 2),
        (9, 1),
    ]);
    let result = admin.record_timestamps(&metadata, &asked).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.value,
        answers(&[
            (0, 2, RecordAt::Timestamp(1_002)),
            (1, 13, RecordAt::Timestamp(3_030)),
            (2, 4, RecordAt::Timestamp(4_400)),
            (3, 1, RecordAt::Timestamp(5_005)),
            (4, 1, RecordAt::Timestamp(9_000)),
            (5, 2, RecordAt::OnlyControlRecords),
            (6, 20, RecordAt::BelowLogStart(Some(50))),
            (7, 4, RecordAt::AtLogEnd),
            (8, 2, RecordAt::Timestamp(9_002)),
            (9, 1, RecordAt::Timestamp(9_101)),
        ])
    );
    assert_eq!(fetches(&fake), [1, 1, 1]);
    // Every broker speaks Fetch v18 and every topic has an id: topics go by id.
    let versions: BTreeSet<i16> = fake
        .request_log()
        .iter()
        .filter(|r| r.api_key == ApiKey::Fetch)
        .map(|r| r.api_version)
        .collect();
    assert_eq!(versions, BTreeSet::from([18]));
}

#[tokio::test]
async fn fake_cluster_several_offsets_of_one_partition_share_one_fetch() {
    let fake = model().start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    // Two offsets inside one batch, two in separate batches, and one alone.
    let asked = wanted(&[(1, 11), (1, 14), (4, 0), (0, 0), (0, 4)]);
    let result = admin.record_timestamps(&metadata, &asked).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.value,
        answers(&[
            (0, 0, RecordAt::Timestamp(1_000)),
            (0, 4, RecordAt::Timestamp(1_004)),
            (1, 11, RecordAt::Timestamp(3_010)),
            (1, 14, RecordAt::Timestamp(3_040)),
            (4, 0, RecordAt::Timestamp(9_000)),
        ])
    );
    assert_eq!(fetches(&fake), [1, 1, 0]);
}

/// The model with partition 0 (broker 1) replaced by `count` one-record
/// batches of `value_size`-byte values, record `i` stamped `10_000 + i`.
fn with_long_partition_0(count: i64, value_size: usize) -> FakeCluster {
    let mut model = model();
    let partition = model.partition_mut(TOPIC, 0).unwrap();
    partition.log = (0..count)
        .map(|i| BatchSpec::data(i, [10_000 + i]).value_size(value_size))
        .collect();
    partition.high_watermark = count;
    model
}

/// `(partition, offset, timestamp)` for offsets of the long partition 0.
fn long_partition_answers(offsets: &[i64]) -> Vec<(i32, i64, RecordAt)> {
    offsets
        .iter()
        .map(|&o| (0, o, RecordAt::Timestamp(10_000 + o)))
        .collect()
}

#[tokio::test]
async fn fake_cluster_two_groups_at_nearby_offsets_cost_one_fetch() {
    let fake = with_long_partition_0(600, 8).start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(0, 100), (0, 103)]))
        .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.value, answers(&long_partition_answers(&[100, 103])));
    assert_eq!(fetches(&fake), [1, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_five_groups_at_nearby_offsets_cost_one_fetch() {
    let fake = with_long_partition_0(600, 8).start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let offsets = [200, 201, 205, 230, 240];
    let asked: Vec<(i32, i64)> = offsets.iter().map(|&o| (0, o)).collect();
    // Three offsets inside one lz4 batch of partition 2, on broker 3.
    let mut asked = wanted(&asked);
    asked.extend(wanted(&[(2, 1), (2, 3), (2, 5)]));
    let result = admin.record_timestamps(&metadata, &asked).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let mut expected = long_partition_answers(&offsets);
    expected.extend([
        (2, 1, RecordAt::Timestamp(4_100)),
        (2, 3, RecordAt::Timestamp(4_300)),
        (2, 5, RecordAt::Timestamp(4_500)),
    ]);
    assert_eq!(result.value, answers(&expected));
    assert_eq!(fetches(&fake), [1, 0, 1]);
}

#[tokio::test]
async fn fake_cluster_offsets_farther_apart_than_a_budget_reaches_cost_two_fetches() {
    let fake = with_long_partition_0(2_000, 8).start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(0, 5), (0, 6), (0, 1_500), (3, 2)]))
        .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let mut expected = long_partition_answers(&[5, 6, 1_500]);
    expected.push((3, 2, RecordAt::Timestamp(5_010)));
    assert_eq!(result.value, answers(&expected));
    assert_eq!(fetches(&fake), [2, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_offsets_an_answer_stops_short_of_are_fetched_in_one_follow_up() {
    // Records of ~1 KB: the budget guessed for four offsets reaches one.
    let mut model = with_long_partition_0(20, 1_000);
    let partition = model.partition_mut(TOPIC, 3).unwrap();
    (partition.log, partition.high_watermark) = (
        (0..20)
            .map(|i| BatchSpec::data(i, [20_000 + i]).value_size(1_000))
            .collect(),
        20,
    );
    let fake = model.start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(0, 2), (0, 6), (3, 1), (3, 5)]))
        .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let mut expected = long_partition_answers(&[2, 6]);
    expected.extend([
        (3, 1, RecordAt::Timestamp(20_001)),
        (3, 5, RecordAt::Timestamp(20_005)),
    ]);
    assert_eq!(result.value, answers(&expected));
    // Both partitions' upper offsets share the one follow-up request.
    assert_eq!(fetches(&fake), [2, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_an_offset_above_one_below_the_log_start_is_fetched_again() {
    let fake = model().start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(6, 20), (6, 30), (6, 51)]))
        .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.value,
        answers(&[
            (6, 20, RecordAt::BelowLogStart(Some(50))),
            (6, 30, RecordAt::BelowLogStart(Some(50))),
            (6, 51, RecordAt::Timestamp(7_051)),
        ])
    );
    assert_eq!(fetches(&fake), [2, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_several_groups_on_every_kind_of_partition_cost_one_fetch_per_broker() {
    let fake = model().start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let asked = wanted(&[
        (0, 1),
        (0, 3),
        (3, 1),
        (3, 2),
        (6, 50),
        (6, 52),
        (9, 0),
        (9, 2),
        (1, 11),
        (1, 12),
        (1, 14),
        (4, 0),
        (4, 2),
        (7, 1),
        (7, 3),
        (7, 4),
        (2, 0),
        (2, 2),
        (2, 5),
        (5, 0),
        (5, 1),
        (5, 2),
        (5, 3),
        (8, 0),
        (8, 2),
    ]);
    let result = admin.record_timestamps(&metadata, &asked).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.value,
        answers(&[
            (0, 1, RecordAt::Timestamp(1_001)),
            (0, 3, RecordAt::Timestamp(1_003)),
            (1, 11, RecordAt::Timestamp(3_010)),
            (1, 12, RecordAt::Timestamp(3_020)),
            (1, 14, RecordAt::Timestamp(3_040)),
            (2, 0, RecordAt::Timestamp(4_000)),
            (2, 2, RecordAt::Timestamp(4_200)),
            (2, 5, RecordAt::Timestamp(4_500)),
            (3, 1, RecordAt::Timestamp(5_005)),
            (3, 2, RecordAt::Timestamp(5_010)),
            (4, 0, RecordAt::Timestamp(9_000)),
            (4, 2, RecordAt::Timestamp(9_000)),
            (5, 0, RecordAt::Timestamp(6_000)),
            (5, 1, RecordAt::Timestamp(6_001)),
            (5, 2, RecordAt::OnlyControlRecords),
            (5, 3, RecordAt::OnlyControlRecords),
            (6, 50, RecordAt::Timestamp(7_050)),
            (6, 52, RecordAt::Timestamp(7_052)),
            (7, 1, RecordAt::Timestamp(8_001)),
            (7, 3, RecordAt::Timestamp(8_003)),
            (7, 4, RecordAt::AtLogEnd),
            (8, 0, RecordAt::Timestamp(9_000)),
            (8, 2, RecordAt::Timestamp(9_002)),
            (9, 0, RecordAt::Timestamp(9_100)),
            (9, 2, RecordAt::Timestamp(9_102)),
        ])
    );
    assert_eq!(fetches(&fake), [1, 1, 1]);
}

#[tokio::test]
async fn fake_cluster_a_batch_cut_short_is_fetched_again_alone() {
    let mut model = model();
    // Partition 3 (after partition 0 in broker 1's request) holds a batch of
    // ~1.5 KB: past its 512-byte share, so its first answer is cut.
    let big = BatchSpec::data(0, [5_000, 5_005, 5_010, 5_015, 5_020]).value_size(300);
    let partition = model.partition_mut(TOPIC, 3).unwrap();
    (partition.log, partition.high_watermark) = (vec![big], 5);
    let fake = model.start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(0, 1), (3, 3)]))
        .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.value,
        answers(&[
            (0, 1, RecordAt::Timestamp(1_001)),
            (3, 3, RecordAt::Timestamp(5_015)),
        ])
    );
    assert_eq!(fetches(&fake), [2, 0, 0]);
}

#[tokio::test]
async fn fake_cluster_old_fetch_versions_name_topics_and_unsupported_fetch_is_not_sent() {
    let mut model = model();
    model.max_version(3, ApiKey::Fetch, 12);
    model.unsupported_apis(2, vec![ApiKey::Fetch]);
    let fake = model.start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let result = admin
        .record_timestamps(&metadata, &wanted(&[(0, 3), (1, 12), (2, 1)]))
        .await;
    assert_eq!(
        result.value,
        answers(&[
            (0, 3, RecordAt::Timestamp(1_003)),
            (2, 1, RecordAt::Timestamp(4_100)),
        ])
    );
    assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    assert_eq!(result.errors[0].broker, Some(2));
    assert!(
        matches!(
            result.errors[0].error,
            ClientError::UnsupportedApi {
                api: "FetchRequest",
                ..
            }
        ),
        "{:?}",
        result.errors[0]
    );
    assert_eq!(fetches(&fake), [1, 0, 1]);
    let on_broker_3: Vec<i16> = fake
        .request_log()
        .iter()
        .filter(|r| r.api_key == ApiKey::Fetch && r.broker_id == 3)
        .map(|r| r.api_version)
        .collect();
    assert_eq!(on_broker_3, vec![12]);
}

#[tokio::test]
async fn fake_cluster_partitions_without_leader_or_unknown_are_errors_not_silence() {
    let mut model = model();
    model.partition_mut(TOPIC, 7).unwrap().leader = -1;
    let fake = model.start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
    let mut asked = wanted(&[(7, 1), (0, 0)]);
    asked.insert((("nope".to_string(), 0), 5));
    let result = admin.record_timestamps(&metadata, &asked).await;
    assert_eq!(result.value, answers(&[(0, 0, RecordAt::Timestamp(1_000))]));
    let subjects: Vec<(&str, String)> = result
        .errors
        .iter()
        .map(|e| (e.subject.as_str(), e.error.to_string()))
        .collect();
    assert_eq!(
        subjects,
        vec![
            (
                "events-7 at offset 1",
                "metadata: MetadataRequest answered error 5 (LeaderNotAvailable) for events-7 at offset 1"
                    .to_string()
            ),
            (
                "nope-0 at offset 5",
                "metadata: MetadataRequest answered error 3 (UnknownTopicOrPartition) for nope-0 at offset 5"
                    .to_string()
            ),
        ]
    );
    assert_eq!(fetches(&fake), [1, 0, 0]);
}
