//! `kafkascope brokers`: the cluster's brokers and what each hosts, and
//! with `--jmx-exporter`/`--jolokia` what each reports of itself:
//! throughput, Produce and Fetch p99, request handler idle share.

use kafkascope_collector::snapshot::MetadataQuorum;
use kafkascope_sources::jmx_figures::{BrokerFigures, NodeFigures};

use crate::cli::{BrokersArgs, OutputFormat};
use crate::commands::{GroupSelection, jmx_once, print_json, print_out, snapshot_once};
use crate::table::{or_dash, render};

pub async fn run(args: BrokersArgs) -> anyhow::Result<()> {
    let jmx = async {
        if args.jmx.is_empty() {
            Ok(Vec::new())
        } else {
            jmx_once::read(&args.jmx).await
        }
    };
    let (snapshot, jmx) = tokio::join!(
        snapshot_once(
            &args.cluster.connection,
            Default::default(),
            GroupSelection::None
        ),
        jmx
    );
    let (snapshot, jmx) = (snapshot?, jmx?);
    let node = |id: i32| jmx.iter().map(|(n, _)| n).find(|n| n.node_id == Some(id));
    if args.cluster.output == OutputFormat::Json {
        if jmx.is_empty() {
            return print_json(&snapshot.brokers);
        }
        let brokers: Vec<serde_json::Value> = snapshot
            .brokers
            .iter()
            .map(|b| {
                let mut json = serde_json::to_value(b).unwrap_or_default();
                json["jmx"] = serde_json::to_value(node(b.id)).unwrap_or_default();
                json
            })
            .collect();
        return print_json(&brokers);
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
        .map(|mut row| {
            if !jmx.is_empty() {
                let id = row[0].parse().unwrap_or(-1);
                row.extend(jmx_columns(node(id)));
            }
            row
        })
        .collect();
    let mut headers = vec![
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
    if !jmx.is_empty() {
        headers.extend(JMX_HEADERS);
    }
    let mut text = render(&headers, &rows);
    for (node, error) in &jmx {
        if let Some(error) = error {
            text.push_str(&format!("\n{}: {error}", node.target));
        }
    }
    if let Some(quorum) = &snapshot.quorum {
        text.push_str(&quorum_table(quorum, snapshot.collected_at_ms));
    }
    print_out(&text)
}

const JMX_HEADERS: [&str; 6] = [
    "BYTES-IN/S",
    "BYTES-OUT/S",
    "MSGS-IN/S",
    "PRODUCE-P99-MS",
    "FETCH-P99-MS",
    "HANDLER-IDLE",
];

/// What a broker reports of itself, as the JMX columns show it.
fn jmx_columns(node: Option<&NodeFigures>) -> Vec<String> {
    let broker: Option<&BrokerFigures> = node.and_then(|n| n.broker.as_ref());
    let rate = |read: fn(&BrokerFigures) -> Option<f64>| {
        or_dash(broker.and_then(read).map(|v| format!("{v:.0}")))
    };
    let p99 = |request: &str| {
        or_dash(
            broker
                .and_then(|b| b.requests.get(request))
                .and_then(|r| r.times_ms.get("totaltime"))
                .and_then(|q| q.p99)
                .map(|v| format!("{v:.1}")),
        )
    };
    vec![
        rate(|b| b.all_topics.bytes_in.and_then(|c| c.per_sec)),
        rate(|b| b.all_topics.bytes_out.and_then(|c| c.per_sec)),
        rate(|b| b.all_topics.messages_in.and_then(|c| c.per_sec)),
        p99("Produce"),
        p99("FetchConsumer"),
        or_dash(
            broker
                .and_then(|b| b.request_handler_idle_ratio)
                .map(|v| format!("{:.0}%", v * 100.0)),
        ),
    ]
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
