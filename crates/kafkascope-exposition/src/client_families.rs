//! Kafka's Java clients, as the JMX exporter source read and judged them.
//! Figures keep the names the exporter's client rules give them
//! (`kafka_producer_producer_metrics_*`, `kafka_consumer_consumer_*`) with
//! `cluster` and `client_id`; only live clients' figures are written (a
//! dead client's last figures would read as current). Whether each client
//! is alive, and since when it was last seen, are `kafkascope_client_*`.

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::client_figures::{ClientFigures, ConsumerFigures, ProducerFigures};
use kafkascope_sources::source::distinct_jmx_clients;

use crate::labels::Label;
use crate::writer::MetricsWriter;

pub const CLIENT_UP: &str = "kafkascope_client_up";
pub const CLIENT_LAST_SEEN: &str = "kafkascope_client_last_seen_timestamp_seconds";
pub const CLIENT_LAST_CHANGE: &str = "kafkascope_client_last_change_timestamp_seconds";
pub const PRODUCER_STOPPED_SENDING: &str = "kafkascope_producer_stopped_sending";

type Read<F> = fn(&F) -> Option<f64>;

const PRODUCER_FAMILIES: &[(&str, &str, Read<ProducerFigures>)] = &[
    (
        "kafka_producer_producer_metrics_record_send_rate",
        "Records the producer sends per second (the client's own windowed rate).",
        |p| p.record_send_rate,
    ),
    (
        "kafka_producer_producer_metrics_record_send",
        "Records the producer has sent since it started.",
        |p| p.records_sent,
    ),
    (
        "kafka_producer_producer_metrics_request_latency_avg",
        "Average produce request latency, ms.",
        |p| p.request_latency_avg_ms,
    ),
    (
        "kafka_producer_producer_metrics_request_latency_max",
        "Largest produce request latency in the window, ms.",
        |p| p.request_latency_max_ms,
    ),
    (
        "kafka_producer_producer_metrics_record_retry_rate",
        "Record sends retried per second.",
        |p| p.record_retry_rate,
    ),
    (
        "kafka_producer_producer_metrics_record_error_rate",
        "Record sends that failed per second.",
        |p| p.record_error_rate,
    ),
    (
        "kafka_producer_producer_metrics_batch_size_avg",
        "Average bytes per batch.",
        |p| p.batch_size_avg,
    ),
    (
        "kafka_producer_producer_metrics_compression_rate_avg",
        "Average compressed size over uncompressed size of its batches.",
        |p| p.compression_rate_avg,
    ),
    (
        "kafka_producer_producer_metrics_records_per_request_avg",
        "Average records per produce request.",
        |p| p.records_per_request_avg,
    ),
    (
        "kafka_producer_producer_metrics_buffer_available_bytes",
        "Bytes of the send buffer not in use.",
        |p| p.buffer_available_bytes,
    ),
    (
        "kafka_producer_producer_metrics_produce_throttle_time_avg",
        "Average time the brokers throttled its requests, ms.",
        |p| p.produce_throttle_time_avg_ms,
    ),
];

const CONSUMER_FAMILIES: &[(&str, &str, Read<ConsumerFigures>)] = &[
    (
        "kafka_consumer_consumer_fetch_manager_metrics_records_consumed_rate",
        "Records the consumer consumes per second (its own windowed rate).",
        |c| c.records_consumed_rate,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_records_consumed",
        "Records the consumer has consumed since it started.",
        |c| c.records_consumed,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_bytes_consumed_rate",
        "Bytes the consumer consumes per second.",
        |c| c.bytes_consumed_rate,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_fetch_latency_avg",
        "Average fetch request latency, ms.",
        |c| c.fetch_latency_avg_ms,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_fetch_latency_max",
        "Largest fetch request latency in the window, ms.",
        |c| c.fetch_latency_max_ms,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_fetch_rate",
        "Fetch requests per second.",
        |c| c.fetch_rate,
    ),
    (
        "kafka_consumer_consumer_fetch_manager_metrics_records_lag_max",
        "The consumer's own view of its largest partition lag, records.",
        |c| c.records_lag_max,
    ),
    (
        "kafka_consumer_consumer_coordinator_metrics_commit_rate",
        "Offset commits per second.",
        |c| c.commit_rate,
    ),
    (
        "kafka_consumer_consumer_coordinator_metrics_commit_latency_avg",
        "Average offset commit latency, ms.",
        |c| c.commit_latency_avg_ms,
    ),
    (
        "kafka_consumer_consumer_coordinator_metrics_rebalance_rate_per_hour",
        "Rebalances the consumer took part in, per hour.",
        |c| c.rebalance_rate_per_hour,
    ),
    (
        "kafka_consumer_consumer_coordinator_metrics_assigned_partitions",
        "Partitions assigned to the consumer.",
        |c| c.assigned_partitions,
    ),
    (
        "kafka_consumer_consumer_metrics_last_poll_seconds_ago",
        "Seconds since the application last called poll().",
        |c| c.last_poll_seconds_ago,
    ),
];

/// Every family this module writes, in order.
pub fn families() -> Vec<&'static str> {
    let mut names = vec![
        CLIENT_UP,
        CLIENT_LAST_SEEN,
        CLIENT_LAST_CHANGE,
        PRODUCER_STOPPED_SENDING,
    ];
    names.extend(PRODUCER_FAMILIES.iter().map(|f| f.0));
    names.extend(CONSUMER_FAMILIES.iter().map(|f| f.0));
    names
}

/// Every client of every source snapshot, with its cluster, each once.
pub fn clients<'a>(sources: &'a [&'a SourceSnapshot]) -> Vec<(&'a str, &'a ClientFigures)> {
    distinct_jmx_clients(sources.iter().copied())
        .into_iter()
        .map(|(cluster, _, client)| (cluster, client))
        .collect()
}

fn labels<'a>(cluster: &'a str, c: &'a ClientFigures) -> [Label<'a>; 2] {
    [
        ("cluster", cluster.into()),
        ("client_id", c.client_id.as_str().into()),
    ]
}

fn kind_labels<'a>(cluster: &'a str, c: &'a ClientFigures) -> [Label<'a>; 3] {
    [
        ("cluster", cluster.into()),
        ("client_id", c.client_id.as_str().into()),
        ("kind", c.kind.name().into()),
    ]
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    w.gauge(
        CLIENT_UP,
        "1 while the client is judged alive, 0 once dead (its page gone, no counter moving, or no poll() lately).",
    );
    for (cluster, c) in clients(sources) {
        w.sample(&kind_labels(cluster, c), c.liveness.alive);
    }
    w.gauge(
        CLIENT_LAST_SEEN,
        "When the client's page was last read (Unix time).",
    );
    for (cluster, c) in clients(sources) {
        w.sample(
            &kind_labels(cluster, c),
            c.liveness.last_seen_ms as f64 / 1000.0,
        );
    }
    w.gauge(
        CLIENT_LAST_CHANGE,
        "When one of the client's counters last moved (Unix time).",
    );
    for (cluster, c) in clients(sources) {
        w.sample(
            &kind_labels(cluster, c),
            c.liveness.last_changed_ms as f64 / 1000.0,
        );
    }
    w.gauge(
        PRODUCER_STOPPED_SENDING,
        "1 when a live producer's records sent have not moved for a while, else 0.",
    );
    for (cluster, c) in clients(sources)
        .into_iter()
        .filter(|(_, c)| c.producer.is_some())
    {
        w.sample(&labels(cluster, c), c.liveness.stopped_sending);
    }
    let alive = || {
        clients(sources)
            .into_iter()
            .filter(|(_, c)| c.liveness.alive)
    };
    for (name, help, read) in PRODUCER_FAMILIES {
        w.gauge(name, help);
        for (cluster, c) in alive() {
            if let Some(value) = c.producer.as_ref().and_then(read) {
                w.sample(&labels(cluster, c), value);
            }
        }
    }
    for (name, help, read) in CONSUMER_FAMILIES {
        w.gauge(name, help);
        for (cluster, c) in alive() {
            if let Some(value) = c.consumer.as_ref().and_then(read) {
                w.sample(&labels(cluster, c), value);
            }
        }
    }
}
