//! `/api/v1/clusters/{cluster}/topics` and `.../topics/{topic}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use kafkascope_collector::snapshot::{Partition, Topic};
use serde::Serialize;

use super::list_page::{SortKey, SortValue, number, page};
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
) -> Result<Json<TopicList>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let topics = s
        .topics
        .values()
        .filter(|t| query.keeps(&t.name))
        .map(TopicListItem::of)
        .collect();
    let page = page(topics, &query, SORT_KEYS)?;
    Ok(Json(TopicList {
        cluster: s.cluster.clone(),
        total: page.total,
        offset: page.offset,
        topics: page.items,
    }))
}

/// A topic in full: the list figures, its configs and every partition.
#[derive(Debug, Serialize)]
pub struct TopicDetail {
    pub cluster: String,
    #[serde(flatten)]
    pub summary: TopicListItem,
    /// `min.insync.replicas` as the flags below use it (1 when not known).
    pub min_insync_replicas: usize,
    pub configs: BTreeMap<String, String>,
    pub partitions: Vec<PartitionDetail>,
}

/// A partition as the snapshot has it, plus its derived flags.
#[derive(Debug, Serialize)]
pub struct PartitionDetail {
    #[serde(flatten)]
    pub partition: Partition,
    pub offline: bool,
    pub under_replicated: bool,
    pub under_min_isr: bool,
    pub leader_is_preferred: bool,
}

/// `GET /api/v1/clusters/{cluster}/topics/{topic}`.
pub async fn detail(
    State(state): State<AppState>,
    Path((cluster, topic)): Path<(String, String)>,
) -> Result<Json<TopicDetail>, ApiError> {
    let s = snapshot(&state, &cluster)?;
    let t = s.topics.get(&topic).ok_or_else(|| ApiError::UnknownTopic {
        cluster: cluster.clone(),
        topic: topic.clone(),
    })?;
    let min_insync_replicas = t.min_insync_replicas();
    let partitions = t
        .partitions
        .iter()
        .map(|p| PartitionDetail {
            offline: p.is_offline(),
            under_replicated: p.is_under_replicated(),
            under_min_isr: p.is_under_min_isr(min_insync_replicas),
            leader_is_preferred: p.leader_is_preferred(),
            partition: p.clone(),
        })
        .collect();
    Ok(Json(TopicDetail {
        cluster: s.cluster.clone(),
        summary: TopicListItem::of(t),
        min_insync_replicas,
        configs: t.configs.clone(),
        partitions,
    }))
}
