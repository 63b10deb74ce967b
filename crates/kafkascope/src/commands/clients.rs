//! `kafkascope clients`: Kafka's Java producers and consumers, read twice
//! through their JMX agents, with their key figures and whether each is
//! alive (a client whose page cannot be read is dead), dead ones first.

use kafkascope_sources::client_figures::ClientFigures;

use crate::cli::{ClientsArgs, OutputFormat};
use crate::commands::{jmx_once, print_json, print_out};
use crate::table::{or_dash, render};

pub async fn run(args: ClientsArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.jmx.is_empty(),
        "give the clients' agents with --jmx-exporter or --jolokia"
    );
    let nodes = jmx_once::read(&args.jmx).await?;
    let mut clients: Vec<(&str, &ClientFigures)> = nodes
        .iter()
        .flat_map(|(node, _)| node.clients.values().map(|c| (node.target.as_str(), c)))
        .collect();
    clients.sort_by(|(_, a), (_, b)| {
        (a.liveness.alive, a.kind, &a.client_id).cmp(&(b.liveness.alive, b.kind, &b.client_id))
    });
    if args.output == OutputFormat::Json {
        let json: Vec<serde_json::Value> = clients
            .iter()
            .map(|(target, client)| {
                let mut json = serde_json::to_value(client).unwrap_or_default();
                json["target"] = serde_json::Value::from(*target);
                json
            })
            .collect();
        return print_json(&json);
    }
    let rows: Vec<Vec<String>> = clients.iter().map(|(target, c)| row(target, c)).collect();
    let headers = [
        "KIND",
        "CLIENT-ID",
        "STATE",
        "RECORDS/S",
        "LATENCY-MS",
        "ERRORS/S",
        "RETRIES/S",
        "LAST-POLL-S",
        "TARGET",
    ];
    let mut text = render(&headers, &rows);
    for (node, error) in &nodes {
        if let Some(error) = error.as_ref().filter(|_| !node.up) {
            text.push_str(&format!("\n{}: {error}", node.target));
        }
    }
    print_out(&text)
}

fn row(target: &str, c: &ClientFigures) -> Vec<String> {
    let number = |v: Option<f64>, places: usize| or_dash(v.map(|v| format!("{v:.places$}")));
    let state = match &c.liveness.dead_reason {
        None => "alive".to_string(),
        Some(reason) => format!("dead: {reason}"),
    };
    let (rate, latency, errors, retries, last_poll) = match (&c.producer, &c.consumer) {
        (Some(p), _) => (
            p.record_send_rate,
            p.request_latency_avg_ms,
            p.record_error_rate,
            p.record_retry_rate,
            None,
        ),
        (_, Some(c)) => (
            c.records_consumed_rate,
            c.fetch_latency_avg_ms,
            None,
            None,
            c.last_poll_seconds_ago,
        ),
        _ => (None, None, None, None, None),
    };
    vec![
        c.kind.name().to_string(),
        c.client_id.clone(),
        state,
        number(rate, 1),
        number(latency, 1),
        number(errors, 2),
        number(retries, 2),
        number(last_poll, 0),
        target.to_string(),
    ]
}
