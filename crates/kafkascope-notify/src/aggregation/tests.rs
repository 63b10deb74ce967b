use std::collections::BTreeMap;

use super::*;
use crate::model::fingerprint;

const S: i64 = 1_000;
const TIMING: Timing = Timing {
    group_wait_ms: 30 * S,
    group_interval_ms: 300 * S,
    repeat_interval_ms: 3_600 * S,
};

fn placement(send_resolved: bool) -> Placement {
    Placement {
        id: GroupId {
            receiver: "ops".into(),
            group_key: r#"{}:{cluster="prod"}"#.into(),
        },
        group_labels: Labels::from([("cluster".into(), "prod".into())]),
        timing: TIMING,
        send_resolved,
    }
}

fn firing(topic: &str, since: i64) -> NotifiedAlert {
    let labels = Labels::from([
        ("alertname".into(), "UnderReplicated".into()),
        ("cluster".into(), "prod".into()),
        ("topic".into(), topic.into()),
    ]);
    NotifiedAlert {
        fingerprint: fingerprint(&labels),
        silenced: false,
        labels,
        annotations: BTreeMap::new(),
        status: AlertStatus::Firing,
        starts_at_ms: since,
        ends_at_ms: None,
        value: 1.0,
    }
}

fn resolved(topic: &str, since: i64, at: i64) -> NotifiedAlert {
    NotifiedAlert {
        status: AlertStatus::Resolved,
        ends_at_ms: Some(at),
        ..firing(topic, since)
    }
}

fn snapshot(alerts: &[NotifiedAlert], send_resolved: bool) -> Vec<(Placement, NotifiedAlert)> {
    alerts
        .iter()
        .map(|a| (placement(send_resolved), a.clone()))
        .collect()
}

/// Each flush's alerts as `topic:status`; every flush is delivered.
fn flush(agg: &mut Aggregator, at: i64) -> Vec<Vec<String>> {
    let flushes = agg.due(at);
    for f in &flushes {
        agg.delivered(&f.id, true);
    }
    flushes.iter().map(describe).collect()
}

fn describe(f: &Flush) -> Vec<String> {
    f.alerts
        .iter()
        .map(|a| format!("{}:{}", a.labels["topic"], a.status.name()))
        .collect()
}

#[test]
fn a_new_group_waits_then_sends_its_alerts_together_and_repeats_later() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    assert_eq!(agg.next_due_ms(), Some(30 * S));
    agg.ingest(
        snapshot(&[firing("orders", 0), firing("audit", 10 * S)], true),
        10 * S,
    );
    assert!(flush(&mut agg, 29 * S).is_empty());
    assert_eq!(flush(&mut agg, 30 * S), [["audit:firing", "orders:firing"]]);
    let flushes = agg.due(330 * S);
    assert!(flushes.is_empty());
    assert_eq!(agg.next_due_ms(), Some(630 * S));
    // Nothing changed: the next one comes once the repeat interval passed.
    let mut at = 630 * S;
    while at < 30 * S + 3_600 * S {
        agg.ingest(
            snapshot(&[firing("orders", 0), firing("audit", 10 * S)], true),
            at,
        );
        assert!(flush(&mut agg, at).is_empty(), "at {at}");
        at += 300 * S;
    }
    assert_eq!(at, 3_630 * S);
    assert_eq!(flush(&mut agg, at), [["audit:firing", "orders:firing"]]);
}

#[test]
fn a_new_alert_in_a_notified_group_goes_out_at_the_next_interval() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    assert_eq!(flush(&mut agg, 30 * S), [["orders:firing"]]);
    agg.ingest(
        snapshot(&[firing("orders", 0), firing("audit", 100 * S)], true),
        100 * S,
    );
    assert!(flush(&mut agg, 100 * S).is_empty());
    assert_eq!(
        flush(&mut agg, 330 * S),
        [["audit:firing", "orders:firing"]]
    );
}

#[test]
fn a_resolution_is_sent_once_and_then_the_group_ends() {
    let mut agg = Aggregator::default();
    agg.ingest(
        snapshot(&[firing("orders", 0), firing("audit", 0)], true),
        0,
    );
    flush(&mut agg, 30 * S);
    agg.ingest(
        snapshot(&[resolved("orders", 0, 60 * S), firing("audit", 0)], true),
        60 * S,
    );
    assert_eq!(
        flush(&mut agg, 330 * S),
        [["audit:firing", "orders:resolved"]]
    );
    // The resolved alert stays in the evaluation's snapshots a while; it
    // is not sent again.
    agg.ingest(
        snapshot(&[resolved("orders", 0, 60 * S), firing("audit", 0)], true),
        400 * S,
    );
    assert!(flush(&mut agg, 630 * S).is_empty());
    agg.ingest(
        snapshot(
            &[resolved("orders", 0, 60 * S), resolved("audit", 0, 700 * S)],
            true,
        ),
        700 * S,
    );
    assert_eq!(flush(&mut agg, 930 * S), [["audit:resolved"]]);
    assert_eq!(agg.group_count(), 0);
    assert_eq!(agg.state(), DeliveryState::default());
    agg.ingest(
        snapshot(
            &[resolved("orders", 0, 60 * S), resolved("audit", 0, 700 * S)],
            true,
        ),
        1_000 * S,
    );
    assert_eq!(agg.group_count(), 0);
}

#[test]
fn without_send_resolved_a_resolution_is_silent_but_a_new_firing_is_news() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], false), 0);
    assert_eq!(flush(&mut agg, 30 * S), [["orders:firing"]]);
    agg.ingest(snapshot(&[resolved("orders", 0, 60 * S)], false), 60 * S);
    assert!(flush(&mut agg, 330 * S).is_empty());
    assert_eq!(agg.group_count(), 0);
    agg.ingest(snapshot(&[firing("orders", 400 * S)], false), 400 * S);
    assert_eq!(flush(&mut agg, 430 * S), [["orders:firing"]]);
}

#[test]
fn an_alert_that_fired_and_resolved_before_the_first_notification_is_not_sent() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    agg.ingest(snapshot(&[resolved("orders", 0, 10 * S)], true), 10 * S);
    assert!(flush(&mut agg, 30 * S).is_empty());
    assert_eq!(agg.group_count(), 0);
}

#[test]
fn a_firing_alert_missing_from_a_snapshot_is_resolved_then() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    flush(&mut agg, 30 * S);
    // Its rule was removed, say: the snapshot no longer has it.
    agg.ingest(Vec::new(), 100 * S);
    let flushes = agg.due(330 * S);
    assert_eq!(flushes.len(), 1);
    assert_eq!(flushes[0].alerts, [resolved("orders", 0, 100 * S)]);
}

#[test]
fn a_failed_delivery_is_tried_again_at_the_next_interval() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    let flushes = agg.due(30 * S);
    assert_eq!(flushes.len(), 1);
    // While in flight the group is not due again.
    assert_eq!(agg.next_due_ms(), None);
    agg.delivered(&flushes[0].id, false);
    assert_eq!(agg.next_due_ms(), Some(330 * S));
    assert_eq!(flush(&mut agg, 330 * S), [["orders:firing"]]);
    assert!(flush(&mut agg, 630 * S).is_empty());
}

#[test]
fn after_a_restart_a_notified_alert_waits_for_its_repeat_interval() {
    let mut before = Aggregator::default();
    before.ingest(snapshot(&[firing("orders", 0)], true), 0);
    flush(&mut before, 30 * S);
    let saved = serde_json::to_string(&before.state()).unwrap();
    let fp = fingerprint_hex(firing("orders", 0).fingerprint);
    assert_eq!(
        saved,
        format!(
            r#"{{"groups":[{{"receiver":"ops","group_key":"{{}}:{{cluster=\"prod\"}}","sent_at_ms":30000,"firing":["{fp}"],"resolved":[]}}]}}"#
        )
    );

    let mut after = Aggregator::default();
    after.restore(serde_json::from_str(&saved).unwrap());
    after.ingest(snapshot(&[firing("orders", 0)], true), 100 * S);
    // The alert is older than the group's wait: looked at at once, and
    // known to the receiver.
    assert_eq!(after.next_due_ms(), Some(100 * S));
    assert!(flush(&mut after, 100 * S).is_empty());
    let mut at = 400 * S;
    while at < 3_630 * S {
        after.ingest(snapshot(&[firing("orders", 0)], true), at);
        assert!(flush(&mut after, at).is_empty(), "at {at}");
        at += 300 * S;
    }
    assert_eq!(flush(&mut after, at), [["orders:firing"]]);
}

#[test]
fn after_a_restart_the_resolution_of_a_notified_alert_is_still_sent() {
    let mut before = Aggregator::default();
    before.ingest(snapshot(&[firing("orders", 0)], true), 0);
    flush(&mut before, 30 * S);
    let mut after = Aggregator::default();
    after.restore(before.state());
    after.ingest(snapshot(&[resolved("orders", 0, 90 * S)], true), 100 * S);
    assert_eq!(flush(&mut after, 130 * S), [["orders:resolved"]]);
    // A resolved alert nobody was told about starts no group.
    let mut fresh = Aggregator::default();
    fresh.ingest(snapshot(&[resolved("orders", 0, 90 * S)], true), 100 * S);
    assert_eq!(fresh.group_count(), 0);
}

#[test]
fn records_of_groups_gone_are_kept_for_the_retention_then_dropped() {
    let mut agg = Aggregator::default();
    agg.restore(DeliveryState {
        groups: vec![SentGroup {
            receiver: "ops".into(),
            group_key: "{}:{}".into(),
            sent_at_ms: 0,
            firing: vec!["00000000000000ff".into()],
            resolved: vec![],
        }],
    });
    agg.ingest(Vec::new(), RECORD_RETENTION_MS - 1);
    assert_eq!(agg.state().groups.len(), 1);
    agg.ingest(Vec::new(), RECORD_RETENTION_MS);
    assert!(agg.state().groups.is_empty());
}

fn silenced(alert: NotifiedAlert) -> NotifiedAlert {
    NotifiedAlert {
        silenced: true,
        ..alert
    }
}

#[test]
fn a_silenced_alert_is_not_sent_until_its_silence_ends() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[silenced(firing("orders", 0))], true), 0);
    assert_eq!(agg.group_count(), 0);
    assert!(flush(&mut agg, 30 * S).is_empty());
    agg.ingest(snapshot(&[firing("orders", 0)], true), 100 * S);
    assert_eq!(flush(&mut agg, 100 * S), [["orders:firing"]]);
}

#[test]
fn a_silenced_alert_is_left_out_of_its_groups_notifications() {
    let mut agg = Aggregator::default();
    agg.ingest(
        snapshot(&[firing("orders", 0), silenced(firing("audit", 0))], true),
        0,
    );
    assert_eq!(flush(&mut agg, 30 * S), [["orders:firing"]]);
    // Its resolution is not sent either.
    agg.ingest(
        snapshot(
            &[firing("orders", 0), silenced(resolved("audit", 0, 60 * S))],
            true,
        ),
        60 * S,
    );
    assert!(flush(&mut agg, 330 * S).is_empty());
}

#[test]
fn an_alert_silenced_after_it_was_notified_is_neither_resolved_nor_repeated() {
    let mut agg = Aggregator::default();
    agg.ingest(snapshot(&[firing("orders", 0)], true), 0);
    assert_eq!(flush(&mut agg, 30 * S), [["orders:firing"]]);
    let mut at = 330 * S;
    while at < 3_700 * S {
        agg.ingest(snapshot(&[silenced(firing("orders", 0))], true), at);
        assert!(flush(&mut agg, at).is_empty(), "at {at}");
        at += 300 * S;
    }
    // Resolved while silenced: the group ends without a word.
    agg.ingest(snapshot(&[silenced(resolved("orders", 0, at))], true), at);
    assert!(flush(&mut agg, at).is_empty());
    assert_eq!(agg.group_count(), 0);
}
