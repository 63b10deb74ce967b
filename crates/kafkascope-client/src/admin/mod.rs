//! The admin layer: one logical request, sharded by partition leader or group
//! coordinator, sent to every shard at once, merged into one result.
//!
//! Results are partial, never all-or-nothing: each call returns what the
//! shards that answered said, plus a [`ShardError`] for each broker, group or
//! partition that failed and why. A caller that ignores `errors` still knows
//! nothing it returns is invented.

mod consumer_protocol;
mod describe_cluster;
mod describe_configs;
mod describe_quorum;
mod find_coordinator;
mod groups;
mod list_offsets;
mod list_reassignments;
mod log_dirs;
mod metadata;
mod offset_fetch;
mod offsets_by_topic;
pub mod record_batch_header;
mod record_timestamps;
mod share_group_offsets;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use kafka_protocol::protocol::StrBytes;

use crate::broker_pool::BrokerPool;
use crate::connection::Connection;
use crate::error::{ClientError, Result};

pub use consumer_protocol::decode_consumer_assignment;
pub use describe_cluster::DescribedCluster;
pub use describe_quorum::{MetadataQuorum, QuorumReplica};
pub use groups::{DescribedGroup, DescribedMember, GroupType, ListedGroup};
pub use list_offsets::OffsetSpec;
pub use list_reassignments::PartitionReassignment;
pub use log_dirs::{BrokerLogDirs, LogDir};
pub use metadata::{BrokerMetadata, ClusterMetadata, PartitionMetadata, TopicMetadata};
pub use offset_fetch::GroupOffsets;
pub use offsets_by_topic::OffsetsByTopic;
pub use record_timestamps::{OffsetKey, RecordAt};

/// The lane of the reads no lag waits for (DescribeLogDirs, DescribeQuorum,
/// ListPartitionReassignments): a broker works on one connection's requests
/// in order, so on a lane of their own they never hold up OffsetFetch or
/// ListOffsets (see `ClientConfig::connections_per_broker`).
const SIDE_LANE: usize = 4;

/// The lane of OffsetFetch: the commits are asked for the moment the groups
/// are listed, while Metadata is still being answered on lane 0, and a
/// broker would make them wait behind it on the same connection.
const COMMITS_LANE: usize = 5;

/// A topic-partition key, ordered by topic then partition.
pub type TopicPartition = (String, i32);

/// One shard (broker, group or partition) that failed.
#[derive(Debug, Clone)]
pub struct ShardError {
    /// The broker the shard was routed to, when known.
    pub broker: Option<i32>,
    pub api: &'static str,
    /// What the shard was about (`group g1`, `orders-3`), empty for a whole broker.
    pub subject: String,
    pub error: ClientError,
}

/// What the shards that answered said, and which ones did not.
#[derive(Debug, Clone)]
pub struct Partial<T> {
    pub value: T,
    pub errors: Vec<ShardError>,
}

/// Read-only administrative requests against one cluster.
#[derive(Clone)]
pub struct Admin {
    pool: Arc<BrokerPool>,
}

impl Admin {
    pub fn new(pool: Arc<BrokerPool>) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &BrokerPool {
        &self.pool
    }

    /// Runs `request` once per shard, concurrently, each on its broker's
    /// connection. A broker that cannot be reached fails only its own shard.
    async fn fan_out<P, T, F, Fut>(
        &self,
        shards: Vec<(i32, P)>,
        request: F,
    ) -> Vec<(i32, Result<T>)>
    where
        F: Fn(Connection, P) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.fan_out_on_lane(0, shards, request).await
    }

    /// [`Admin::fan_out`] on the given connection lane of each broker.
    async fn fan_out_on_lane<P, T, F, Fut>(
        &self,
        lane: usize,
        shards: Vec<(i32, P)>,
        request: F,
    ) -> Vec<(i32, Result<T>)>
    where
        F: Fn(Connection, P) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let request = &request;
        let calls = shards.into_iter().map(|(broker, payload)| async move {
            let result = match self.pool.connection_on_lane(broker, lane).await {
                Ok(connection) => request(connection, payload).await,
                Err(error) => Err(error),
            };
            (broker, result)
        });
        futures::future::join_all(calls).await
    }
}

impl Admin {
    /// Runs `request` on the first known broker that can be reached (on the
    /// side lane): for requests any broker forwards to the controllers.
    async fn on_any_broker<T, F, Fut>(&self, request: F) -> Result<T>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut last_error = None;
        for broker in self.pool.brokers().into_keys() {
            match self.pool.connection_on_lane(broker, SIDE_LANE).await {
                Ok(connection) => return request(connection).await,
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error
            .unwrap_or_else(|| ClientError::NoBrokerReachable("no broker is known".into())))
    }
}

impl<C: Default> Partial<C> {
    fn empty() -> Self {
        Partial {
            value: C::default(),
            errors: Vec::new(),
        }
    }
}

/// What one shard's answer is merged into.
trait MergeShard {
    fn merge(&mut self, shard: Self);
}

impl<T> MergeShard for Vec<T> {
    fn merge(&mut self, mut shard: Self) {
        self.append(&mut shard);
    }
}

impl<K: Ord, V> MergeShard for BTreeMap<K, V> {
    /// Both maps are sorted: `append` merges them in one pass and builds
    /// the tree in bulk, where `extend` searched it once per entry (a third
    /// of ListOffsets' time at 10,000 partitions on 3 brokers).
    fn merge(&mut self, mut shard: Self) {
        self.append(&mut shard);
    }
}

/// Merges each shard's partial answer; a failed shard becomes one error
/// naming its broker.
fn merge_shards<C>(api: &'static str, answers: Vec<(i32, Result<Partial<C>>)>) -> Partial<C>
where
    C: Default + MergeShard,
{
    let mut merged = Partial::<C>::empty();
    for (broker, answer) in answers {
        match answer {
            Ok(shard) => {
                merged.value.merge(shard.value);
                merged
                    .errors
                    .extend(shard.errors.into_iter().map(|e| ShardError {
                        broker: Some(broker),
                        ..e
                    }));
            }
            Err(error) => merged.errors.push(ShardError {
                broker: Some(broker),
                api,
                subject: String::new(),
                error,
            }),
        }
    }
    merged
}

pub(crate) fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// Turns a non-zero Kafka error code into an error naming where it happened.
pub(crate) fn kafka_error(
    connection: &Connection,
    api: &'static str,
    code: i16,
    context: String,
) -> ClientError {
    ClientError::Kafka {
        addr: connection.addr().to_string(),
        api,
        code,
        name: crate::kafka_error_name(code),
        context,
    }
}
