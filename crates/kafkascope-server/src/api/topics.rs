//! `/api/v1/clusters/{cluster}/topics` and `.../topics/{topic}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::snapshot::{Partition, Topic};
use serde::Serialize;

use super::list_page::{PageQuery, SortKey, SortValue, flag, number, page};
use super::{ListQuery, snapshot};
use crate::AppState;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct TopicList {
    pub cluster: String,
    /// Topics that matched the filter, before paging.
    pub total: usize,
    pub offset: usize,
    pub topics: Vec<TopicListItem>,
}

/// What `?sort=` accepts for topics.
const SORT_KEYS: &[SortKey<TopicListItem>] = &[
    ("name", |t| SortValue::Text(&t.name)),
    ("partitions", |t| number(Some(t.partition_count as f64))),
    ("replication_factor", |t| {
        number(Some(t.replication_factor as f64))
    }),
    ("under_replicated_partitions", |t| {
        number(Some(t.under_replicated_partitions as f64))
    }),
    ("offline_partitions", |t| {
        number(Some(t.offline_partitions as f64))
    }),
    ("messages_in_per_sec", |t| number(t.messages_in_per_sec)),
    ("bytes_in_per_sec", |t| number(t.bytes_in_per_sec)),
    ("size_bytes", |t| number(t.size_bytes.map(|b| b as f64))),
];

#[derive(Debug, Serialize)]
pub struct TopicListItem {
    pub name: String,
    pub internal: bool,
    pub partition_count: usize,
    pub replication_factor: usize,
    pub under_replicated_partitions: usize,
    pub under_min_isr_partitions: usize,
    pub offline_partitions: usize,
    pub messages_in_per_sec: Option<f64>,
    pub bytes_in_per_sec: Option<f64>,
    /// `null` unless known for every partition.
    pub size_bytes: Option<u64>,
}

impl TopicListItem {
    pub fn of(t: &Topic) -> Self {
        Self {
            name: t.name.clone(),
            internal: t.internal,
            partition_count: t.partitions.len(),
            replication_factor: t.replication_factor(),
            under_replicated_partitions: t.under_replicated_count(),
            under_min_isr_partitions: t.under_min_isr_count(),
            offline_partitions: t.offline_count(),
            messages_in_per_sec: t.messages_in_per_sec,
            bytes_in_per_sec: t.bytes_in_per_sec,
            size_bytes: t.size_bytes(),
        }
    }
}

/// `GET /api/v1/clusters/{cluster}/topics[?filter=&sort=&order=&offset=&limit=]`,
/// in name order unless sorted.
pub async fn list(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    Query(query): Query<ListQuery>,
    paging: PageQuery,
) -> Result<Json<TopicList>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let names = query.name_filter();
    let topics = s
        .topics
        .values()
        .filter(|t| names.keeps(&t.name))
        .map(TopicListItem::of)
        .collect();
    let page = page(topics, &paging, SORT_KEYS)?;
    Ok(Json(TopicList {
        cluster: s.cluster.clone(),
        total: page.total,
        offset: page.offset,
        topics: page.items,
    }))
}

/// A topic in full: the list figures and configs over the whole topic, and
/// its partitions, all of them or one page.
#[derive(Debug, Serialize)]
pub struct TopicDetail<'a> {
    pub cluster: &'a str,
    #[serde(flatten)]
    pub summary: TopicListItem,
    /// `min.insync.replicas` as the flags below use it (1 when not known).
    pub min_insync_replicas: usize,
    pub configs: &'a BTreeMap<String, String>,
    /// Partitions of the topic, before paging.
    pub partitions_total: usize,
    /// Where in the sorted partitions `partitions` starts.
    pub partitions_offset: usize,
    pub partitions: Vec<PartitionDetail<'a>>,
}

/// A partition as the snapshot has it, plus its derived flags.
#[derive(Debug, Serialize)]
pub struct PartitionDetail<'a> {
    #[serde(flatten)]
    pub partition: &'a Partition,
    pub offline: bool,
    pub under_replicated: bool,
    pub under_min_isr: bool,
    pub leader_is_preferred: bool,
}

impl<'a> PartitionDetail<'a> {
    pub fn of(p: &'a Partition, min_insync_replicas: usize) -> Self {
        Self {
            partition: p,
            offline: p.is_offline(),
            under_replicated: p.is_under_replicated(),
            under_min_isr: p.is_under_min_isr(min_insync_replicas),
            leader_is_preferred: p.leader_is_preferred(),
        }
    }

    /// Messages the partition holds, when both ends of its log are known.
    fn messages(&self) -> Option<f64> {
        let p = self.partition;
        Some((p.latest_offset? - p.earliest_offset?) as f64)
    }

    /// Offline above under min ISR above under-replicated above a leader
    /// that is not the preferred one.
    fn health(&self) -> f64 {
        if self.offline {
            4.0
        } else if self.under_min_isr {
            3.0
        } else if self.under_replicated {
            2.0
        } else if !self.leader_is_preferred {
            1.0
        } else {
            0.0
        }
    }
}

/// What `?sort=` accepts for a topic's partitions; partition order unless
/// sorted. A function, not a constant: the rows borrow from the snapshot.
fn partition_sort_keys<'a>() -> [SortKey<PartitionDetail<'a>>; 11] {
    [
        ("partition", |p| number(Some(p.partition.partition))),
        ("leader", |p| number(p.partition.leader)),
        ("earliest_offset", |p| {
            number(p.partition.earliest_offset.map(|o| o as f64))
        }),
        ("latest_offset", |p| {
            number(p.partition.latest_offset.map(|o| o as f64))
        }),
        ("messages", |p| number(p.messages())),
        ("messages_in_per_sec", |p| {
            number(p.partition.messages_in_per_sec)
        }),
        ("size_bytes", |p| {
            number(p.partition.size_bytes.map(|b| b as f64))
        }),
        ("offline", |p| flag(p.offline)),
        ("under_replicated", |p| flag(p.under_replicated)),
        ("under_min_isr", |p| flag(p.under_min_isr)),
        ("health", |p| number(Some(p.health()))),
    ]
}

/// `GET /api/v1/clusters/{cluster}/topics/{topic}[?sort=&order=&offset=&limit=]`:
/// every partition unless `offset` or `limit` cut a page.
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, topic)): Path<(String, String)>,
    paging: PageQuery,
) -> Result<Response, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let t = s.topics.get(&topic).ok_or_else(|| ApiError::UnknownTopic {
        cluster: cluster.clone(),
        topic: topic.clone(),
    })?;
    let min_insync_replicas = t.min_insync_replicas();
    let partitions = t
        .partitions
        .iter()
        .map(|p| PartitionDetail::of(p, min_insync_replicas))
        .collect();
    let partitions = page(partitions, &paging, &partition_sort_keys())?;
    let detail = TopicDetail {
        cluster: &s.cluster,
        summary: TopicListItem::of(t),
        min_insync_replicas,
        configs: &t.configs,
        partitions_total: partitions.total,
        partitions_offset: partitions.offset,
        partitions: partitions.items,
    };
    // Serialized here, while the snapshot it borrows from is alive.
    Ok(Json(&detail).into_response())
}
