//! Downsampling keeps the last value per bucket at exact timestamps; retention drops old
//! chunks and the series that stopped being written.

use kafkascope_store::{DownsampleTier, Maintenance, Matcher, SeriesKey, Store, StoreConfig};

const SECOND: i64 = 1_000;

fn series(name: &str) -> SeriesKey {
    SeriesKey::new(name, [("topic".to_string(), "orders".to_string())])
}

fn base_config(dir: &std::path::Path) -> StoreConfig {
    let mut config = StoreConfig::new(dir);
    config.seal_span_ms = 60 * SECOND;
    config.maintenance_every_ms = 60 * SECOND;
    config.wal_fsync = false;
    config
}

fn read(store: &Store, name: &str) -> Vec<(i64, f64)> {
    let result = store
        .query(&[Matcher::equal("__name__", name)], 0, i64::MAX)
        .unwrap();
    assert_eq!(result.problems, vec![]);
    assert_eq!(result.series.len(), 1, "{name}");
    result.series[0].samples.clone()
}

fn grid(from: i64, to: i64, step: i64, value: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
    (from..=to)
        .step_by(step as usize)
        .map(|t| (t, value(t)))
        .collect()
}

#[test]
fn old_data_is_rewritten_to_the_last_value_of_each_bucket_per_tier() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    config.retention_ms = 3_600 * SECOND;
    config.merge_span_ms = 120 * SECOND;
    config.tiers = vec![
        DownsampleTier {
            after_ms: 300 * SECOND,
            step_ms: 30 * SECOND,
            chunk_span_ms: 120 * SECOND,
        },
        DownsampleTier {
            after_ms: 600 * SECOND,
            step_ms: 60 * SECOND,
            chunk_span_ms: 240 * SECOND,
        },
    ];
    let mut store = Store::open(config.clone()).unwrap();
    let id = store.series_id(&series("offset")).unwrap();
    for at in (10 * SECOND..=1_200 * SECOND).step_by(10_000) {
        // Missing at 60 s and 90 s: their buckets keep the value seen at 50 s and 80 s.
        let samples = if at == 60 * SECOND || at == 90 * SECOND {
            vec![]
        } else {
            vec![(id, (at / (10 * SECOND)) as f64)]
        };
        store.append(at, samples).unwrap();
    }
    store.maintain(1_200 * SECOND).unwrap();
    let tenth = |t: i64| (t / (10 * SECOND)) as f64;
    // (0, 480 s] at 1 min: last of (0, 60] is the 50 s sample.
    let mut expected = vec![(60 * SECOND, 5.0)];
    expected.extend(grid(120 * SECOND, 480 * SECOND, 60 * SECOND, tenth));
    // (480 s, 840 s] at 30 s, then raw.
    expected.extend(grid(510 * SECOND, 840 * SECOND, 30 * SECOND, tenth));
    expected.extend(grid(850 * SECOND, 1_200 * SECOND, 10 * SECOND, tenth));
    assert_eq!(read(&store, "offset"), expected);
    // The rewrite is persisted: a restart reads the same. Closing sealed the last window
    // (1080 s, 1200 s], so the next pass merges its two chunks, and the one after that
    // finds nothing to do.
    store.close().unwrap();
    let mut store = Store::open(config).unwrap();
    assert_eq!(read(&store, "offset"), expected);
    assert_eq!(store.maintain(1_200 * SECOND).unwrap().chunks_rewritten, 2);
    assert_eq!(store.maintain(1_200 * SECOND).unwrap().chunks_rewritten, 0);
    assert_eq!(read(&store, "offset"), expected);
}

#[test]
fn retention_drops_old_chunks_and_series_that_stopped_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    config.retention_ms = 600 * SECOND;
    config.merge_span_ms = 0;
    config.tiers = vec![];
    let mut store = Store::open(config.clone()).unwrap();
    let kept = store.series_id(&series("kept")).unwrap();
    let vanished = store.series_id(&series("vanished")).unwrap();
    for at in (10 * SECOND..=1_200 * SECOND).step_by(10_000) {
        let mut samples = vec![(kept, 1.0)];
        if at <= 120 * SECOND {
            samples.push((vanished, 2.0));
        }
        store.append(at, samples).unwrap();
    }
    store.maintain(1_200 * SECOND).unwrap();
    // Cut-off 600 s: the chunk of (540 s, 600 s] still ends at the cut-off and stays.
    assert_eq!(
        read(&store, "kept"),
        grid(550 * SECOND, 1_200 * SECOND, 10 * SECOND, |_| 1.0)
    );
    assert_eq!(store.label_values("__name__", &[]), vec!["kept"]);
    store.close().unwrap();
    let mut store = Store::open(config).unwrap();
    assert_eq!(store.label_values("__name__", &[]), vec!["kept"]);
    // The freed id is handed to the next new series, with no history of the old one.
    assert_eq!(store.series_id(&series("new")).unwrap(), vanished);
    let range = store.samples(vanished, 0, i64::MAX).unwrap();
    assert_eq!(range.samples, vec![]);
}

#[test]
fn sealed_windows_are_merged_into_one_chunk_per_series_with_every_sample_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    config.merge_span_ms = 180 * SECOND;
    config.tiers = vec![];
    config.maintenance_every_ms = 3_600 * SECOND;
    let mut store = Store::open(config.clone()).unwrap();
    let id = store.series_id(&series("offset")).unwrap();
    let sparse = store.series_id(&series("sparse")).unwrap();
    for at in (10 * SECOND..=600 * SECOND).step_by(10_000) {
        let mut samples = vec![(id, (at / 10) as f64 + 0.5)];
        if at % (70 * SECOND) == 0 {
            samples.push((sparse, 1.0));
        }
        store.append(at, samples).unwrap();
    }
    // Sealed through 540 s: windows (0, 180], (180, 360], (360, 540], three 1-minute
    // chunks each for the dense series, one or two for the sparse one.
    let report = store.maintain(600 * SECOND).unwrap();
    assert_eq!(report.chunks_rewritten, 9 + 7);
    let expected = grid(10 * SECOND, 600 * SECOND, 10 * SECOND, |t| {
        (t / 10) as f64 + 0.5
    });
    assert_eq!(read(&store, "offset"), expected);
    let sparse_expected = grid(70 * SECOND, 560 * SECOND, 70 * SECOND, |_| 1.0);
    assert_eq!(read(&store, "sparse"), sparse_expected);
    store.close().unwrap();
    let store = Store::open(config).unwrap();
    assert_eq!(read(&store, "offset"), expected);
    assert_eq!(read(&store, "sparse"), sparse_expected);
}

#[test]
fn a_series_registered_before_its_first_sample_is_not_aged_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    config.retention_ms = 600 * SECOND;
    let mut store = Store::open(config).unwrap();
    let early = store.series_id(&series("early")).unwrap();
    let busy = store.series_id(&series("busy")).unwrap();
    store.append(10 * SECOND, [(busy, 1.0)]).unwrap();
    let late = store.series_id(&series("late")).unwrap();
    // A pass after the seal at 70 s: neither quiet series has a sample yet.
    store.append(70 * SECOND, [(busy, 2.0)]).unwrap();
    while let Maintenance::InProgress(_) = store.maintain_if_due(70 * SECOND).unwrap() {}
    assert!(!store.maintenance_running());
    store
        .append(130 * SECOND, [(busy, 3.0), (early, 4.0), (late, 5.0)])
        .unwrap();
    store.maintain(130 * SECOND).unwrap();
    assert_eq!(read(&store, "early"), vec![(130 * SECOND, 4.0)]);
    assert_eq!(read(&store, "late"), vec![(130 * SECOND, 5.0)]);
}
