//! What Kafka's Java clients report of themselves through JMX, per client
//! id: a producer's send rate, latency, retries and errors; a consumer's
//! consume and fetch figures, commits and when it last polled. Read from
//! the series the exporter's client rules produce
//! (`kafka_<client type>_<metrics group>_<metric>{client_id=...}`, as in
//! `testbed/jmx-exporter-clients.yml`; the exporter drops `_total` from
//! gauges, so `record-send-total` reads as `..._record_send`).
//!
//! Whether a client is alive is judged across polls ([`crate::client_liveness`]).

use serde::Serialize;

use crate::prometheus_text::PageSample;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Producer,
    Consumer,
}

impl ClientKind {
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Producer => "producer",
            ClientKind::Consumer => "consumer",
        }
    }
}

/// One client id's figures, and the verdict on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientFigures {
    pub client_id: String,
    pub kind: ClientKind,
    pub producer: Option<ProducerFigures>,
    pub consumer: Option<ConsumerFigures>,
    pub liveness: ClientLiveness,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProducerFigures {
    pub record_send_rate: Option<f64>,
    /// Records sent since the client started (`record-send-total`).
    pub records_sent: Option<f64>,
    pub request_latency_avg_ms: Option<f64>,
    pub request_latency_max_ms: Option<f64>,
    pub record_retry_rate: Option<f64>,
    pub record_error_rate: Option<f64>,
    pub batch_size_avg: Option<f64>,
    pub compression_rate_avg: Option<f64>,
    pub records_per_request_avg: Option<f64>,
    pub buffer_available_bytes: Option<f64>,
    pub produce_throttle_time_avg_ms: Option<f64>,
    /// Requests and responses since the client started: they move while it
    /// lives, even when it has nothing to send.
    pub requests: Option<f64>,
    pub responses: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConsumerFigures {
    pub records_consumed_rate: Option<f64>,
    /// Records consumed since the client started.
    pub records_consumed: Option<f64>,
    pub bytes_consumed_rate: Option<f64>,
    pub fetch_latency_avg_ms: Option<f64>,
    pub fetch_latency_max_ms: Option<f64>,
    pub fetch_rate: Option<f64>,
    /// Fetches since the client started.
    pub fetches: Option<f64>,
    /// The client's own view of its largest partition lag, in records.
    pub records_lag_max: Option<f64>,
    pub commit_rate: Option<f64>,
    pub commits: Option<f64>,
    pub commit_latency_avg_ms: Option<f64>,
    pub heartbeats: Option<f64>,
    pub last_poll_seconds_ago: Option<f64>,
    pub rebalance_rate_per_hour: Option<f64>,
    pub assigned_partitions: Option<f64>,
    pub responses: Option<f64>,
}

/// Whether a client is alive, as judged across polls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientLiveness {
    pub alive: bool,
    /// Why it is judged dead; `None` while alive.
    pub dead_reason: Option<String>,
    /// The last poll that read its page (ms since the epoch).
    pub last_seen_ms: i64,
    /// The last poll in which one of its counters had moved.
    pub last_changed_ms: i64,
    /// A producer whose records sent have not moved for a while: alive,
    /// but sending nothing.
    pub stopped_sending: bool,
    /// The consumer groups whose members had this client id.
    pub groups: Vec<String>,
}

impl ClientFigures {
    fn new(client_id: &str, kind: ClientKind) -> Self {
        Self {
            client_id: client_id.to_string(),
            kind,
            producer: (kind == ClientKind::Producer).then(ProducerFigures::default),
            consumer: (kind == ClientKind::Consumer).then(ConsumerFigures::default),
            liveness: ClientLiveness::default(),
        }
    }

    /// The counters that move while the client lives (sends, fetches,
    /// heartbeats, answers): when none has moved, it may be stuck.
    pub fn progress(&self) -> Vec<Option<f64>> {
        match (&self.producer, &self.consumer) {
            (Some(p), _) => vec![p.records_sent, p.requests, p.responses],
            (_, Some(c)) => vec![
                c.records_consumed,
                c.fetches,
                c.heartbeats,
                c.commits,
                c.responses,
            ],
            _ => Vec::new(),
        }
    }
}

/// Reads one client sample into `clients` (by client id); series the
/// model does not name, and per-topic, per-partition and per-node series,
/// are left alone. Returns whether it was used.
pub fn read_client_sample(
    clients: &mut std::collections::BTreeMap<String, ClientFigures>,
    sample: &PageSample<'_, '_>,
) -> bool {
    let (kind, rest) = if let Some(rest) = sample.name.strip_prefix("kafka_producer_producer_") {
        (ClientKind::Producer, rest)
    } else if let Some(rest) = sample.name.strip_prefix("kafka_consumer_consumer_") {
        (ClientKind::Consumer, rest)
    } else {
        return false;
    };
    let Some(client_id) = sample.label("client_id") else {
        return false;
    };
    if sample.labels.len() != 1 {
        return false;
    }
    let client = clients
        .entry(client_id.to_string())
        .or_insert_with(|| ClientFigures::new(client_id, kind));
    let slot = match (&mut client.producer, &mut client.consumer) {
        (Some(p), _) => producer_slot(p, rest),
        (_, Some(c)) => consumer_slot(c, rest),
        _ => None,
    };
    match slot {
        Some(slot) => {
            *slot = Some(sample.value);
            true
        }
        None => false,
    }
}

fn producer_slot<'p>(p: &'p mut ProducerFigures, metric: &str) -> Option<&'p mut Option<f64>> {
    Some(match metric.strip_prefix("metrics_")? {
        "record_send_rate" => &mut p.record_send_rate,
        "record_send" => &mut p.records_sent,
        "request_latency_avg" => &mut p.request_latency_avg_ms,
        "request_latency_max" => &mut p.request_latency_max_ms,
        "record_retry_rate" => &mut p.record_retry_rate,
        "record_error_rate" => &mut p.record_error_rate,
        "batch_size_avg" => &mut p.batch_size_avg,
        "compression_rate_avg" => &mut p.compression_rate_avg,
        "records_per_request_avg" => &mut p.records_per_request_avg,
        "buffer_available_bytes" => &mut p.buffer_available_bytes,
        "produce_throttle_time_avg" => &mut p.produce_throttle_time_avg_ms,
        "request" => &mut p.requests,
        "response" => &mut p.responses,
        _ => return None,
    })
}

fn consumer_slot<'c>(c: &'c mut ConsumerFigures, metric: &str) -> Option<&'c mut Option<f64>> {
    if let Some(fetch) = metric.strip_prefix("fetch_manager_metrics_") {
        return Some(match fetch {
            "records_consumed_rate" => &mut c.records_consumed_rate,
            "records_consumed" => &mut c.records_consumed,
            "bytes_consumed_rate" => &mut c.bytes_consumed_rate,
            "fetch_latency_avg" => &mut c.fetch_latency_avg_ms,
            "fetch_latency_max" => &mut c.fetch_latency_max_ms,
            "fetch_rate" => &mut c.fetch_rate,
            "fetch" => &mut c.fetches,
            "records_lag_max" => &mut c.records_lag_max,
            _ => return None,
        });
    }
    if let Some(coordinator) = metric.strip_prefix("coordinator_metrics_") {
        return Some(match coordinator {
            "commit_rate" => &mut c.commit_rate,
            "commit" => &mut c.commits,
            "commit_latency_avg" => &mut c.commit_latency_avg_ms,
            "heartbeat" => &mut c.heartbeats,
            "rebalance_rate_per_hour" => &mut c.rebalance_rate_per_hour,
            "assigned_partitions" => &mut c.assigned_partitions,
            _ => return None,
        });
    }
    Some(match metric.strip_prefix("metrics_")? {
        "last_poll_seconds_ago" => &mut c.last_poll_seconds_ago,
        "response" => &mut c.responses,
        _ => return None,
    })
}
