use super::*;

fn event(broker: i32, kind: &str, level: &str, time_ms: i64) -> StoredEvent {
    StoredEvent {
        id: 0,
        time_ms,
        broker: Some(broker),
        kind: kind.to_string(),
        level: Some(level.to_string()),
        logger: "state.change.logger".to_string(),
        thread: "main".to_string(),
        file: "server.log".to_string(),
        line: 1,
        fields: Map::new(),
        lines: vec!["a line".to_string()],
        lines_cut: 0,
    }
}

fn all() -> EventFilter {
    EventFilter {
        limit: usize::MAX,
        ..EventFilter::default()
    }
}

fn ids(page: &EventPage) -> Vec<u64> {
    page.events.iter().map(|e| e.id).collect()
}

#[test]
fn queries_filter_and_page_newest_first() {
    let store = EventStore::in_memory(100);
    store
        .append(vec![
            event(1, "isr_shrink", "INFO", 3_000),
            event(2, "isr_shrink", "INFO", 1_000),
            event(1, "broker_fenced", "INFO", 2_000),
            event(1, "error_burst", "ERROR", 3_000),
        ])
        .unwrap();
    assert_eq!(ids(&store.query(&all())), vec![4, 1, 3, 2]);
    let shrinks_of_1 = EventFilter {
        broker: Some(1),
        kind: Some("isr_shrink".into()),
        ..all()
    };
    assert_eq!(ids(&store.query(&shrinks_of_1)), vec![1]);
    let errors = EventFilter {
        level: Some("ERROR".into()),
        ..all()
    };
    assert_eq!(ids(&store.query(&errors)), vec![4]);
    let window = EventFilter {
        since_ms: Some(1_500),
        until_ms: Some(2_000),
        ..all()
    };
    assert_eq!(ids(&store.query(&window)), vec![3]);
    let second_page = EventFilter {
        offset: 1,
        limit: 2,
        ..all()
    };
    let page = store.query(&second_page);
    assert_eq!((page.total, ids(&page)), (4, vec![1, 3]));
}

#[test]
fn a_topic_picks_the_events_of_its_partitions() {
    let on = |topic: &str, time_ms: i64| {
        let mut e = event(1, "isr_shrink", "INFO", time_ms);
        e.fields.insert("topic".into(), Value::from(topic));
        e
    };
    let store = EventStore::in_memory(100);
    store
        .append(vec![
            on("orders", 1_000),
            on("payments", 2_000),
            event(1, "broker_fenced", "INFO", 3_000),
            on("orders", 4_000),
        ])
        .unwrap();
    let orders = EventFilter {
        topic: Some("orders".into()),
        ..all()
    };
    assert_eq!(ids(&store.query(&orders)), vec![4, 1]);
}

#[test]
fn keeps_the_latest_capacity_events() {
    let store = EventStore::in_memory(3);
    for time in 0..5 {
        store
            .append(vec![event(1, "isr_shrink", "INFO", time)])
            .unwrap();
    }
    assert_eq!(ids(&store.query(&all())), vec![5, 4, 3]);
}

#[test]
fn a_reopened_store_has_its_events_and_numbers_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (store, unreadable) = EventStore::open(&path, 10).unwrap();
    assert_eq!((store.len(), unreadable), (0, 0));
    store
        .append(vec![
            event(1, "isr_shrink", "INFO", 1),
            event(2, "isr_expand", "INFO", 2),
        ])
        .unwrap();
    let before = store.query(&all());
    drop(store);
    let (store, unreadable) = EventStore::open(&path, 10).unwrap();
    assert_eq!(unreadable, 0);
    assert_eq!(store.query(&all()), before);
    store
        .append(vec![event(1, "isr_shrink", "INFO", 3)])
        .unwrap();
    assert_eq!(ids(&store.query(&all())), vec![3, 2, 1]);
}

#[test]
fn the_file_rotates_at_capacity_and_reopening_keeps_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (store, _) = EventStore::open(&path, 2).unwrap();
    for time in 0..5 {
        store
            .append(vec![event(1, "isr_shrink", "INFO", time)])
            .unwrap();
    }
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    // 1,2 → rotated away by 3,4 → rotated to .1 when 5 came.
    assert_eq!((lines(&rotated_path(&path)), lines(&path)), (2, 1));
    drop(store);
    let (store, _) = EventStore::open(&path, 2).unwrap();
    assert_eq!(ids(&store.query(&all())), vec![5, 4]);
}

#[test]
fn unreadable_lines_are_left_out_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let good = serde_json::to_string(&StoredEvent {
        id: 7,
        ..event(1, "isr_shrink", "INFO", 1)
    })
    .unwrap();
    std::fs::write(&path, format!("{good}\n\u{0}garbage\n{{\"id\":1}}\n")).unwrap();
    let (store, unreadable) = EventStore::open(&path, 10).unwrap();
    assert_eq!((ids(&store.query(&all())), unreadable), (vec![7], 2));
    store
        .append(vec![event(1, "isr_shrink", "INFO", 2)])
        .unwrap();
    assert_eq!(ids(&store.query(&all())), vec![8, 7]);
}
