//! The named figures read from JMX: per node (broker or controller) its
//! throughput, request times, replica states, controller and quorum view,
//! and its JVM. A model, not a pass-through: each figure is read from the
//! series the JMX exporter's Kafka rules produce ([`read_sample`]), kept as
//! read (counters as totals, so `/metrics` can show them under the same
//! names) and turned into rates per second between polls ([`add_rates`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::client_figures::{ClientFigures, read_client_sample};
use crate::connect_figures::{ConnectWorkerFigures, read_connect_sample};
use crate::prometheus_text::PageSample;
use crate::streams_figures::{StreamsFigures, read_streams_sample};

/// What a cluster's JMX targets said in one poll.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JmxFigures {
    pub nodes: Vec<NodeFigures>,
}

/// What a JMX target is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Broker,
    Controller,
    /// A broker and controller in one process (KRaft combined mode).
    BrokerController,
    Producer,
    Consumer,
    Connect,
    Streams,
    Zookeeper,
    /// Not configured, and nothing on the page said.
    #[default]
    Unknown,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Broker => "broker",
            Role::Controller => "controller",
            Role::BrokerController => "broker,controller",
            Role::Producer => "producer",
            Role::Consumer => "consumer",
            Role::Connect => "connect",
            Role::Streams => "streams",
            Role::Zookeeper => "zookeeper",
            Role::Unknown => "unknown",
        }
    }

    /// The role a config names (`broker`, `controller`, ...).
    pub fn parse(name: &str) -> Option<Role> {
        Some(match name {
            "broker" => Role::Broker,
            "controller" => Role::Controller,
            "broker,controller" | "combined" => Role::BrokerController,
            "producer" => Role::Producer,
            "consumer" => Role::Consumer,
            "connect" => Role::Connect,
            "streams" => Role::Streams,
            "zookeeper" => Role::Zookeeper,
            _ => return None,
        })
    }
}

/// One target's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeFigures {
    /// The target as configured, without credentials.
    pub target: String,
    pub role: Role,
    /// The KRaft node (or broker) id, where configured or discovered.
    pub node_id: Option<i32>,
    pub up: bool,
    /// Present when the page has broker series.
    pub broker: Option<BrokerFigures>,
    /// Present when the page has the controller's series.
    pub controller: Option<ControllerFigures>,
    /// Present on KRaft nodes.
    pub raft: Option<RaftFigures>,
    pub jvm: JvmFigures,
    /// The Kafka clients in this process, by client id.
    pub clients: BTreeMap<String, ClientFigures>,
    /// Present on a Kafka Connect worker.
    pub connect: Option<ConnectWorkerFigures>,
    /// Present in a Kafka Streams application.
    pub streams: Option<StreamsFigures>,
}

/// A counter as read, and its rate since the previous poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counter {
    pub total: f64,
    /// `None` on the first poll, or when the counter went back (a restart).
    pub per_sec: Option<f64>,
}

impl Counter {
    fn read(total: f64) -> Self {
        Counter {
            total,
            per_sec: None,
        }
    }

    fn rate_since(&mut self, before: &Counter, seconds: f64) {
        self.per_sec = (seconds > 0.0 && self.total >= before.total)
            .then(|| (self.total - before.total) / seconds);
    }
}

/// Quantiles of a Kafka timer (Yammer histograms report them directly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
    pub p98: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
}

impl Quantiles {
    fn set(&mut self, quantile: &str, value: f64) {
        let slot = match quantile {
            "0.50" | "0.5" => &mut self.p50,
            "0.75" => &mut self.p75,
            "0.95" => &mut self.p95,
            "0.98" => &mut self.p98,
            "0.99" => &mut self.p99,
            "0.999" => &mut self.p999,
            _ => return,
        };
        *slot = Some(value);
    }

    /// Each known quantile with its label value.
    pub fn known(&self) -> impl Iterator<Item = (&'static str, f64)> {
        [
            ("0.50", self.p50),
            ("0.75", self.p75),
            ("0.95", self.p95),
            ("0.98", self.p98),
            ("0.99", self.p99),
            ("0.999", self.p999),
        ]
        .into_iter()
        .filter_map(|(q, v)| v.map(|v| (q, v)))
    }
}

/// Throughput of one topic, or of all topics, through one broker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Throughput {
    pub bytes_in: Option<Counter>,
    pub bytes_out: Option<Counter>,
    pub messages_in: Option<Counter>,
}

/// One request type's figures on one broker.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RequestFigures {
    /// Requests of every version (the count of the total time's histogram).
    pub requests: Counter,
    /// By time kind: `totaltime`, `requestqueuetime`, `localtime`,
    /// `remotetime`, `responsequeuetime`, `responsesendtime`,
    /// `throttletime` (all in ms).
    pub times_ms: BTreeMap<String, Quantiles>,
}

/// What a broker reports of itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BrokerFigures {
    pub all_topics: Throughput,
    pub topics: BTreeMap<String, Throughput>,
    pub bytes_rejected: Option<Counter>,
    pub failed_produce_requests: Option<Counter>,
    pub failed_fetch_requests: Option<Counter>,
    /// By request type (`Produce`, `Fetch`, `FetchConsumer`...).
    pub requests: BTreeMap<String, RequestFigures>,
    /// 0..1, a one-minute average.
    pub request_handler_idle_ratio: Option<f64>,
    /// 0..1.
    pub network_processor_idle_ratio: Option<f64>,
    pub request_queue_size: Option<f64>,
    pub response_queue_size: Option<f64>,
    pub under_replicated_partitions: Option<f64>,
    pub under_min_isr_partitions: Option<f64>,
    pub at_min_isr_partitions: Option<f64>,
    pub offline_replicas: Option<f64>,
    pub partitions: Option<f64>,
    pub leaders: Option<f64>,
    pub isr_shrinks: Option<Counter>,
    pub isr_expands: Option<Counter>,
    /// The largest lag of this broker's followers behind their leaders.
    pub replica_max_lag: Option<f64>,
    /// By delayed operation (`Produce`, `Fetch`...).
    pub purgatory_sizes: BTreeMap<String, f64>,
    pub log_flush_time_ms: Quantiles,
}

/// What the active controller (and each controller's standby) reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ControllerFigures {
    pub active_controller_count: Option<f64>,
    pub offline_partitions: Option<f64>,
    pub global_partitions: Option<f64>,
    pub global_topics: Option<f64>,
    pub preferred_replica_imbalance: Option<f64>,
    pub unclean_leader_elections: Option<Counter>,
    pub leader_elections: Option<Counter>,
}

/// The KRaft quorum as this node sees it (raft-metrics).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RaftFigures {
    pub current_leader: Option<f64>,
    pub current_epoch: Option<f64>,
    pub high_watermark: Option<f64>,
    pub log_end_offset: Option<f64>,
    pub commit_latency_avg_ms: Option<f64>,
    pub commit_latency_max_ms: Option<f64>,
    /// Every raft-metrics series read, by attribute (`current_vote`,
    /// `fetch_records_rate`...), for what the model does not name.
    pub all: BTreeMap<String, f64>,
}

/// The node's JVM and process.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JvmFigures {
    pub heap_used_bytes: Option<f64>,
    pub heap_max_bytes: Option<f64>,
    /// Time spent in garbage collection, all collectors.
    pub gc_seconds: Option<Counter>,
    pub threads: Option<f64>,
    pub open_fds: Option<f64>,
    pub max_fds: Option<f64>,
    /// CPU time; its rate is the cores the process keeps busy.
    pub cpu_seconds: Option<Counter>,
    pub start_time_seconds: Option<f64>,
}

impl NodeFigures {
    /// Reads one sample of the target's page into the figures; series the
    /// model does not name are left alone. Returns whether it was used.
    pub fn read_sample(&mut self, sample: &PageSample<'_, '_>) -> bool {
        // Kafka reports an average over no events as NaN: not a reading.
        if sample.value.is_nan() {
            return false;
        }
        let name = sample.name;
        if read_client_sample(&mut self.clients, sample)
            || read_connect_sample(&mut self.connect, sample)
            || read_streams_sample(&mut self.streams, sample)
        {
            return true;
        }
        if let Some(rest) = name.strip_prefix("kafka_server_") {
            return self.read_server(rest, sample);
        }
        if let Some(rest) = name.strip_prefix("kafka_network_") {
            return read_network(self.broker_mut(), rest, sample);
        }
        if let Some(rest) = name.strip_prefix("kafka_controller_") {
            return read_controller(
                self.controller.get_or_insert_with(Default::default),
                rest,
                sample,
            );
        }
        if name == "kafka_log_logflushstats_logflushrateandtimems" {
            let quantile = sample.label("quantile").unwrap_or_default();
            self.broker_mut()
                .log_flush_time_ms
                .set(quantile, sample.value);
            return true;
        }
        read_jvm(&mut self.jvm, name, sample)
    }

    fn broker_mut(&mut self) -> &mut BrokerFigures {
        self.broker.get_or_insert_with(Default::default)
    }

    fn read_server(&mut self, rest: &str, sample: &PageSample<'_, '_>) -> bool {
        if let Some(attribute) = rest.strip_prefix("raft_metrics_") {
            let raft = self.raft.get_or_insert_with(Default::default);
            read_raft(raft, attribute, sample.value);
            return true;
        }
        const BROKER_SERIES: [&str; 3] = [
            "kafkarequesthandlerpool_requesthandleravgidlepercent",
            "replicafetchermanager_maxlag",
            "delayedoperationpurgatory_purgatorysize",
        ];
        let of_broker = rest.starts_with("brokertopicmetrics_")
            || rest.starts_with("replicamanager_")
            || BROKER_SERIES.contains(&rest);
        if !of_broker {
            return false;
        }
        let broker = self.broker_mut();
        let value = sample.value;
        if let Some(metric) = rest.strip_prefix("brokertopicmetrics_") {
            return read_topic_metric(broker, metric, sample);
        }
        if let Some(metric) = rest.strip_prefix("replicamanager_") {
            let slot = match metric {
                "underreplicatedpartitions" => &mut broker.under_replicated_partitions,
                "underminisrpartitioncount" => &mut broker.under_min_isr_partitions,
                "atminisrpartitioncount" => &mut broker.at_min_isr_partitions,
                "offlinereplicacount" => &mut broker.offline_replicas,
                "partitioncount" => &mut broker.partitions,
                "leadercount" => &mut broker.leaders,
                "isrshrinkspersec" => {
                    broker.isr_shrinks = Some(Counter::read(value));
                    return true;
                }
                "isrexpandspersec" => {
                    broker.isr_expands = Some(Counter::read(value));
                    return true;
                }
                _ => return false,
            };
            *slot = Some(value);
            return true;
        }
        match rest {
            "kafkarequesthandlerpool_requesthandleravgidlepercent" => {
                broker.request_handler_idle_ratio = Some(value);
            }
            "replicafetchermanager_maxlag" => {
                let max = broker.replica_max_lag.unwrap_or(0.0).max(value);
                broker.replica_max_lag = Some(max);
            }
            "delayedoperationpurgatory_purgatorysize" => {
                let operation = sample.label("delayedoperation").unwrap_or_default();
                broker.purgatory_sizes.insert(operation.to_string(), value);
            }
            _ => return false,
        }
        true
    }

    /// Rates of every counter against the same target's previous poll,
    /// `seconds` before.
    pub fn add_rates(&mut self, before: &NodeFigures, seconds: f64) {
        if let (Some(now), Some(then)) = (&mut self.broker, &before.broker) {
            broker_rates(now, then, seconds);
        }
        if let (Some(now), Some(then)) = (&mut self.controller, &before.controller) {
            rate(&mut now.leader_elections, &then.leader_elections, seconds);
            rate(
                &mut now.unclean_leader_elections,
                &then.unclean_leader_elections,
                seconds,
            );
        }
        rate(&mut self.jvm.gc_seconds, &before.jvm.gc_seconds, seconds);
        rate(&mut self.jvm.cpu_seconds, &before.jvm.cpu_seconds, seconds);
    }
}

fn read_topic_metric(
    broker: &mut BrokerFigures,
    metric: &str,
    sample: &PageSample<'_, '_>,
) -> bool {
    let value = sample.value;
    fn throughput<'b>(broker: &'b mut BrokerFigures, topic: Option<&str>) -> &'b mut Throughput {
        match topic {
            Some(topic) => broker.topics.entry(topic.to_string()).or_default(),
            None => &mut broker.all_topics,
        }
    }
    let topic = sample.label("topic");
    let throughput = |broker| throughput(broker, topic);
    match metric {
        "bytesin_total" => throughput(broker).bytes_in = Some(Counter::read(value)),
        "bytesout_total" => throughput(broker).bytes_out = Some(Counter::read(value)),
        "messagesin_total" => throughput(broker).messages_in = Some(Counter::read(value)),
        "bytesrejected_total" if sample.label("topic").is_none() => {
            broker.bytes_rejected = Some(Counter::read(value));
        }
        "failedproducerequests_total" if sample.label("topic").is_none() => {
            broker.failed_produce_requests = Some(Counter::read(value));
        }
        "failedfetchrequests_total" if sample.label("topic").is_none() => {
            broker.failed_fetch_requests = Some(Counter::read(value));
        }
        _ => return false,
    }
    true
}

fn read_network(broker: &mut BrokerFigures, rest: &str, sample: &PageSample<'_, '_>) -> bool {
    let value = sample.value;
    match rest {
        // The total time's histogram counts every request once: the rate of
        // requests by type, whatever their version.
        "requestmetrics_totaltimems_count_total" => {
            let request = sample.label("request").unwrap_or_default();
            let figures = broker.requests.entry(request.to_string()).or_default();
            figures.requests = Counter::read(value);
        }
        "requestchannel_requestqueuesize" => {
            broker.request_queue_size = Some(broker.request_queue_size.unwrap_or(0.0) + value);
        }
        "requestchannel_responsequeuesize" => {
            broker.response_queue_size = Some(broker.response_queue_size.unwrap_or(0.0) + value);
        }
        "socketserver_networkprocessoravgidlepercent" => {
            broker.network_processor_idle_ratio = Some(value);
        }
        _ => {
            let Some(kind) = rest
                .strip_prefix("requestmetrics_")
                .and_then(|r| r.strip_suffix("timems"))
            else {
                return false;
            };
            let (Some(request), Some(quantile)) =
                (sample.label("request"), sample.label("quantile"))
            else {
                return false;
            };
            let figures = broker.requests.entry(request.to_string()).or_default();
            let time_kind = format!("{kind}time");
            figures
                .times_ms
                .entry(time_kind)
                .or_default()
                .set(quantile, value);
        }
    }
    true
}

fn read_controller(
    controller: &mut ControllerFigures,
    rest: &str,
    sample: &PageSample<'_, '_>,
) -> bool {
    let value = sample.value;
    let slot = match rest {
        "kafkacontroller_activecontrollercount" => &mut controller.active_controller_count,
        "kafkacontroller_offlinepartitionscount" => &mut controller.offline_partitions,
        "kafkacontroller_globalpartitioncount" => &mut controller.global_partitions,
        "kafkacontroller_globaltopiccount" => &mut controller.global_topics,
        "kafkacontroller_preferredreplicaimbalancecount" => {
            &mut controller.preferred_replica_imbalance
        }
        "controllerstats_uncleanleaderelectionspersec_total" => {
            controller.unclean_leader_elections = Some(Counter::read(value));
            return true;
        }
        "controllerstats_leaderelectionrateandtimems_total" => {
            controller.leader_elections = Some(Counter::read(value));
            return true;
        }
        _ => return false,
    };
    *slot = Some(value);
    true
}

fn read_raft(raft: &mut RaftFigures, attribute: &str, value: f64) {
    let slot = match attribute {
        "current_leader" => Some(&mut raft.current_leader),
        "current_epoch" => Some(&mut raft.current_epoch),
        "high_watermark" => Some(&mut raft.high_watermark),
        "log_end_offset" => Some(&mut raft.log_end_offset),
        "commit_latency_avg" => Some(&mut raft.commit_latency_avg_ms),
        "commit_latency_max" => Some(&mut raft.commit_latency_max_ms),
        _ => None,
    };
    if let Some(slot) = slot {
        *slot = Some(value);
    }
    raft.all.insert(attribute.to_string(), value);
}

/// The JVM and process series the agent adds to every page (Prometheus
/// client_java's names; the 0.x agents' `jvm_memory_bytes_used` too).
fn read_jvm(jvm: &mut JvmFigures, name: &str, sample: &PageSample<'_, '_>) -> bool {
    let value = sample.value;
    match name {
        "jvm_memory_used_bytes" | "jvm_memory_bytes_used"
            if sample.label("area") == Some("heap") =>
        {
            jvm.heap_used_bytes = Some(value);
        }
        "jvm_memory_max_bytes" | "jvm_memory_bytes_max" if sample.label("area") == Some("heap") => {
            jvm.heap_max_bytes = Some(value);
        }
        "jvm_gc_collection_seconds_sum" => {
            let total = jvm.gc_seconds.map_or(0.0, |c| c.total) + value;
            jvm.gc_seconds = Some(Counter::read(total));
        }
        "jvm_threads_current" | "jvm_threads_live_threads" => jvm.threads = Some(value),
        "process_open_fds" => jvm.open_fds = Some(value),
        "process_max_fds" => jvm.max_fds = Some(value),
        "process_cpu_seconds_total" => jvm.cpu_seconds = Some(Counter::read(value)),
        "process_start_time_seconds" => jvm.start_time_seconds = Some(value),
        _ => return false,
    }
    true
}

fn broker_rates(now: &mut BrokerFigures, then: &BrokerFigures, seconds: f64) {
    throughput_rates(&mut now.all_topics, &then.all_topics, seconds);
    for (topic, throughput) in &mut now.topics {
        if let Some(before) = then.topics.get(topic) {
            throughput_rates(throughput, before, seconds);
        }
    }
    for (request, figures) in &mut now.requests {
        if let Some(before) = then.requests.get(request) {
            figures.requests.rate_since(&before.requests, seconds);
        }
    }
    rate(&mut now.bytes_rejected, &then.bytes_rejected, seconds);
    rate(
        &mut now.failed_produce_requests,
        &then.failed_produce_requests,
        seconds,
    );
    rate(
        &mut now.failed_fetch_requests,
        &then.failed_fetch_requests,
        seconds,
    );
    rate(&mut now.isr_shrinks, &then.isr_shrinks, seconds);
    rate(&mut now.isr_expands, &then.isr_expands, seconds);
}

fn throughput_rates(now: &mut Throughput, then: &Throughput, seconds: f64) {
    rate(&mut now.bytes_in, &then.bytes_in, seconds);
    rate(&mut now.bytes_out, &then.bytes_out, seconds);
    rate(&mut now.messages_in, &then.messages_in, seconds);
}

fn rate(now: &mut Option<Counter>, then: &Option<Counter>, seconds: f64) {
    if let (Some(now), Some(then)) = (now, then) {
        now.rate_since(then, seconds);
    }
}

#[cfg(test)]
mod tests;
