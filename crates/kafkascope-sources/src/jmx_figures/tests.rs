use super::*;
use crate::prometheus_text::{PageFormat, parse_page};

/// A broker page as the JMX exporter serves it with the test bed's rules
/// (`testbed/jmx-exporter-kafka.yml`), trimmed to a few series of each kind.
fn page(bytes_in: f64, produce_requests: f64, cpu_seconds: f64) -> String {
    format!(
        "\
# TYPE kafka_server_brokertopicmetrics_bytesin_total counter
kafka_server_brokertopicmetrics_bytesin_total {bytes_in:?}
kafka_server_brokertopicmetrics_bytesin_total{{topic=\"orders\",}} 1.0E7
kafka_server_brokertopicmetrics_messagesin_total{{topic=\"orders\",}} 1000.0
kafka_server_brokertopicmetrics_bytesout_total 5.0E7
kafka_server_brokertopicmetrics_bytesrejected_total 0.0
# TYPE kafka_network_requestmetrics_totaltimems gauge
kafka_network_requestmetrics_totaltimems{{quantile=\"0.50\",request=\"Produce\",}} 2.0
kafka_network_requestmetrics_totaltimems{{quantile=\"0.99\",request=\"Produce\",}} 11.5
kafka_network_requestmetrics_totaltimems{{quantile=\"0.999\",request=\"Produce\",}} 30.0
kafka_network_requestmetrics_requestqueuetimems{{quantile=\"0.99\",request=\"Fetch\",}} 0.25
# TYPE kafka_network_requestmetrics_totaltimems_count_total counter
kafka_network_requestmetrics_totaltimems_count_total{{request=\"Produce\",}} {produce_requests:?}
kafka_network_requestmetrics_localtimems_count_total{{request=\"Produce\",}} 999.0
kafka_network_requestchannel_requestqueuesize 1.0
kafka_network_requestchannel_responsequeuesize 2.0
kafka_network_requestchannel_responsequeuesize 3.0
kafka_network_socketserver_networkprocessoravgidlepercent 0.75
kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent 0.9401379212
kafka_server_replicamanager_underreplicatedpartitions 4.0
kafka_server_replicamanager_underminisrpartitioncount 1.0
kafka_server_replicamanager_leadercount 2793.0
kafka_server_replicamanager_isrshrinkspersec 7.0
kafka_server_replicafetchermanager_maxlag{{clientid=\"Replica\",}} 12.0
kafka_server_delayedoperationpurgatory_purgatorysize{{delayedoperation=\"Produce\",}} 3.0
kafka_controller_kafkacontroller_activecontrollercount 1.0
kafka_controller_kafkacontroller_offlinepartitionscount 0.0
kafka_controller_controllerstats_uncleanleaderelectionspersec_total 0.0
kafka_log_logflushstats_logflushrateandtimems{{quantile=\"0.99\",}} 8.0
kafka_server_raft_metrics_current_leader 1.0
kafka_server_raft_metrics_high_watermark 11086.0
kafka_server_raft_metrics_commit_latency_avg NaN
kafka_server_raft_metrics_fetch_records_rate 299.5
jvm_gc_collection_seconds_sum{{gc=\"G1 Old Generation\",}} 0.5
jvm_gc_collection_seconds_sum{{gc=\"G1 Young Generation\",}} 1.25
jvm_memory_used_bytes{{area=\"heap\",}} 2.80040448E8
jvm_memory_used_bytes{{area=\"nonheap\",}} 8.4028416E7
jvm_memory_max_bytes{{area=\"heap\",}} 1.073741824E9
jvm_threads_current 114.0
process_cpu_seconds_total {cpu_seconds:?}
process_open_fds 512.0
process_max_fds 1048576.0
jmx_scrape_duration_seconds 0.1
"
    )
}

fn read(page: &str) -> NodeFigures {
    let mut node = NodeFigures::default();
    let summary = parse_page(page, PageFormat::Prometheus, |s| {
        node.read_sample(s);
    });
    assert_eq!(summary.errors, vec![]);
    node
}

#[test]
fn a_broker_page_reads_into_named_figures() {
    let node = read(&page(1.2e7, 1000.0, 25.0));
    let broker = node.broker.as_ref().unwrap();
    assert_eq!(broker.all_topics.bytes_in, Some(Counter::read(1.2e7)));
    assert_eq!(broker.all_topics.bytes_out, Some(Counter::read(5.0e7)));
    assert_eq!(broker.all_topics.messages_in, None);
    assert_eq!(broker.topics["orders"].bytes_in, Some(Counter::read(1.0e7)));
    assert_eq!(
        broker.topics["orders"].messages_in,
        Some(Counter::read(1000.0))
    );
    assert_eq!(broker.topics["orders"].bytes_out, None);
    assert_eq!(broker.bytes_rejected, Some(Counter::read(0.0)));
    let produce = &broker.requests["Produce"];
    assert_eq!(produce.requests.total, 1000.0);
    assert_eq!(
        produce.times_ms["totaltime"],
        Quantiles {
            p50: Some(2.0),
            p99: Some(11.5),
            p999: Some(30.0),
            ..Quantiles::default()
        }
    );
    assert_eq!(
        broker.requests["Fetch"].times_ms["requestqueuetime"].p99,
        Some(0.25)
    );
    assert_eq!(broker.request_queue_size, Some(1.0));
    // One series per network processor: the broker's queue is their sum.
    assert_eq!(broker.response_queue_size, Some(5.0));
    assert_eq!(broker.network_processor_idle_ratio, Some(0.75));
    assert_eq!(broker.request_handler_idle_ratio, Some(0.9401379212));
    assert_eq!(broker.under_replicated_partitions, Some(4.0));
    assert_eq!(broker.under_min_isr_partitions, Some(1.0));
    assert_eq!(broker.leaders, Some(2793.0));
    assert_eq!(broker.isr_shrinks, Some(Counter::read(7.0)));
    assert_eq!(broker.replica_max_lag, Some(12.0));
    assert_eq!(broker.purgatory_sizes["Produce"], 3.0);
    assert_eq!(broker.log_flush_time_ms.p99, Some(8.0));

    let controller = node.controller.as_ref().unwrap();
    assert_eq!(controller.active_controller_count, Some(1.0));
    assert_eq!(controller.offline_partitions, Some(0.0));
    assert_eq!(
        controller.unclean_leader_elections,
        Some(Counter::read(0.0))
    );

    let raft = node.raft.as_ref().unwrap();
    assert_eq!(raft.current_leader, Some(1.0));
    assert_eq!(raft.high_watermark, Some(11086.0));
    // NaN (no commit lately) is no reading.
    assert_eq!(raft.commit_latency_avg_ms, None);
    assert_eq!(raft.all["fetch_records_rate"], 299.5);

    assert_eq!(node.jvm.heap_used_bytes, Some(280_040_448.0));
    assert_eq!(node.jvm.heap_max_bytes, Some(1_073_741_824.0));
    assert_eq!(node.jvm.gc_seconds, Some(Counter::read(1.75)));
    assert_eq!(node.jvm.threads, Some(114.0));
    assert_eq!(node.jvm.open_fds, Some(512.0));
    assert_eq!(node.jvm.max_fds, Some(1_048_576.0));
    assert_eq!(node.jvm.cpu_seconds, Some(Counter::read(25.0)));
}

#[test]
fn rates_come_from_the_previous_poll_and_restart_after_a_reset() {
    let before = read(&page(1.0e7, 1000.0, 25.0));
    let mut now = read(&page(1.5e7, 1500.0, 27.5));
    now.add_rates(&before, 10.0);
    let broker = now.broker.as_ref().unwrap();
    assert_eq!(broker.all_topics.bytes_in.unwrap().per_sec, Some(500_000.0));
    assert_eq!(broker.requests["Produce"].requests.per_sec, Some(50.0));
    // Unchanged counters: a rate of zero, not unknown.
    assert_eq!(broker.all_topics.bytes_out.unwrap().per_sec, Some(0.0));
    assert_eq!(broker.topics["orders"].bytes_in.unwrap().per_sec, Some(0.0));
    assert_eq!(now.jvm.cpu_seconds.unwrap().per_sec, Some(0.25));
    assert_eq!(now.jvm.gc_seconds.unwrap().per_sec, Some(0.0));

    // The broker restarted: its counters went back, so no rate is claimed.
    let mut restarted = read(&page(2.0e3, 3.0, 1.0));
    restarted.add_rates(&now, 10.0);
    let broker = restarted.broker.as_ref().unwrap();
    assert_eq!(broker.all_topics.bytes_in.unwrap().per_sec, None);
    assert_eq!(broker.requests["Produce"].requests.per_sec, None);
    assert_eq!(restarted.jvm.cpu_seconds.unwrap().per_sec, None);
}

#[test]
fn series_the_model_does_not_name_are_left_alone() {
    let mut node = NodeFigures::default();
    parse_page(
        "jmx_scrape_duration_seconds 0.1\nkafka_cluster_partition_underreplicated{topic=\"a\",partition=\"0\"} 0\n",
        PageFormat::Prometheus,
        |s| assert!(!node.read_sample(s), "{}", s.name),
    );
    assert_eq!(node, NodeFigures::default());
}
