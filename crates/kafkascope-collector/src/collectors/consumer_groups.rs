//! Consumer groups: ListGroups on every broker (started beside Metadata when
//! the brokers are known from the last cycle), then each group the filter
//! admits described per coordinator by the API of its type (DescribeGroups,
//! ConsumerGroupDescribe, ShareGroupDescribe). Groups named in the
//! settings that no broker listed are located with FindCoordinator. The
//! groups' commits (OffsetFetch) start as soon as the groups are listed
//! (before Metadata answers, from the second cycle on), and the log end
//! offsets as soon as the commits have answered, both beside
//! DescribeGroups; the committed_offsets and log_offsets collectors take them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::future::BoxFuture;
use kafkascope_client::admin::{
    Admin, ClusterMetadata, GroupOffsets, GroupType, ListedGroup, OffsetSpec, Partial,
};
use tokio::sync::oneshot;

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::{Cycle, GroupProgress, GroupsByCoordinator, started};
use crate::settings::NameFilter;

pub struct ConsumerGroupsCollector;

impl Collector for ConsumerGroupsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::ConsumerGroups
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            let (listed, early_progress) = list_every_broker(cycle).await;
            cycle.record_shards(self.name(), listed.errors);
            let mut by_coordinator = admitted(&listed.value, &cycle.settings.groups);
            self.locate_unlisted(cycle, &mut by_coordinator).await;
            // The commits and the log end were started with the listing,
            // before Metadata answered; they stand if that listing is the
            // one this cycle settled on (no broker came or went, no named
            // group had to be located), else they are read again.
            let progress = match early_progress {
                Some(early) if early.groups == by_coordinator => early,
                other => {
                    if let Some(early) = other {
                        early.commits.abort();
                        early.log_end.abort();
                    }
                    let (metadata, metadata_in) = oneshot::channel();
                    if let Some(known) = cycle.metadata.clone() {
                        let _ = metadata.send(known);
                    }
                    start_progress(cycle.admin, by_coordinator.clone(), metadata_in)
                }
            };
            cycle.pending_commits = Some(progress.commits);
            cycle.early_log_end = Some(progress.log_end);
            let described = cycle.admin.describe_groups(&by_coordinator).await;
            cycle.record_shards(self.name(), described.errors);
            cycle.groups = described.value;
            cycle.groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
            Ok(())
        })
    }
}

impl ConsumerGroupsCollector {
    /// Groups named in the settings that no broker listed, located with
    /// FindCoordinator.
    async fn locate_unlisted(
        &self,
        cycle: &mut Cycle<'_>,
        by_coordinator: &mut GroupsByCoordinator,
    ) {
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
        if unlisted.is_empty() {
            return;
        }
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
}

/// The listed groups the filter admits, by coordinator.
pub(crate) fn admitted(listed: &[ListedGroup], filter: &NameFilter) -> GroupsByCoordinator {
    let mut by_coordinator = GroupsByCoordinator::new();
    for group in listed.iter().filter(|g| filter.admits(&g.group_id)) {
        by_coordinator
            .entry(group.coordinator)
            .or_default()
            .push((group.group_id.clone(), group.group_type));
    }
    by_coordinator
}

/// Starts the groups' commits and, once they have answered and `metadata`
/// has come, the log end offsets: the commits need only the group ids and
/// the log end only the commits and the leaders (read after the commits,
/// lag is never negative), so neither waits for DescribeGroups.
pub(crate) fn start_progress(
    admin: &Admin,
    groups: GroupsByCoordinator,
    metadata: oneshot::Receiver<Arc<ClusterMetadata>>,
) -> GroupProgress {
    let (answered, commits_in) = oneshot::channel::<()>();
    let reader = admin.clone();
    let asked = groups.clone();
    let commits = tokio::spawn(async move {
        let progress = read_progress(&reader, &asked).await;
        let _ = answered.send(());
        progress
    });
    let admin = admin.clone();
    let log_end = tokio::spawn(async move {
        commits_in.await.ok()?;
        let metadata = metadata.await.ok()?;
        Some(admin.list_offsets(&metadata, OffsetSpec::Latest).await)
    });
    GroupProgress {
        groups,
        commits,
        log_end,
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
/// joined since it was sent; and the reads the early listing started.
async fn list_every_broker(
    cycle: &mut Cycle<'_>,
) -> (Partial<Vec<ListedGroup>>, Option<GroupProgress>) {
    let current: BTreeSet<i32> = cycle.metadata().brokers.iter().map(|b| b.id).collect();
    let Some(early) = started(cycle.early_listing.take()).await else {
        return (cycle.admin.list_groups_on(current).await, None);
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
    (listed, Some(early.progress))
}
