//! `Admin::record_timestamps` against the protocol-level fake cluster: the
//! timestamp at committed offsets in every kind of batch, on three leaders,
//! with exact request counts per broker.

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
async fn fake_cluster_two_offsets_of_one_partition_go_in_two_rounds() {
    let fake = model().start().unwrap();
    let admin = admin(&fake);
    let metadata = admin.metadata().await.unwrap();
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
    assert_eq!(fetches(&fake), [2, 2, 0]);
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
