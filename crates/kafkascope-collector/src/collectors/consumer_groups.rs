//! Consumer groups: ListGroups on every broker (started beside Metadata when
//! the brokers are known from the last cycle), then each group the filter
//! admits described per coordinator by the API of its type (DescribeGroups,
//! ConsumerGroupDescribe, ShareGroupDescribe). Groups named in the
//! settings that no broker listed are located with FindCoordinator. The
//! groups' commits (OffsetFetch) start as soon as the groups are located,
//! beside DescribeGroups; the committed_offsets collector takes them.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::BoxFuture;
use kafkascope_client::admin::{Admin, GroupOffsets, GroupType, ListedGroup, Partial};

use crate::collector::{CollectResult, Collector};
use crate::cycle::Cycle;

pub struct ConsumerGroupsCollector;

impl Collector for ConsumerGroupsCollector {
    fn name(&self) -> &'static str {
        "consumer_groups"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let listed = list_every_broker(cycle).await;
            cycle.record_shards(self.name(), listed.errors);
            let mut by_coordinator: BTreeMap<i32, Vec<(String, GroupType)>> = BTreeMap::new();
            for group in listed.value {
                if cycle.settings.groups.admits(&group.group_id) {
                    by_coordinator
                        .entry(group.coordinator)
                        .or_default()
                        .push((group.group_id, group.group_type));
                }
            }
            let unlisted: Vec<String> = cycle
                .settings
                .named_groups
                .iter()
                .filter(|g| {
                    !by_coordinator
                        .values()
                        .flatten()
                        .any(|(listed, _)| listed == *g)
                })
                .cloned()
                .collect();
            if !unlisted.is_empty() {
                match cycle.admin.find_group_coordinators(&unlisted).await {
                    Ok(found) => {
                        cycle.record_shards(self.name(), found.errors);
                        for (group, coordinator) in found.value {
                            by_coordinator
                                .entry(coordinator)
                                .or_default()
                                .push((group, GroupType::Classic));
                        }
                    }
                    Err(error) => cycle.record(self.name(), None, "", &error),
                }
            }
            // The commits need only the group ids, so they are read beside
            // the descriptions rather than after them.
            let admin = cycle.admin.clone();
            let groups = by_coordinator.clone();
            cycle.pending_commits =
                Some(tokio::spawn(
                    async move { read_progress(&admin, &groups).await },
                ));
            let described = cycle.admin.describe_groups(&by_coordinator).await;
            cycle.record_shards(self.name(), described.errors);
            cycle.groups = described.value;
            cycle.groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
            Ok(())
        })
    }
}

/// Where each group has got to: the commits of consumer groups (OffsetFetch)
/// and the start offsets of share groups (DescribeShareGroupOffsets), which
/// keep no commits; lag is measured from either the same way.
pub(crate) async fn read_progress(
    admin: &Admin,
    groups: &BTreeMap<i32, Vec<(String, GroupType)>>,
) -> Partial<Vec<GroupOffsets>> {
    let committing = ids_by_coordinator(groups, GroupType::commits_offsets);
    let sharing = ids_by_coordinator(groups, |t| t == GroupType::Share);
    if sharing.is_empty() {
        return admin.offset_fetch(&committing).await;
    }
    let (mut progress, shares) = futures::join!(
        admin.offset_fetch(&committing),
        admin.share_group_offsets(&sharing)
    );
    progress.value.extend(shares.value);
    progress.errors.extend(shares.errors);
    progress
}

/// The ids of the groups of the types `keep` admits, by coordinator.
fn ids_by_coordinator(
    groups: &BTreeMap<i32, Vec<(String, GroupType)>>,
    keep: impl Fn(GroupType) -> bool,
) -> BTreeMap<i32, Vec<String>> {
    groups
        .iter()
        .filter_map(|(&coordinator, located)| {
            let ids: Vec<String> = located
                .iter()
                .filter(|(_, group_type)| keep(*group_type))
                .map(|(id, _)| id.clone())
                .collect();
            (!ids.is_empty()).then_some((coordinator, ids))
        })
        .collect()
}

/// The groups of every broker this cycle's Metadata names: the early
/// listing without the brokers that have left, plus a listing of those that
/// joined since it was sent.
async fn list_every_broker(cycle: &mut Cycle<'_>) -> Partial<Vec<ListedGroup>> {
    let current: BTreeSet<i32> = cycle.metadata().brokers.iter().map(|b| b.id).collect();
    let early = match cycle.early_listing.take() {
        Some(task) => task.await.ok(),
        None => None,
    };
    let Some(early) = early else {
        return cycle.admin.list_groups_on(current).await;
    };
    let mut listed = early.listed;
    listed.value.retain(|g| current.contains(&g.coordinator));
    listed
        .errors
        .retain(|e| e.broker.is_none_or(|b| current.contains(&b)));
    let joined: Vec<i32> = current.difference(&early.asked).copied().collect();
    if !joined.is_empty() {
        let more = cycle.admin.list_groups_on(joined).await;
        listed.value.extend(more.value);
        listed.errors.extend(more.errors);
    }
    listed
}
