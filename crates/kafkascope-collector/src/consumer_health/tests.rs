//! Cycle-by-cycle tests of the evaluator on hand-built snapshots: each
//! drives [`ConsumerHealth::evaluate`] the way the cluster loop does.

use std::collections::BTreeMap;
use std::time::Duration;

use kafkascope_client::admin::RecordAt;

use super::{ConsumerHealth, RecordsAt};
use crate::lag::partition_lag;
use crate::settings::HealthSettings;
use crate::snapshot::{
    CatchUpForecast, ClusterSnapshot, CollectionError, ConsumerGroup, DeadReason, GroupMember,
    GroupStatus, LagSecondsSource, Partition, PartitionLag, PartitionStatus, Topic,
    TopicAssignment, WindowSample,
};

const TOPIC: &str = "orders";

fn settings() -> HealthSettings {
    HealthSettings {
        intervals: 3,
        min_distance: Duration::from_secs(1),
        group_expiry: Duration::from_secs(600),
        dead_after: Duration::from_secs(60),
        rebalance_stuck_after: Duration::from_secs(30),
    }
}

fn member(id: &str, partitions: &[i32]) -> GroupMember {
    GroupMember {
        member_id: id.into(),
        assignment: if partitions.is_empty() {
            Vec::new()
        } else {
            vec![TopicAssignment {
                topic: TOPIC.into(),
                partitions: partitions.to_vec(),
            }]
        },
        ..GroupMember::default()
    }
}

/// A group committed at `commits` (partition, offset) on the topic.
fn group(
    name: &str,
    state: &str,
    members: Vec<GroupMember>,
    commits: &[(i32, i64)],
) -> ConsumerGroup {
    ConsumerGroup {
        name: name.into(),
        state: state.into(),
        members,
        offsets: commits
            .iter()
            .map(|&(partition, committed)| PartitionLag {
                topic: TOPIC.into(),
                partition,
                committed_offset: committed,
                ..PartitionLag::default()
            })
            .collect(),
        ..ConsumerGroup::default()
    }
}

/// The snapshot at `at_s` seconds with the topic's log ends `ends` (one per
/// partition, log start 0); each group offset gets its log end and lag as
/// assembly would give them.
fn snapshot(at_s: i64, ends: &[i64], groups: Vec<ConsumerGroup>) -> ClusterSnapshot {
    let partitions: Vec<Partition> = ends
        .iter()
        .enumerate()
        .map(|(i, &end)| Partition {
            partition: i as i32,
            earliest_offset: Some(0),
            latest_offset: Some(end),
            ..Partition::default()
        })
        .collect();
    let mut snapshot = ClusterSnapshot {
        collected_at_ms: at_s * 1000,
        topics: BTreeMap::from([(
            TOPIC.to_string(),
            Topic {
                name: TOPIC.into(),
                partitions,
                ..Topic::default()
            },
        )]),
        ..ClusterSnapshot::default()
    };
    for mut group in groups {
        for offset in &mut group.offsets {
            offset.latest_offset = snapshot
                .partition(&offset.topic, offset.partition)
                .and_then(|p| p.latest_offset);
            offset.lag = partition_lag(offset.committed_offset, offset.latest_offset);
        }
        snapshot.groups.insert(group.name.clone(), group);
    }
    snapshot
}

fn evaluate(health: &mut ConsumerHealth, mut snapshot: ClusterSnapshot) -> ClusterSnapshot {
    health.evaluate(&mut snapshot, &RecordsAt::new());
    snapshot
}

fn status_of(snapshot: &ClusterSnapshot, group: &str) -> (PartitionStatus, GroupStatus) {
    let group = &snapshot.groups[group];
    (group.offsets[0].status, group.status)
}

fn record_at(offset: i64, record: RecordAt) -> RecordsAt {
    BTreeMap::from([(TOPIC.to_string(), vec![((0, offset), record)])])
}

#[test]
fn fresh_start_reports_not_enough_data() {
    let mut health = ConsumerHealth::new(settings());
    let cycle = |at_s| {
        snapshot(
            at_s,
            &[100],
            vec![group("g", "Stable", vec![member("a", &[0])], &[(0, 100)])],
        )
    };
    for at_s in [0, 10] {
        let seen = evaluate(&mut health, cycle(at_s));
        let g = &seen.groups["g"];
        assert_eq!(
            status_of(&seen, "g"),
            (PartitionStatus::NotEnoughData, GroupStatus::NotEnoughData)
        );
        assert_eq!(g.complete, 0.0);
        // The lag in seconds needs no history: caught up is caught up.
        assert_eq!(g.offsets[0].lag_seconds, Some(0.0));
        assert_eq!(
            g.offsets[0].lag_seconds_source,
            Some(LagSecondsSource::CaughtUp)
        );
        // Never seen moving is unknown, not "now".
        assert_eq!(g.last_commit_at_ms, None);
    }
    let seen = evaluate(&mut health, cycle(20));
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Ok, GroupStatus::Ok)
    );
    assert_eq!(seen.groups["g"].complete, 1.0);
    assert_eq!(seen.groups["g"].commits_per_sec, Some(0.0));
}

#[test]
fn complete_is_the_share_of_full_windows() {
    let mut health = ConsumerHealth::new(settings());
    for at_s in [0, 10] {
        evaluate(
            &mut health,
            snapshot(at_s, &[5, 5], vec![group("g", "Empty", vec![], &[(0, 5)])]),
        );
    }
    let both = vec![group("g", "Empty", vec![], &[(0, 5), (1, 5)])];
    let seen = evaluate(&mut health, snapshot(20, &[5, 5], both));
    let g = &seen.groups["g"];
    assert_eq!(g.complete, 0.5);
    // One partition still gathering data keeps the group from claiming OK.
    assert_eq!(g.status, GroupStatus::NotEnoughData);
}

#[test]
fn no_false_stop_when_caught_up_on_idle_topic() {
    let mut health = ConsumerHealth::new(settings());
    // The consumer left; it had read everything and nobody writes.
    for at_s in (0..120).step_by(10) {
        let seen = evaluate(
            &mut health,
            snapshot(at_s, &[500], vec![group("g", "Empty", vec![], &[(0, 500)])]),
        );
        let g = &seen.groups["g"];
        if at_s >= 20 {
            assert_eq!(
                status_of(&seen, "g"),
                (PartitionStatus::Ok, GroupStatus::Ok)
            );
        }
        assert_eq!(g.dead_reasons, []);
        assert_eq!(g.forecast, None);
    }
}

#[test]
fn transactional_marker_lag_of_one_counts_as_caught_up() {
    let mut health = ConsumerHealth::new(settings());
    let records = record_at(41, RecordAt::OnlyControlRecords);
    let mut seen = ClusterSnapshot::default();
    for at_s in [0, 10, 20, 30] {
        seen = snapshot(at_s, &[42], vec![group("g", "Empty", vec![], &[(0, 41)])]);
        health.evaluate(&mut seen, &records);
    }
    let g = &seen.groups["g"];
    assert_eq!(g.offsets[0].lag, Some(1));
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Ok, GroupStatus::Ok)
    );
    assert_eq!(g.offsets[0].lag_seconds, Some(0.0));
    assert_eq!(
        g.offsets[0].lag_seconds_source,
        Some(LagSecondsSource::CaughtUp)
    );
    assert_eq!(g.dead_reasons, []);
    assert_eq!(g.forecast, None);

    // The same lag of one with a real record behind it is a stopped group.
    let mut health = ConsumerHealth::new(settings());
    let records = record_at(41, RecordAt::Timestamp(0));
    for at_s in [0, 10, 20] {
        seen = snapshot(at_s, &[42], vec![group("g", "Empty", vec![], &[(0, 41)])]);
        health.evaluate(&mut seen, &records);
    }
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Stop, GroupStatus::Err)
    );
    assert_eq!(
        seen.groups["g"].dead_reasons,
        [DeadReason::LagWithoutMembers]
    );
    assert_eq!(seen.groups["g"].offsets[0].lag_seconds, Some(20.0));
}

#[test]
fn commit_at_the_read_committed_end_is_ok() {
    let mut health = ConsumerHealth::new(settings());
    let mut seen = ClusterSnapshot::default();
    for at_s in [0, 10, 20] {
        seen = snapshot(at_s, &[90], vec![group("g", "Empty", vec![], &[(0, 70)])]);
        seen.topics.get_mut(TOPIC).unwrap().partitions[0].last_stable_offset = Some(70);
        health.evaluate(&mut seen, &RecordsAt::new());
    }
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Ok, GroupStatus::Ok)
    );
    assert_eq!(seen.groups["g"].dead_reasons, []);
}

#[test]
fn stall_or_stop_depends_on_membership() {
    let mut health = ConsumerHealth::new(settings());
    let groups = || {
        vec![
            // Members whose assignments tansu reports empty: could be ours.
            group(
                "unknown-assignment",
                "Stable",
                vec![member("a", &[])],
                &[(0, 100), (1, 10)],
            ),
            group(
                "owner",
                "Stable",
                vec![member("a", &[0, 1])],
                &[(0, 100), (1, 10)],
            ),
            // The one member owns partition 1 only: nobody reads partition 0.
            group(
                "not-owner",
                "Stable",
                vec![member("a", &[1])],
                &[(0, 100), (1, 10)],
            ),
            group("no-members", "Empty", vec![], &[(0, 100), (1, 10)]),
        ]
    };
    let mut seen = ClusterSnapshot::default();
    for at_s in [0, 10, 20] {
        seen = evaluate(&mut health, snapshot(at_s, &[200 + at_s, 10], groups()));
    }
    let verdict = |name: &str| {
        seen.groups[name]
            .offsets
            .iter()
            .map(|o| o.status)
            .collect::<Vec<_>>()
    };
    use PartitionStatus::{Ok, Stall, Stop};
    assert_eq!(verdict("unknown-assignment"), [Stall, Ok]);
    assert_eq!(verdict("owner"), [Stall, Ok]);
    assert_eq!(verdict("not-owner"), [Stop, Ok]);
    assert_eq!(verdict("no-members"), [Stop, Ok]);
    assert!(seen.groups.values().all(|g| g.status == GroupStatus::Err));
    assert_eq!(seen.groups["owner"].dead_reasons, []);
    assert_eq!(
        seen.groups["no-members"].dead_reasons,
        [DeadReason::LagWithoutMembers]
    );

    for at_s in [30, 40, 50, 60] {
        seen = evaluate(&mut health, snapshot(at_s, &[200 + at_s, 10], groups()));
    }
    // No move since first sight at 0 s, now 60 s: dead_after reached.
    assert_eq!(
        seen.groups["owner"].dead_reasons,
        [DeadReason::NoCommitProgress { seconds: 60.0 }]
    );
    // Idle but caught up on partition 1, lag on 0 that nobody reads.
    assert_eq!(
        seen.groups["no-members"].forecast,
        Some(CatchUpForecast::FallingBehind {
            messages_per_minute: 60.0
        })
    );
}

#[test]
fn offset_moving_backwards_is_rewind() {
    let mut health = ConsumerHealth::new(settings());
    let mut seen = ClusterSnapshot::default();
    for (at_s, committed) in [(0, 100), (10, 150), (20, 50)] {
        let groups = vec![group(
            "g",
            "Stable",
            vec![member("a", &[0])],
            &[(0, committed)],
        )];
        seen = evaluate(&mut health, snapshot(at_s, &[200], groups));
    }
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Rewind, GroupStatus::Err)
    );
    assert_eq!(seen.groups["g"].last_commit_at_ms, Some(20_000));
    // Burrow's `start`: the oldest sample of the (full) window.
    let offset = &seen.groups["g"].offsets[0];
    assert_eq!(
        offset.window_start,
        Some(WindowSample {
            committed_offset: 100,
            observed_at_ms: 0,
            lag: Some(100),
        })
    );
    assert_eq!(offset.window_complete, 1.0);
}

#[test]
fn growing_lag_while_committing_is_warn_and_falling_behind() {
    let mut health = ConsumerHealth::new(settings());
    let mut seen = ClusterSnapshot::default();
    for (at_s, committed, end) in [(0, 100, 200), (10, 110, 230), (20, 120, 260)] {
        let groups = vec![group(
            "g",
            "Stable",
            vec![member("a", &[0])],
            &[(0, committed)],
        )];
        seen = evaluate(&mut health, snapshot(at_s, &[end], groups));
    }
    let g = &seen.groups["g"];
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Warn, GroupStatus::Warn)
    );
    // Consuming 1/s, producing 3/s.
    assert_eq!(
        g.forecast,
        Some(CatchUpForecast::FallingBehind {
            messages_per_minute: 120.0
        })
    );
    assert_eq!(g.commits_per_sec, Some(0.1));
    assert_eq!(g.last_commit_at_ms, Some(20_000));
    assert_eq!(g.offsets[0].last_commit_at_ms, Some(20_000));
}

#[test]
fn shrinking_lag_is_ok_and_catching_up() {
    let mut health = ConsumerHealth::new(settings());
    let mut seen = ClusterSnapshot::default();
    for (at_s, committed, end) in [(0, 100, 300), (10, 160, 310), (20, 220, 320)] {
        let groups = vec![group(
            "g",
            "Stable",
            vec![member("a", &[0])],
            &[(0, committed)],
        )];
        seen = evaluate(&mut health, snapshot(at_s, &[end], groups));
    }
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Ok, GroupStatus::Ok)
    );
    // Lag 100, consuming 6/s, producing 1/s.
    assert_eq!(
        seen.groups["g"].forecast,
        Some(CatchUpForecast::CatchingUp { seconds: 20.0 })
    );
}

#[test]
fn lag_seconds_from_record_timestamp_or_log_end_history() {
    let mut health = ConsumerHealth::new(settings());
    let stuck = || vec![group("g", "Stable", vec![member("a", &[0])], &[(0, 100)])];
    evaluate(&mut health, snapshot(0, &[100], stuck()));
    // No record read: record 100 was the first of 100 appended in 10 s.
    let seen = evaluate(&mut health, snapshot(10, &[200], stuck()));
    let offset = &seen.groups["g"].offsets[0];
    assert_eq!(offset.lag_seconds, Some(9.9));
    assert_eq!(offset.lag_seconds_source, Some(LagSecondsSource::Estimated));
    // A record read wins over the estimate.
    let mut seen = snapshot(20, &[300], stuck());
    health.evaluate(&mut seen, &record_at(100, RecordAt::Timestamp(4_000)));
    let offset = &seen.groups["g"].offsets[0];
    assert_eq!(offset.lag_seconds, Some(16.0));
    assert_eq!(
        offset.lag_seconds_source,
        Some(LagSecondsSource::RecordTimestamp)
    );
    assert_eq!(seen.groups["g"].max_lag_seconds(), Some(16.0));
}

#[test]
fn lost_messages_below_the_log_start() {
    let mut health = ConsumerHealth::new(settings());
    let stuck = || vec![group("g", "Empty", vec![], &[(0, 100)])];
    evaluate(&mut health, snapshot(0, &[100], stuck()));
    let mut seen = snapshot(10, &[200], stuck());
    seen.topics.get_mut(TOPIC).unwrap().partitions[0].earliest_offset = Some(150);
    health.evaluate(&mut seen, &record_at(100, RecordAt::BelowLogStart(None)));
    let offset = &seen.groups["g"].offsets[0];
    assert_eq!(offset.messages_lost, Some(50));
    // The age of record 150, the oldest still there (appended at 5.1 s).
    assert_eq!(offset.lag_seconds, Some(4.9));
    assert_eq!(offset.lag_seconds_source, Some(LagSecondsSource::Estimated));
}

#[test]
fn rebalances_and_a_stuck_rebalance() {
    let mut health = ConsumerHealth::new(settings());
    let cycle = |at_s, state: &str, members: &[&str]| {
        let members = members.iter().map(|id| member(id, &[0])).collect();
        snapshot(at_s, &[10], vec![group("g", state, members, &[(0, 10)])])
    };
    evaluate(&mut health, cycle(0, "Stable", &["a"]));
    evaluate(&mut health, cycle(10, "Stable", &["a", "b"]));
    evaluate(&mut health, cycle(20, "PreparingRebalance", &["a", "b"]));
    let seen = evaluate(&mut health, cycle(40, "PreparingRebalance", &["a"]));
    assert_eq!(seen.groups["g"].rebalances, 2);
    // Rebalancing for 20 s: not stuck yet.
    assert_eq!(seen.groups["g"].dead_reasons, []);
    let seen = evaluate(&mut health, cycle(50, "CompletingRebalance", &["a"]));
    assert_eq!(
        seen.groups["g"].dead_reasons,
        [DeadReason::StuckRebalancing { seconds: 30.0 }]
    );
    let seen = evaluate(&mut health, cycle(60, "Stable", &["a"]));
    assert_eq!(
        (
            seen.groups["g"].rebalances,
            seen.groups["g"].dead_reasons.len()
        ),
        (2, 0)
    );
}

#[test]
fn deleted_group_stops_being_evaluated() {
    let mut health = ConsumerHealth::new(settings());
    let stopped = || vec![group("g", "Empty", vec![], &[(0, 5)])];
    let mut seen = ClusterSnapshot::default();
    for at_s in [0, 10, 20] {
        seen = evaluate(&mut health, snapshot(at_s, &[50], stopped()));
    }
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Stop, GroupStatus::Err)
    );
    evaluate(&mut health, snapshot(30, &[50], vec![]));
    assert!(health.groups.is_empty());
    assert!(health.log_ends.is_empty());
    // Re-created under the same name, it starts from nothing.
    let seen = evaluate(&mut health, snapshot(40, &[50], stopped()));
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::NotEnoughData, GroupStatus::NotEnoughData)
    );
}

#[test]
fn group_hidden_by_a_failed_listing_is_kept_until_expiry() {
    let mut health = ConsumerHealth::new(settings());
    let present = || vec![group("g", "Empty", vec![], &[(0, 5)])];
    for at_s in [0, 10] {
        evaluate(&mut health, snapshot(at_s, &[50], present()));
    }
    let failed_listing = |at_s| {
        let mut snapshot = snapshot(at_s, &[50], vec![]);
        snapshot.errors.push(CollectionError {
            collector: "consumer_groups".into(),
            kind: "connection".into(),
            broker: Some(2),
            message: "refused".into(),
        });
        snapshot
    };
    evaluate(&mut health, failed_listing(20));
    assert!(health.groups.contains_key("g"));
    // Back before the expiry: the window carried on (third sample).
    let seen = evaluate(&mut health, snapshot(30, &[50], present()));
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Stop, GroupStatus::Err)
    );
    evaluate(&mut health, failed_listing(629));
    assert!(health.groups.contains_key("g"));
    evaluate(&mut health, failed_listing(630));
    assert!(health.groups.is_empty());
}

#[test]
fn deleted_topic_drops_its_partitions_and_history() {
    let mut health = ConsumerHealth::new(settings());
    let with_two_topics = |at_s| {
        let mut snapshot = snapshot(at_s, &[50], vec![]);
        let other = Topic {
            name: "payments".into(),
            partitions: vec![Partition {
                latest_offset: Some(9),
                ..Partition::default()
            }],
            ..Topic::default()
        };
        snapshot.topics.insert("payments".into(), other);
        let mut g = group("g", "Empty", vec![], &[(0, 50)]);
        g.offsets.push(PartitionLag {
            topic: "payments".into(),
            committed_offset: 9,
            latest_offset: Some(9),
            lag: Some(0),
            ..PartitionLag::default()
        });
        snapshot.groups.insert("g".into(), g);
        snapshot
    };
    evaluate(&mut health, with_two_topics(0));
    assert_eq!(health.groups["g"].partition_count(), 2);
    assert_eq!(health.log_ends.len(), 2);
    let seen = evaluate(
        &mut health,
        snapshot(10, &[50], vec![group("g", "Empty", vec![], &[(0, 50)])]),
    );
    assert_eq!(health.groups["g"].partition_count(), 1);
    assert_eq!(health.log_ends.len(), 1);
    assert_eq!(seen.groups["g"].offsets.len(), 1);
}

#[test]
fn stale_snapshot_advances_nothing() {
    let mut health = ConsumerHealth::new(settings());
    let cycle = |at_s| snapshot(at_s, &[100], vec![group("g", "Empty", vec![], &[(0, 100)])]);
    let mut last = ClusterSnapshot::default();
    for at_s in [0, 10] {
        last = evaluate(&mut health, cycle(at_s));
    }
    // The loop republishes the last snapshot marked stale.
    let mut republished = last.clone();
    republished.stale = true;
    let republished = evaluate(&mut health, republished);
    assert_eq!(republished.groups, last.groups);
    assert_eq!(health.groups["g"].window_len(&(TOPIC.into(), 0)), Some(2));
    let seen = evaluate(&mut health, cycle(20));
    assert_eq!(
        status_of(&seen, "g"),
        (PartitionStatus::Ok, GroupStatus::Ok)
    );
}

#[test]
fn groups_evaluated_on_two_threads_match_one_thread() {
    // 400 groups x 10 partitions: above the size where a second thread
    // takes half the groups (on a machine with more than one core).
    let partitions: Vec<i32> = (0..10).collect();
    let groups = |at_s: i64| -> Vec<ConsumerGroup> {
        (0..400)
            .map(|g: i64| {
                // Every third group commits 5 further each cycle, the
                // others stay put; every other group has a member.
                let moved = if g % 3 == 0 { 5 * at_s / 10 } else { 0 };
                let commits: Vec<(i32, i64)> =
                    partitions.iter().map(|&p| (p, 100 + moved)).collect();
                let members = if g % 2 == 0 {
                    vec![member("m", &partitions)]
                } else {
                    vec![]
                };
                group(&format!("group-{g:03}"), "Stable", members, &commits)
            })
            .collect()
    };
    let mut two_threads = ConsumerHealth::new(settings());
    let mut one_thread = ConsumerHealth::single_threaded(settings());
    let mut seen = (ClusterSnapshot::default(), ClusterSnapshot::default());
    for at_s in [0, 10, 20, 30] {
        // Produced 10 a cycle: the still groups fall behind.
        let cycle = snapshot(at_s, &[200 + at_s; 10], groups(at_s));
        seen = (
            evaluate(&mut two_threads, cycle.clone()),
            evaluate(&mut one_thread, cycle),
        );
    }
    assert_eq!(seen.0.groups, seen.1.groups);
    // And the figures are the evaluator's, in both halves of the groups.
    let statuses = |name: &str| {
        let g = &seen.0.groups[name];
        (
            g.offsets.iter().map(|o| o.status).collect::<Vec<_>>(),
            g.status,
        )
    };
    use PartitionStatus::{Stall, Stop, Warn};
    // Committing 5 a cycle while 10 arrive: lag grows, a warning.
    assert_eq!(statuses("group-000"), (vec![Warn; 10], GroupStatus::Warn));
    assert_eq!(statuses("group-002"), (vec![Stall; 10], GroupStatus::Err));
    assert_eq!(statuses("group-397"), (vec![Stop; 10], GroupStatus::Err));
    assert_eq!(seen.0.groups["group-397"].total_lag(), Some(1_300));
}
