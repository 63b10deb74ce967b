//! The age of the record at an offset: Fetch from each partition leader for
//! every (partition, offset) asked about, answered from the record batch
//! header where it says enough ([`super::record_batch_header`]).
//!
//! One Fetch names a partition once, so several offsets of one partition go
//! out in rounds (round k carries each partition's k-th offset), pipelined
//! on the broker's connection; with one offset per partition that is one
//! request per broker. Each partition gets few bytes: the broker still
//! returns the first batch whole to the first partition of a request, and
//! an answer cut short is fetched again with that partition alone.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, TopicName};
use uuid::Uuid;

use super::record_batch_header::{Located, Position, locate};
use super::{Admin, ClusterMetadata, Partial, ShardError, TopicPartition, merge_shards, str_bytes};
use crate::connection::Connection;
use crate::error::{ClientError, Result};

const API: &str = "FetchRequest";
/// Enough for the batch header and a small first batch; a larger first
/// batch still comes whole when the partition is first in its request.
const PARTITION_MAX_BYTES: i32 = 512;
/// Kafka's default `fetch.max.bytes`, the bound on one answer.
const MAX_BYTES: i32 = 50 * 1024 * 1024;
/// Fetch v13 names topics by id instead of by name.
const TOPIC_IDS_FROM: i16 = 13;
/// Fetches of one partition, alone, after its answer in the shared request
/// was cut short; each makes progress or fails, so this only bounds a
/// long run of control batches.
const MAX_REFETCHES: usize = 8;

/// What the log holds at an offset, as far as its age is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAt {
    /// A data record with this timestamp, in milliseconds since the epoch
    /// (CreateTime, or LogAppendTime when the topic uses it).
    Timestamp(i64),
    /// Only transaction control records (commit/abort markers) between the
    /// offset and the high watermark: nothing is left to consume.
    OnlyControlRecords,
    /// The offset is at or past the high watermark: nothing to read.
    AtLogEnd,
    /// The offset is below the log start (deleted by retention); the field
    /// is the log start offset when the broker said it.
    BelowLogStart(Option<i64>),
}

/// A (partition, offset) asked about.
pub type OffsetKey = (TopicPartition, i64);
type Answers = BTreeMap<OffsetKey, RecordAt>;

/// One offset to read and where its walk through the log stands.
#[derive(Debug, Clone)]
struct Lookup {
    key: OffsetKey,
    topic_id: Option<Uuid>,
    position: Position,
}

impl Lookup {
    fn subject(&self) -> String {
        let ((topic, partition), offset) = &self.key;
        format!("{topic}-{partition} at offset {offset}")
    }
}

impl Admin {
    /// What a consumer at each wanted offset reads next: the record's
    /// timestamp, or why there is none. An offset that could not be read
    /// is absent from the answer and named in its errors.
    ///
    /// An offset out of range is `BelowLogStart` only when the broker says
    /// where the log starts (Kafka does not, on that error): otherwise it is
    /// an error, since the offset may as well lie past the log end.
    pub async fn record_timestamps(
        &self,
        metadata: &ClusterMetadata,
        wanted: &BTreeSet<OffsetKey>,
    ) -> Partial<Answers> {
        let (shards, unroutable) = route(metadata, wanted);
        let answers = self
            .fan_out(shards, |connection, lookups| async move {
                read_from_broker(&connection, lookups).await
            })
            .await;
        let mut merged = merge_shards(API, answers);
        merged.errors.extend(unroutable);
        merged
    }
}

/// Groups the lookups by partition leader; partitions without a known
/// leader become errors.
fn route(
    metadata: &ClusterMetadata,
    wanted: &BTreeSet<OffsetKey>,
) -> (Vec<(i32, Vec<Lookup>)>, Vec<ShardError>) {
    let mut placement = BTreeMap::new();
    for topic in &metadata.topics {
        for p in &topic.partitions {
            let key = (topic.name.as_str(), p.partition);
            placement.insert(key, (p.leader, topic.topic_id));
        }
    }
    let mut by_leader: BTreeMap<i32, Vec<Lookup>> = BTreeMap::new();
    let mut errors = Vec::new();
    for (tp, offset) in wanted {
        let lookup = Lookup {
            key: (tp.clone(), *offset),
            topic_id: None,
            position: Position::at(*offset),
        };
        match placement.get(&(tp.0.as_str(), tp.1)) {
            Some((Some(leader), topic_id)) => by_leader.entry(*leader).or_default().push(Lookup {
                topic_id: *topic_id,
                ..lookup
            }),
            Some((None, _)) => errors.push(unroutable(&lookup, ResponseError::LeaderNotAvailable)),
            None => errors.push(unroutable(&lookup, ResponseError::UnknownTopicOrPartition)),
        }
    }
    (by_leader.into_iter().collect(), errors)
}

fn unroutable(lookup: &Lookup, error: ResponseError) -> ShardError {
    let code = error.code();
    ShardError {
        broker: None,
        api: API,
        subject: lookup.subject(),
        error: ClientError::Kafka {
            addr: "metadata".into(),
            api: "MetadataRequest",
            code,
            name: crate::kafka_error_name(code),
            context: format!(" for {}", lookup.subject()),
        },
    }
}

/// Every lookup led by one broker: the rounds at once, then whatever was
/// cut short, each alone, until answered.
async fn read_from_broker(
    connection: &Connection,
    lookups: Vec<Lookup>,
) -> Result<Partial<Answers>> {
    // Without every topic's id, stay below the versions that need them.
    let cap = lookups
        .iter()
        .any(|l| l.topic_id.is_none())
        .then_some(TOPIC_IDS_FROM - 1);
    let version = connection.version_for::<FetchRequest>(cap)?;
    let rounds = into_rounds(lookups);
    let outcomes = futures::future::join_all(
        rounds
            .into_iter()
            .map(|round| fetch_round(connection, version, round)),
    )
    .await;
    let mut answer = Partial::<Answers>::empty();
    let mut again = settle(connection, outcomes.into_iter().flatten(), &mut answer);
    for _ in 0..MAX_REFETCHES {
        if again.is_empty() {
            break;
        }
        let alone = again
            .into_iter()
            .map(|lookup| fetch_round(connection, version, vec![lookup]));
        let outcomes = futures::future::join_all(alone).await;
        again = settle(connection, outcomes.into_iter().flatten(), &mut answer);
    }
    answer.errors.extend(again.iter().map(|lookup| {
        let reason = format!("no whole record batch after {MAX_REFETCHES} fetches");
        lookup_error(lookup, records_error(connection, lookup, reason))
    }));
    Ok(answer)
}

/// Round k holds each partition's k-th lookup: a Fetch names a partition once.
fn into_rounds(lookups: Vec<Lookup>) -> Vec<Vec<Lookup>> {
    let mut rounds: Vec<Vec<Lookup>> = Vec::new();
    let mut taken: BTreeMap<TopicPartition, usize> = BTreeMap::new();
    for lookup in lookups {
        let k = taken.entry(lookup.key.0.clone()).or_default();
        if rounds.len() <= *k {
            rounds.push(Vec::new());
        }
        rounds[*k].push(lookup);
        *k += 1;
    }
    rounds
}

/// Files answers and errors; returns the lookups that must be fetched again,
/// failing those whose lone fetch made no progress.
fn settle(
    connection: &Connection,
    outcomes: impl Iterator<Item = (Lookup, bool, Result<Located>)>,
    answer: &mut Partial<Answers>,
) -> Vec<Lookup> {
    let mut again = Vec::new();
    for (lookup, alone, outcome) in outcomes {
        match outcome {
            Ok(Located::Found(at)) => {
                answer.value.insert(lookup.key, at);
            }
            Ok(Located::ReadMore(position)) if alone && position == lookup.position => {
                let reason = format!(
                    "the broker returned no whole batch at offset {} even alone in a request",
                    position.next
                );
                let error = records_error(connection, &lookup, reason);
                answer.errors.push(lookup_error(&lookup, error));
            }
            Ok(Located::ReadMore(position)) => again.push(Lookup { position, ..lookup }),
            Err(error) => answer.errors.push(lookup_error(&lookup, error)),
        }
    }
    again
}

fn lookup_error(lookup: &Lookup, error: ClientError) -> ShardError {
    ShardError {
        broker: None,
        api: API,
        subject: lookup.subject(),
        error,
    }
}

/// Sends one request for `round` and reads each partition's answer; the
/// flag says whether the lookup was alone in its request.
async fn fetch_round(
    connection: &Connection,
    version: i16,
    round: Vec<Lookup>,
) -> Vec<(Lookup, bool, Result<Located>)> {
    let alone = round.len() == 1;
    let request = request_for(&round, version);
    let response = connection.send_at(&request, version).await;
    round
        .into_iter()
        .map(|lookup| {
            let outcome = match &response {
                Ok(response) => read_partition(connection, version, response, &lookup),
                Err(error) => Err(error.clone()),
            };
            (lookup, alone, outcome)
        })
        .collect()
}

fn request_for(round: &[Lookup], version: i16) -> FetchRequest {
    let mut topics: BTreeMap<&str, Vec<&Lookup>> = BTreeMap::new();
    for lookup in round {
        topics
            .entry(lookup.key.0.0.as_str())
            .or_default()
            .push(lookup);
    }
    let fetch_topics = topics
        .into_iter()
        .map(|(name, lookups)| {
            let topic = FetchTopic::default().with_partitions(
                lookups
                    .iter()
                    .map(|l| {
                        FetchPartition::default()
                            .with_partition(l.key.0.1)
                            .with_fetch_offset(l.position.next)
                            .with_partition_max_bytes(PARTITION_MAX_BYTES)
                    })
                    .collect(),
            );
            match lookups[0].topic_id.filter(|_| version >= TOPIC_IDS_FROM) {
                Some(id) => topic.with_topic_id(id),
                None => topic.with_topic(TopicName(str_bytes(name))),
            }
        })
        .collect();
    let partitions = i32::try_from(round.len()).unwrap_or(i32::MAX);
    FetchRequest::default()
        // -1: a consumer, not a follower replica.
        .with_replica_id(BrokerId(-1))
        // Answer at once with whatever is there: we never wait for new data.
        .with_max_wait_ms(0)
        .with_min_bytes(0)
        .with_max_bytes(
            PARTITION_MAX_BYTES
                .saturating_mul(partitions)
                .min(MAX_BYTES),
        )
        // READ_UNCOMMITTED: what a consumer that sees everything reads next.
        .with_isolation_level(0)
        // Session id 0 with epoch -1: a full fetch that opens no fetch session.
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(fetch_topics)
}

fn read_partition(
    connection: &Connection,
    version: i16,
    response: &FetchResponse,
    lookup: &Lookup,
) -> Result<Located> {
    if response.error_code != 0 {
        return Err(kafka_error(connection, response.error_code, lookup));
    }
    let ((topic, partition), _) = &lookup.key;
    let data = response
        .responses
        .iter()
        .filter(
            |t| match lookup.topic_id.filter(|_| version >= TOPIC_IDS_FROM) {
                Some(id) => t.topic_id == id,
                None => t.topic.0.as_str() == topic,
            },
        )
        .flat_map(|t| &t.partitions)
        .find(|p| p.partition_index == *partition)
        .ok_or_else(|| ClientError::Decode {
            addr: connection.addr().to_string(),
            api: API,
            version,
            reason: format!("the answer lacks {topic}-{partition}"),
        })?;
    match data.error_code {
        0 => {
            let records = data.records.as_deref().unwrap_or_default();
            locate(records, lookup.position, data.high_watermark)
                .map_err(|e| records_error(connection, lookup, e.to_string()))
        }
        code if code == ResponseError::OffsetOutOfRange.code() => {
            out_of_range(connection, lookup, data)
        }
        code => Err(kafka_error(connection, code, lookup)),
    }
}

/// Kafka answers OFFSET_OUT_OF_RANGE on either side of the log and, unlike
/// a successful fetch, leaves log start and high watermark unknown (-1).
fn out_of_range(connection: &Connection, lookup: &Lookup, data: &PartitionData) -> Result<Located> {
    let next = lookup.position.next;
    if data.log_start_offset >= 0 && next < data.log_start_offset {
        return Ok(Located::Found(RecordAt::BelowLogStart(Some(
            data.log_start_offset,
        ))));
    }
    if data.high_watermark >= 0 && next >= data.high_watermark {
        return locate(&[], lookup.position, data.high_watermark)
            .map_err(|e| records_error(connection, lookup, e.to_string()));
    }
    let mut error = kafka_error(connection, data.error_code, lookup);
    if let ClientError::Kafka { context, .. } = &mut error {
        context.push_str(" (the broker did not say where the log starts or ends)");
    }
    Err(error)
}

fn kafka_error(connection: &Connection, code: i16, lookup: &Lookup) -> ClientError {
    super::kafka_error(connection, API, code, format!(" for {}", lookup.subject()))
}

fn records_error(connection: &Connection, lookup: &Lookup, reason: String) -> ClientError {
    ClientError::Records {
        addr: connection.addr().to_string(),
        context: format!(" for {}", lookup.subject()),
        reason,
    }
}
