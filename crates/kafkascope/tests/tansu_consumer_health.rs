//! Consumer health end to end: real librdkafka consumer groups on a real
//! tansu broker, scripted into each state kafkascope judges, and what
//! `kafkascope serve` reports for them over the JSON API, the Burrow API and
//! `/metrics`.
//!
//! One broker and one `serve` (one-second cycles, a four-sample window);
//! the scenarios run at once, each on its own topic and group, so the whole
//! file takes about as long as its slowest scenario. Lags are exact where
//! produce and commit counts make them known.
//!
//! tansu 0.6.0 does not expire a member whose client died: a SIGKILLed
//! consumer stays in DescribeGroups long past its session timeout (still
//! there after 70 s when tried by hand) until another member's JoinGroup
//! rebalances it away (`sigkilled_consumer_...`).

mod common;
mod consumer_health_fixture;

use std::thread;
use std::time::{Duration, Instant};

use consumer_health_fixture::{CLUSTER, Cluster, DEAD_AFTER_SECONDS, GroupView, WINDOW, now_ms};
use serde_json::json;

type Scenario = fn(&Cluster);

const SCENARIOS: [(&str, Scenario); 9] = [
    ("steady", steady_consumer_is_ok),
    ("slow", slower_consumer_warns_and_falls_behind),
    ("exited", consumer_that_exits_under_production_stops),
    (
        "sigkilled",
        sigkilled_consumer_stalls_until_tansu_drops_it_then_stops,
    ),
    ("stalled", live_member_committing_the_same_offset_stalls),
    ("rewound", offset_reset_backwards_rewinds),
    ("idle", caught_up_on_an_idle_topic_stays_ok),
    ("deserted", group_whose_members_all_leave_with_lag_is_dead),
    (
        "timestamps",
        lag_seconds_is_the_age_of_the_record_at_the_commit,
    ),
];

#[test]
fn tansu_consumer_health_scenarios() {
    let cluster = Cluster::start();
    let failed: Vec<&str> = thread::scope(|scope| {
        let running: Vec<_> = SCENARIOS
            .iter()
            .map(|&(name, scenario)| {
                let cluster = &cluster;
                let handle = thread::Builder::new()
                    .name(name.to_string())
                    .spawn_scoped(scope, move || scenario(cluster))
                    .expect("starting a scenario thread");
                (name, handle)
            })
            .collect();
        running
            .into_iter()
            .filter_map(|(name, handle)| handle.join().is_err().then_some(name))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "failed scenarios (their panics are above): {failed:?}"
    );
}

/// A one-partition topic named like its group.
fn topic(cluster: &Cluster, name: &str) {
    cluster.run("create-topic", &format!("--topic {name} --partitions 1"));
}

fn produce(cluster: &Cluster, topic: &str, partition: i32, count: i64) {
    let args = format!("--topic {topic} --partition {partition} --count {count}");
    cluster.run("produce", &args);
}

/// Consumes and commits as fast as it is fed, so it is seen caught up.
fn steady_consumer_is_ok(c: &Cluster) {
    topic(c, "steady");
    let _producer = c.spawn("produce-loop", "--topic steady --rate 2 --seconds 60");
    // Short fetch waits and frequent commits: the commit follows each record.
    let quick = "--commit-every 0.1 --config fetch.wait.max.ms=50";
    let _consumer = c.spawn(
        "consume-loop",
        &format!("--group steady --topic steady --seconds 60 {quick}"),
    );
    let full = c.wait_for("steady", "a full window", GroupView::complete);
    let seen = c.observe("steady", &full, WINDOW + 1, |v| {
        assert_eq!(
            (v.status(), v.partition_status(0), v.state(), v.members()),
            ("OK", "OK", "Stable", 1),
            "{v:#?}"
        );
        assert!(v.lag(0).is_some_and(|lag| lag <= 1), "{v:#?}");
        let seconds = v.lag_seconds(0).expect("lag seconds");
        assert!((0.0..1.5).contains(&seconds), "{v:#?}");
        assert_eq!(v.json["dead_reasons"], json!([]));
    });
    // Consuming all along, not idle.
    assert!(seen[WINDOW].committed(0) > full.committed(0), "{seen:#?}");
}

/// 10 records/s produced, at most 3/s consumed, progress committed.
fn slower_consumer_warns_and_falls_behind(c: &Cluster) {
    topic(c, "slow");
    let _producer = c.spawn("produce-loop", "--topic slow --rate 10 --seconds 60");
    let _consumer = c.spawn(
        "consume-loop",
        "--group slow --topic slow --rate 3 --seconds 60",
    );
    let warned = |v: &GroupView| v.partition_status(0) == "WARN";
    let first = c.wait_for("slow", "WARN", warned);
    let later = c.wait_for("slow", "WARN two seconds later", |v| {
        warned(v) && v.at_ms >= first.at_ms + 2000
    });
    for v in [&first, &later] {
        assert_eq!((v.status(), v.members()), ("WARN", 1), "{v:#?}");
        assert_eq!(v.lag_seconds_source(0), "record_timestamp");
        assert_eq!(v.json["dead_reasons"], json!([]));
    }
    assert!(later.committed(0) > first.committed(0), "still consuming");
    assert!(later.lag(0) > first.lag(0), "{first:#?} {later:#?}");
    assert!(
        later.lag_seconds(0) > first.lag_seconds(0),
        "{first:#?} {later:#?}"
    );
    let forecast = &later.json["forecast"];
    assert_eq!(forecast["trend"], "falling_behind", "{later:#?}");
    // Nominally 420 a minute (10 produced, 3 consumed a second); above 60
    // it is falling behind by more than the jitter of one-record batches.
    let per_minute = forecast["messages_per_minute"].as_f64().unwrap_or(0.0);
    assert!(per_minute > 60.0, "{later:#?}");
}

/// Commits for four seconds, leaves; the producer goes on.
fn consumer_that_exits_under_production_stops(c: &Cluster) {
    topic(c, "exited");
    let producer = c.spawn("produce-loop", "--topic exited --rate 5 --seconds 12");
    let consumer = c.spawn("consume-loop", "--group exited --topic exited --seconds 4");
    let committed = consumer.finish()["committed"]["0"]
        .as_i64()
        .expect("a last commit");
    let stopped = c.wait_for("exited", "STOP", |v| v.partition_status(0) == "STOP");
    assert_eq!(stopped.committed(0), committed);
    assert_stopped_without_members(&stopped);

    let produced = producer.finish()["produced"].as_i64().expect("produced");
    let end = c.wait_for("exited", "the producer's last record", |v| {
        v.partition(0)["latest_offset"] == produced
    });
    assert_eq!(
        (end.partition_status(0), end.committed(0), end.lag(0)),
        ("STOP", committed, Some(produced - committed))
    );
    assert_stopped_without_members(&end);
    // The same verdict through the Burrow API and /metrics.
    let burrow = c.burrow("exited", "status");
    assert_eq!(
        (
            &burrow["status"],
            &burrow["totallag"],
            &burrow["partition_count"]
        ),
        (&json!("ERR"), &json!(produced - committed), &json!(1))
    );
    let partition = &burrow["partitions"][0];
    assert_eq!(partition["status"], "STOP");
    assert_eq!(partition["end"]["offset"], committed);
    assert_eq!(partition["current_lag"], produced - committed);
    let m = c.metrics();
    let group = [("cluster", CLUSTER), ("consumergroup", "exited")];
    let p0 = [group[0], group[1], ("topic", "exited"), ("partition", "0")];
    assert_eq!(
        m.get("kafkascope_consumergroup_status_code", &group),
        Some(3.0)
    );
    assert_eq!(
        m.get("kafkascope_consumergroup_partition_status_code", &p0),
        Some(4.0)
    );
    let dead = [group[0], group[1], ("reason", "lag_without_members")];
    assert_eq!(m.get("kafkascope_consumergroup_dead", &dead), Some(1.0));
}

/// STOP as every scenario without members sees it.
fn assert_stopped_without_members(v: &GroupView) {
    assert_eq!(
        (v.status(), v.state(), v.members()),
        ("ERR", "Empty", 0),
        "{v:#?}"
    );
    assert_eq!(
        v.json["dead_reasons"],
        json!([{"reason": "lag_without_members"}])
    );
    assert_eq!(v.lag_seconds_source(0), "record_timestamp");
}

/// librdkafka's session timeout is 6 s; tansu 0.6.0 keeps the dead member
/// anyway, so the partition reads STALL (a member might own it) until a new
/// member's join drops the dead one; once that member leaves, STOP.
fn sigkilled_consumer_stalls_until_tansu_drops_it_then_stops(c: &Cluster) {
    const SESSION_TIMEOUT: Duration = Duration::from_secs(6);
    topic(c, "sigkilled");
    let _producer = c.spawn("produce-loop", "--topic sigkilled --rate 5 --seconds 60");
    let session = format!(
        "--config session.timeout.ms={}",
        SESSION_TIMEOUT.as_millis()
    );
    let mut consumer = c.spawn(
        "consume-loop",
        &format!("--group sigkilled --topic sigkilled --seconds 60 --commit-every 0.2 {session}"),
    );
    c.wait_for("sigkilled", "commits", |v| v.committed(0) >= 5);
    consumer.kill();
    let killed = Instant::now();

    let stalled = c.wait_for("sigkilled", "STALL after the session timeout", |v| {
        killed.elapsed() > SESSION_TIMEOUT + Duration::from_secs(2)
            && v.partition_status(0) == "STALL"
    });
    assert_eq!((stalled.state(), stalled.members()), ("Stable", 1));
    let last_commit = stalled.committed(0);
    let ghost = stalled.json["members"][0]["member_id"].clone();

    let mut joiner = c.spawn(
        "hold-member",
        "--group sigkilled --topic sigkilled --seconds 60",
    );
    joiner.wait_for_ready();
    let replaced = c.wait_for("sigkilled", "the dead member dropped", |v| {
        v.members() == 1 && v.json["members"][0]["member_id"] != ghost
    });
    assert_eq!(replaced.partition_status(0), "STALL", "{replaced:#?}");
    joiner.terminate();
    let stopped = c.wait_for("sigkilled", "STOP", |v| v.partition_status(0) == "STOP");
    assert_eq!(stopped.committed(0), last_commit);
    assert_stopped_without_members(&stopped);
}

/// Committed 4, then a live member re-commits 4 while the log grows.
fn live_member_committing_the_same_offset_stalls(c: &Cluster) {
    topic(c, "stalled");
    produce(c, "stalled", 0, 4);
    c.run(
        "consume-commit",
        "--group stalled --topic stalled --count 4",
    );
    let _producer = c.spawn("produce-loop", "--topic stalled --rate 5 --seconds 60");
    let _consumer = c.spawn(
        "consume-loop",
        "--group stalled --topic stalled --seconds 60 --commit same",
    );
    let stalled = c.wait_for("stalled", "STALL", |v| v.partition_status(0) == "STALL");
    assert_eq!(
        (stalled.status(), stalled.state(), stalled.members()),
        ("ERR", "Stable", 1)
    );
    assert_eq!(stalled.committed(0), 4);
    assert_eq!(stalled.lag_seconds_source(0), "record_timestamp");

    // A member, lag, and no commit progress for dead_after: dead as well.
    let dead = c.wait_for("stalled", "no_commit_progress", |v| {
        v.json["dead_reasons"] != json!([])
    });
    assert_eq!(dead.partition_status(0), "STALL");
    assert_eq!(dead.json["dead_reasons"][0]["reason"], "no_commit_progress");
    let idle_for = dead.json["dead_reasons"][0]["seconds"].as_f64();
    assert!(
        idle_for.is_some_and(|s| s >= DEAD_AFTER_SECONDS),
        "{dead:#?}"
    );
    assert_eq!(dead.json["dead_reasons"].as_array().map(Vec::len), Some(1));

    for what in ["status", "lag"] {
        let burrow = c.burrow("stalled", what);
        assert_eq!(burrow["status"], "ERR", "{what}: {burrow:#}");
        assert_eq!(burrow["partitions"][0]["status"], "STALL", "{what}");
        assert_eq!(burrow["partitions"][0]["start"]["offset"], 4, "{what}");
        assert_eq!(burrow["partitions"][0]["end"]["offset"], 4, "{what}");
        assert_eq!(burrow["partitions"][0]["complete"], 1.0, "{what}");
    }
    let m = c.metrics();
    let group = [("cluster", CLUSTER), ("consumergroup", "stalled")];
    let p0 = [group[0], group[1], ("topic", "stalled"), ("partition", "0")];
    assert_eq!(
        m.get("kafkascope_consumergroup_partition_status_code", &p0),
        Some(5.0)
    );
    assert_eq!(
        m.get("kafkascope_consumergroup_status_code", &group),
        Some(3.0)
    );
    let err = [group[0], group[1], ("status", "ERR")];
    assert_eq!(m.get("kafkascope_consumergroup_status", &err), Some(1.0));
    let dead = [group[0], group[1], ("reason", "no_commit_progress")];
    assert_eq!(m.get("kafkascope_consumergroup_dead", &dead), Some(1.0));
}

/// Caught up at 10, then reset to 3 without joining.
fn offset_reset_backwards_rewinds(c: &Cluster) {
    topic(c, "rewound");
    produce(c, "rewound", 0, 10);
    c.run(
        "consume-commit",
        "--group rewound --topic rewound --count 10",
    );
    c.wait_for("rewound", "OK over a full window at 10", |v| {
        v.partition_status(0) == "OK" && v.complete() && v.committed(0) == 10
    });
    c.run(
        "commit-offsets",
        "--group rewound --topic rewound --offsets 0=3",
    );
    // REWIND lasts while the move back is in the window: watch both APIs at once.
    let (mut api, mut burrow) = (None, None);
    c.wait_for("rewound", "REWIND in both APIs", |v| {
        if api.is_none() && v.partition_status(0) == "REWIND" {
            api = Some(v.clone());
        }
        let lag = c.burrow("rewound", "lag");
        if burrow.is_none() && lag["partitions"][0]["status"] == "REWIND" {
            burrow = Some(lag);
        }
        api.is_some() && burrow.is_some()
    });
    let (api, burrow) = (api.expect("seen"), burrow.expect("seen"));
    assert_eq!(
        (api.status(), api.committed(0), api.lag(0)),
        ("ERR", 3, Some(7))
    );
    assert_eq!(api.partition(0)["latest_offset"], 10);
    assert_eq!(api.lag_seconds_source(0), "record_timestamp");
    assert_eq!(burrow["status"], "ERR");
    // The window runs from the caught-up offset to the reset one.
    assert_eq!(burrow["partitions"][0]["start"]["offset"], 10);
    assert_eq!(burrow["partitions"][0]["end"]["offset"], 3);
    assert_eq!(burrow["partitions"][0]["current_lag"], 7);

    // Once the move back leaves the window: unmoved, lagging, no members.
    let stopped = c.wait_for("rewound", "STOP", |v| v.partition_status(0) == "STOP");
    assert_eq!((stopped.committed(0), stopped.lag(0)), (3, Some(7)));
    assert_stopped_without_members(&stopped);
}

/// Consumed all 5 records, no traffic since: no false STOP however long.
fn caught_up_on_an_idle_topic_stays_ok(c: &Cluster) {
    topic(c, "idle");
    produce(c, "idle", 0, 5);
    c.run("consume-commit", "--group idle --topic idle --count 5");
    let full = c.wait_for("idle", "a full window", GroupView::complete);
    // Two windows' worth of snapshots after the first full one.
    c.observe("idle", &full, 2 * WINDOW, |v| {
        assert_eq!(
            (v.status(), v.partition_status(0), v.members()),
            ("OK", "OK", 0),
            "{v:#?}"
        );
        assert_eq!((v.committed(0), v.lag(0)), (5, Some(0)));
        assert_eq!(v.partition(0)["latest_offset"], 5);
        assert_eq!(v.lag_seconds(0), Some(0.0));
        assert_eq!(v.lag_seconds_source(0), "caught_up");
        assert_eq!(v.json["lag_seconds_max"], 0.0);
        assert_eq!(v.json["dead_reasons"], json!([]));
        assert_eq!(v.json["forecast"], json!(null));
    });
}

/// Two members of a group committed at 2 and 3 of 6 and 6; both leave.
fn group_whose_members_all_leave_with_lag_is_dead(c: &Cluster) {
    c.run("create-topic", "--topic deserted --partitions 2");
    produce(c, "deserted", 0, 6);
    produce(c, "deserted", 1, 6);
    c.run(
        "commit-offsets",
        "--group deserted --topic deserted --offsets 0=2,1=3",
    );
    let hold = "--group deserted --topic deserted --seconds 60";
    let mut members = [c.spawn("hold-member", hold), c.spawn("hold-member", hold)];
    for member in &mut members {
        member.wait_for_ready();
    }
    // tansu describes the group as Unknown while the second join rebalances it.
    c.wait_for("deserted", "two members, Stable", |v| {
        v.members() == 2 && v.state() == "Stable"
    });
    for member in &mut members {
        member.terminate();
    }

    let left = c.wait_for("deserted", "no members", |v| v.members() == 0);
    assert_eq!(left.state(), "Empty");
    assert_eq!(
        left.json["dead_reasons"],
        json!([{"reason": "lag_without_members"}])
    );
    assert_eq!(
        (&left.json["lag_sum"], &left.json["lag_max"]),
        (&json!(7), &json!(4))
    );
    assert_eq!((left.lag(0), left.lag(1)), (Some(4), Some(3)));
    let stopped = c.wait_for("deserted", "STOP on both partitions", |v| {
        v.partition_status(0) == "STOP" && v.partition_status(1) == "STOP"
    });
    assert_eq!(stopped.status(), "ERR");
    assert_eq!(
        stopped.json["dead_reasons"],
        json!([{"reason": "lag_without_members"}])
    );
}

/// Records 0-1 at T-60 s, 2-4 at T; committed 2: the age is that of record 2.
fn lag_seconds_is_the_age_of_the_record_at_the_commit(c: &Cluster) {
    topic(c, "timestamps");
    let at_commit = now_ms() - 90_123;
    let produce_at = |count: i64, timestamp_ms: i64| {
        let args = format!(
            "--topic timestamps --partition 0 --count {count} --timestamp-ms {timestamp_ms}"
        );
        c.run("produce", &args);
    };
    produce_at(2, at_commit - 60_000);
    produce_at(3, at_commit);
    c.run(
        "consume-commit",
        "--group timestamps --topic timestamps --count 2",
    );
    let v = c.wait_for("timestamps", "lag seconds from the record", |v| {
        v.lag_seconds_source(0) == "record_timestamp"
    });
    assert_eq!((v.committed(0), v.lag(0)), (2, Some(3)));
    let expected = (v.at_ms - at_commit) as f64 / 1000.0;
    assert_eq!(v.lag_seconds(0), Some(expected), "{v:#?}");
    assert_eq!(v.json["lag_seconds_max"], expected);

    // /metrics: one scrape is one snapshot, with its collection time.
    let m = c.metrics();
    let cluster = [("cluster", CLUSTER)];
    let collected_s = m
        .get(
            "kafkascope_collection_last_success_timestamp_seconds",
            &cluster,
        )
        .expect("collection time");
    let collected_ms = (collected_s * 1000.0).round() as i64;
    let labels = [
        ("cluster", CLUSTER),
        ("consumergroup", "timestamps"),
        ("topic", "timestamps"),
        ("partition", "0"),
        ("source", "record_timestamp"),
    ];
    assert_eq!(
        m.get("kafkascope_consumergroup_lag_seconds", &labels),
        Some((collected_ms - at_commit) as f64 / 1000.0)
    );
}
