//! `kafkascope lag`: how far behind each group is, in messages and in time,
//! whether it is healthy, and where it is heading.
//!
//! Status and trend need a window of observations: with `--samples N`
//! (and `--every S`) the command collects N cycles before it reports; with
//! one sample, statuses read NOT_ENOUGH_DATA and trends are unknown, while
//! lag and lag in seconds are already exact.

use std::time::Duration;

use kafkascope_collector::snapshot::{
    CatchUpForecast, ConsumerGroup, DeadReason, LagSecondsSource, PartitionLag,
};
use serde::Serialize;

use crate::cli::{LagArgs, OutputFormat};
use crate::commands::{GroupSelection, Sampling, print_json, print_out, snapshot_after_samples};
use crate::table::{human_seconds, or_dash, render};

#[derive(Serialize)]
struct GroupLag<'a> {
    group: &'a str,
    #[serde(rename = "type")]
    group_type: &'static str,
    state: &'a str,
    members: usize,
    partitions: usize,
    lag_sum: Option<i64>,
    lag_max: Option<i64>,
    lag_seconds_max: Option<f64>,
    status: &'static str,
    trend: String,
    dead_reasons: &'a [DeadReason],
    #[serde(skip_serializing_if = "Option::is_none")]
    offsets: Option<&'a [PartitionLag]>,
}

impl<'a> GroupLag<'a> {
    fn of(g: &'a ConsumerGroup, with_offsets: bool) -> Self {
        Self {
            group: &g.name,
            group_type: g.group_type.as_str(),
            state: &g.state,
            members: g.members.len(),
            partitions: g.offsets.len(),
            lag_sum: g.total_lag(),
            lag_max: g.max_lag(),
            lag_seconds_max: g.max_lag_seconds(),
            status: g.status.as_str(),
            trend: trend(g),
            dead_reasons: &g.dead_reasons,
            offsets: with_offsets.then_some(g.offsets.as_slice()),
        }
    }
}

pub async fn run(args: LagArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.samples >= 1, "--samples must be at least 1");
    let sampling = Sampling {
        cycles: args.samples,
        every: Duration::from_secs_f64(args.every.max(0.0)),
    };
    let snapshot = snapshot_after_samples(
        &args.cluster.connection,
        Default::default(),
        GroupSelection::from_option(args.group.as_deref()),
        sampling,
    )
    .await?;
    if let Some(group) = &args.group {
        anyhow::ensure!(
            snapshot.groups.contains_key(group),
            "consumer group '{group}' does not exist"
        );
    }
    let one_group = args.group.is_some();
    let lags: Vec<GroupLag> = snapshot
        .groups
        .values()
        .map(|g| GroupLag::of(g, one_group))
        .collect();
    if args.cluster.output == OutputFormat::Json {
        return print_json(&lags);
    }
    match lags.first().filter(|_| one_group) {
        Some(group) => print_out(&group_table(group)),
        None => print_out(&groups_table(&lags)),
    }
}

fn groups_table(lags: &[GroupLag]) -> String {
    let rows: Vec<Vec<String>> = lags
        .iter()
        .map(|l| {
            vec![
                l.group.to_string(),
                l.state.to_string(),
                l.members.to_string(),
                l.partitions.to_string(),
                or_dash(l.lag_sum),
                or_dash(l.lag_max),
                or_dash(l.lag_seconds_max.map(human_seconds)),
                l.status.to_string(),
                l.trend.clone(),
            ]
        })
        .collect();
    render(
        &[
            "GROUP",
            "STATE",
            "MEMBERS",
            "PARTITIONS",
            "LAG",
            "MAX-LAG",
            "MAX-LAG-TIME",
            "STATUS",
            "TREND",
        ],
        &rows,
    )
}

/// One group: a summary line, then its partitions as kafka-consumer-groups.sh
/// --describe lists them, with time lag and status added.
fn group_table(group: &GroupLag) -> String {
    let mut out = format!(
        "GROUP {}  STATE {}  MEMBERS {}  STATUS {}  TREND {}\n\n",
        group.group, group.state, group.members, group.status, group.trend
    );
    let rows: Vec<Vec<String>> = group
        .offsets
        .unwrap_or_default()
        .iter()
        .map(|o| {
            vec![
                o.topic.to_string(),
                o.partition.to_string(),
                o.committed_offset.to_string(),
                or_dash(o.latest_offset),
                or_dash(o.lag),
                or_dash(o.lag_seconds.map(human_seconds)),
                lag_seconds_source(o.lag_seconds_source).to_string(),
                o.status.as_str().to_string(),
            ]
        })
        .collect();
    out.push_str(&render(
        &[
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "LAG-TIME",
            "FROM",
            "STATUS",
        ],
        &rows,
    ));
    out
}

fn lag_seconds_source(source: Option<LagSecondsSource>) -> &'static str {
    match source {
        Some(LagSecondsSource::CaughtUp) => "caught-up",
        Some(LagSecondsSource::RecordTimestamp) => "record",
        Some(LagSecondsSource::Estimated) => "estimate",
        None => "-",
    }
}

/// Where the group is heading, in words: dead, catching up, falling behind.
fn trend(group: &ConsumerGroup) -> String {
    if let Some(reason) = group.dead_reasons.first() {
        return match reason {
            DeadReason::LagWithoutMembers => "dead: lag, no members".to_string(),
            DeadReason::NoCommitProgress { seconds } => {
                format!("dead: no commit progress for {}", human_seconds(*seconds))
            }
            DeadReason::StuckRebalancing { seconds } => {
                format!("dead: rebalancing for {}", human_seconds(*seconds))
            }
        };
    }
    match &group.forecast {
        Some(CatchUpForecast::CatchingUp { seconds }) => {
            format!("catching up in ~{}", human_seconds(*seconds))
        }
        Some(CatchUpForecast::FallingBehind {
            messages_per_minute,
        }) => format!("falling behind +{messages_per_minute:.0}/min"),
        None if group.total_lag() == Some(0) => "caught up".to_string(),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(forecast: Option<CatchUpForecast>, dead: Vec<DeadReason>, lag: i64) -> ConsumerGroup {
        ConsumerGroup {
            name: "g".into(),
            forecast,
            dead_reasons: dead,
            offsets: vec![PartitionLag {
                topic: "t".into(),
                lag: Some(lag),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn trend_names_death_before_any_forecast() {
        let g = group(
            Some(CatchUpForecast::CatchingUp { seconds: 30.0 }),
            vec![DeadReason::NoCommitProgress { seconds: 400.0 }],
            5,
        );
        assert_eq!(trend(&g), "dead: no commit progress for 6m 40s");
    }

    #[test]
    fn trend_reads_the_forecast() {
        let catching = group(
            Some(CatchUpForecast::CatchingUp { seconds: 90.0 }),
            vec![],
            5,
        );
        assert_eq!(trend(&catching), "catching up in ~1m 30s");
        let behind = group(
            Some(CatchUpForecast::FallingBehind {
                messages_per_minute: 120.4,
            }),
            vec![],
            5,
        );
        assert_eq!(trend(&behind), "falling behind +120/min");
        assert_eq!(trend(&group(None, vec![], 0)), "caught up");
        assert_eq!(trend(&group(None, vec![], 3)), "-");
    }
}
