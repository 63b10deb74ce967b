//! `Admin::record_timestamps` against the real tansu broker, with records
//! produced by librdkafka at explicit CreateTime timestamps, and what the
//! lookups cost in Fetch requests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kafkascope_client::admin::{Admin, RecordAt};
use kafkascope_client::{BrokerPool, ClientConfig};
use kafkascope_testkit::Tansu;

/// Record timestamps per partition of `clock`, one produce call (and so one
/// batch) each.
const TIMESTAMPS: [(i32, &[i64]); 2] = [
    (
        0,
        &[
            1_700_000_000_000,
            1_700_000_001_000,
            1_700_000_005_000,
            1_700_000_009_500,
        ],
    ),
    (1, &[1_600_000_000_000, 1_600_000_000_007]),
];

fn seeded() -> Tansu {
    let tansu = Tansu::start().expect("starting tansu");
    let ok = |args: &[&str]| {
        tansu
            .client(args[0], &args[1..])
            .unwrap_or_else(|e| panic!("{args:?}: {e:#}"));
    };
    ok(&["create-topic", "--topic", "clock", "--partitions", "2"]);
    for (partition, timestamps) in TIMESTAMPS {
        for ts in timestamps {
            let (p, ts) = (partition.to_string(), ts.to_string());
            ok(&[
                "produce",
                "--topic",
                "clock",
                "--partition",
                &p,
                "--count",
                "1",
                "--timestamp-ms",
                &ts,
            ]);
        }
    }
    tansu
}

fn key(partition: i32, offset: i64) -> ((String, i32), i64) {
    (("clock".to_string(), partition), offset)
}

#[tokio::test]
async fn tansu_record_timestamps_are_the_produced_ones() {
    let tansu = seeded();
    let pool = Arc::new(BrokerPool::new(
        vec![tansu.bootstrap()],
        ClientConfig::default(),
    ));
    let admin = Admin::new(pool.clone());
    let metadata = admin.metadata().await.unwrap();

    let mut wanted = BTreeSet::new();
    let mut expected = BTreeMap::new();
    for (partition, timestamps) in TIMESTAMPS {
        for (offset, ts) in (0..).zip(timestamps) {
            wanted.insert(key(partition, offset));
            expected.insert(key(partition, offset), RecordAt::Timestamp(*ts));
        }
        let end = timestamps.len() as i64;
        wanted.insert(key(partition, end));
        expected.insert(key(partition, end), RecordAt::AtLogEnd);
    }
    let result = admin.record_timestamps(&metadata, &wanted).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.value, expected);
    // Five offsets of partition 0 and three of partition 1, one batch per
    // record: one fetch entry each reaches them all, in one request.
    assert_eq!(pool.request_counts().get("Fetch"), Some(&1));
}
