//! Consumer-health families: lag in seconds, lost messages, Burrow-style
//! statuses, liveness and the catch-up forecast of each group, read from
//! the evaluation the collector stored in the snapshot.
//!
//! Status codes are Burrow's `StatusConstant` numbers, with 0 (Burrow's
//! NOTFOUND) for "not enough data yet": see [`crate::burrow_status`].

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{
    CatchUpForecast, ConsumerGroup, DeadReason, LagSecondsSource, PartitionLag,
};

use crate::burrow_status as status;
use crate::labels::{self, Label};
use crate::writer::MetricsWriter;

pub const CONSUMERGROUP_LAG_SECONDS: &str = "kafkascope_consumergroup_lag_seconds";
pub const CONSUMERGROUP_MAX_LAG_SECONDS: &str = "kafkascope_consumergroup_max_lag_seconds";
pub const CONSUMERGROUP_TOPIC_MAX_LAG_SECONDS: &str =
    "kafkascope_consumergroup_topic_max_lag_seconds";
pub const CONSUMERGROUP_MESSAGES_LOST: &str = "kafkascope_consumergroup_messages_lost";
pub const CONSUMERGROUP_STATUS: &str = "kafkascope_consumergroup_status";
pub const CONSUMERGROUP_STATUS_CODE: &str = "kafkascope_consumergroup_status_code";
pub const CONSUMERGROUP_PARTITION_STATUS_CODE: &str =
    "kafkascope_consumergroup_partition_status_code";
pub const CONSUMERGROUP_WINDOW_COMPLETE: &str = "kafkascope_consumergroup_window_complete";
pub const CONSUMERGROUP_LAST_COMMIT_TIMESTAMP_SECONDS: &str =
    "kafkascope_consumergroup_last_commit_timestamp_seconds";
pub const CONSUMERGROUP_REBALANCES: &str = "kafkascope_consumergroup_rebalances";
pub const CONSUMERGROUP_COMMITS_PER_SECOND: &str = "kafkascope_consumergroup_commits_per_second";
pub const CONSUMERGROUP_DEAD: &str = "kafkascope_consumergroup_dead";
pub const CONSUMERGROUP_CATCH_UP_SECONDS: &str = "kafkascope_consumergroup_catch_up_seconds";
pub const CONSUMERGROUP_FALLING_BEHIND_MESSAGES_PER_MINUTE: &str =
    "kafkascope_consumergroup_falling_behind_messages_per_minute";

/// This module's families, in the order [`write`] writes them.
pub const FAMILIES: &[&str] = &[
    CONSUMERGROUP_LAG_SECONDS,
    CONSUMERGROUP_MAX_LAG_SECONDS,
    CONSUMERGROUP_TOPIC_MAX_LAG_SECONDS,
    CONSUMERGROUP_MESSAGES_LOST,
    CONSUMERGROUP_STATUS,
    CONSUMERGROUP_STATUS_CODE,
    CONSUMERGROUP_PARTITION_STATUS_CODE,
    CONSUMERGROUP_WINDOW_COMPLETE,
    CONSUMERGROUP_LAST_COMMIT_TIMESTAMP_SECONDS,
    CONSUMERGROUP_REBALANCES,
    CONSUMERGROUP_COMMITS_PER_SECOND,
    CONSUMERGROUP_DEAD,
    CONSUMERGROUP_CATCH_UP_SECONDS,
    CONSUMERGROUP_FALLING_BEHIND_MESSAGES_PER_MINUTE,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    lag_seconds(w, clusters);
    statuses(w, clusters);
    liveness(w, clusters);
    forecast(w, clusters);
}

/// Every committed offset of every group, with its cluster and group.
fn offsets<'a>(
    clusters: &'a [&'a ClusterSnapshot],
) -> impl Iterator<Item = (&'a ClusterSnapshot, &'a ConsumerGroup, &'a PartitionLag)> {
    labels::groups(clusters).flat_map(|(c, g)| g.offsets.iter().map(move |o| (c, g, o)))
}

fn offset_labels<'a>(
    c: &'a ClusterSnapshot,
    g: &'a ConsumerGroup,
    o: &'a PartitionLag,
) -> [Label<'a>; 4] {
    labels::group_partition(c, g, &o.topic, o.partition)
}

fn source_label(source: LagSecondsSource) -> &'static str {
    match source {
        LagSecondsSource::CaughtUp => "caught_up",
        LagSecondsSource::RecordTimestamp => "record_timestamp",
        LagSecondsSource::Estimated => "estimated",
    }
}

fn lag_seconds(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_LAG_SECONDS,
        "Age in seconds of the oldest record the group has not consumed on the partition (0 when caught up); source says how it was obtained.",
    );
    for (c, g, o) in offsets(clusters) {
        if let (Some(seconds), Some(source)) = (o.lag_seconds, o.lag_seconds_source) {
            let [cluster, group, topic, partition] = offset_labels(c, g, o);
            let with_source: [Label<'_>; 5] = [
                cluster,
                group,
                topic,
                partition,
                ("source", source_label(source).into()),
            ];
            w.sample(&with_source, seconds);
        }
    }

    w.gauge(
        CONSUMERGROUP_MAX_LAG_SECONDS,
        "Largest lag in seconds of the consumer group over its partitions whose lag in seconds is known.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(seconds) = g.max_lag_seconds() {
            w.sample(&labels::group(c, g), seconds);
        }
    }

    w.gauge(
        CONSUMERGROUP_TOPIC_MAX_LAG_SECONDS,
        "Largest lag in seconds of the consumer group on the topic, over partitions whose lag in seconds is known.",
    );
    for (c, g) in labels::groups(clusters) {
        for (topic, seconds) in g.max_lag_seconds_by_topic() {
            w.sample(&labels::group_topic(c, g, topic), seconds);
        }
    }

    w.gauge(
        CONSUMERGROUP_MESSAGES_LOST,
        "Records retention deleted before the group read them (its committed offset is below the log start); absent when none were.",
    );
    for (c, g, o) in offsets(clusters) {
        if let Some(lost) = o.messages_lost {
            w.sample(&offset_labels(c, g, o), lost);
        }
    }
}

fn statuses(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_STATUS,
        "State set of the group's Burrow-style status (NOT_ENOUGH_DATA, OK, WARN, ERR): 1 for the current one, 0 for the others.",
    );
    for (c, g) in labels::groups(clusters) {
        for value in status::GROUP_STATUSES {
            let labels: [Label<'_>; 3] = [
                ("cluster", c.cluster.as_str().into()),
                ("consumergroup", g.name.as_str().into()),
                ("status", status::group_label(value).into()),
            ];
            w.sample(&labels, g.status == value);
        }
    }

    w.gauge(
        CONSUMERGROUP_STATUS_CODE,
        "The group's status as Burrow's code: 0 not enough data yet, 1 OK, 2 WARN, 3 ERR.",
    );
    for (c, g) in labels::groups(clusters) {
        w.sample(
            &labels::group(c, g),
            u32::from(status::group_code(g.status)),
        );
    }

    w.gauge(
        CONSUMERGROUP_PARTITION_STATUS_CODE,
        "The partition's status as Burrow's code: 0 not enough data yet, 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.",
    );
    for (c, g, o) in offsets(clusters) {
        w.sample(
            &offset_labels(c, g, o),
            u32::from(status::partition_code(o.status)),
        );
    }

    w.gauge(
        CONSUMERGROUP_WINDOW_COMPLETE,
        "Share of the group's partitions whose evaluation window is full (0 to 1); statuses of partitions still filling read 0.",
    );
    for (c, g) in labels::groups(clusters) {
        w.sample(&labels::group(c, g), g.complete);
    }
}

fn dead_reason_label(reason: &DeadReason) -> &'static str {
    match reason {
        DeadReason::LagWithoutMembers => "lag_without_members",
        DeadReason::NoCommitProgress { .. } => "no_commit_progress",
        DeadReason::StuckRebalancing { .. } => "stuck_rebalancing",
    }
}

fn liveness(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_LAST_COMMIT_TIMESTAMP_SECONDS,
        "Unix time at which kafkascope last saw any of the group's committed offsets move.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(ms) = g.last_commit_at_ms {
            w.sample(&labels::group(c, g), ms as f64 / 1000.0);
        }
    }

    w.gauge(
        CONSUMERGROUP_REBALANCES,
        "Rebalances of the group seen since kafkascope started (member set or rebalancing state changed between cycles).",
    );
    for (c, g) in labels::groups(clusters) {
        w.sample(&labels::group(c, g), g.rebalances);
    }

    w.gauge(
        CONSUMERGROUP_COMMITS_PER_SECOND,
        "Offset commits that moved a partition of the group, per second, over the evaluation window.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(rate) = g.commits_per_sec {
            w.sample(&labels::group(c, g), rate);
        }
    }

    w.gauge(
        CONSUMERGROUP_DEAD,
        "1 for each reason the group looks like nobody consumes (lag_without_members, no_commit_progress, stuck_rebalancing); absent when none applies.",
    );
    for (c, g) in labels::groups(clusters) {
        for reason in &g.dead_reasons {
            let labels: [Label<'_>; 3] = [
                ("cluster", c.cluster.as_str().into()),
                ("consumergroup", g.name.as_str().into()),
                ("reason", dead_reason_label(reason).into()),
            ];
            w.sample(&labels, 1i64);
        }
    }
}

fn forecast(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        CONSUMERGROUP_CATCH_UP_SECONDS,
        "Seconds until the group's lag is gone at the current consume and produce rates; absent unless it is catching up.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(CatchUpForecast::CatchingUp { seconds }) = g.forecast {
            w.sample(&labels::group(c, g), seconds);
        }
    }

    w.gauge(
        CONSUMERGROUP_FALLING_BEHIND_MESSAGES_PER_MINUTE,
        "Messages a minute by which the group's lag grows; absent unless it is falling behind.",
    );
    for (c, g) in labels::groups(clusters) {
        if let Some(CatchUpForecast::FallingBehind {
            messages_per_minute,
        }) = g.forecast
        {
            w.sample(&labels::group(c, g), messages_per_minute);
        }
    }
}
