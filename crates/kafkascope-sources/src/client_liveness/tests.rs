use super::*;
use crate::client_figures::{ConsumerFigures, ProducerFigures};

fn settings() -> LivenessSettings {
    LivenessSettings {
        silent_after: Duration::from_secs(30),
        poll_stale_after: Duration::from_secs(300),
        forget_after: Duration::from_secs(600),
    }
}

fn producer(sent: f64, requests: f64) -> ClientFigures {
    ClientFigures {
        client_id: "p1".into(),
        kind: ClientKind::Producer,
        producer: Some(ProducerFigures {
            records_sent: Some(sent),
            requests: Some(requests),
            ..ProducerFigures::default()
        }),
        consumer: None,
        liveness: Default::default(),
    }
}

fn consumer(consumed: f64, heartbeats: f64, last_poll: f64) -> ClientFigures {
    ClientFigures {
        client_id: "c1".into(),
        kind: ClientKind::Consumer,
        producer: None,
        consumer: Some(ConsumerFigures {
            records_consumed: Some(consumed),
            heartbeats: Some(heartbeats),
            last_poll_seconds_ago: Some(last_poll),
            ..ConsumerFigures::default()
        }),
        liveness: Default::default(),
    }
}

fn one(client: ClientFigures) -> BTreeMap<String, ClientFigures> {
    BTreeMap::from([(client.client_id.clone(), client)])
}

#[test]
fn a_producer_that_keeps_talking_but_sends_nothing_is_alive_and_flagged() {
    let mut tracker = ClientTracker::new(settings());
    let none = BTreeMap::new();
    let mut clients = one(producer(100.0, 10.0));
    tracker.observe_up("t", &mut clients, 0, &none);
    assert!(clients["p1"].liveness.alive);
    assert!(!clients["p1"].liveness.stopped_sending);

    // 40 s on: metadata requests moved, records sent did not.
    let mut clients = one(producer(100.0, 12.0));
    tracker.observe_up("t", &mut clients, 40_000, &none);
    let liveness = &clients["p1"].liveness;
    assert!(liveness.alive);
    assert!(liveness.stopped_sending);
    assert_eq!(liveness.last_changed_ms, 40_000);

    // Another 40 s without any counter moving: dead.
    let mut clients = one(producer(100.0, 12.0));
    tracker.observe_up("t", &mut clients, 80_000, &none);
    let liveness = &clients["p1"].liveness;
    assert!(!liveness.alive);
    assert_eq!(
        liveness.dead_reason.as_deref(),
        Some("none of its counters moved for 40 s")
    );
    assert_eq!(
        (liveness.last_seen_ms, liveness.last_changed_ms),
        (80_000, 40_000)
    );
}

#[test]
fn a_consumer_whose_page_goes_away_is_dead_with_its_groups_and_last_sighting() {
    let mut tracker = ClientTracker::new(settings());
    let groups = BTreeMap::from([("c1".to_string(), vec!["billing".to_string()])]);
    let mut clients = one(consumer(50.0, 3.0, 0.0));
    tracker.observe_up("t", &mut clients, 10_000, &groups);
    assert!(clients["c1"].liveness.alive);
    assert_eq!(clients["c1"].liveness.groups, vec!["billing"]);

    let gone = tracker.observe_down(
        "t",
        "connect failed: Connection refused (os error 111)",
        12_000,
    );
    let liveness = &gone["c1"].liveness;
    assert!(!liveness.alive);
    assert_eq!(
        liveness.dead_reason.as_deref(),
        Some("its JMX page cannot be read: connect failed: Connection refused (os error 111)")
    );
    assert_eq!(liveness.last_seen_ms, 10_000);
    // The group is remembered though the client left it.
    assert_eq!(liveness.groups, vec!["billing"]);
    assert_eq!(
        gone["c1"].consumer.as_ref().unwrap().records_consumed,
        Some(50.0)
    );

    // Back on the same target: alive again.
    let mut clients = one(consumer(0.0, 1.0, 0.0));
    tracker.observe_up("t", &mut clients, 14_000, &BTreeMap::new());
    assert!(clients["c1"].liveness.alive);
    // Long gone: forgotten.
    assert!(tracker.observe_down("t", "x", 14_000 + 600_000).is_empty());
}

#[test]
fn a_consumer_that_stopped_polling_is_dead_though_its_heartbeats_go_on() {
    let mut tracker = ClientTracker::new(settings());
    let none = BTreeMap::new();
    let mut clients = one(consumer(50.0, 3.0, 301.0));
    tracker.observe_up("t", &mut clients, 0, &none);
    assert_eq!(
        clients["c1"].liveness.dead_reason.as_deref(),
        Some("has not polled for 301 s")
    );
}

#[test]
fn a_client_that_left_its_page_is_dead() {
    let mut tracker = ClientTracker::new(settings());
    let none = BTreeMap::new();
    let mut clients = one(consumer(50.0, 3.0, 0.0));
    tracker.observe_up("t", &mut clients, 0, &none);
    let mut clients = BTreeMap::new();
    tracker.observe_up("t", &mut clients, 5_000, &none);
    assert_eq!(
        clients["c1"].liveness.dead_reason.as_deref(),
        Some("no longer on its JMX page (closed?)")
    );
    assert_eq!(clients["c1"].liveness.last_seen_ms, 0);
}
