//! `kafkascope lag`: how far behind each group is.

use serde::Serialize;

use crate::cli::{LagArgs, OutputFormat};
use crate::commands::{GroupSelection, print_json, snapshot_once};
use crate::table::{or_dash, render};

#[derive(Serialize)]
struct GroupLag<'a> {
    group: &'a str,
    state: &'a str,
    members: usize,
    partitions: usize,
    lag_sum: Option<i64>,
    lag_max: Option<i64>,
}

pub async fn run(args: LagArgs) -> anyhow::Result<()> {
    let snapshot = snapshot_once(
        &args.cluster.connection,
        Default::default(),
        GroupSelection::from_option(args.group.as_deref()),
    )
    .await?;
    if let Some(group) = &args.group {
        anyhow::ensure!(
            snapshot.groups.contains_key(group),
            "consumer group '{group}' does not exist"
        );
    }
    let lags: Vec<GroupLag> = snapshot
        .groups
        .values()
        .map(|g| GroupLag {
            group: &g.name,
            state: &g.state,
            members: g.members.len(),
            partitions: g.offsets.len(),
            lag_sum: g.total_lag(),
            lag_max: g.max_lag(),
        })
        .collect();
    if args.cluster.output == OutputFormat::Json {
        return print_json(&lags);
    }
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
            ]
        })
        .collect();
    print!(
        "{}",
        render(
            &["GROUP", "STATE", "MEMBERS", "PARTITIONS", "LAG", "MAX-LAG"],
            &rows
        )
    );
    Ok(())
}
