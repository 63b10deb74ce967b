//! Shared by the integration tests: a fixture pair of clusters covering the
//! interesting states, and a one-shot request helper (no port bound).
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use kafkascope_collector::Snapshots;
use kafkascope_collector::snapshot::{
    Broker, CatchUpForecast, ClusterSnapshot, CollectionError, CollectorRun, ConsumerGroup,
    DeadReason, FollowerLag, GroupMember, GroupStatus, GroupType, LagSecondsSource, LogDir,
    MetadataQuorum, Partition, PartitionLag, PartitionStatus, QuorumReplica, Topic,
    TopicAssignment, WindowSample,
};
use kafkascope_server::{AppState, app};
use kafkascope_sources::client_figures::{
    ClientFigures, ClientKind, ClientLiveness, ConsumerFigures, ProducerFigures,
};
use kafkascope_sources::jmx_figures::{JmxFigures, NodeFigures, Role};
use kafkascope_sources::prometheus_text::{PageFormat, parse_page};
use kafkascope_sources::source::SourceFigures;
use kafkascope_sources::{SourceKind, SourceSnapshot, SourceSnapshots, TargetStatus};
use tower::ServiceExt;

/// `prod`: 3 brokers (3 unreachable, only 1 with log-dir bytes, 2 without
/// DescribeLogDirs); topic `orders` (min.insync.replicas=2) with a healthy
/// partition 0, a shrunk-ISR partition 1 (under-replicated and under
/// min-ISR), a non-preferred leader on partition 2 and an offline
/// partition 3; `payments`; internal `__consumer_offsets`; group `billing`
/// (Stable, 2 members, lags 100/0/50/unknown/2; evaluated ERR: orders-0
/// WARN, orders-2 STALL, orders-3 still filling; falling behind), group
/// `audit` (Empty, log end unknown so lag unknown, not evaluated yet) and
/// group `reports` (Empty, committed below the log start of orders-0 so 40
/// messages lost, STOP, dead for lack of members); errors of three kinds.
fn quorum_replica(id: i32, log_end_offset: i64, last_fetch_ms: Option<i64>) -> QuorumReplica {
    QuorumReplica {
        replica_id: id,
        log_end_offset,
        last_fetch_ms,
        last_caught_up_ms: last_fetch_ms,
    }
}

pub fn prod() -> ClusterSnapshot {
    ClusterSnapshot {
        cluster: "prod".into(),
        cluster_id: Some("Mk3OEYBSD34fcwNTJENDM2Qk".into()),
        controller_id: Some(1),
        // Broker 3 is down: it stopped fetching the metadata log a minute ago.
        quorum: Some(MetadataQuorum {
            leader_id: 1,
            leader_epoch: 5,
            high_watermark: 1200,
            voters: vec![
                quorum_replica(1, 1200, Some(1_700_000_000_000)),
                quorum_replica(2, 1198, Some(1_699_999_999_000)),
                quorum_replica(3, 900, Some(1_699_999_940_000)),
            ],
            observers: vec![],
        }),
        reassignments_known: true,
        collected_at_ms: 1_700_000_000_000,
        cycle_duration_ms: 1250,
        stale: false,
        brokers: vec![
            broker(1, "kafka-1", Some("a"), true, 6, 3, Some(123_456_789)),
            broker(2, "kafka-2", Some("b"), true, 5, 2, None),
            broker(3, "kafka-3", None, false, 4, 0, None),
        ],
        topics: [
            Topic {
                name: "__consumer_offsets".into(),
                internal: true,
                partitions: vec![partition(
                    0,
                    Some(1),
                    &[1],
                    &[1],
                    Some((0, 10, 10)),
                    Some(300),
                    None,
                )],
                configs: config(&[("cleanup.policy", "compact")]),
                messages_in_per_sec: None,
                bytes_in_per_sec: None,
            },
            Topic {
                name: "orders".into(),
                internal: false,
                partitions: vec![
                    partition(
                        0,
                        Some(1),
                        &[1, 2, 3],
                        &[1, 2, 3],
                        Some((100, 1100, 1100)),
                        Some(2048),
                        Some(5.5),
                    ),
                    partition(
                        1,
                        Some(2),
                        &[2, 3, 1],
                        &[2],
                        Some((0, 500, 480)),
                        Some(1024),
                        Some(2.0),
                    ),
                    partition(
                        2,
                        Some(1),
                        &[2, 1, 3],
                        &[2, 1, 3],
                        Some((0, 300, 300)),
                        Some(512),
                        Some(0.0),
                    ),
                    Partition {
                        leader_epoch: 7,
                        offline_replicas: vec![3],
                        error: Some("LEADER_NOT_AVAILABLE".into()),
                        ..partition(3, None, &[3, 1, 2], &[3], None, None, None)
                    },
                ],
                configs: config(&[("min.insync.replicas", "2"), ("retention.ms", "604800000")]),
                messages_in_per_sec: Some(7.5),
                bytes_in_per_sec: Some(1536.0),
            },
            Topic {
                name: "payments".into(),
                internal: false,
                partitions: vec![partition(
                    0,
                    Some(2),
                    &[2, 1],
                    &[2, 1],
                    Some((0, 42, 42)),
                    Some(4096),
                    Some(0.25),
                )],
                configs: Arc::default(),
                messages_in_per_sec: Some(0.25),
                bytes_in_per_sec: Some(100.5),
            },
        ]
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect(),
        groups: [
            ConsumerGroup {
                name: "audit".into(),
                state: "Empty".into(),
                protocol_type: "consumer".into(),
                protocol: String::new(),
                coordinator: Some(2),
                members: vec![],
                offsets: vec![lag("payments", 0, 30, None, None)],
                messages_consumed_per_sec: None,
                error: Some("log end offset unknown: NOT_LEADER_OR_FOLLOWER".into()),
                ..Default::default()
            },
            ConsumerGroup {
                name: "billing".into(),
                group_type: GroupType::Classic,
                group_epoch: None,
                assignment_epoch: None,
                state: "Stable".into(),
                protocol_type: "consumer".into(),
                protocol: "range".into(),
                coordinator: Some(1),
                members: vec![
                    GroupMember {
                        member_id: "billing-1-aaa".into(),
                        group_instance_id: None,
                        client_id: "billing-1".into(),
                        client_host: "/10.0.0.1".into(),
                        assignment: vec![TopicAssignment {
                            topic: "orders".into(),
                            partitions: vec![0, 1],
                        }],
                        member_epoch: None,
                        target_assignment: None,
                    },
                    GroupMember {
                        member_id: "billing-2-bbb".into(),
                        group_instance_id: Some("billing-static-2".into()),
                        client_id: "billing-2".into(),
                        client_host: "/10.0.0.2".into(),
                        assignment: vec![
                            TopicAssignment {
                                topic: "orders".into(),
                                partitions: vec![2, 3],
                            },
                            TopicAssignment {
                                topic: "payments".into(),
                                partitions: vec![0],
                            },
                        ],
                        member_epoch: None,
                        target_assignment: None,
                    },
                ],
                offsets: vec![
                    PartitionLag {
                        status: PartitionStatus::Warn,
                        // The window began 50 s earlier, 100 messages back.
                        window_start: Some(WindowSample {
                            committed_offset: 900,
                            observed_at_ms: 1_699_999_950_000,
                            lag: Some(60),
                        }),
                        ..health(
                            lag("orders", 0, 1000, Some(1100), Some(4.0)),
                            Some((42.5, LagSecondsSource::RecordTimestamp)),
                            Some(1_699_999_990_000),
                        )
                    },
                    health(
                        lag("orders", 1, 500, Some(500), Some(2.0)),
                        Some((0.0, LagSecondsSource::CaughtUp)),
                        Some(1_699_999_995_000),
                    ),
                    PartitionLag {
                        status: PartitionStatus::Stall,
                        ..health(
                            lag("orders", 2, 250, Some(300), Some(1.0)),
                            Some((120.0, LagSecondsSource::Estimated)),
                            Some(1_699_999_900_000),
                        )
                    },
                    PartitionLag {
                        status: PartitionStatus::NotEnoughData,
                        window_complete: 0.4,
                        ..health(lag("orders", 3, 10, None, None), None, None)
                    },
                    health(
                        lag("payments", 0, 40, Some(42), None),
                        Some((3.25, LagSecondsSource::RecordTimestamp)),
                        Some(1_699_999_980_000),
                    ),
                ],
                messages_consumed_per_sec: Some(7.0),
                error: None,
                status: GroupStatus::Err,
                complete: 0.8,
                last_commit_at_ms: Some(1_699_999_995_000),
                rebalances: 3,
                commits_per_sec: Some(1.5),
                dead_reasons: vec![],
                forecast: Some(CatchUpForecast::FallingBehind {
                    messages_per_minute: 90.0,
                }),
            },
            // A KIP-848 consumer group (group.protocol=consumer).
            ConsumerGroup {
                name: "reports".into(),
                group_type: GroupType::Consumer,
                group_epoch: Some(7),
                assignment_epoch: Some(7),
                state: "Empty".into(),
                protocol_type: "consumer".into(),
                protocol: "uniform".into(),
                coordinator: Some(1),
                members: vec![],
                offsets: vec![PartitionLag {
                    status: PartitionStatus::Stop,
                    messages_lost: Some(40),
                    ..health(
                        lag("orders", 0, 60, Some(1100), Some(0.0)),
                        Some((86_400.0, LagSecondsSource::Estimated)),
                        Some(1_699_990_000_000),
                    )
                }],
                messages_consumed_per_sec: Some(0.0),
                error: None,
                status: GroupStatus::Err,
                complete: 1.0,
                last_commit_at_ms: Some(1_699_990_000_000),
                rebalances: 1,
                commits_per_sec: Some(0.0),
                dead_reasons: vec![
                    DeadReason::LagWithoutMembers,
                    DeadReason::NoCommitProgress { seconds: 10_000.0 },
                ],
                forecast: None,
            },
        ]
        .into_iter()
        .map(|g| (g.name.clone(), g))
        .collect(),
        unsupported_apis: vec!["DescribeLogDirsRequest".into()],
        errors: vec![
            error(
                "log_offsets",
                "kafka",
                None,
                "orders-3: LEADER_NOT_AVAILABLE",
            ),
            error(
                "log_offsets",
                "kafka",
                Some(2),
                "payments-0: NOT_LEADER_OR_FOLLOWER",
            ),
            error(
                "log_dirs",
                "connection",
                Some(3),
                "kafka-3:9092: connection refused",
            ),
            error(
                "committed_offsets",
                "timeout",
                Some(3),
                "OffsetFetch to kafka-3:9092 timed out",
            ),
        ],
        collectors: vec![
            run("cluster_metadata", 12.5, true),
            run("consumer_groups", 30.25, true),
            run("committed_offsets", 40.0, true),
            run("log_offsets", 250.5, true),
            run("log_dirs", 5000.0, false),
            run("topic_configs", 8.0, true),
        ],
        requests_sent: [("Fetch".to_string(), 4), ("ListOffsets".to_string(), 36)].into(),
    }
}

/// `staging`: a stale snapshot (its last cycle could not reach the cluster)
/// with no Kafka cluster id, no controller and no groups.
pub fn staging() -> ClusterSnapshot {
    ClusterSnapshot {
        cluster: "staging".into(),
        cluster_id: None,
        controller_id: None,
        quorum: None,
        reassignments_known: false,
        collected_at_ms: 1_699_999_990_500,
        cycle_duration_ms: 3000,
        stale: true,
        brokers: vec![broker(0, "localhost", None, false, 1, 1, None)],
        topics: [Topic {
            name: "events".into(),
            internal: false,
            partitions: vec![partition(
                0,
                Some(0),
                &[0],
                &[0],
                Some((0, 5, 5)),
                None,
                None,
            )],
            configs: Arc::default(),
            messages_in_per_sec: None,
            bytes_in_per_sec: None,
        }]
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect(),
        groups: BTreeMap::new(),
        unsupported_apis: vec![],
        errors: vec![error(
            "cluster_metadata",
            "connection",
            None,
            "no broker reachable",
        )],
        collectors: vec![run("cluster_metadata", 3000.0, false)],
        requests_sent: Default::default(),
    }
}

/// `Snapshots` configured with `names`, with the given snapshots published.
pub fn state(names: &[&str], published: Vec<ClusterSnapshot>) -> AppState {
    let snapshots = Snapshots::new(names.iter().map(|n| n.to_string()));
    for s in published {
        snapshots.publish(s);
    }
    AppState::new(Arc::new(snapshots))
}

/// A JMX exporter page of a combined broker and controller, in the naming of
/// `testbed/jmx-exporter-kafka.yml`, with its counters at `scale` times
/// their base values.
fn jmx_page(scale: f64) -> String {
    format!(
        "\
kafka_server_brokertopicmetrics_bytesin_total {bytes_in:?}
kafka_server_brokertopicmetrics_bytesin_total{{topic=\"orders\",}} {bytes_in:?}
kafka_server_brokertopicmetrics_bytesout_total {bytes_out:?}
kafka_server_brokertopicmetrics_bytesout_total{{topic=\"orders\",}} {bytes_out:?}
kafka_server_brokertopicmetrics_messagesin_total {messages:?}
kafka_server_brokertopicmetrics_messagesin_total{{topic=\"orders\",}} {messages:?}
kafka_network_requestmetrics_totaltimems{{quantile=\"0.50\",request=\"Produce\",}} 2.0
kafka_network_requestmetrics_totaltimems{{quantile=\"0.99\",request=\"Produce\",}} 11.5
kafka_network_requestmetrics_requestqueuetimems{{quantile=\"0.99\",request=\"Produce\",}} 0.5
kafka_network_requestmetrics_totaltimems_count_total{{request=\"Produce\",}} {requests:?}
kafka_network_requestmetrics_totaltimems{{quantile=\"0.99\",request=\"AlterAcls\",}} 0.0
kafka_network_requestmetrics_totaltimems_count_total{{request=\"AlterAcls\",}} 0.0
kafka_network_requestchannel_requestqueuesize 0.0
kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent 0.94
kafka_server_replicamanager_underreplicatedpartitions 1.0
kafka_server_replicamanager_partitioncount 12.0
kafka_server_replicamanager_leadercount 4.0
kafka_server_delayedoperationpurgatory_purgatorysize{{delayedoperation=\"Produce\",}} 0.0
kafka_controller_kafkacontroller_activecontrollercount 1.0
kafka_controller_kafkacontroller_offlinepartitionscount 0.0
kafka_log_logflushstats_logflushrateandtimems{{quantile=\"0.99\",}} 3.0
kafka_server_raft_metrics_current_leader 1.0
kafka_server_raft_metrics_high_watermark 2200.0
jvm_memory_used_bytes{{area=\"heap\",}} 2.5E8
jvm_memory_max_bytes{{area=\"heap\",}} 5.36870912E8
jvm_gc_collection_seconds_sum{{gc=\"G1 Young Generation\",}} {gc:?}
jvm_threads_current 110.0
process_cpu_seconds_total {cpu:?}
process_open_fds 400.0
process_max_fds 1048576.0
",
        bytes_in = 1.0e6 * scale,
        bytes_out = 3.0e6 * scale,
        messages = 1.0e4 * scale,
        requests = 500.0 * scale,
        gc = 0.5 * scale,
        cpu = 10.0 * scale,
    )
}

/// The JMX source of `prod` after two polls 10 s apart: node 1 read (with
/// rates), node 2 down.
pub fn prod_jmx() -> SourceSnapshot {
    let read = |scale| {
        let mut node = NodeFigures {
            target: "http://127.0.0.1:7071/metrics".into(),
            role: Role::BrokerController,
            node_id: Some(1),
            up: true,
            ..NodeFigures::default()
        };
        parse_page(&jmx_page(scale), PageFormat::Prometheus, |s| {
            node.read_sample(s);
        });
        node
    };
    let mut node = read(2.0);
    node.add_rates(&read(1.0), 10.0);
    let down = NodeFigures {
        target: "http://127.0.0.1:7072/metrics".into(),
        role: Role::Broker,
        node_id: Some(2),
        ..NodeFigures::default()
    };
    let (producer, consumer, gone) = jmx_clients();
    let worker = connect_worker();
    let streams = streams_app();
    SourceSnapshot {
        cluster: "prod".into(),
        kind: SourceKind::JmxExporter,
        polled_at_ms: 1_700_000_000_000,
        duration_ms: 35.0,
        targets: vec![
            TargetStatus {
                target: node.target.clone(),
                role: "broker,controller".into(),
                broker: Some(1),
                up: true,
                duration_ms: 30.0,
                samples: 27,
                error: None,
            },
            TargetStatus {
                target: down.target.clone(),
                role: "broker".into(),
                broker: Some(2),
                up: false,
                duration_ms: 1.5,
                samples: 0,
                error: Some("connect failed: Connection refused (os error 111)".into()),
            },
        ],
        figures: SourceFigures::Jmx(JmxFigures {
            nodes: vec![node, down, producer, consumer, gone, worker, streams],
        }),
    }
}

/// A Connect worker of `prod` with a source connector running and a sink
/// whose task failed, read from its page.
fn connect_worker() -> NodeFigures {
    let page = "\
kafka_connect_connect_worker_metrics_connector_count 2.0
kafka_connect_connect_worker_metrics_task_count 2.0
kafka_connect_connect_worker_metrics_task_startup_failure 1.0
kafka_connect_connect_worker_metrics_connector_running_task_count{connector=\"files-in\",} 1.0
kafka_connect_connect_worker_metrics_connector_failed_task_count{connector=\"files-out\",} 1.0
kafka_connect_connector_task_metrics_batch_size_avg{connector=\"files-in\",task=\"0\",} 12.5
kafka_connect_connector_task_metrics_offset_commit_failure_percentage{connector=\"files-in\",task=\"0\",} 0.0
kafka_connect_connect_worker_rebalance_metrics_rebalancing 0.0
";
    let mut node = NodeFigures {
        target: "http://10.0.0.8:7071/metrics".into(),
        role: Role::Connect,
        up: true,
        ..NodeFigures::default()
    };
    parse_page(page, PageFormat::Prometheus, |s| {
        node.read_sample(s);
    });
    node
}

/// A Kafka Streams application of `prod`, one of its two threads failed.
fn streams_app() -> NodeFigures {
    let thread = "{thread_id=\"wordcount-1-StreamThread-1\",}";
    let page = format!(
        "\
kafka_streams_stream_metrics_alive_stream_threads{{client_id=\"wordcount-1\",}} 1.0
kafka_streams_stream_metrics_failed_stream_threads{{client_id=\"wordcount-1\",}} 1.0
kafka_streams_stream_thread_metrics_process_rate{thread} 42.5
kafka_streams_stream_thread_metrics_process{thread} 300.0
kafka_streams_stream_thread_metrics_process_latency_avg{thread} 0.25
kafka_streams_stream_thread_metrics_poll_rate{thread} 3.5
kafka_streams_stream_thread_metrics_poll_latency_avg{thread} 100.0
kafka_streams_stream_thread_metrics_commit_rate{thread} 0.1
kafka_streams_stream_thread_metrics_commit_latency_avg{thread} 8.0
kafka_streams_stream_thread_metrics_process_ratio{thread} 0.01
kafka_streams_stream_thread_metrics_poll_ratio{thread} 0.98
"
    );
    let mut node = NodeFigures {
        target: "http://10.0.0.9:7071/metrics".into(),
        role: Role::Streams,
        up: true,
        ..NodeFigures::default()
    };
    parse_page(&page, PageFormat::Prometheus, |s| {
        node.read_sample(s);
    });
    node
}

/// Three client processes of `prod`: a producer that stopped sending, the
/// live consumer `billing-2` and `billing-1`, whose page went away.
fn jmx_clients() -> (NodeFigures, NodeFigures, NodeFigures) {
    let liveness = |alive: bool, groups: &[&str]| ClientLiveness {
        alive,
        dead_reason: (!alive).then(|| {
            "its JMX page cannot be read: connect failed: Connection refused (os error 111)"
                .to_string()
        }),
        last_seen_ms: if alive {
            1_700_000_000_000
        } else {
            1_699_999_990_000
        },
        last_changed_ms: 1_699_999_980_000,
        stopped_sending: false,
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    let client_node = |target: &str, role: Role, up: bool, client: ClientFigures| NodeFigures {
        target: target.into(),
        role,
        up,
        clients: BTreeMap::from([(client.client_id.clone(), client)]),
        ..NodeFigures::default()
    };
    let producer = ClientFigures {
        client_id: "orders-producer".into(),
        kind: ClientKind::Producer,
        producer: Some(ProducerFigures {
            record_send_rate: Some(0.0),
            records_sent: Some(120_000.0),
            request_latency_avg_ms: Some(2.5),
            record_retry_rate: Some(0.0),
            ..ProducerFigures::default()
        }),
        consumer: None,
        liveness: ClientLiveness {
            stopped_sending: true,
            ..liveness(true, &[])
        },
    };
    let consumer = |client_id: &str, alive: bool| ClientFigures {
        client_id: client_id.into(),
        kind: ClientKind::Consumer,
        producer: None,
        consumer: Some(ConsumerFigures {
            records_consumed_rate: Some(410.5),
            records_consumed: Some(90_000.0),
            fetch_latency_avg_ms: Some(12.0),
            last_poll_seconds_ago: Some(1.0),
            ..ConsumerFigures::default()
        }),
        liveness: liveness(alive, &["billing"]),
    };
    (
        client_node(
            "http://10.0.0.5:7071/metrics",
            Role::Producer,
            true,
            producer,
        ),
        client_node(
            "http://10.0.0.6:7071/metrics",
            Role::Consumer,
            true,
            consumer("billing-2", true),
        ),
        client_node(
            "http://10.0.0.7:7071/metrics",
            Role::Consumer,
            false,
            consumer("billing-1", false),
        ),
    )
}

/// Both fixture clusters, published, and `prod`'s JMX source.
pub fn fixture_state() -> AppState {
    let state = state(&["prod", "staging"], vec![prod(), staging()]);
    let sources = SourceSnapshots::new([("prod".to_string(), SourceKind::JmxExporter)]);
    sources.publish(Arc::new(prod_jmx()));
    state.with_sources(Arc::new(sources))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

/// One request through `app(state)`, without binding a port.
pub async fn get(state: AppState, path: &str, accept: Option<&str>) -> Reply {
    let mut request = Request::get(path);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = app(state)
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn broker(
    id: i32,
    host: &str,
    rack: Option<&str>,
    reachable: bool,
    partition_count: u32,
    leader_count: u32,
    log_dir_bytes: Option<u64>,
) -> Broker {
    Broker {
        id,
        host: host.into(),
        port: 9092,
        rack: rack.map(Into::into),
        reachable,
        in_metadata: true,
        partition_count,
        leader_count,
        log_dir_bytes,
        log_dirs: log_dirs_of(id, log_dir_bytes),
    }
}

/// Broker 1: a healthy directory on a 1 TB volume and a failed one; broker
/// 2: one directory from a broker too old to report its volume.
fn log_dirs_of(broker: i32, bytes: Option<u64>) -> Vec<LogDir> {
    let dir = |path: &str| LogDir {
        path: path.into(),
        size_bytes: bytes.unwrap_or(0),
        ..LogDir::default()
    };
    match broker {
        1 => vec![
            LogDir {
                volume_total_bytes: Some(1_000_000_000_000),
                volume_usable_bytes: Some(400_000_000_000),
                ..dir("/var/lib/kafka/data-1")
            },
            LogDir {
                error: Some("KAFKA_STORAGE_ERROR".into()),
                size_bytes: 0,
                ..dir("/var/lib/kafka/data-2")
            },
        ],
        2 => vec![dir("/var/lib/kafka/data")],
        _ => vec![],
    }
}

/// `offsets` is (earliest, latest, last stable).
fn partition(
    partition: i32,
    leader: Option<i32>,
    replicas: &[i32],
    isr: &[i32],
    offsets: Option<(i64, i64, i64)>,
    size_bytes: Option<u64>,
    messages_in_per_sec: Option<f64>,
) -> Partition {
    Partition {
        partition,
        leader,
        leader_epoch: 3,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        offline_replicas: vec![],
        earliest_offset: offsets.map(|o| o.0),
        latest_offset: offsets.map(|o| o.1),
        last_stable_offset: offsets.map(|o| o.2),
        size_bytes,
        // In-sync followers are caught up; one out of sync is 250 behind;
        // without a leader there is nothing to be behind of.
        follower_lag: replicas
            .iter()
            .filter(|&&r| leader.is_some() && Some(r) != leader)
            .map(|&broker| FollowerLag {
                broker,
                offset_lag: if isr.contains(&broker) { 0 } else { 250 },
            })
            .collect(),
        reassignment: None,
        messages_in_per_sec,
        error: None,
    }
}

fn config(pairs: &[(&str, &str)]) -> Arc<BTreeMap<String, String>> {
    Arc::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn lag(
    topic: &str,
    partition: i32,
    committed: i64,
    latest: Option<i64>,
    rate: Option<f64>,
) -> PartitionLag {
    PartitionLag {
        topic: topic.into(),
        partition,
        committed_offset: committed,
        latest_offset: latest,
        lag: latest.map(|l| (l - committed).max(0)),
        messages_consumed_per_sec: rate,
        ..Default::default()
    }
}

/// `lag` with the evaluation's figures: status OK unless overridden.
fn health(
    offset: PartitionLag,
    lag_seconds: Option<(f64, LagSecondsSource)>,
    last_commit_at_ms: Option<i64>,
) -> PartitionLag {
    PartitionLag {
        lag_seconds: lag_seconds.map(|l| l.0),
        lag_seconds_source: lag_seconds.map(|l| l.1),
        status: PartitionStatus::Ok,
        last_commit_at_ms,
        window_complete: 1.0,
        ..offset
    }
}

fn error(collector: &str, kind: &str, broker: Option<i32>, message: &str) -> CollectionError {
    CollectionError {
        collector: collector.into(),
        kind: kind.into(),
        broker,
        message: message.into(),
    }
}

fn run(name: &str, duration_ms: f64, success: bool) -> CollectorRun {
    CollectorRun {
        name: name.into(),
        duration_ms,
        success,
    }
}
