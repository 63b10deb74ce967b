//! `kafkascope brokers`: the cluster's brokers and what each hosts.

use crate::cli::{ClusterArgs, OutputFormat};
use crate::commands::{GroupSelection, print_json, snapshot_once};
use crate::table::{or_dash, render};

pub async fn run(args: ClusterArgs) -> anyhow::Result<()> {
    let snapshot =
        snapshot_once(&args.connection, Default::default(), GroupSelection::None).await?;
    if args.output == OutputFormat::Json {
        return print_json(&snapshot.brokers);
    }
    let rows: Vec<Vec<String>> = snapshot
        .brokers
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                format!("{}:{}", b.host, b.port),
                or_dash(b.rack.as_deref()),
                (snapshot.controller_id == Some(b.id)).to_string(),
                b.reachable.to_string(),
                b.partition_count.to_string(),
                b.leader_count.to_string(),
                or_dash(b.log_dir_bytes),
            ]
        })
        .collect();
    let headers = [
        "ID",
        "ADDRESS",
        "RACK",
        "CONTROLLER",
        "REACHABLE",
        "PARTITIONS",
        "LEADERS",
        "LOG-DIR-BYTES",
    ];
    print!("{}", render(&headers, &rows));
    Ok(())
}
