//! What Jolokia reads, named as the JMX exporter's Kafka rules name it, so
//! one model ([`crate::jmx_figures`], [`crate::client_figures`]) reads both:
//! an MBean attribute becomes the sample the exporter would have written
//! for it with `testbed/jmx-exporter-kafka.yml` or
//! `testbed/jmx-exporter-clients.yml`.

/// An MBean name split into its domain and key properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MBeanName<'a> {
    pub domain: &'a str,
    pub keys: Vec<(&'a str, &'a str)>,
}

impl<'a> MBeanName<'a> {
    /// `domain:key=value,key=value`; `None` when it is not one.
    pub fn parse(name: &'a str) -> Option<Self> {
        let (domain, properties) = name.split_once(':')?;
        let keys = properties
            .split(',')
            .map(|pair| pair.split_once('='))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { domain, keys })
    }

    pub fn key(&self, key: &str) -> Option<&'a str> {
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// One sample as the exporter would write it.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

fn named(name: String, labels: Vec<(&'static str, String)>, value: f64) -> Named {
    Named {
        name,
        labels,
        value,
    }
}

/// `99thPercentile` → `0.99`, `999thPercentile` → `0.999`.
fn quantile(attribute: &str) -> Option<String> {
    let digits = attribute.strip_suffix("thPercentile")?;
    digits
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("0.{digits}"))
}

/// A Kafka metric name as the exporter writes it: lower case, dashes made
/// underscores.
fn exporter_case(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// The samples for one attribute of one MBean; empty for what the rules do
/// not name. `value` is the attribute's number (composites are handled by
/// [`composite_samples`]).
pub fn samples(mbean: &MBeanName<'_>, attribute: &str, value: f64) -> Vec<Named> {
    let name = mbean.key("name").unwrap_or_default();
    match (mbean.domain, mbean.key("type").unwrap_or_default()) {
        ("kafka.server", "BrokerTopicMetrics") if attribute == "Count" => {
            let Some(metric) = name.strip_suffix("PerSec") else {
                return Vec::new();
            };
            let labels = mbean
                .key("topic")
                .map(|t| vec![("topic", t.to_string())])
                .unwrap_or_default();
            let metric = metric.to_ascii_lowercase();
            vec![named(
                format!("kafka_server_brokertopicmetrics_{metric}_total"),
                labels,
                value,
            )]
        }
        ("kafka.network", "RequestMetrics") => request_metric(mbean, name, attribute, value),
        ("kafka.network", "RequestChannel") if attribute == "Value" => {
            let Some(queue) = name.strip_suffix("QueueSize") else {
                return Vec::new();
            };
            let queue = queue.to_ascii_lowercase();
            vec![named(
                format!("kafka_network_requestchannel_{queue}queuesize"),
                vec![],
                value,
            )]
        }
        ("kafka.network", "SocketServer")
            if name == "NetworkProcessorAvgIdlePercent" && attribute == "Value" =>
        {
            vec![named(
                "kafka_network_socketserver_networkprocessoravgidlepercent".into(),
                vec![],
                value,
            )]
        }
        ("kafka.server", "KafkaRequestHandlerPool")
            if name == "RequestHandlerAvgIdlePercent" && attribute == "OneMinuteRate" =>
        {
            vec![named(
                "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent".into(),
                vec![],
                value,
            )]
        }
        ("kafka.server", "ReplicaManager") if attribute == "Value" || attribute == "Count" => {
            let metric = name.to_ascii_lowercase();
            vec![named(
                format!("kafka_server_replicamanager_{metric}"),
                vec![],
                value,
            )]
        }
        ("kafka.server", "ReplicaFetcherManager") if name == "MaxLag" && attribute == "Value" => {
            let client = mbean.key("clientId").unwrap_or_default().to_string();
            vec![named(
                "kafka_server_replicafetchermanager_maxlag".into(),
                vec![("clientid", client)],
                value,
            )]
        }
        ("kafka.server", "DelayedOperationPurgatory")
            if name == "PurgatorySize" && attribute == "Value" =>
        {
            let operation = mbean
                .key("delayedOperation")
                .unwrap_or_default()
                .to_string();
            vec![named(
                "kafka_server_delayedoperationpurgatory_purgatorysize".into(),
                vec![("delayedoperation", operation)],
                value,
            )]
        }
        ("kafka.controller", "KafkaController") if attribute == "Value" => {
            let metric = name.to_ascii_lowercase();
            vec![named(
                format!("kafka_controller_kafkacontroller_{metric}"),
                vec![],
                value,
            )]
        }
        ("kafka.controller", "ControllerStats") if attribute == "Count" => {
            let metric = name.to_ascii_lowercase();
            vec![named(
                format!("kafka_controller_controllerstats_{metric}_total"),
                vec![],
                value,
            )]
        }
        ("kafka.log", "LogFlushStats") if name == "LogFlushRateAndTimeMs" => quantile(attribute)
            .map(|q| {
                vec![named(
                    "kafka_log_logflushstats_logflushrateandtimems".into(),
                    vec![("quantile", q)],
                    value,
                )]
            })
            .unwrap_or_default(),
        ("kafka.server", "raft-metrics") => vec![named(
            format!("kafka_server_raft_metrics_{}", exporter_case(attribute)),
            vec![],
            value,
        )],
        ("java.lang", kind) => jvm(kind, name, attribute, value),
        (client @ ("kafka.producer" | "kafka.consumer"), group) => {
            client_metric(mbean, client, group, attribute, value)
        }
        ("kafka.connect", group) => connect_metric(mbean, group, attribute, value),
        ("kafka.streams", group) => streams_metric(mbean, group, attribute, value),
        _ => Vec::new(),
    }
}

fn request_metric(mbean: &MBeanName<'_>, name: &str, attribute: &str, value: f64) -> Vec<Named> {
    let (Some(kind), Some(request)) = (name.strip_suffix("TimeMs"), mbean.key("request")) else {
        return Vec::new();
    };
    let kind = kind.to_ascii_lowercase();
    let request = request.to_string();
    if attribute == "Count" {
        return vec![named(
            format!("kafka_network_requestmetrics_{kind}timems_count_total"),
            vec![("request", request)],
            value,
        )];
    }
    quantile(attribute)
        .map(|q| {
            vec![named(
                format!("kafka_network_requestmetrics_{kind}timems"),
                vec![("request", request), ("quantile", q)],
                value,
            )]
        })
        .unwrap_or_default()
}

/// The JVM series the exporter agent adds to every page, from the
/// platform MBeans (milliseconds and nanoseconds made seconds).
fn jvm(kind: &str, name: &str, attribute: &str, value: f64) -> Vec<Named> {
    let (series, labels, value) = match (kind, attribute) {
        ("Threading", "ThreadCount") => ("jvm_threads_current", vec![], value),
        ("OperatingSystem", "OpenFileDescriptorCount") => ("process_open_fds", vec![], value),
        ("OperatingSystem", "MaxFileDescriptorCount") => ("process_max_fds", vec![], value),
        ("OperatingSystem", "ProcessCpuTime") => ("process_cpu_seconds_total", vec![], value / 1e9),
        ("GarbageCollector", "CollectionTime") => (
            "jvm_gc_collection_seconds_sum",
            vec![("gc", name.to_string())],
            value / 1000.0,
        ),
        ("Runtime", "StartTime") => ("process_start_time_seconds", vec![], value / 1000.0),
        _ => return Vec::new(),
    };
    vec![named(series.to_string(), labels, value)]
}

/// Heap use, a composite: `{"used": …, "max": …}`.
pub fn composite_samples(
    mbean: &MBeanName<'_>,
    attribute: &str,
    parts: &serde_json::Map<String, serde_json::Value>,
) -> Vec<Named> {
    if (mbean.domain, mbean.key("type"), attribute)
        != ("java.lang", Some("Memory"), "HeapMemoryUsage")
    {
        return Vec::new();
    }
    let heap = || vec![("area", "heap".to_string())];
    [
        ("used", "jvm_memory_used_bytes"),
        ("max", "jvm_memory_max_bytes"),
    ]
    .into_iter()
    .filter_map(|(part, series)| {
        let value = parts.get(part)?.as_f64()?;
        Some(named(series.to_string(), heap(), value))
    })
    .collect()
}

/// A client's metric, named as the client rules name it; `*-total` loses
/// `_total` as the exporter drops it from gauges. Per-topic, per-partition
/// and per-node MBeans are left out, as the model reads client-level
/// figures only.
fn client_metric(
    mbean: &MBeanName<'_>,
    client: &str,
    group: &str,
    attribute: &str,
    value: f64,
) -> Vec<Named> {
    let Some(client_id) = mbean.key("client-id") else {
        return Vec::new();
    };
    if mbean.keys.len() != 2 {
        return Vec::new();
    }
    let client = client.trim_start_matches("kafka.");
    let metric = exporter_case(attribute);
    let metric = metric.strip_suffix("_total").unwrap_or(&metric);
    vec![named(
        format!("kafka_{client}_{}_{metric}", exporter_case(group)),
        vec![("client_id", client_id.to_string())],
        value,
    )]
}

/// A Connect worker's metric, named as the client rules name it, with the
/// connector and task it is of.
fn connect_metric(mbean: &MBeanName<'_>, group: &str, attribute: &str, value: f64) -> Vec<Named> {
    let metric = exporter_case(attribute);
    let metric = metric.strip_suffix("_total").unwrap_or(&metric);
    let labels = ["connector", "task"]
        .into_iter()
        .filter_map(|key| mbean.key(key).map(|v| (key, v.to_string())))
        .collect();
    vec![named(
        format!("kafka_connect_{}_{metric}", exporter_case(group)),
        labels,
        value,
    )]
}

/// A Streams client's or stream thread's metric, named as the client rules
/// name it, with its `client_id` or `thread_id`.
fn streams_metric(mbean: &MBeanName<'_>, group: &str, attribute: &str, value: f64) -> Vec<Named> {
    let label = match (mbean.key("client-id"), mbean.key("thread-id")) {
        (Some(client), None) => ("client_id", client),
        (None, Some(thread)) => ("thread_id", thread),
        _ => return Vec::new(),
    };
    if mbean.keys.len() != 2 {
        return Vec::new();
    }
    let metric = exporter_case(attribute);
    let metric = metric.strip_suffix("_total").unwrap_or(&metric);
    vec![named(
        format!("kafka_streams_{}_{metric}", exporter_case(group)),
        vec![(label.0, label.1.to_string())],
        value,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    type Sample = (String, Vec<(&'static str, String)>, f64);

    fn one(mbean: &str, attribute: &str, value: f64) -> Vec<Sample> {
        let mbean = MBeanName::parse(mbean).unwrap();
        samples(&mbean, attribute, value)
            .into_iter()
            .map(|n| (n.name, n.labels, n.value))
            .collect()
    }

    #[test]
    fn kafka_mbeans_get_the_exporter_rules_names() {
        assert_eq!(
            one(
                "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders",
                "Count",
                7.0
            ),
            [(
                "kafka_server_brokertopicmetrics_bytesin_total".into(),
                vec![("topic", "orders".into())],
                7.0
            )]
        );
        assert_eq!(
            one(
                "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce",
                "999thPercentile",
                3.0
            ),
            [(
                "kafka_network_requestmetrics_totaltimems".into(),
                vec![("request", "Produce".into()), ("quantile", "0.999".into())],
                3.0
            )]
        );
        assert_eq!(
            one(
                "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce",
                "Count",
                771.0
            )[0]
            .0,
            "kafka_network_requestmetrics_totaltimems_count_total"
        );
        assert_eq!(
            one(
                "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions",
                "Value",
                1.0
            )[0]
            .0,
            "kafka_server_replicamanager_underreplicatedpartitions"
        );
        assert_eq!(
            one(
                "kafka.controller:type=KafkaController,name=ActiveControllerCount",
                "Value",
                1.0
            )[0]
            .0,
            "kafka_controller_kafkacontroller_activecontrollercount"
        );
        assert_eq!(
            one("kafka.server:type=raft-metrics", "current-leader", 2.0)[0].0,
            "kafka_server_raft_metrics_current_leader"
        );
        assert_eq!(
            one(
                "java.lang:type=OperatingSystem",
                "ProcessCpuTime",
                41_260_000_000.0
            ),
            [("process_cpu_seconds_total".into(), vec![], 41.26)]
        );
        assert_eq!(
            one(
                "java.lang:name=G1 Young Generation,type=GarbageCollector",
                "CollectionTime",
                969.0
            ),
            [(
                "jvm_gc_collection_seconds_sum".into(),
                vec![("gc", "G1 Young Generation".into())],
                0.969
            )]
        );
        assert_eq!(
            one(
                "kafka.producer:type=producer-metrics,client-id=p1",
                "record-send-total",
                5.0
            ),
            [(
                "kafka_producer_producer_metrics_record_send".into(),
                vec![("client_id", "p1".into())],
                5.0
            )]
        );
        assert_eq!(
            one(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=c1",
                "records-consumed-rate",
                5.0
            )[0]
            .0,
            "kafka_consumer_consumer_fetch_manager_metrics_records_consumed_rate"
        );
        assert_eq!(
            one(
                "kafka.connect:type=connect-worker-metrics,connector=files-in",
                "connector-running-task-count",
                2.0
            ),
            [(
                "kafka_connect_connect_worker_metrics_connector_running_task_count".into(),
                vec![("connector", "files-in".into())],
                2.0
            )]
        );
        assert_eq!(
            one(
                "kafka.streams:type=stream-thread-metrics,thread-id=app-StreamThread-1",
                "process-total",
                300.0
            ),
            [(
                "kafka_streams_stream_thread_metrics_process".into(),
                vec![("thread_id", "app-StreamThread-1".into())],
                300.0
            )]
        );
        assert_eq!(
            one(
                "kafka.streams:type=stream-metrics,client-id=app",
                "failed-stream-threads",
                1.0
            ),
            [(
                "kafka_streams_stream_metrics_failed_stream_threads".into(),
                vec![("client_id", "app".into())],
                1.0
            )]
        );
        // What the rules do not name is left alone.
        assert!(
            one(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=c1,topic=t",
                "records-consumed-rate",
                5.0
            )
            .is_empty()
        );
        assert!(one("kafka.server:type=app-info,id=1", "start-time-ms", 5.0).is_empty());
    }

    #[test]
    fn mbean_names_split_into_domain_and_keys() {
        let name =
            MBeanName::parse("kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec").unwrap();
        assert_eq!(name.domain, "kafka.server");
        assert_eq!(name.key("name"), Some("BytesInPerSec"));
        assert_eq!(name.key("topic"), None);
        assert_eq!(MBeanName::parse("no-colon"), None);
        assert_eq!(MBeanName::parse("d:novalue"), None);
    }
}
