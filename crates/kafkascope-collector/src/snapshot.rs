//! The immutable picture of one cluster that a collection cycle publishes.
//! Everything readers show (metrics, JSON, CLI tables) is rendered from this;
//! nothing downstream talks to Kafka.

use std::collections::BTreeMap;
use std::sync::Arc;

pub use kafkascope_client::admin::{GroupType, LogDir, MetadataQuorum, QuorumReplica};
use serde::Serialize;

/// One cluster at one moment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterSnapshot {
    /// The name kafkascope was configured with (the `cluster` label).
    pub cluster: String,
    /// Kafka's own cluster id, where the broker reports one.
    pub cluster_id: Option<String>,
    /// The active controller: the KRaft quorum's leader, or on a ZooKeeper
    /// cluster the controller Metadata names.
    pub controller_id: Option<i32>,
    /// The KRaft metadata quorum (DescribeQuorum), where there is one.
    pub quorum: Option<MetadataQuorum>,
    /// Whether this cycle read the reassignments in progress; when not, a
    /// partition's `reassignment` being empty says nothing.
    pub reassignments_known: bool,
    /// When the cycle that built this snapshot started, in Unix milliseconds.
    pub collected_at_ms: i64,
    pub cycle_duration_ms: u64,
    /// True when the latest cycle failed and this is an older snapshot.
    pub stale: bool,
    pub brokers: Vec<Broker>,
    pub topics: BTreeMap<String, Topic>,
    pub groups: BTreeMap<String, ConsumerGroup>,
    /// APIs some broker does not offer; the figures they feed are absent.
    pub unsupported_apis: Vec<String>,
    /// What failed this cycle and where; the figures it covers are missing.
    pub errors: Vec<CollectionError>,
    /// How each collector fared this cycle.
    pub collectors: Vec<CollectorRun>,
    /// Requests sent to the cluster since kafkascope started, by API name.
    pub requests_sent: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Broker {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
    /// Whether kafkascope could talk to it this cycle.
    pub reachable: bool,
    /// Whether Metadata lists it; a broker only replica lists still name
    /// (stopped, fenced) is kept, down, but is not counted as registered.
    pub in_metadata: bool,
    /// Replicas hosted (partitions whose replica list contains this broker).
    pub partition_count: u32,
    pub leader_count: u32,
    /// Bytes in its log directories, where DescribeLogDirs is offered.
    pub log_dir_bytes: Option<u64>,
    /// Each log directory with its volume's capacity and free space, and
    /// the directories that failed (DescribeLogDirs).
    pub log_dirs: Vec<LogDir>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Topic {
    pub name: String,
    pub internal: bool,
    pub partitions: Vec<Partition>,
    /// Selected configs (retention, cleanup policy, min.insync.replicas…),
    /// shared with the cache they were read into.
    pub configs: Arc<BTreeMap<String, String>>,
    pub messages_in_per_sec: Option<f64>,
    pub bytes_in_per_sec: Option<f64>,
}

impl Topic {
    /// Replication factor: the longest replica list (they normally agree).
    pub fn replication_factor(&self) -> usize {
        self.partitions
            .iter()
            .map(|p| p.replicas.len())
            .max()
            .unwrap_or(0)
    }

    /// `min.insync.replicas` when DescribeConfigs answered, else Kafka's default 1.
    pub fn min_insync_replicas(&self) -> usize {
        self.configs
            .get("min.insync.replicas")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
    }

    pub fn size_bytes(&self) -> Option<u64> {
        self.partitions.iter().map(|p| p.size_bytes).sum()
    }

    pub fn latest_offset_sum(&self) -> i64 {
        self.partitions.iter().filter_map(|p| p.latest_offset).sum()
    }

    /// Partitions without a leader.
    pub fn offline_count(&self) -> usize {
        self.partitions.iter().filter(|p| p.is_offline()).count()
    }

    /// Partitions whose ISR is smaller than the topic's `min.insync.replicas`.
    pub fn under_min_isr_count(&self) -> usize {
        let min = self.min_insync_replicas();
        self.partitions
            .iter()
            .filter(|p| p.is_under_min_isr(min))
            .count()
    }

    pub fn under_replicated_count(&self) -> usize {
        self.partitions
            .iter()
            .filter(|p| p.is_under_replicated())
            .count()
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Partition {
    pub partition: i32,
    /// `None` when the partition has no leader.
    pub leader: Option<i32>,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    /// Log start offset (ListOffsets earliest).
    pub earliest_offset: Option<i64>,
    /// Log end offset / high watermark (ListOffsets latest).
    pub latest_offset: Option<i64>,
    /// Last stable offset (ListOffsets latest, read_committed).
    pub last_stable_offset: Option<i64>,
    pub size_bytes: Option<u64>,
    /// How far each follower is behind the leader's log end, as the
    /// follower's broker reports it (DescribeLogDirs `offset_lag`).
    pub follower_lag: Vec<FollowerLag>,
    /// Set while the partition's replicas are being reassigned.
    pub reassignment: Option<Reassignment>,
    pub messages_in_per_sec: Option<f64>,
    /// Why some figure for this partition is missing, if it is.
    pub error: Option<String>,
}

/// A reassignment in progress: `replicas` holds the target and the replicas
/// leaving until it completes.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Reassignment {
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct FollowerLag {
    pub broker: i32,
    /// Messages behind the leader's log end offset.
    pub offset_lag: i64,
}

impl Partition {
    pub fn is_offline(&self) -> bool {
        self.leader.is_none()
    }

    pub fn is_under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }

    /// Whether fewer replicas are in sync than acks=all produce needs. As
    /// the broker counts it (`UnderMinIsr`), the requirement is capped at
    /// the replica count: an RF-1 topic under `min.insync.replicas=2`
    /// accepts acks=all writes and is not under its minimum.
    pub fn is_under_min_isr(&self, min_insync_replicas: usize) -> bool {
        self.isr.len() < min_insync_replicas.min(self.replicas.len())
    }

    /// Exactly at the (capped) minimum: one more replica out of sync stops
    /// acks=all writes (the broker's `AtMinIsr`).
    pub fn is_at_min_isr(&self, min_insync_replicas: usize) -> bool {
        self.isr.len() == min_insync_replicas.min(self.replicas.len())
    }

    /// The preferred leader is the first replica.
    pub fn leader_is_preferred(&self) -> bool {
        self.leader.is_some() && self.leader == self.replicas.first().copied()
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ConsumerGroup {
    pub name: String,
    /// classic, consumer (KIP-848), share (KIP-932), streams.
    pub group_type: GroupType,
    /// Stable, Empty, PreparingRebalance, CompletingRebalance, Dead; consumer
    /// groups also Assigning and Reconciling.
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub coordinator: Option<i32>,
    /// Consumer and share groups: the group's epoch and the epoch of the
    /// assignment its members are moving to.
    pub group_epoch: Option<i32>,
    pub assignment_epoch: Option<i32>,
    pub members: Vec<GroupMember>,
    /// Committed offsets and lag, sorted by topic then partition.
    pub offsets: Vec<PartitionLag>,
    pub messages_consumed_per_sec: Option<f64>,
    /// Why some figure for this group is missing, if it is.
    pub error: Option<String>,
    /// Burrow-style evaluation: the worst partition's status.
    pub status: GroupStatus,
    /// Share of partitions whose evaluation window is full (Burrow's `complete`).
    pub complete: f64,
    /// When kafkascope last saw any of the group's committed offsets move.
    pub last_commit_at_ms: Option<i64>,
    /// Rebalances seen since kafkascope started (member set or rebalancing
    /// state changed between cycles).
    pub rebalances: u64,
    /// Offset commits that moved a partition, per second, over the window.
    pub commits_per_sec: Option<f64>,
    /// Why the group looks dead; empty when it does not.
    pub dead_reasons: Vec<DeadReason>,
    pub forecast: Option<CatchUpForecast>,
}

impl ConsumerGroup {
    /// Lag summed over the partitions whose lag is known; `None` when none
    /// is, so "unknown" never reads as "caught up".
    pub fn total_lag(&self) -> Option<i64> {
        sum_known(self.offsets.iter().map(|o| o.lag))
    }

    /// The largest known lag; `None` when none is known.
    pub fn max_lag(&self) -> Option<i64> {
        self.offsets.iter().filter_map(|o| o.lag).max()
    }

    /// The largest known lag in seconds; `None` when none is known.
    pub fn max_lag_seconds(&self) -> Option<f64> {
        self.offsets
            .iter()
            .filter_map(|o| o.lag_seconds)
            .fold(None, |max, s| Some(max.map_or(s, |m: f64| m.max(s))))
    }

    /// The largest known lag in seconds per topic, in topic order; topics
    /// without any known lag in seconds are left out.
    pub fn max_lag_seconds_by_topic(&self) -> Vec<(&str, f64)> {
        let mut topics: BTreeMap<&str, f64> = BTreeMap::new();
        for offset in &self.offsets {
            if let Some(seconds) = offset.lag_seconds {
                topics
                    .entry(&*offset.topic)
                    .and_modify(|max| *max = max.max(seconds))
                    .or_insert(seconds);
            }
        }
        topics.into_iter().collect()
    }

    /// Per-topic figures for this group, in topic order.
    pub fn topic_lags(&self) -> Vec<TopicLag<'_>> {
        let mut topics: BTreeMap<&str, TopicLag<'_>> = BTreeMap::new();
        for offset in &self.offsets {
            let entry = topics.entry(&*offset.topic).or_insert_with(|| TopicLag {
                topic: &offset.topic,
                partitions: 0,
                committed_offset_sum: 0,
                lag_sum: None,
                lag_max: None,
                messages_consumed_per_sec: None,
            });
            entry.partitions += 1;
            entry.committed_offset_sum += offset.committed_offset;
            if let Some(lag) = offset.lag {
                entry.lag_sum = Some(entry.lag_sum.unwrap_or(0) + lag);
                entry.lag_max = Some(entry.lag_max.unwrap_or(0).max(lag));
            }
            if let Some(rate) = offset.messages_consumed_per_sec {
                *entry.messages_consumed_per_sec.get_or_insert(0.0) += rate;
            }
        }
        topics.into_values().collect()
    }

    /// The member a partition is assigned to, if any.
    pub fn owner_of(&self, topic: &str, partition: i32) -> Option<&GroupMember> {
        self.members.iter().find(|m| {
            m.assignment
                .iter()
                .any(|a| a.topic == topic && a.partitions.contains(&partition))
        })
    }
}

/// One consumer group's position on one topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicLag<'a> {
    pub topic: &'a str,
    /// Partitions of the topic the group has committed offsets for.
    pub partitions: usize,
    pub committed_offset_sum: i64,
    /// Sum over the partitions whose lag is known; `None` when none is.
    pub lag_sum: Option<i64>,
    pub lag_max: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct GroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub assignment: Vec<TopicAssignment>,
    /// Consumer groups: the member's epoch and the assignment the
    /// coordinator is moving it to.
    pub member_epoch: Option<i32>,
    pub target_assignment: Option<Vec<TopicAssignment>>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TopicAssignment {
    pub topic: String,
    pub partitions: Vec<i32>,
}

/// A group's position on one partition.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PartitionLag {
    /// Shared by every group-partition of the topic (and by the health
    /// state kept for them): 20,000 copies of names cost a few MB.
    pub topic: Arc<str>,
    pub partition: i32,
    pub committed_offset: i64,
    /// The log end offset read after the commit (so lag is never negative).
    pub latest_offset: Option<i64>,
    /// `latest_offset - committed_offset`, clamped at zero; `None` when the
    /// log end is unknown this cycle.
    pub lag: Option<i64>,
    pub messages_consumed_per_sec: Option<f64>,
    /// Age of the oldest unconsumed record: now minus its timestamp; exactly
    /// 0 when caught up. `None` when neither read nor estimable.
    pub lag_seconds: Option<f64>,
    pub lag_seconds_source: Option<LagSecondsSource>,
    /// Records deleted by retention before the group read them (its commit
    /// is below the log start); `None` when nothing was lost.
    pub messages_lost: Option<i64>,
    pub status: PartitionStatus,
    /// When kafkascope last saw this committed offset move.
    pub last_commit_at_ms: Option<i64>,
    /// The oldest sample of the evaluation window (Burrow's `start`).
    pub window_start: Option<WindowSample>,
    /// Share of the evaluation window filled, 0 to 1 (Burrow's per-partition
    /// `complete`).
    pub window_complete: f64,
}

/// One sample of a group-partition's evaluation window.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct WindowSample {
    pub committed_offset: i64,
    /// When the cycle that took it started (Unix ms).
    pub observed_at_ms: i64,
    /// Lag as the evaluation saw it (0 when caught up); `None` when unknown.
    pub lag: Option<i64>,
}

/// How a partition's lag in seconds was obtained.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LagSecondsSource {
    /// Committed offset equals the log end.
    CaughtUp,
    /// From the timestamp of the record at the committed offset.
    RecordTimestamp,
    /// Interpolated from when the log end passed the committed offset.
    Estimated,
}

/// A partition's status, with Burrow's names, plus "not enough data" while
/// the evaluation window is still filling.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartitionStatus {
    #[default]
    NotEnoughData,
    Ok,
    /// Lag grew across the whole window while the consumer committed.
    Warn,
    /// Lagging, the offset unchanged across the whole window, and no live
    /// member owns the partition.
    Stop,
    /// Lagging, the offset unchanged across the whole window, while a live
    /// member could own it (our view of Burrow's "same offset committed").
    Stall,
    /// The committed offset moved backwards.
    Rewind,
}

impl PartitionStatus {
    /// The name as the JSON API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionStatus::NotEnoughData => "NOT_ENOUGH_DATA",
            PartitionStatus::Ok => "OK",
            PartitionStatus::Warn => "WARN",
            PartitionStatus::Stop => "STOP",
            PartitionStatus::Stall => "STALL",
            PartitionStatus::Rewind => "REWIND",
        }
    }
}

impl GroupStatus {
    /// The name as the JSON API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::NotEnoughData => "NOT_ENOUGH_DATA",
            GroupStatus::Ok => "OK",
            GroupStatus::Warn => "WARN",
            GroupStatus::Err => "ERR",
        }
    }
}

/// A group's status: its worst partition, as Burrow reports it.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupStatus {
    #[default]
    NotEnoughData,
    Ok,
    Warn,
    Err,
}

/// Why a group looks like nobody is consuming.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DeadReason {
    /// Lagging with no members.
    LagWithoutMembers,
    /// Members present, lagging, no commit progress for this long.
    NoCommitProgress { seconds: f64 },
    /// In PreparingRebalance/CompletingRebalance for this long.
    StuckRebalancing { seconds: f64 },
}

/// Where a lagging group is heading.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "trend", rename_all = "snake_case")]
pub enum CatchUpForecast {
    /// Consuming faster than producers write: lag gone in about this long.
    CatchingUp { seconds: f64 },
    /// Consuming slower: lag grows by this many messages a minute.
    FallingBehind { messages_per_minute: f64 },
}

/// Something that failed during a cycle, with where and in which step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectionError {
    /// The collector that hit it (`metadata`, `consumer_offsets`…).
    pub collector: String,
    /// A short stable label for metrics (`connection`, `timeout`, `kafka`…).
    pub kind: String,
    pub broker: Option<i32>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectorRun {
    pub name: String,
    pub duration_ms: f64,
    pub success: bool,
}

impl ClusterSnapshot {
    pub fn partition(&self, topic: &str, partition: i32) -> Option<&Partition> {
        self.topics
            .get(topic)?
            .partitions
            .iter()
            .find(|p| p.partition == partition)
    }

    pub fn broker(&self, id: i32) -> Option<&Broker> {
        self.brokers.iter().find(|b| b.id == id)
    }

    pub fn partition_count(&self) -> usize {
        self.topics.values().map(|t| t.partitions.len()).sum()
    }

    pub fn offline_partition_count(&self) -> usize {
        self.topics.values().map(Topic::offline_count).sum()
    }

    pub fn under_replicated_partition_count(&self) -> usize {
        self.topics
            .values()
            .map(Topic::under_replicated_count)
            .sum()
    }

    pub fn under_min_isr_partition_count(&self) -> usize {
        self.topics.values().map(Topic::under_min_isr_count).sum()
    }

    /// This cycle's errors counted by kind, in kind order.
    pub fn errors_by_kind(&self) -> Vec<(&str, usize)> {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for error in &self.errors {
            *kinds.entry(error.kind.as_str()).or_default() += 1;
        }
        kinds.into_iter().collect()
    }

    /// When the figures were collected; `None` for a stale placeholder
    /// published before any cycle succeeded.
    pub fn last_success_ms(&self) -> Option<i64> {
        Some(self.collected_at_ms).filter(|&ms| ms > 0)
    }

    pub fn partitions(&self) -> impl Iterator<Item = (&Topic, &Partition)> {
        self.topics
            .values()
            .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
    }
}

/// The sum of the known values, or `None` when none is known.
fn sum_known(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values
        .flatten()
        .fold(None, |sum, v| Some(sum.unwrap_or(0) + v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_the_serialized_names() {
        use PartitionStatus as P;
        for status in [
            P::NotEnoughData,
            P::Ok,
            P::Warn,
            P::Stop,
            P::Stall,
            P::Rewind,
        ] {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json.as_str(), Some(status.as_str()));
        }
        use GroupStatus as G;
        for status in [G::NotEnoughData, G::Ok, G::Warn, G::Err] {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json.as_str(), Some(status.as_str()));
        }
    }

    fn lag(topic: &str, partition: i32, committed: i64, lag: Option<i64>) -> PartitionLag {
        PartitionLag {
            topic: topic.into(),
            partition,
            committed_offset: committed,
            latest_offset: lag.map(|l| committed + l),
            lag,
            ..PartitionLag::default()
        }
    }

    #[test]
    fn unknown_lag_is_not_zero() {
        let group = ConsumerGroup {
            offsets: vec![lag("a", 0, 10, None), lag("b", 0, 5, Some(0))],
            ..Default::default()
        };
        assert_eq!(group.total_lag(), Some(0));
        assert_eq!(group.max_lag(), Some(0));
        let topics = group.topic_lags();
        assert_eq!(topics[0].topic, "a");
        assert_eq!(topics[0].lag_sum, None);
        assert_eq!(topics[0].committed_offset_sum, 10);
        assert_eq!(topics[1].lag_sum, Some(0));

        let unknown = ConsumerGroup {
            offsets: vec![lag("a", 0, 10, None)],
            ..Default::default()
        };
        assert_eq!(unknown.total_lag(), None);
        assert_eq!(unknown.max_lag(), None);
    }

    #[test]
    fn topic_lags_group_unsorted_offsets() {
        let group = ConsumerGroup {
            offsets: vec![
                lag("b", 0, 1, Some(3)),
                lag("a", 0, 1, Some(1)),
                lag("b", 1, 1, Some(4)),
            ],
            ..Default::default()
        };
        let topics = group.topic_lags();
        assert_eq!(topics.len(), 2);
        let b = &topics[1];
        assert_eq!(
            (b.topic, b.partitions, b.lag_sum, b.lag_max),
            ("b", 2, Some(7), Some(4))
        );
    }

    #[test]
    fn errors_by_kind_counts_in_kind_order() {
        let error = |kind: &str| CollectionError {
            collector: "c".into(),
            kind: kind.into(),
            broker: None,
            message: String::new(),
        };
        let snapshot = ClusterSnapshot {
            errors: vec![error("timeout"), error("kafka"), error("timeout")],
            ..Default::default()
        };
        assert_eq!(snapshot.errors_by_kind(), [("kafka", 1), ("timeout", 2)]);
        assert_eq!(snapshot.last_success_ms(), None);
    }
}
