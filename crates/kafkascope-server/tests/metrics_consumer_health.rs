//! The consumer-health families for states the shared fixture does not
//! hold: a group catching up, one stuck rebalancing, one not evaluated.

mod common;

use kafkascope_collector::snapshot::{CatchUpForecast, ConsumerGroup, DeadReason, GroupStatus};
use kafkascope_server::metrics::{Format, render};

fn group(name: &str, status: GroupStatus) -> ConsumerGroup {
    ConsumerGroup {
        name: name.into(),
        state: "Stable".into(),
        status,
        ..Default::default()
    }
}

fn render_groups(groups: Vec<ConsumerGroup>) -> String {
    let mut prod = common::prod();
    prod.groups = groups.into_iter().map(|g| (g.name.clone(), g)).collect();
    let state = common::state(&["prod"], vec![prod]);
    render(&state, Format::Prometheus)
}

/// The samples of one family, without HELP and TYPE.
fn samples<'a>(out: &'a str, family: &str) -> Vec<&'a str> {
    let prefix = format!("{family}{{");
    out.lines().filter(|l| l.starts_with(&prefix)).collect()
}

#[test]
fn a_group_catching_up_has_catch_up_seconds_and_no_falling_behind_rate() {
    let catching_up = ConsumerGroup {
        forecast: Some(CatchUpForecast::CatchingUp { seconds: 37.5 }),
        ..group("etl", GroupStatus::Ok)
    };
    let out = render_groups(vec![catching_up]);
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_catch_up_seconds"),
        ["kafkascope_consumergroup_catch_up_seconds{cluster=\"prod\",consumergroup=\"etl\"} 37.5"]
    );
    assert!(
        samples(
            &out,
            "kafkascope_consumergroup_falling_behind_messages_per_minute"
        )
        .is_empty()
    );
}

#[test]
fn the_status_state_set_has_one_sample_per_status_and_a_single_1() {
    let out = render_groups(vec![group("etl", GroupStatus::Warn)]);
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_status"),
        [
            "kafkascope_consumergroup_status{cluster=\"prod\",consumergroup=\"etl\",status=\"NOT_ENOUGH_DATA\"} 0",
            "kafkascope_consumergroup_status{cluster=\"prod\",consumergroup=\"etl\",status=\"OK\"} 0",
            "kafkascope_consumergroup_status{cluster=\"prod\",consumergroup=\"etl\",status=\"WARN\"} 1",
            "kafkascope_consumergroup_status{cluster=\"prod\",consumergroup=\"etl\",status=\"ERR\"} 0",
        ]
    );
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_status_code"),
        ["kafkascope_consumergroup_status_code{cluster=\"prod\",consumergroup=\"etl\"} 2"]
    );
}

#[test]
fn stuck_rebalancing_is_a_dead_reason() {
    let stuck = ConsumerGroup {
        state: "PreparingRebalance".into(),
        dead_reasons: vec![DeadReason::StuckRebalancing { seconds: 900.0 }],
        ..group("etl", GroupStatus::NotEnoughData)
    };
    let out = render_groups(vec![stuck]);
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_dead"),
        [
            "kafkascope_consumergroup_dead{cluster=\"prod\",consumergroup=\"etl\",reason=\"stuck_rebalancing\"} 1"
        ]
    );
}

#[test]
fn figures_the_evaluation_has_not_produced_are_absent() {
    // A group with no offsets, no commit seen, no rate and no forecast.
    let out = render_groups(vec![group("new", GroupStatus::NotEnoughData)]);
    for family in [
        "kafkascope_consumergroup_lag_seconds",
        "kafkascope_consumergroup_max_lag_seconds",
        "kafkascope_consumergroup_topic_max_lag_seconds",
        "kafkascope_consumergroup_messages_lost",
        "kafkascope_consumergroup_partition_status_code",
        "kafkascope_consumergroup_last_commit_timestamp_seconds",
        "kafkascope_consumergroup_commits_per_second",
        "kafkascope_consumergroup_dead",
        "kafkascope_consumergroup_catch_up_seconds",
        "kafkascope_consumergroup_falling_behind_messages_per_minute",
    ] {
        assert!(samples(&out, family).is_empty(), "{family}");
    }
    // Always known: status (code 0 while not evaluated), completeness, rebalances.
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_status_code"),
        ["kafkascope_consumergroup_status_code{cluster=\"prod\",consumergroup=\"new\"} 0"]
    );
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_window_complete"),
        ["kafkascope_consumergroup_window_complete{cluster=\"prod\",consumergroup=\"new\"} 0"]
    );
    assert_eq!(
        samples(&out, "kafkascope_consumergroup_rebalances"),
        ["kafkascope_consumergroup_rebalances{cluster=\"prod\",consumergroup=\"new\"} 0"]
    );
}
