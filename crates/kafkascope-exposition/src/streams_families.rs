//! Kafka Streams applications as their JMX agents report them, under the
//! names the client rules give them, with `cluster` and `node` (the
//! application's target) and `client_id` or `thread_id`.

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::streams_figures::{StreamThreadFigures, StreamsClientFigures};

use crate::jmx_families::{node_label, nodes};
use crate::labels::Label;
use crate::writer::MetricsWriter;

type Read<F> = fn(&F) -> Option<f64>;

const CLIENT: &[(&str, &str, Read<StreamsClientFigures>)] = &[
    (
        "kafka_streams_stream_metrics_alive_stream_threads",
        "Stream threads alive in the Streams client.",
        |c| c.alive_threads,
    ),
    (
        "kafka_streams_stream_metrics_failed_stream_threads",
        "Stream threads of the Streams client that died of an error.",
        |c| c.failed_threads,
    ),
];

const THREAD: &[(&str, &str, Read<StreamThreadFigures>)] = &[
    (
        "kafka_streams_stream_thread_metrics_process_rate",
        "Records the stream thread processes per second.",
        |t| t.process_rate,
    ),
    (
        "kafka_streams_stream_thread_metrics_process",
        "Records the stream thread processed since it started.",
        |t| t.processed,
    ),
    (
        "kafka_streams_stream_thread_metrics_process_latency_avg",
        "Average time to process a record, ms.",
        |t| t.process_latency_avg_ms,
    ),
    (
        "kafka_streams_stream_thread_metrics_poll_rate",
        "Polls of the stream thread per second.",
        |t| t.poll_rate,
    ),
    (
        "kafka_streams_stream_thread_metrics_poll_latency_avg",
        "Average time of a poll, ms.",
        |t| t.poll_latency_avg_ms,
    ),
    (
        "kafka_streams_stream_thread_metrics_commit_rate",
        "Commits of the stream thread per second.",
        |t| t.commit_rate,
    ),
    (
        "kafka_streams_stream_thread_metrics_commit_latency_avg",
        "Average time of a commit, ms.",
        |t| t.commit_latency_avg_ms,
    ),
    (
        "kafka_streams_stream_thread_metrics_process_ratio",
        "Share of the stream thread's time spent processing, 0 to 1.",
        |t| t.process_ratio,
    ),
    (
        "kafka_streams_stream_thread_metrics_poll_ratio",
        "Share of the stream thread's time spent polling, 0 to 1.",
        |t| t.poll_ratio,
    ),
];

/// Every family this module writes, in order.
pub fn families() -> Vec<&'static str> {
    CLIENT
        .iter()
        .map(|f| f.0)
        .chain(THREAD.iter().map(|f| f.0))
        .collect()
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let apps: Vec<_> = nodes(sources)
        .into_iter()
        .filter_map(|(cluster, n)| n.streams.as_ref().map(|s| (cluster, n, s)))
        .collect();
    for (name, help, read) in CLIENT {
        w.gauge(name, help);
        for (cluster, n, streams) in &apps {
            for (client_id, figures) in &streams.clients {
                if let Some(value) = read(figures) {
                    let labels: [Label<'_>; 3] = [
                        ("cluster", (*cluster).into()),
                        ("node", node_label(n)),
                        ("client_id", client_id.as_str().into()),
                    ];
                    w.sample(&labels, value);
                }
            }
        }
    }
    for (name, help, read) in THREAD {
        w.gauge(name, help);
        for (cluster, n, streams) in &apps {
            for (thread_id, figures) in &streams.threads {
                if let Some(value) = read(figures) {
                    let labels: [Label<'_>; 3] = [
                        ("cluster", (*cluster).into()),
                        ("node", node_label(n)),
                        ("thread_id", thread_id.as_str().into()),
                    ];
                    w.sample(&labels, value);
                }
            }
        }
    }
}
