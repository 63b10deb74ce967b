//! Time to render `/metrics` for a large cluster: 10,000 partitions
//! (500 topics × 20, RF 3) and 1,000 consumer groups × 20 partitions each.
//! The target is at most 50 ms per render in a release build.
//!
//! `cargo bench -p kafkascope-server --bench render_metrics`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{
    Broker, ConsumerGroup, FollowerLag, GroupMember, Partition, PartitionLag, Topic,
    TopicAssignment,
};
use kafkascope_exposition::{Exposed, Format, render};

/// The two followers of an RF-3 partition, caught up.
fn replicas_after_leader(leader: i32) -> Vec<FollowerLag> {
    [(leader + 1) % 12, (leader + 2) % 12]
        .map(|broker| FollowerLag {
            broker,
            offset_lag: 0,
        })
        .to_vec()
}

fn large_cluster() -> ClusterSnapshot {
    let brokers: Vec<Broker> = (0..12)
        .map(|id| Broker {
            id,
            host: format!("kafka-{id}.example.internal"),
            port: 9092,
            rack: Some(format!("rack-{}", id % 3)),
            reachable: true,
            partition_count: 2500,
            leader_count: 833,
            log_dir_bytes: Some(1 << 40),
            ..Default::default()
        })
        .collect();
    let topics: BTreeMap<String, Topic> = (0..500)
        .map(|t| {
            let name = format!("service-{t:03}.events.v1");
            let partitions = (0..20)
                .map(|p| {
                    let leader = (t * 20 + p) % 12;
                    let replicas = vec![leader, (leader + 1) % 12, (leader + 2) % 12];
                    Partition {
                        partition: p,
                        leader: Some(leader),
                        leader_epoch: 4,
                        isr: replicas.clone(),
                        replicas,
                        offline_replicas: vec![],
                        earliest_offset: Some(1_000_000 + i64::from(p)),
                        latest_offset: Some(987_654_321 + i64::from(t * p)),
                        last_stable_offset: Some(987_654_300 + i64::from(t * p)),
                        size_bytes: Some(12_345_678_901),
                        follower_lag: replicas_after_leader(leader),
                        reassignment: None,
                        messages_in_per_sec: Some(123.456),
                        error: None,
                    }
                })
                .collect();
            let topic = Topic {
                name: name.clone(),
                internal: false,
                partitions,
                configs: std::sync::Arc::new(
                    [("min.insync.replicas".to_string(), "2".to_string())].into(),
                ),
                messages_in_per_sec: Some(2469.12),
                bytes_in_per_sec: Some(1_234_567.5),
            };
            (name, topic)
        })
        .collect();
    let groups: BTreeMap<String, ConsumerGroup> = (0..1000)
        .map(|g| {
            let name = format!("consumer-group-{g:04}");
            let topic = format!("service-{:03}.events.v1", g % 500);
            let offsets = (0..20)
                .map(|p| PartitionLag {
                    topic: topic.as_str().into(),
                    partition: p,
                    committed_offset: 987_650_000,
                    latest_offset: Some(987_654_321),
                    lag: Some(4321),
                    messages_consumed_per_sec: Some(61.5),
                    ..Default::default()
                })
                .collect();
            let members = (0..4)
                .map(|m| GroupMember {
                    member_id: format!("{name}-member-{m}"),
                    group_instance_id: None,
                    client_id: format!("{name}-client"),
                    client_host: format!("/10.1.{g}.{m}"),
                    assignment: vec![TopicAssignment {
                        topic: topic.clone(),
                        partitions: (m * 5..m * 5 + 5).collect(),
                    }],
                    ..Default::default()
                })
                .collect();
            let group = ConsumerGroup {
                name: name.clone(),
                state: "Stable".into(),
                protocol_type: "consumer".into(),
                protocol: "cooperative-sticky".into(),
                coordinator: Some(g % 12),
                members,
                offsets,
                messages_consumed_per_sec: Some(1230.0),
                error: None,
                ..Default::default()
            };
            (name, group)
        })
        .collect();
    ClusterSnapshot {
        cluster: "production-eu-west-1".into(),
        cluster_id: Some("Mk3OEYBSD34fcwNTJENDM2Qk".into()),
        controller_id: Some(0),
        collected_at_ms: 1_700_000_000_000,
        cycle_duration_ms: 2345,
        brokers,
        topics,
        groups,
        ..Default::default()
    }
}

fn main() {
    let cluster = large_cluster();
    let clusters = [&cluster];
    let exposed = Exposed {
        clusters: &clusters,
        sources: &[],
        alerting: None,
    };
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let warm = render(exposed, format);
        let runs = 20;
        let started = Instant::now();
        for _ in 0..runs {
            black_box(render(black_box(exposed), format));
        }
        let per_render = started.elapsed() / runs;
        println!(
            "{format:?}: {:.1} ms per render, {:.1} MiB, {} lines",
            per_render.as_secs_f64() * 1000.0,
            warm.len() as f64 / (1024.0 * 1024.0),
            warm.lines().count()
        );
    }
}
