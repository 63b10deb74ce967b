//! What the sources read through JMX. A figure the JMX exporter's Kafka
//! rules name keeps that name and its own labels (`topic`, `request`,
//! `quantile`, `delayedoperation`), so existing broker dashboards work;
//! every sample adds `cluster` and `node` (the KRaft node id, or the
//! target's URL where the id is not known). Rates kafkascope derives
//! between polls are `kafkascope_*` families. Kafka's timers come as
//! quantiles, typed `summary` (the exporter rules call them gauges, which
//! `promtool` rejects beside a `quantile` label; a query cannot tell).

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::jmx_figures::{
    BrokerFigures, Counter, NodeFigures, Quantiles, RequestFigures, Throughput,
};
use kafkascope_sources::source::distinct_jmx_nodes;

use crate::labels::Label;
use crate::writer::{LabelValue, MetricType, MetricsWriter};

/// A node-level figure: its family, type, help, and how to read it.
struct NodeFamily {
    name: &'static str,
    kind: MetricType,
    help: &'static str,
    read: fn(&NodeFigures) -> Option<f64>,
}

const fn gauge(
    name: &'static str,
    help: &'static str,
    read: fn(&NodeFigures) -> Option<f64>,
) -> NodeFamily {
    NodeFamily {
        name,
        kind: MetricType::Gauge,
        help,
        read,
    }
}

const fn counter(
    name: &'static str,
    help: &'static str,
    read: fn(&NodeFigures) -> Option<f64>,
) -> NodeFamily {
    NodeFamily {
        name,
        kind: MetricType::Counter,
        help,
        read,
    }
}

fn broker(n: &NodeFigures) -> Option<&BrokerFigures> {
    n.broker.as_ref()
}

fn total(counter: Option<Counter>) -> Option<f64> {
    counter.map(|c| c.total)
}

fn per_sec(counter: Option<Counter>) -> Option<f64> {
    counter.and_then(|c| c.per_sec)
}

/// Node-level families, in the order they are written.
const NODE_FAMILIES: &[NodeFamily] = &[
    gauge(
        "kafkascope_jmx_node_up",
        "1 when the node's JMX page was read in the last poll, else 0.",
        |n| Some(if n.up { 1.0 } else { 0.0 }),
    ),
    counter(
        "kafka_server_brokertopicmetrics_bytesin",
        "Bytes produced to the broker, all topics (and per topic with `topic`), as the broker counts them.",
        |n| total(broker(n)?.all_topics.bytes_in),
    ),
    counter(
        "kafka_server_brokertopicmetrics_bytesout",
        "Bytes fetched from the broker by consumers, all topics (and per topic with `topic`).",
        |n| total(broker(n)?.all_topics.bytes_out),
    ),
    counter(
        "kafka_server_brokertopicmetrics_messagesin",
        "Records produced to the broker, all topics (and per topic with `topic`).",
        |n| total(broker(n)?.all_topics.messages_in),
    ),
    counter(
        "kafka_server_brokertopicmetrics_bytesrejected",
        "Bytes the broker rejected (record batches too large...).",
        |n| total(broker(n)?.bytes_rejected),
    ),
    counter(
        "kafka_server_brokertopicmetrics_failedproducerequests",
        "Produce requests that failed on the broker.",
        |n| total(broker(n)?.failed_produce_requests),
    ),
    counter(
        "kafka_server_brokertopicmetrics_failedfetchrequests",
        "Fetch requests that failed on the broker.",
        |n| total(broker(n)?.failed_fetch_requests),
    ),
    gauge(
        "kafka_network_requestchannel_requestqueuesize",
        "Requests waiting for a request handler thread.",
        |n| broker(n)?.request_queue_size,
    ),
    gauge(
        "kafka_network_requestchannel_responsequeuesize",
        "Responses waiting for a network thread, all processors.",
        |n| broker(n)?.response_queue_size,
    ),
    gauge(
        "kafka_network_socketserver_networkprocessoravgidlepercent",
        "Share of time the network threads were idle (0..1).",
        |n| broker(n)?.network_processor_idle_ratio,
    ),
    gauge(
        "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent",
        "Share of time the request handler threads were idle, one-minute average (0..1).",
        |n| broker(n)?.request_handler_idle_ratio,
    ),
    gauge(
        "kafka_server_replicamanager_underreplicatedpartitions",
        "Partitions this broker leads with fewer in-sync replicas than replicas.",
        |n| broker(n)?.under_replicated_partitions,
    ),
    gauge(
        "kafka_server_replicamanager_underminisrpartitioncount",
        "Partitions this broker leads with fewer in-sync replicas than min.insync.replicas.",
        |n| broker(n)?.under_min_isr_partitions,
    ),
    gauge(
        "kafka_server_replicamanager_atminisrpartitioncount",
        "Partitions this broker leads with exactly min.insync.replicas in sync.",
        |n| broker(n)?.at_min_isr_partitions,
    ),
    gauge(
        "kafka_server_replicamanager_offlinereplicacount",
        "Replicas on this broker that are offline (a failed log dir).",
        |n| broker(n)?.offline_replicas,
    ),
    gauge(
        "kafka_server_replicamanager_partitioncount",
        "Partition replicas on this broker.",
        |n| broker(n)?.partitions,
    ),
    gauge(
        "kafka_server_replicamanager_leadercount",
        "Partitions this broker leads.",
        |n| broker(n)?.leaders,
    ),
    gauge(
        "kafka_server_replicamanager_isrshrinkspersec",
        "ISR shrinks on this broker since it started (a count, as the exporter rule reads it).",
        |n| total(broker(n)?.isr_shrinks),
    ),
    gauge(
        "kafka_server_replicamanager_isrexpandspersec",
        "ISR expansions on this broker since it started (a count).",
        |n| total(broker(n)?.isr_expands),
    ),
    gauge(
        "kafka_server_replicafetchermanager_maxlag",
        "The largest lag, in records, of this broker's follower replicas behind their leaders.",
        |n| broker(n)?.replica_max_lag,
    ),
    gauge(
        "kafka_controller_kafkacontroller_activecontrollercount",
        "1 on the active controller, 0 elsewhere.",
        |n| n.controller.as_ref()?.active_controller_count,
    ),
    gauge(
        "kafka_controller_kafkacontroller_offlinepartitionscount",
        "Partitions without a leader, as the controller counts them.",
        |n| n.controller.as_ref()?.offline_partitions,
    ),
    gauge(
        "kafka_controller_kafkacontroller_globalpartitioncount",
        "Partitions in the cluster, as the controller counts them.",
        |n| n.controller.as_ref()?.global_partitions,
    ),
    gauge(
        "kafka_controller_kafkacontroller_globaltopiccount",
        "Topics in the cluster, as the controller counts them.",
        |n| n.controller.as_ref()?.global_topics,
    ),
    gauge(
        "kafka_controller_kafkacontroller_preferredreplicaimbalancecount",
        "Partitions whose leader is not their preferred replica.",
        |n| n.controller.as_ref()?.preferred_replica_imbalance,
    ),
    counter(
        "kafka_controller_controllerstats_uncleanleaderelectionspersec",
        "Unclean leader elections since the controller started.",
        |n| total(n.controller.as_ref()?.unclean_leader_elections),
    ),
    counter(
        "kafka_controller_controllerstats_leaderelectionrateandtimems",
        "Leader elections since the controller started.",
        |n| total(n.controller.as_ref()?.leader_elections),
    ),
    gauge(
        "kafka_server_raft_metrics_current_leader",
        "The KRaft quorum's leader as this node sees it (-1: none).",
        |n| n.raft.as_ref()?.current_leader,
    ),
    gauge(
        "kafka_server_raft_metrics_current_epoch",
        "The KRaft quorum's epoch as this node sees it.",
        |n| n.raft.as_ref()?.current_epoch,
    ),
    gauge(
        "kafka_server_raft_metrics_high_watermark",
        "The metadata log's high watermark on this node.",
        |n| n.raft.as_ref()?.high_watermark,
    ),
    gauge(
        "kafka_server_raft_metrics_log_end_offset",
        "The metadata log's end offset on this node.",
        |n| n.raft.as_ref()?.log_end_offset,
    ),
    gauge(
        "kafka_server_raft_metrics_commit_latency_avg",
        "Average time to commit a metadata record, ms (absent when nothing was committed lately).",
        |n| n.raft.as_ref()?.commit_latency_avg_ms,
    ),
    gauge(
        "jvm_threads_current",
        "Live threads of the node's JVM.",
        |n| n.jvm.threads,
    ),
    gauge(
        "process_open_fds",
        "Open file descriptors of the node's process.",
        |n| n.jvm.open_fds,
    ),
    gauge(
        "process_max_fds",
        "The node's limit on open file descriptors.",
        |n| n.jvm.max_fds,
    ),
    counter(
        "process_cpu_seconds",
        "CPU time of the node's process.",
        |n| total(n.jvm.cpu_seconds),
    ),
    gauge(
        "process_start_time_seconds",
        "When the node's process started (Unix time).",
        |n| n.jvm.start_time_seconds,
    ),
    gauge(
        "kafkascope_jvm_heap_used_bytes",
        "Heap in use in the node's JVM.",
        |n| n.jvm.heap_used_bytes,
    ),
    gauge(
        "kafkascope_jvm_heap_max_bytes",
        "The node's maximum heap.",
        |n| n.jvm.heap_max_bytes,
    ),
    gauge(
        "kafkascope_jvm_gc_seconds_per_second",
        "Share of time the node's JVM spent collecting garbage since the last poll (all collectors).",
        |n| per_sec(n.jvm.gc_seconds),
    ),
    gauge(
        "kafkascope_process_cpu_cores",
        "Cores the node's process kept busy since the last poll.",
        |n| per_sec(n.jvm.cpu_seconds),
    ),
    gauge(
        "kafkascope_broker_bytes_in_per_second",
        "Bytes produced to the broker per second since the last poll, all topics.",
        |n| per_sec(broker(n)?.all_topics.bytes_in),
    ),
    gauge(
        "kafkascope_broker_bytes_out_per_second",
        "Bytes fetched from the broker by consumers per second since the last poll, all topics.",
        |n| per_sec(broker(n)?.all_topics.bytes_out),
    ),
    gauge(
        "kafkascope_broker_messages_in_per_second",
        "Records produced to the broker per second since the last poll, all topics.",
        |n| per_sec(broker(n)?.all_topics.messages_in),
    ),
];

/// Per-topic throughput, written into the families above that carry `topic`.
type TopicFigure = fn(&Throughput) -> Option<f64>;

const TOPIC_FAMILIES: &[(&str, TopicFigure)] = &[
    ("kafka_server_brokertopicmetrics_bytesin", |t| {
        total(t.bytes_in)
    }),
    ("kafka_server_brokertopicmetrics_bytesout", |t| {
        total(t.bytes_out)
    }),
    ("kafka_server_brokertopicmetrics_messagesin", |t| {
        total(t.messages_in)
    }),
];

pub const REQUEST_TIME_FAMILIES: &[(&str, &str)] = &[
    ("kafka_network_requestmetrics_totaltimems", "totaltime"),
    (
        "kafka_network_requestmetrics_requestqueuetimems",
        "requestqueuetime",
    ),
    ("kafka_network_requestmetrics_localtimems", "localtime"),
    ("kafka_network_requestmetrics_remotetimems", "remotetime"),
    (
        "kafka_network_requestmetrics_responsequeuetimems",
        "responsequeuetime",
    ),
    (
        "kafka_network_requestmetrics_responsesendtimems",
        "responsesendtime",
    ),
    (
        "kafka_network_requestmetrics_throttletimems",
        "throttletime",
    ),
];

pub const REQUESTS: &str = "kafka_network_requestmetrics_totaltimems_count";
pub const REQUESTS_PER_SECOND: &str = "kafkascope_broker_requests_per_second";
pub const PURGATORY_SIZE: &str = "kafka_server_delayedoperationpurgatory_purgatorysize";
pub const LOG_FLUSH_TIME: &str = "kafka_log_logflushstats_logflushrateandtimems";
pub const TOPIC_BYTES_IN_PER_SECOND: &str = "kafkascope_broker_topic_bytes_in_per_second";
pub const TOPIC_BYTES_OUT_PER_SECOND: &str = "kafkascope_broker_topic_bytes_out_per_second";
pub const TOPIC_MESSAGES_IN_PER_SECOND: &str = "kafkascope_broker_topic_messages_in_per_second";

/// Every family name this module writes, in the order it writes them.
pub fn families() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = NODE_FAMILIES.iter().map(|f| f.name).collect();
    names.extend([
        TOPIC_BYTES_IN_PER_SECOND,
        TOPIC_BYTES_OUT_PER_SECOND,
        TOPIC_MESSAGES_IN_PER_SECOND,
        REQUESTS,
        REQUESTS_PER_SECOND,
    ]);
    names.extend(REQUEST_TIME_FAMILIES.iter().map(|(name, _)| *name));
    names.extend([PURGATORY_SIZE, LOG_FLUSH_TIME]);
    names
}

/// Every JMX node of every source snapshot, each once.
pub(crate) fn nodes<'a>(sources: &'a [&'a SourceSnapshot]) -> Vec<(&'a str, &'a NodeFigures)> {
    distinct_jmx_nodes(sources.iter().copied())
}

pub(crate) fn node_label(n: &NodeFigures) -> LabelValue<'_> {
    match n.node_id {
        Some(id) => LabelValue::Int(id.into()),
        None => LabelValue::Str(&n.target),
    }
}

fn node_labels<'a>(cluster: &'a str, n: &'a NodeFigures) -> [Label<'a>; 2] {
    [("cluster", cluster.into()), ("node", node_label(n))]
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    for family in NODE_FAMILIES {
        w.family(family.name, family.kind, family.help);
        for (cluster, n) in nodes(sources) {
            if let Some(value) = (family.read)(n) {
                w.sample(&node_labels(cluster, n), value);
            }
            if let Some((_, topic_total)) =
                TOPIC_FAMILIES.iter().find(|(name, _)| *name == family.name)
            {
                for (topic, throughput) in n.broker.iter().flat_map(|b| &b.topics) {
                    if let Some(value) = topic_total(throughput) {
                        let labels: [Label<'_>; 3] = [
                            ("cluster", cluster.into()),
                            ("node", node_label(n)),
                            ("topic", topic.as_str().into()),
                        ];
                        w.sample(&labels, value);
                    }
                }
            }
        }
    }
    write_topic_rates(w, sources);
    write_requests(w, sources);
    write_other(w, sources);
}

fn write_topic_rates(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let rates: [(&'static str, &str, TopicFigure); 3] = [
        (
            TOPIC_BYTES_IN_PER_SECOND,
            "Bytes produced to the topic through the broker per second since the last poll.",
            |t| per_sec(t.bytes_in),
        ),
        (
            TOPIC_BYTES_OUT_PER_SECOND,
            "Bytes fetched from the topic through the broker per second since the last poll.",
            |t| per_sec(t.bytes_out),
        ),
        (
            TOPIC_MESSAGES_IN_PER_SECOND,
            "Records produced to the topic through the broker per second since the last poll.",
            |t| per_sec(t.messages_in),
        ),
    ];
    for (name, help, rate) in rates {
        w.gauge(name, help);
        for (cluster, n) in nodes(sources) {
            for (topic, throughput) in n.broker.iter().flat_map(|b| &b.topics) {
                if let Some(value) = rate(throughput) {
                    let labels: [Label<'_>; 3] = [
                        ("cluster", cluster.into()),
                        ("node", node_label(n)),
                        ("topic", topic.as_str().into()),
                    ];
                    w.sample(&labels, value);
                }
            }
        }
    }
}

fn write_requests(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    fn requests(n: &NodeFigures) -> impl Iterator<Item = (&String, &RequestFigures)> {
        n.broker.iter().flat_map(|b| &b.requests)
    }
    w.family(
        REQUESTS,
        MetricType::Counter,
        "Requests the broker has handled, by type (the count of their total time's histogram).",
    );
    for (cluster, n) in nodes(sources) {
        for (request, figures) in requests(n) {
            let labels: [Label<'_>; 3] = [
                ("cluster", cluster.into()),
                ("node", node_label(n)),
                ("request", request.as_str().into()),
            ];
            w.sample(&labels, figures.requests.total);
        }
    }
    w.gauge(
        REQUESTS_PER_SECOND,
        "Requests the broker handled per second since the last poll, by type.",
    );
    for (cluster, n) in nodes(sources) {
        for (request, figures) in requests(n) {
            if let Some(rate) = figures.requests.per_sec {
                let labels: [Label<'_>; 3] = [
                    ("cluster", cluster.into()),
                    ("node", node_label(n)),
                    ("request", request.as_str().into()),
                ];
                w.sample(&labels, rate);
            }
        }
    }
    // A broker reports every request type's quantiles, used or not (93
    // types, 7 kinds, 6 quantiles): those of types it never handled are
    // all zero and left out, which keeps most of them off the page.
    for (name, kind) in REQUEST_TIME_FAMILIES {
        w.family(
            name,
            MetricType::Summary,
            "Time requests of a type spent, ms, at a quantile (the broker's own histogram); types the broker never handled are left out.",
        );
        for (cluster, n) in nodes(sources) {
            for (request, figures) in requests(n).filter(|(_, f)| f.requests.total > 0.0) {
                if let Some(quantiles) = figures.times_ms.get(*kind) {
                    write_quantiles(w, cluster, n, Some(("request", request)), quantiles);
                }
            }
        }
    }
}

fn write_other(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    w.gauge(
        PURGATORY_SIZE,
        "Requests waiting in the broker's purgatory, by delayed operation.",
    );
    for (cluster, n) in nodes(sources) {
        for (operation, size) in n.broker.iter().flat_map(|b| &b.purgatory_sizes) {
            let labels: [Label<'_>; 3] = [
                ("cluster", cluster.into()),
                ("node", node_label(n)),
                ("delayedoperation", operation.as_str().into()),
            ];
            w.sample(&labels, *size);
        }
    }
    w.family(
        LOG_FLUSH_TIME,
        MetricType::Summary,
        "Time to flush a log to disk, ms, at a quantile.",
    );
    for (cluster, n) in nodes(sources) {
        if let Some(broker) = &n.broker {
            write_quantiles(w, cluster, n, None, &broker.log_flush_time_ms);
        }
    }
}

fn write_quantiles(
    w: &mut MetricsWriter,
    cluster: &str,
    n: &NodeFigures,
    extra: Option<(&'static str, &str)>,
    quantiles: &Quantiles,
) {
    for (quantile, value) in quantiles.known() {
        match extra {
            Some((name, label)) => {
                let labels: [Label<'_>; 4] = [
                    ("cluster", cluster.into()),
                    ("node", node_label(n)),
                    (name, label.into()),
                    ("quantile", quantile.into()),
                ];
                w.sample(&labels, value);
            }
            None => {
                let labels: [Label<'_>; 3] = [
                    ("cluster", cluster.into()),
                    ("node", node_label(n)),
                    ("quantile", quantile.into()),
                ];
                w.sample(&labels, value);
            }
        }
    }
}
