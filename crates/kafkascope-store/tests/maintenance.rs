//! Maintenance runs only when the caller asks, in slices, when it is due; compaction comes
//! by itself when much of the file is free.

use kafkascope_store::{
    Maintenance, MaintenanceReport, Matcher, SeriesId, SeriesKey, Store, StoreConfig,
};

const SECOND: i64 = 1_000;
const HOUR: i64 = 3_600 * SECOND;

fn series(name: &str) -> SeriesKey {
    SeriesKey::new(name, [("topic".to_string(), "orders".to_string())])
}

fn read(store: &Store, name: &str) -> Vec<(i64, f64)> {
    let result = store
        .query(&[Matcher::equal("__name__", name)], 0, i64::MAX)
        .unwrap();
    assert_eq!(result.problems, vec![]);
    assert_eq!(result.series.len(), 1, "{name}");
    result.series[0].samples.clone()
}

/// Calls `maintain_if_due` until it is not in progress, returning every outcome.
fn maintain_fully(store: &mut Store, now_ms: i64) -> Vec<Maintenance> {
    let mut outcomes = Vec::new();
    loop {
        let outcome = store.maintain_if_due(now_ms).unwrap();
        let more = matches!(outcome, Maintenance::InProgress(_));
        outcomes.push(outcome);
        if !more {
            return outcomes;
        }
    }
}

fn rewritten(n: usize) -> MaintenanceReport {
    MaintenanceReport {
        chunks_rewritten: n,
        ..MaintenanceReport::default()
    }
}

fn append_range(store: &mut Store, ids: &[SeriesId], from: i64, to: i64) {
    for at in (from..=to).step_by(10_000) {
        let samples: Vec<(SeriesId, f64)> = ids.iter().map(|id| (*id, at as f64)).collect();
        store.append(at, samples).unwrap();
    }
}

#[test]
fn appending_never_maintains_and_maintain_if_due_waits_for_its_interval_then_merges_in_slices() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path());
    config.seal_span_ms = 60 * SECOND;
    config.merge_span_ms = 180 * SECOND;
    config.tiers = vec![];
    config.maintenance_every_ms = 300 * SECOND;
    config.maintenance_slice_series = 1;
    config.compaction_every_ms = 0;
    config.wal_fsync = false;
    let mut store = Store::open(config).unwrap();
    let ids = [
        store.series_id(&series("a")).unwrap(),
        store.series_id(&series("b")).unwrap(),
    ];
    append_range(&mut store, &ids, 10 * SECOND, 170 * SECOND);
    // The first call after opening is due: nothing to merge yet, and the retention sweep
    // goes one series per slice.
    let empty = MaintenanceReport::default();
    assert_eq!(
        maintain_fully(&mut store, 170 * SECOND),
        vec![
            Maintenance::InProgress(empty.clone()),
            Maintenance::InProgress(empty.clone()),
            Maintenance::Finished(empty.clone()),
        ]
    );
    // (0, 180 s] is sealed by the cycle at 190 s, but appends leave it raw, and 290 s is
    // less than the 300 s interval after the last pass.
    append_range(&mut store, &ids, 180 * SECOND, 460 * SECOND);
    assert_eq!(
        store.maintain_if_due(460 * SECOND).unwrap(),
        Maintenance::NotDue
    );
    assert!(!store.maintenance_running());
    append_range(&mut store, &ids, 470 * SECOND, 470 * SECOND);
    // Due at 470 s: windows (0, 180] and (180, 360] are sealed, three 1-minute chunks per
    // series each, merged one series per slice; retention is not due again within the hour.
    assert_eq!(
        maintain_fully(&mut store, 470 * SECOND),
        vec![
            Maintenance::InProgress(rewritten(3)),
            Maintenance::InProgress(rewritten(3)),
            Maintenance::InProgress(rewritten(3)),
            Maintenance::InProgress(rewritten(3)),
            Maintenance::Finished(empty),
        ]
    );
    let expected: Vec<(i64, f64)> = (10 * SECOND..=470 * SECOND)
        .step_by(10_000)
        .map(|t| (t, t as f64))
        .collect();
    assert_eq!(read(&store, "a"), expected);
    assert_eq!(read(&store, "b"), expected);
    // A full pass finds both windows done.
    assert_eq!(
        store.maintain(470 * SECOND).unwrap(),
        MaintenanceReport::default()
    );
}

#[test]
fn appends_between_slices_of_a_pass_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path());
    config.seal_span_ms = 60 * SECOND;
    config.merge_span_ms = 120 * SECOND;
    config.tiers = vec![];
    config.maintenance_every_ms = 60 * SECOND;
    config.maintenance_slice_series = 2;
    config.wal_fsync = false;
    let mut store = Store::open(config.clone()).unwrap();
    let ids: Vec<SeriesId> = (0..5)
        .map(|n| store.series_id(&series(&format!("s{n}"))).unwrap())
        .collect();
    // One cycle, then at most one slice, as a writer with a busy feed would do.
    for at in (10 * SECOND..=900 * SECOND).step_by(10_000) {
        let samples: Vec<(SeriesId, f64)> = ids.iter().map(|id| (*id, at as f64)).collect();
        store.append(at, samples).unwrap();
        store.maintain_if_due(at).unwrap();
    }
    let expected: Vec<(i64, f64)> = (10 * SECOND..=900 * SECOND)
        .step_by(10_000)
        .map(|t| (t, t as f64))
        .collect();
    for n in 0..5 {
        assert_eq!(read(&store, &format!("s{n}")), expected, "s{n}");
    }
    store.close().unwrap();
    let store = Store::open(config).unwrap();
    for n in 0..5 {
        assert_eq!(read(&store, &format!("s{n}")), expected, "s{n}");
    }
}

/// An offset-like counter with some noise: short raw chunks pay pco's per-column header
/// many times, the merged hour once, as with real figures.
fn counter(id: SeriesId, at: i64) -> f64 {
    let mut z = (u64::from(id) << 40) ^ at as u64;
    z = (z ^ (z >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (at / 10_000 * i64::from(id + 1)) as f64 + (z % 97) as f64
}

#[test]
fn the_store_compacts_by_itself_once_merging_freed_most_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path());
    config.wal_fsync = false;
    config.compaction_min_free_bytes = 0;
    config.maintenance_slice_series = 500;
    let mut store = Store::open(config.clone()).unwrap();
    let ids: Vec<SeriesId> = (0..300)
        .map(|n| store.series_id(&series(&format!("s{n}"))).unwrap())
        .collect();
    let mut compactions = Vec::new();
    let mut passes = 0;
    // Two hours at 10 s, and one more cycle: passes run every 10 minutes from the first
    // cycle on, so the one at 1 h 10 s merges the first hour (freeing its raw chunks), the
    // one at 2 h 10 s the second.
    let end = 2 * HOUR + 10 * SECOND;
    for at in (10 * SECOND..=end).step_by(10_000) {
        let samples: Vec<(SeriesId, f64)> = ids.iter().map(|id| (*id, counter(*id, at))).collect();
        store.append(at, samples).unwrap();
        for outcome in maintain_fully(&mut store, at) {
            if let Maintenance::Finished(report) | Maintenance::InProgress(report) = outcome {
                compactions.extend(report.compaction);
            }
            passes += 1;
        }
    }
    assert!(passes > 0);
    // Checked at most hourly: the pass after the first merge compacts; the one an hour
    // later does again, since the second hour's raw chunks were freed the same way.
    assert_eq!(compactions.len(), 2, "{compactions:?}");
    for compaction in &compactions {
        assert!(
            compaction.file_after * 2 < compaction.file_before,
            "{compaction:?}"
        );
    }
    let on_disk = std::fs::metadata(dir.path().join("history.redb"))
        .unwrap()
        .len();
    assert_eq!(on_disk, compactions[1].file_after);
    let usage = store.disk_usage().unwrap();
    assert!(usage.allocated * 2 > usage.file, "{usage:?}");
    for id in [ids[0], ids[299]] {
        let expected: Vec<(i64, f64)> = (10 * SECOND..=end)
            .step_by(10_000)
            .map(|t| (t, counter(id, t)))
            .collect();
        assert_eq!(store.samples(id, 0, i64::MAX).unwrap().samples, expected);
    }
    // Within the hour the check is not repeated, whatever the free share.
    assert_eq!(store.compact_if_worthwhile(end).unwrap(), None);
}

#[test]
fn no_compaction_when_it_is_switched_off_or_little_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path());
    config.wal_fsync = false;
    config.compaction_every_ms = 0;
    let mut store = Store::open(config.clone()).unwrap();
    let id = store.series_id(&series("a")).unwrap();
    append_range(&mut store, &[id], 10 * SECOND, 600 * SECOND);
    assert_eq!(store.compact_if_worthwhile(600 * SECOND).unwrap(), None);
    drop(store);
    config.compaction_every_ms = HOUR;
    config.compaction_free_percent = 100;
    let mut store = Store::open(config).unwrap();
    let before = store.disk_usage().unwrap().file;
    assert_eq!(store.compact_if_worthwhile(600 * SECOND).unwrap(), None);
    assert_eq!(store.disk_usage().unwrap().file, before);
}

#[test]
fn sealed_intervals_left_unmerged_are_downsampled_from_the_raw_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path());
    config.seal_span_ms = 60 * SECOND;
    config.merge_span_ms = 0;
    config.tiers = vec![kafkascope_store::DownsampleTier {
        after_ms: 300 * SECOND,
        step_ms: 30 * SECOND,
        chunk_span_ms: 120 * SECOND,
    }];
    config.wal_fsync = false;
    let mut store = Store::open(config.clone()).unwrap();
    let id = store.series_id(&series("offset")).unwrap();
    let tenth = |t: i64| (t / (10 * SECOND)) as f64;
    for at in (10 * SECOND..=600 * SECOND).step_by(10_000) {
        store.append(at, [(id, tenth(at))]).unwrap();
    }
    // Windows (0, 120] and (120, 240] are old enough: two raw chunks each.
    assert_eq!(store.maintain(600 * SECOND).unwrap(), rewritten(4));
    let mut expected: Vec<(i64, f64)> = (30 * SECOND..=240 * SECOND)
        .step_by(30_000)
        .map(|t| (t, tenth(t)))
        .collect();
    expected.extend(
        (250 * SECOND..=600 * SECOND)
            .step_by(10_000)
            .map(|t| (t, tenth(t))),
    );
    assert_eq!(read(&store, "offset"), expected);
    store.close().unwrap();
    let mut store = Store::open(config).unwrap();
    assert_eq!(read(&store, "offset"), expected);
    assert_eq!(
        store.maintain(600 * SECOND).unwrap(),
        MaintenanceReport::default()
    );
}
