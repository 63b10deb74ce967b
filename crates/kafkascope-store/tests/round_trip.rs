//! Appending cycles and reading them back: exact values across seals, restarts and labels.

use kafkascope_store::{Matcher, SeriesKey, Store, StoreConfig, StoreProblem};

const SECOND: i64 = 1_000;

fn key(name: &str, pairs: &[(&str, &str)]) -> SeriesKey {
    SeriesKey::new(
        name,
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

fn lag(group: &str, partition: &str) -> SeriesKey {
    key(
        "kafkascope_group_partition_lag",
        &[
            ("group", group),
            ("topic", "orders"),
            ("partition", partition),
        ],
    )
}

fn config(dir: &std::path::Path) -> StoreConfig {
    let mut config = StoreConfig::new(dir);
    config.seal_span_ms = 60 * SECOND;
    config.wal_fsync = false;
    config
}

/// Cycles every 10 s from 10 s to `until`; partition 0's lag is t/10 s, partition 1's is 7.5.
fn fill(store: &mut Store, until: i64) {
    for at in (10 * SECOND..=until).step_by(10 * SECOND as usize) {
        let samples = [
            (lag("g", "0"), (at / (10 * SECOND)) as f64),
            (lag("g", "1"), 7.5),
        ];
        store
            .append_keyed(at, samples.iter().map(|(k, v)| (k, *v)))
            .unwrap();
    }
}

fn expected_p0(from: i64, to: i64) -> Vec<(i64, f64)> {
    (from..=to)
        .step_by(10 * SECOND as usize)
        .map(|t| (t, (t / (10 * SECOND)) as f64))
        .collect()
}

fn read(store: &Store, series: &SeriesKey, from: i64, to: i64) -> Vec<(i64, f64)> {
    let id = store.select(&matchers_for(series))[0].0;
    let range = store.samples(id, from, to).unwrap();
    assert_eq!(range.problems, Vec::<StoreProblem>::new());
    range.samples
}

fn matchers_for(series: &SeriesKey) -> Vec<Matcher> {
    let mut matchers = vec![Matcher::equal("__name__", series.name())];
    matchers.extend(series.labels().iter().map(|(k, v)| Matcher::equal(k, v)));
    matchers
}

#[test]
fn samples_read_back_exactly_from_sealed_chunks_and_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(config(dir.path())).unwrap();
    fill(&mut store, 300 * SECOND);
    assert_eq!(
        read(&store, &lag("g", "0"), 0, i64::MAX),
        expected_p0(10 * SECOND, 300 * SECOND)
    );
    assert_eq!(
        read(&store, &lag("g", "0"), 95 * SECOND, 130 * SECOND),
        expected_p0(100 * SECOND, 130 * SECOND)
    );
    let p1 = read(&store, &lag("g", "1"), 0, i64::MAX);
    assert_eq!(p1.len(), 30);
    assert!(p1.iter().all(|(_, v)| *v == 7.5));
}

#[test]
fn history_survives_a_clean_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(config(dir.path())).unwrap();
    fill(&mut store, 300 * SECOND);
    store.close().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    assert_eq!(store.open_problems(), &[]);
    assert_eq!(
        read(&store, &lag("g", "0"), 0, i64::MAX),
        expected_p0(10 * SECOND, 300 * SECOND)
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("head.wal"))
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_killed_process_keeps_every_appended_cycle_including_the_unsealed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(config(dir.path())).unwrap();
    fill(&mut store, 290 * SECOND);
    // No close: the open interval (240 s, 290 s] exists only in the log, as after kill -9.
    drop(store);
    assert!(
        std::fs::metadata(dir.path().join("head.wal"))
            .unwrap()
            .len()
            > 0
    );
    let mut store = Store::open(config(dir.path())).unwrap();
    assert_eq!(store.open_problems(), &[]);
    assert_eq!(
        read(&store, &lag("g", "0"), 0, i64::MAX),
        expected_p0(10 * SECOND, 290 * SECOND)
    );
    // Appending goes on where it stopped, and a cycle from the past is refused.
    assert!(store.append(290 * SECOND, []).is_err());
    let id = store.series_id(&lag("g", "0")).unwrap();
    store.append(300 * SECOND, [(id, 30.0)]).unwrap();
    drop(store);
    let store = Store::open(config(dir.path())).unwrap();
    assert_eq!(
        read(&store, &lag("g", "0"), 0, i64::MAX),
        expected_p0(10 * SECOND, 300 * SECOND)
    );
}

#[test]
fn a_log_cut_anywhere_in_its_last_record_loses_only_that_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let wal = dir.path().join("head.wal");
    let mut store = Store::open(config(dir.path())).unwrap();
    fill(&mut store, 280 * SECOND);
    let before_last = std::fs::metadata(&wal).unwrap().len();
    let id = store.series_id(&lag("g", "0")).unwrap();
    store.append(290 * SECOND, [(id, 29.0)]).unwrap();
    drop(store);
    let full = std::fs::read(&wal).unwrap();
    let snapshot = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), snapshot.path());
    for cut in before_last..full.len() as u64 {
        copy_dir(snapshot.path(), dir.path());
        std::fs::write(&wal, &full[..cut as usize]).unwrap();
        let store = Store::open(config(dir.path())).unwrap();
        let expected_problem = cut > before_last;
        assert_eq!(
            store.open_problems().len(),
            usize::from(expected_problem),
            "cut {cut}"
        );
        if let Some(StoreProblem::WalDamaged { offset, .. }) = store.open_problems().first() {
            assert_eq!(*offset, before_last);
        }
        assert_eq!(
            read(&store, &lag("g", "0"), 0, i64::MAX),
            expected_p0(10 * SECOND, 280 * SECOND),
            "cut {cut}"
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn label_names_values_and_matchers_select_series() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(config(dir.path())).unwrap();
    let offset = key(
        "kafkascope_partition_log_end_offset",
        &[("topic", "orders"), ("partition", "0")],
    );
    let series = [lag("g", "0"), lag("g", "1"), lag("h", "0"), offset.clone()];
    store
        .append_keyed(SECOND, series.iter().map(|k| (k, 1.0)))
        .unwrap();
    assert_eq!(
        store.label_names(&[]),
        vec!["__name__", "group", "partition", "topic"]
    );
    assert_eq!(
        store.label_values("__name__", &[]),
        vec![
            "kafkascope_group_partition_lag",
            "kafkascope_partition_log_end_offset"
        ]
    );
    assert_eq!(store.label_values("group", &[]), vec!["g", "h"]);
    let names = |matchers: &[Matcher]| -> Vec<SeriesKey> {
        store.select(matchers).into_iter().map(|(_, k)| k).collect()
    };
    assert_eq!(
        names(&[Matcher::equal("group", "g")]),
        vec![lag("g", "0"), lag("g", "1")]
    );
    assert_eq!(names(&[Matcher::equal("group", "")]), vec![offset.clone()]);
    assert_eq!(
        names(&[
            Matcher::matches("__name__", ".*_lag").unwrap(),
            Matcher::not_equal("group", "g")
        ]),
        vec![lag("h", "0")]
    );
    assert_eq!(
        names(&[Matcher::not_matches("partition", "0|2").unwrap()]),
        vec![lag("g", "1")]
    );
    let result = store
        .query(&[Matcher::equal("group", "h")], 0, 10 * SECOND)
        .unwrap();
    assert_eq!(result.series.len(), 1);
    assert_eq!(result.series[0].samples, vec![(SECOND, 1.0)]);
}

#[test]
fn the_latest_sample_comes_from_the_head_or_else_from_sealed_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(config(dir.path())).unwrap();
    fill(&mut store, 100 * SECOND);
    // Cycles seal every 60 s: after the cycle at 125 s only it is in the
    // head. Partition 1 stops at 100 s, partition 2 is written once, at 105 s.
    let p2 = lag("g", "2");
    store.append_keyed(105 * SECOND, [(&p2, 42.0)]).unwrap();
    store
        .append_keyed(125 * SECOND, [(&lag("g", "0"), 12.5)])
        .unwrap();
    let group = [
        Matcher::equal("__name__", "kafkascope_group_partition_lag"),
        Matcher::equal("group", "g"),
    ];
    let latest = |from: i64, to: i64| -> Vec<(String, Vec<(i64, f64)>)> {
        let result = store.query_latest(&group, from, to).unwrap();
        assert_eq!(result.problems, Vec::<StoreProblem>::new());
        result
            .series
            .into_iter()
            .map(|s| (s.key.label("partition").to_string(), s.samples))
            .collect()
    };
    let every_sample = |partition: &str| -> Vec<(i64, f64)> {
        let id = store.select(&matchers_for(&lag("g", partition)))[0].0;
        store.samples(id, 0, i64::MAX).unwrap().samples
    };
    assert_eq!(every_sample("2"), vec![(105 * SECOND, 42.0)]);
    // Up to 130 s: partition 0 from the head (125 s), 1 and 2 from sealed
    // chunks (100 s, 105 s).
    assert_eq!(
        latest(0, 130 * SECOND),
        vec![
            ("0".to_string(), vec![(125 * SECOND, 12.5)]),
            ("1".to_string(), vec![(100 * SECOND, 7.5)]),
            ("2".to_string(), vec![(105 * SECOND, 42.0)]),
        ]
    );
    // Up to 100 s: nothing of the head counts; partition 2 has nothing yet.
    assert_eq!(
        latest(55 * SECOND, 100 * SECOND),
        vec![
            ("0".to_string(), vec![(100 * SECOND, 10.0)]),
            ("1".to_string(), vec![(100 * SECOND, 7.5)]),
            ("2".to_string(), vec![]),
        ]
    );
    // The same answers as the whole window's last sample, window by window.
    for (from, to) in [
        (0, 130 * SECOND),
        (95 * SECOND, 120 * SECOND),
        (30 * SECOND, 61 * SECOND),
    ] {
        let whole = store.query(&group, from, to).unwrap();
        let last: Vec<Vec<(i64, f64)>> = whole
            .series
            .iter()
            .map(|s| s.samples.last().copied().into_iter().collect())
            .collect();
        let answered: Vec<Vec<(i64, f64)>> = latest(from, to).into_iter().map(|(_, s)| s).collect();
        assert_eq!(answered, last, "window {from}..={to}");
    }
}
