//! The working state of one collection cycle: what each collector learnt,
//! and what failed, until [`crate::assemble`] turns it into a snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::SystemTime;

use kafkascope_client::ClientError;
use kafkascope_client::admin::{
    Admin, BrokerLogDirs, ClusterMetadata, DescribedGroup, GroupOffsets, GroupType, ListedGroup,
    MetadataQuorum, OffsetsByTopic, Partial, PartitionReassignment, RecordAt, ShardError,
    TopicPartition,
};

use crate::settings::CollectorSettings;
use crate::snapshot::CollectionError;

/// A group's committed offsets, by (topic, partition).
pub type Offsets = BTreeMap<TopicPartition, i64>;

/// What the log holds at committed offsets: by topic, its ((partition,
/// offset), record) pairs sorted. Topic first, so a group's partitions of
/// one topic cost one string lookup rather than one each (20,000 a cycle at
/// bench size); sorted vectors, built from sorted runs, rather than a
/// B-tree per topic rebuilt every cycle.
pub type RecordsAt = BTreeMap<String, Vec<((i32, i64), RecordAt)>>;

/// The record at `partition` and `offset` among one topic's sorted pairs.
pub fn record_at(records: &[((i32, i64), RecordAt)], at: (i32, i64)) -> Option<&RecordAt> {
    records
        .binary_search_by_key(&at, |(key, _)| *key)
        .ok()
        .map(|i| &records[i].1)
}

/// The answers to ListOffsets(earliest) and ListOffsets(read_committed end).
pub struct EarlyOffsets {
    pub earliest: Partial<OffsetsByTopic>,
    pub last_stable: Partial<OffsetsByTopic>,
}

/// What the controllers know (DescribeQuorum, ListPartitionReassignments).
pub struct ControllerAnswers {
    pub quorum: kafkascope_client::Result<MetadataQuorum>,
    pub reassignments: kafkascope_client::Result<Vec<PartitionReassignment>>,
}

/// What a cycle leaves behind (see [`Cycle::take_leftovers`]); dropping
/// it frees it.
#[allow(dead_code)] // held only to be freed
pub struct Leftovers {
    log_dirs: Option<Vec<BrokerLogDirs>>,
    topic_configs: Arc<BTreeMap<String, Arc<BTreeMap<String, String>>>>,
    metadata: Option<Arc<ClusterMetadata>>,
}

/// ListGroups sent beside Metadata to the brokers the previous cycle knew,
/// and the reads it started the moment the groups were listed.
pub struct EarlyListing {
    pub asked: BTreeSet<i32>,
    pub listed: Partial<Vec<ListedGroup>>,
    pub progress: GroupProgress,
}

/// The groups admitted by the filter, by coordinator, with the type of each.
pub type GroupsByCoordinator = BTreeMap<i32, Vec<(String, GroupType)>>;

/// The reads of where groups have got to, started together: their commits,
/// then the log end once the commits have answered (and Metadata has said
/// which broker leads what).
pub struct GroupProgress {
    /// The groups whose commits are read.
    pub groups: GroupsByCoordinator,
    pub commits: tokio::task::JoinHandle<Partial<Vec<GroupOffsets>>>,
    /// `None` inside when the commits' task or Metadata was lost first.
    pub log_end: tokio::task::JoinHandle<Option<Partial<OffsetsByTopic>>>,
}

pub struct Cycle<'a> {
    pub admin: &'a Admin,
    pub settings: &'a CollectorSettings,
    pub started_at: SystemTime,
    /// Shared, so reads started early can run beside later collectors.
    pub metadata: Option<Arc<ClusterMetadata>>,
    /// Log start and read_committed end offsets, requested right after
    /// Metadata and collected by the log_offsets collector.
    pub early_offsets: Option<tokio::task::JoinHandle<EarlyOffsets>>,
    /// The groups listed while Metadata was read, collected by the
    /// consumer_groups collector, which squares it with the brokers Metadata named.
    pub early_listing: Option<tokio::task::JoinHandle<EarlyListing>>,
    /// Hands this cycle's Metadata to the early listing's log-end read.
    pub metadata_for_log_end: Option<tokio::sync::oneshot::Sender<Arc<ClusterMetadata>>>,
    pub groups: Vec<DescribedGroup>,
    /// OffsetFetch of the listed groups, started before DescribeGroups and
    /// collected by the committed_offsets collector.
    pub pending_commits: Option<tokio::task::JoinHandle<Partial<Vec<GroupOffsets>>>>,
    /// ListOffsets(latest), sent the moment the commits have answered
    /// (beside DescribeGroups) and collected by the log_offsets collector;
    /// `None` inside when the commits' task was lost before answering.
    pub early_log_end: Option<tokio::task::JoinHandle<Option<Partial<OffsetsByTopic>>>>,
    /// Group → committed offsets, read before the log end offsets.
    pub committed: BTreeMap<String, Offsets>,
    pub earliest: OffsetsByTopic,
    pub latest: OffsetsByTopic,
    pub last_stable: OffsetsByTopic,
    pub log_dirs: Option<Vec<BrokerLogDirs>>,
    /// DescribeLogDirs and the controllers' answers, requested right after
    /// Metadata on the side lane (no lag waits for them) and collected by
    /// the log_dirs and controller_state collectors.
    pub early_log_dirs: Option<tokio::task::JoinHandle<Partial<Vec<BrokerLogDirs>>>>,
    pub early_controller: Option<tokio::task::JoinHandle<ControllerAnswers>>,
    /// The KRaft metadata quorum, where the cluster runs one.
    pub quorum: Option<MetadataQuorum>,
    /// Partitions whose replicas are moving; `None` when not read.
    pub reassignments: Option<Vec<PartitionReassignment>>,
    /// Shared with the config cache, which keeps it between reads.
    pub topic_configs: Arc<BTreeMap<String, Arc<BTreeMap<String, String>>>>,
    /// What the log holds at each committed offset that lags (the record
    /// whose age is the lag in seconds); absent where it could not be read.
    pub records_at: RecordsAt,
    pub errors: Vec<CollectionError>,
    pub unsupported_apis: BTreeSet<String>,
    /// Brokers that could not be talked to this cycle.
    pub unreachable_brokers: BTreeSet<i32>,
}

impl<'a> Cycle<'a> {
    pub fn new(admin: &'a Admin, settings: &'a CollectorSettings) -> Self {
        Self {
            admin,
            settings,
            started_at: SystemTime::now(),
            metadata: None,
            early_offsets: None,
            early_listing: None,
            metadata_for_log_end: None,
            groups: Vec::new(),
            early_log_dirs: None,
            early_controller: None,
            quorum: None,
            reassignments: None,
            pending_commits: None,
            early_log_end: None,
            committed: BTreeMap::new(),
            earliest: OffsetsByTopic::default(),
            latest: OffsetsByTopic::default(),
            last_stable: OffsetsByTopic::default(),
            log_dirs: None,
            topic_configs: Arc::default(),
            records_at: BTreeMap::new(),
            errors: Vec::new(),
            unsupported_apis: BTreeSet::new(),
            unreachable_brokers: BTreeSet::new(),
        }
    }

    /// Records a failure. An API the broker does not offer is noted once as
    /// unsupported rather than as an error: nothing was sent, nothing broke.
    pub fn record(
        &mut self,
        collector: &str,
        broker: Option<i32>,
        subject: &str,
        error: &ClientError,
    ) {
        if let ClientError::UnsupportedApi { api, .. } = error {
            self.unsupported_apis.insert(api.to_string());
            return;
        }
        if let Some(broker) = broker.filter(|_| error.is_unreachable()) {
            self.unreachable_brokers.insert(broker);
        }
        let message = if subject.is_empty() {
            error.to_string()
        } else {
            format!("{subject}: {error}")
        };
        self.errors.push(CollectionError {
            collector: collector.to_string(),
            kind: error.kind().to_string(),
            broker,
            message,
        });
    }

    pub fn record_shards(&mut self, collector: &str, errors: Vec<ShardError>) {
        for e in errors {
            self.record(collector, e.broker, &e.subject, &e.error);
        }
    }

    /// The answers left once the snapshot is built and evaluated, taken
    /// out to be freed away from the cycle: tens of thousands of small
    /// allocations whose freeing would otherwise add to every cycle's time.
    pub fn take_leftovers(&mut self) -> Leftovers {
        Leftovers {
            log_dirs: self.log_dirs.take(),
            topic_configs: std::mem::take(&mut self.topic_configs),
            metadata: self.metadata.take(),
        }
    }

    /// The cycle's metadata, owned: unwrapped when no early read still
    /// shares it (they have all been collected by assembly), else copied.
    pub fn take_metadata(&mut self) -> ClusterMetadata {
        match self.metadata.take() {
            Some(shared) => Arc::try_unwrap(shared).unwrap_or_else(|shared| (*shared).clone()),
            None => ClusterMetadata::default(),
        }
    }

    pub fn metadata(&self) -> &ClusterMetadata {
        static EMPTY: ClusterMetadata = ClusterMetadata {
            cluster_id: None,
            controller_id: None,
            brokers: Vec::new(),
            topics: Vec::new(),
        };
        self.metadata.as_deref().unwrap_or(&EMPTY)
    }
}

/// The answer of a read started earlier in the cycle; `None` when it was
/// not started or its task was lost (the runtime shutting down), and the
/// collector that takes it reads now instead.
pub async fn started<T>(task: Option<tokio::task::JoinHandle<T>>) -> Option<T> {
    match task {
        Some(task) => task.await.ok(),
        None => None,
    }
}
