//! `kafkascope brokers`: the cluster's brokers and what each hosts.

use kafkascope_collector::snapshot::MetadataQuorum;

use crate::cli::{ClusterArgs, OutputFormat};
use crate::commands::{GroupSelection, print_json, print_out, snapshot_once};
use crate::table::{or_dash, render};

pub async fn run(args: ClusterArgs) -> anyhow::Result<()> {
    let snapshot =
        snapshot_once(&args.connection, Default::default(), GroupSelection::None).await?;
    if args.output == OutputFormat::Json {
        return print_json(&snapshot.brokers);
    }
    let role = |id: i32| snapshot.quorum.as_ref().and_then(|q| q.role_of(id));
    let rows: Vec<Vec<String>> = snapshot
        .brokers
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                format!("{}:{}", b.host, b.port),
                or_dash(b.rack.as_deref()),
                (snapshot.controller_id == Some(b.id)).to_string(),
                or_dash(role(b.id)),
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
        "QUORUM",
        "REACHABLE",
        "PARTITIONS",
        "LEADERS",
        "LOG-DIR-BYTES",
    ];
    let mut text = render(&headers, &rows);
    if let Some(quorum) = &snapshot.quorum {
        text.push_str(&quorum_table(quorum, snapshot.collected_at_ms));
    }
    print_out(&text)
}

/// The metadata quorum in the shape of `kafka-metadata-quorum describe
/// --replication`, under a line like its `--status`.
fn quorum_table(quorum: &MetadataQuorum, now_ms: i64) -> String {
    let ago = |ms: Option<i64>| or_dash(ms.map(|ms| format!("{} ms ago", (now_ms - ms).max(0))));
    let rows: Vec<Vec<String>> = quorum
        .replicas()
        .map(|(role, r)| {
            let status = if r.replica_id == quorum.leader_id {
                "Leader"
            } else if role == "voter" {
                "Follower"
            } else {
                "Observer"
            };
            vec![
                r.replica_id.to_string(),
                r.log_end_offset.to_string(),
                quorum.lag(r).to_string(),
                ago(r.last_fetch_ms),
                ago(r.last_caught_up_ms),
                status.to_string(),
            ]
        })
        .collect();
    let headers = [
        "NODE-ID",
        "LOG-END-OFFSET",
        "LAG",
        "LAST-FETCH",
        "LAST-CAUGHT-UP",
        "STATUS",
    ];
    format!(
        "\nMetadata quorum: leader {} (epoch {}), high watermark {}\n{}",
        quorum.leader_id,
        quorum.leader_epoch,
        quorum.high_watermark,
        render(&headers, &rows)
    )
}
