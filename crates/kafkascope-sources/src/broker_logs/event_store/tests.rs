use super::*;

fn event(broker: i32, kind: &str, level: &str, time_ms: i64) -> StoredEvent {
    StoredEvent {
        id: 0,
        time_ms,
        broker: Some(broker),
        reported_by: Vec::new(),
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

fn fenced(node: i32, broker: i32, time_ms: i64) -> StoredEvent {
    let mut e = event(node, "broker_fenced", "INFO", time_ms);
    e.fields = Map::from_iter([
        ("broker".to_string(), Value::from(broker)),
        ("broker_epoch".to_string(), Value::from(40)),
    ]);
    e
}

fn shrink(node: i32, partition: i32, time_ms: i64) -> StoredEvent {
    let mut e = event(node, "isr_shrink", "INFO", time_ms);
    e.fields = Map::from_iter([
        ("topic".to_string(), Value::from("orders")),
        ("partition".to_string(), Value::from(partition)),
        ("old_isr".to_string(), serde_json::json!([0, 1, 2])),
        ("new_isr".to_string(), serde_json::json!([0, 1])),
    ]);
    e
}

fn told_by(page: &EventPage) -> Vec<(u64, Option<i32>, Vec<i32>)> {
    page.events
        .iter()
        .map(|e| (e.id, e.broker, e.reported_by.clone()))
        .collect()
}

#[test]
fn one_change_told_by_several_nodes_is_kept_once_with_every_node() {
    let store = EventStore::in_memory(100);
    store
        .append(vec![fenced(1, 2, 1_000), shrink(1, 0, 1_000)])
        .unwrap();
    // The other node's logs, read a poll later.
    store
        .append(vec![
            fenced(0, 2, 1_200),
            shrink(0, 0, 1_300),
            shrink(0, 1, 1_300),
        ])
        .unwrap();
    assert_eq!(
        told_by(&store.query(&all())),
        vec![
            (3, Some(0), vec![0]),
            (2, Some(1), vec![0, 1]),
            (1, Some(1), vec![0, 1]),
        ]
    );
    let of_node_0 = EventFilter {
        broker: Some(0),
        ..all()
    };
    assert_eq!(ids(&store.query(&of_node_0)), vec![3, 2, 1]);
    // Told by node 1 again: node 1 already told events 1 and 2, so this is
    // another change, which node 0 tells next.
    store.append(vec![fenced(1, 2, 5_000)]).unwrap();
    store.append(vec![fenced(0, 2, 5_100)]).unwrap();
    let fencings = EventFilter {
        kind: Some("broker_fenced".into()),
        ..all()
    };
    assert_eq!(
        told_by(&store.query(&fencings)),
        vec![(4, Some(1), vec![0, 1]), (1, Some(1), vec![0, 1])]
    );
}

#[test]
fn changes_further_apart_or_of_one_node_alone_are_not_merged() {
    let store = EventStore::in_memory(100);
    let burst = |node: i32| {
        let mut e = event(node, "error_burst", "ERROR", 1_000);
        e.fields = Map::from_iter([("errors".to_string(), Value::from(50))]);
        e
    };
    store
        .append(vec![
            shrink(1, 0, 1_000),
            shrink(0, 0, 1_000 + cross_node::SAME_CHANGE_WITHIN_MS + 1),
            shrink(0, 1, 1_000),
            burst(0),
            burst(1),
        ])
        .unwrap();
    assert_eq!(store.len(), 5);
    assert!(
        store
            .query(&all())
            .events
            .iter()
            .all(|e| e.reported_by == [e.broker.unwrap()])
    );
}

#[test]
fn a_merged_event_is_written_again_under_its_id_and_reopens_merged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (store, _) = EventStore::open(&path, 10).unwrap();
    store.append(vec![shrink(1, 0, 1_000)]).unwrap();
    store.append(vec![shrink(0, 0, 1_000)]).unwrap();
    let before = store.query(&all());
    assert_eq!(told_by(&before), vec![(1, Some(1), vec![0, 1])]);
    drop(store);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    let (store, unreadable) = EventStore::open(&path, 10).unwrap();
    assert_eq!((store.query(&all()), unreadable), (before, 0));
    // The reopened store still knows the change: node 2 joins it.
    store.append(vec![shrink(2, 0, 1_500)]).unwrap();
    store.append(vec![shrink(2, 1, 1_500)]).unwrap();
    assert_eq!(
        told_by(&store.query(&all())),
        vec![(2, Some(2), vec![2]), (1, Some(1), vec![0, 1, 2])]
    );
}
