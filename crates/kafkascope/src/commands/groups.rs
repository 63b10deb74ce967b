//! `kafkascope groups`: the list, or `--describe` in
//! kafka-consumer-groups.sh's shape.

use kafkascope_collector::snapshot::ConsumerGroup;

use crate::cli::{GroupsArgs, OutputFormat};
use crate::commands::{GroupSelection, print_json, print_out, snapshot_once};
use crate::table::{or_dash, render};

pub async fn run(args: GroupsArgs) -> anyhow::Result<()> {
    let snapshot = snapshot_once(
        &args.cluster.connection,
        Default::default(),
        GroupSelection::from_option(args.group.as_deref()),
    )
    .await?;
    if let Some(group) = &args.group {
        anyhow::ensure!(
            snapshot.groups.contains_key(group),
            "consumer group '{group}' does not exist"
        );
    }
    let groups: Vec<&ConsumerGroup> = snapshot.groups.values().collect();
    match (args.cluster.output, args.describe) {
        (OutputFormat::Json, _) => print_json(&groups),
        (OutputFormat::Table, false) => {
            let names: String = groups.iter().map(|g| format!("{}\n", g.name)).collect();
            print_out(&names)
        }
        (OutputFormat::Table, true) => {
            let mut text = String::new();
            for group in groups {
                text.push_str(&format!(
                    "\nConsumer group '{}' ({}) is {} with {} member(s).\n",
                    group.name,
                    group.group_type.as_str(),
                    group.state,
                    group.members.len()
                ));
                if let Some(why) = &group.error {
                    text.push_str(&format!("{why}\n"));
                }
                text.push_str(&describe(group));
            }
            print_out(&text)
        }
    }
}

fn describe(group: &ConsumerGroup) -> String {
    let rows: Vec<Vec<String>> = group
        .offsets
        .iter()
        .map(|o| {
            let owner = group.owner_of(&o.topic, o.partition);
            vec![
                group.name.clone(),
                o.topic.to_string(),
                o.partition.to_string(),
                o.committed_offset.to_string(),
                or_dash(o.latest_offset),
                or_dash(o.lag),
                or_dash(owner.map(|m| m.member_id.as_str())),
                or_dash(owner.map(|m| m.client_host.as_str())),
                or_dash(owner.map(|m| m.client_id.as_str())),
            ]
        })
        .collect();
    let headers = [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    ];
    render(&headers, &rows)
}
