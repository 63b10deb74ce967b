//! `kafkascope topics`: the list, or `--describe` in kafka-topics.sh's shape.

use kafkascope_collector::snapshot::{Partition, Topic};

use crate::cli::{OutputFormat, TopicsArgs};
use crate::commands::{GroupSelection, exact, print_json, print_out, snapshot_once};
use crate::table::{id_list, or_dash};

pub async fn run(args: TopicsArgs) -> anyhow::Result<()> {
    let snapshot = snapshot_once(
        &args.cluster.connection,
        exact(args.topic.as_deref()),
        GroupSelection::None,
    )
    .await?;
    if let Some(topic) = &args.topic {
        anyhow::ensure!(
            snapshot.topics.contains_key(topic),
            "topic '{topic}' does not exist"
        );
    }
    let topics: Vec<Topic> = snapshot
        .topics
        .values()
        .filter(|t| !(args.exclude_internal && t.internal))
        .map(|t| selected_partitions(t, &args))
        .filter(|t| !t.partitions.is_empty() || !partition_filter_on(&args))
        .collect();
    match (
        args.cluster.output,
        args.describe || partition_filter_on(&args),
    ) {
        (OutputFormat::Json, _) => print_json(&topics),
        (OutputFormat::Table, false) => {
            let names: String = topics.iter().map(|t| format!("{}\n", t.name)).collect();
            print_out(&names)
        }
        (OutputFormat::Table, true) => {
            let tables: String = topics.iter().map(|t| describe(t, &args)).collect();
            print_out(&tables)
        }
    }
}

fn partition_filter_on(args: &TopicsArgs) -> bool {
    args.under_replicated_partitions || args.unavailable_partitions
}

fn selected_partitions(topic: &Topic, args: &TopicsArgs) -> Topic {
    let keep = |p: &Partition| {
        (!args.under_replicated_partitions || p.is_under_replicated())
            && (!args.unavailable_partitions || p.is_offline())
    };
    Topic {
        partitions: topic
            .partitions
            .iter()
            .filter(|p| keep(p))
            .cloned()
            .collect(),
        ..topic.clone()
    }
}

/// kafka-topics.sh's layout, with the log offsets appended.
fn describe(topic: &Topic, args: &TopicsArgs) -> String {
    let mut out = String::new();
    if !partition_filter_on(args) {
        let configs: Vec<String> = topic
            .configs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!(
            "Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n",
            topic.name,
            topic.partitions.len(),
            topic.replication_factor(),
            configs.join(",")
        ));
    }
    for p in &topic.partitions {
        // As kafka-topics prints a partition whose replicas are moving.
        let moving = p.reassignment.as_ref().map_or_else(String::new, |r| {
            format!(
                "\tAdding Replicas: {}\tRemoving Replicas: {}",
                id_list(&r.adding),
                id_list(&r.removing)
            )
        });
        out.push_str(&format!(
            "\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}{}\tLogStartOffset: {}\tLogEndOffset: {}\n",
            topic.name,
            p.partition,
            p.leader.map_or_else(|| "none".to_string(), |l| l.to_string()),
            id_list(&p.replicas),
            id_list(&p.isr),
            moving,
            or_dash(p.earliest_offset),
            or_dash(p.latest_offset),
        ));
    }
    out
}
