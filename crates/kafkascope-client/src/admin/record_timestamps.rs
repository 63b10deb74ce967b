//! The age of the record at an offset: Fetch from each partition leader for
//! every (partition, offset) asked about, answered from the record batch
//! header where it says enough ([`super::record_batch_header`]).
//!
//! Several groups often sit on one partition a few records apart, and a
//! Fetch names a partition once. So each partition's offsets are read with
//! one fetch entry from the lowest, its byte budget grown with the distance
//! to the highest ([`fetch_spans`]), and the answer's batches are walked
//! once to settle every offset they reach ([`locate_each`]). With groups at
//! nearby offsets that is one request per broker; offsets farther apart
//! than a budget reaches go in a second request, sent at once.
//!
//! An answer need not reach every offset of its entry: the broker cuts it at
//! the budget, and cuts the first batch too unless the partition comes first
//! in the request. What is left is fetched again in rounds, each round one
//! request per broker for all its partitions: wider where the answer stopped
//! short of upper offsets, alone where not even the batch at the fetch
//! offset came whole (a broker returns that batch whole to the first
//! partition of a request only).

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, TopicName};
use uuid::Uuid;

use self::fetch_spans::{MAX_BYTES, Refetch, Span, plan, request_bytes};
use super::record_batch_header::{Located, Position, locate, locate_each};
use super::{Admin, ClusterMetadata, Partial, ShardError, TopicPartition, merge_shards, str_bytes};
use crate::connection::Connection;
use crate::error::{ClientError, Result};

const API: &str = "FetchRequest";
/// Fetch v13 names topics by id instead of by name.
const TOPIC_IDS_FROM: i16 = 13;
/// Rounds of fetches beyond one per offset of the busiest partition, for
/// long runs of control batches; each round moves every lookup on or
/// fails it.
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

mod fetch_spans;

/// One offset to read and where its walk through the log stands.
#[derive(Debug, Clone)]
struct Lookup {
    key: OffsetKey,
    topic_id: Option<Uuid>,
    position: Position,
    /// Why the last answer left it unread, once one has.
    refetch: Option<Refetch>,
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
            refetch: None,
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

/// Every lookup led by one broker: the first spans of all its partitions in
/// one request (further spans of a partition in further requests, sent at
/// once), then, round by round, whatever the answers did not reach.
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
    // Each round settles or moves on at least the lowest offset of every
    // span, so this bounds a partition with many offsets and long runs of
    // control batches alike.
    let rounds = 1 + MAX_REFETCHES + most_offsets_on_one_partition(&lookups);
    let mut answer = Partial::<Answers>::empty();
    let mut pending = lookups;
    for _ in 0..rounds {
        if pending.is_empty() {
            break;
        }
        let requests = plan(pending);
        let outcomes = futures::future::join_all(
            requests
                .into_iter()
                .map(|spans| fetch_spans(connection, version, spans)),
        )
        .await;
        pending = settle(connection, outcomes.into_iter().flatten(), &mut answer);
    }
    answer.errors.extend(pending.iter().map(|lookup| {
        let reason = format!("not reached after {rounds} rounds of fetches");
        lookup_error(lookup, records_error(connection, lookup, reason))
    }));
    Ok(answer)
}

fn most_offsets_on_one_partition(lookups: &[Lookup]) -> usize {
    let mut counts: BTreeMap<&TopicPartition, usize> = BTreeMap::new();
    for lookup in lookups {
        *counts.entry(&lookup.key.0).or_default() += 1;
    }
    counts.into_values().max().unwrap_or(0)
}

/// Files answers and errors; returns the lookups to fetch again, each with
/// how, failing those a lone fetch could not move.
fn settle(
    connection: &Connection,
    outcomes: impl Iterator<Item = (Span, bool, Vec<Result<Located>>)>,
    answer: &mut Partial<Answers>,
) -> Vec<Lookup> {
    let mut again = Vec::new();
    for (span, alone, results) in outcomes {
        for (lookup, outcome) in span.lookups.into_iter().zip(results) {
            match outcome {
                Ok(Located::Found(at)) => {
                    answer.value.insert(lookup.key, at);
                }
                // Not even the batch at the fetch offset came whole.
                Ok(Located::ReadMore(position)) if position == span.from && alone => {
                    let reason = format!(
                        "the broker returned no whole batch at offset {} even alone in a request",
                        position.next
                    );
                    let error = records_error(connection, &lookup, reason);
                    answer.errors.push(lookup_error(&lookup, error));
                }
                Ok(Located::ReadMore(position)) => {
                    let refetch = if position == span.from {
                        Refetch::Alone
                    } else {
                        Refetch::Wider
                    };
                    again.push(Lookup {
                        position,
                        refetch: Some(refetch),
                        ..lookup
                    });
                }
                Err(error) => answer.errors.push(lookup_error(&lookup, error)),
            }
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

/// Sends one request for `spans` and reads each span's answer, one result
/// per lookup; the flag says whether the span was alone in its request.
async fn fetch_spans(
    connection: &Connection,
    version: i16,
    spans: Vec<Span>,
) -> Vec<(Span, bool, Vec<Result<Located>>)> {
    let alone = spans.len() == 1;
    let request = request_for(&spans, version);
    let response = connection.send_at(&request, version).await;
    spans
        .into_iter()
        .map(|span| {
            let results = match &response {
                Ok(response) => read_span(connection, version, response, &span),
                Err(error) => span.lookups.iter().map(|_| Err(error.clone())).collect(),
            };
            (span, alone, results)
        })
        .collect()
}

fn request_for(spans: &[Span], version: i16) -> FetchRequest {
    let mut topics: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for span in spans {
        topics
            .entry(span.partition.0.as_str())
            .or_default()
            .push(span);
    }
    let fetch_topics = topics
        .into_iter()
        .map(|(name, spans)| {
            let topic = FetchTopic::default().with_partitions(
                spans
                    .iter()
                    .map(|span| {
                        FetchPartition::default()
                            .with_partition(span.partition.1)
                            .with_fetch_offset(span.from.next)
                            .with_partition_max_bytes(span.max_bytes)
                    })
                    .collect(),
            );
            match spans[0].topic_id.filter(|_| version >= TOPIC_IDS_FROM) {
                Some(id) => topic.with_topic_id(id),
                None => topic.with_topic(TopicName(str_bytes(name))),
            }
        })
        .collect();
    FetchRequest::default()
        // -1: a consumer, not a follower replica.
        .with_replica_id(BrokerId(-1))
        // Answer at once with whatever is there: we never wait for new data.
        .with_max_wait_ms(0)
        .with_min_bytes(0)
        .with_max_bytes(request_bytes(spans).min(MAX_BYTES))
        // READ_UNCOMMITTED: what a consumer that sees everything reads next.
        .with_isolation_level(0)
        // Session id 0 with epoch -1: a full fetch that opens no fetch session.
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(fetch_topics)
}

/// One result per lookup of `span`: an error of the whole partition is
/// every lookup's error.
fn read_span(
    connection: &Connection,
    version: i16,
    response: &FetchResponse,
    span: &Span,
) -> Vec<Result<Located>> {
    let each = |error: &dyn Fn(&Lookup) -> ClientError| {
        span.lookups.iter().map(|l| Err(error(l))).collect()
    };
    if response.error_code != 0 {
        return each(&|l| kafka_error(connection, response.error_code, l));
    }
    let Some(data) = partition_in(response, span, version) else {
        let (topic, partition) = &span.partition;
        return each(&|_| ClientError::Decode {
            addr: connection.addr().to_string(),
            api: API,
            version,
            reason: format!("the answer lacks {topic}-{partition}"),
        });
    };
    match data.error_code {
        0 => {
            let records = data.records.as_deref().unwrap_or_default();
            let from: Vec<Position> = span.lookups.iter().map(|l| l.position).collect();
            locate_each(records, &from, data.high_watermark)
                .into_iter()
                .zip(&span.lookups)
                .map(|(located, l)| {
                    located.map_err(|e| records_error(connection, l, e.to_string()))
                })
                .collect()
        }
        code if code == ResponseError::OffsetOutOfRange.code() => span
            .lookups
            .iter()
            .map(|l| out_of_range(connection, l, span.from, data))
            .collect(),
        code => each(&|l| kafka_error(connection, code, l)),
    }
}

fn partition_in<'a>(
    response: &'a FetchResponse,
    span: &Span,
    version: i16,
) -> Option<&'a PartitionData> {
    let (topic, partition) = &span.partition;
    response
        .responses
        .iter()
        .filter(
            |t| match span.topic_id.filter(|_| version >= TOPIC_IDS_FROM) {
                Some(id) => t.topic_id == id,
                None => t.topic.0.as_str() == topic,
            },
        )
        .flat_map(|t| &t.partitions)
        .find(|p| p.partition_index == *partition)
}

/// Kafka answers OFFSET_OUT_OF_RANGE on either side of the log and, unlike
/// a successful fetch, leaves log start and high watermark unknown (-1).
/// The error is about the fetch offset (`from`): a lookup above it that
/// the known bounds do not settle is fetched again from its own offset.
fn out_of_range(
    connection: &Connection,
    lookup: &Lookup,
    from: Position,
    data: &PartitionData,
) -> Result<Located> {
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
    if next > from.next {
        return Ok(Located::ReadMore(lookup.position));
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
