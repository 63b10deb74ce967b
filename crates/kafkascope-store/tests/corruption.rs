//! Damaged bytes in the database file are detected, reported and skipped; the rest answers.

use kafkascope_store::{Matcher, SeriesKey, Store, StoreConfig, StoreProblem};

const SECOND: i64 = 1_000;
/// Each minute's chunk of the victim holds one constant, stored verbatim, so the test can
/// find exactly that chunk's bytes in the file.
const MINUTE_VALUES: [f64; 3] = [1111.0625, 2222.0625, 3333.0625];

fn config(dir: &std::path::Path) -> StoreConfig {
    let mut config = StoreConfig::new(dir);
    config.seal_span_ms = 60 * SECOND;
    config.wal_fsync = false;
    config
}

fn key(name: &str) -> SeriesKey {
    SeriesKey::new(name, [])
}

fn build(dir: &std::path::Path) {
    let mut store = Store::open(config(dir)).unwrap();
    let victim = store.series_id(&key("victim")).unwrap();
    let bystander = store.series_id(&key("bystander")).unwrap();
    for at in (10 * SECOND..=180 * SECOND).step_by(10_000) {
        let minute = ((at - 1) / (60 * SECOND)) as usize;
        store
            .append(
                at,
                [(victim, MINUTE_VALUES[minute]), (bystander, at as f64)],
            )
            .unwrap();
    }
    store.close().unwrap();
}

fn read(store: &Store, name: &str) -> (Vec<(i64, f64)>, Vec<StoreProblem>) {
    let result = store
        .query(&[Matcher::equal("__name__", name)], 0, i64::MAX)
        .unwrap();
    (result.series[0].samples.clone(), result.problems)
}

#[test]
fn a_corrupt_chunk_is_reported_and_the_other_chunks_still_answer() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let path = dir.path().join("history.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = MINUTE_VALUES[1].to_le_bytes();
    let mut hits = 0;
    for at in 0..bytes.len() - needle.len() {
        if bytes[at..at + needle.len()] == needle {
            bytes[at + 3] ^= 0x10;
            hits += 1;
        }
    }
    assert!(hits >= 1);
    std::fs::write(&path, &bytes).unwrap();

    let store = Store::open(config(dir.path())).unwrap();
    let (victim, problems) = read(&store, "victim");
    let minute = |m: usize, from: i64| -> Vec<(i64, f64)> {
        (from..from + 60 * SECOND)
            .step_by(10_000)
            .map(|t| (t, MINUTE_VALUES[m]))
            .collect()
    };
    let mut expected = minute(0, 10 * SECOND);
    expected.extend(minute(2, 130 * SECOND));
    assert_eq!(victim, expected);
    assert_eq!(problems.len(), 1);
    assert!(
        matches!(
            &problems[0],
            StoreProblem::CorruptChunk { start_ms, reason, .. }
                if *start_ms == 70 * SECOND && reason == "checksum mismatch"
        ),
        "{problems:?}"
    );
    let (bystander, problems) = read(&store, "bystander");
    assert_eq!(problems, vec![]);
    assert_eq!(bystander.len(), 18);
    assert_eq!(bystander[17], (180 * SECOND, 180_000.0));
}

#[test]
fn a_truncated_database_file_is_moved_aside_and_the_store_starts() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let path = dir.path().join("history.redb");
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 3).unwrap();
    drop(file);
    let mut store = Store::open(config(dir.path())).unwrap();
    assert!(
        matches!(
            store.open_problems(),
            [StoreProblem::DatabaseMovedAside { .. }]
        ),
        "{:?}",
        store.open_problems()
    );
    let id = store.series_id(&key("fresh")).unwrap();
    store.append(200 * SECOND, [(id, 1.0)]).unwrap();
    let (fresh, _) = read(&store, "fresh");
    assert_eq!(fresh, vec![(200 * SECOND, 1.0)]);
}
