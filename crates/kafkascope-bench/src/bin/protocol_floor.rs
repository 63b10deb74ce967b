//! The protocol floor: the bare round trips a collection cycle needs, with
//! no processing beyond encoding and decoding.
//!
//! On ONE connection to the bootstrap broker it sends Metadata (all topics),
//! ListGroups, DescribeGroups (all groups in one request), OffsetFetch (all
//! groups in one v8+ request), and ListOffsets latest, latest read_committed
//! and earliest for every partition, first one after the other (each built
//! from the answers before it, as a client must), then all seven at once,
//! pipelined on the same connection, then all seven at once on seven
//! connections (does the broker answer connections in parallel?), then
//! "ordered": on seven connections, each request sent the moment what it
//! depends on has answered, the log end only after the committed offsets
//! (the fastest a correct collector can be). One warm-up round, then RUNS measured
//! rounds; medians are reported. DescribeLogDirs, which kafkascope's cycle
//! also sends where brokers offer it, is timed on its own, and once more in
//! an "ordered" round beside the seven (sent when Metadata is in, as the
//! cycle sends it): on brokers that must do its work on the same cores, that
//! round is the floor for the answers a cycle gets.
//!
//! On a cluster of several brokers every request goes where it belongs, to
//! all brokers at once: ListGroups, DescribeGroups and OffsetFetch to each
//! broker for the groups it coordinates (those it lists), ListOffsets to each
//! partition's leader, Metadata to the bootstrap broker. A step's time is
//! that of its slowest broker; "one connection" means one per broker, "seven
//! connections" seven per broker.
//!
//! Usage: protocol_floor BOOTSTRAP [RUNS]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::future::{BoxFuture, try_join_all};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kafka_protocol::messages::{
    BrokerId, DescribeGroupsRequest, DescribeLogDirsRequest, GroupId, ListGroupsRequest,
    ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, OffsetFetchRequest,
    TopicName,
};
use kafka_protocol::protocol::{Request, StrBytes};
use kafkascope_bench::{args, max, median, ms, peak_rss_kib};
use kafkascope_client::{ClientConfig, Connection};
use serde_json::json;

const USAGE: &str = "protocol_floor BOOTSTRAP [RUNS]";
const MULTI_GROUP_OFFSET_FETCH: i16 = 8;

/// The seven requests, in the order a cycle needs them.
const STEPS: [&str; 7] = [
    "metadata",
    "list_groups",
    "describe_groups",
    "offset_fetch",
    "list_offsets_latest",
    "list_offsets_committed",
    "list_offsets_earliest",
];

/// What the answers held, to show the floor covered the same data as a cycle.
#[derive(Debug, Default, Clone, PartialEq)]
struct Coverage {
    brokers: usize,
    topics: usize,
    partitions: usize,
    groups: usize,
    described_groups: usize,
    committed_partitions: usize,
    offsets: [usize; 3],
    error_codes: usize,
    /// Partitions with no leader among the brokers Metadata names.
    foreign_leaders: usize,
}

/// One round's timings per step, in milliseconds, and the round's total.
struct Round {
    steps: [f64; 7],
    total: f64,
    coverage: Coverage,
}

/// One broker: its connection for the sequential and pipelined rounds and
/// seven more for the rounds on seven connections.
struct Broker {
    conn: Connection,
    lanes: Vec<Connection>,
}

/// What one broker is asked in a round; `None` where it has nothing to
/// answer (no groups to coordinate, no partitions to lead).
#[derive(Default)]
struct BrokerRequests {
    describe_groups: Option<DescribeGroupsRequest>,
    offset_fetch: Option<OffsetFetchRequest>,
    list_offsets: [Option<ListOffsetsRequest>; 3],
}

/// Requests built from an earlier round's answers, for the pipelined round.
struct Requests {
    metadata: MetadataRequest,
    list_groups: ListGroupsRequest,
    brokers: Vec<BrokerRequests>,
}

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

fn metadata_request() -> MetadataRequest {
    MetadataRequest::default()
        .with_topics(None)
        .with_allow_auto_topic_creation(false)
}

fn describe_groups_request(groups: &[String]) -> DescribeGroupsRequest {
    DescribeGroupsRequest::default()
        .with_groups(groups.iter().map(|g| GroupId(str_bytes(g))).collect())
}

fn offset_fetch_request(groups: &[String]) -> OffsetFetchRequest {
    OffsetFetchRequest::default().with_groups(
        groups
            .iter()
            .map(|g| {
                OffsetFetchRequestGroup::default()
                    .with_group_id(GroupId(str_bytes(g)))
                    .with_topics(None)
            })
            .collect(),
    )
}

/// (timestamp, isolation level) for latest, latest read_committed, earliest.
const OFFSET_SPECS: [(i64, i8); 3] = [(-1, 0), (-1, 1), (-2, 0)];

fn list_offsets_request(
    topics: &BTreeMap<String, Vec<i32>>,
    (timestamp, isolation_level): (i64, i8),
) -> ListOffsetsRequest {
    ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(isolation_level)
        .with_topics(
            topics
                .iter()
                .map(|(topic, partitions)| {
                    ListOffsetsTopic::default()
                        .with_name(TopicName(str_bytes(topic)))
                        .with_partitions(
                            partitions
                                .iter()
                                .map(|&p| {
                                    ListOffsetsPartition::default()
                                        .with_partition_index(p)
                                        .with_timestamp(timestamp)
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// Per broker (index into `ids`), topic → the partitions it leads; and how
/// many partitions have no leader among `ids`.
fn partitions_by_leader(
    metadata: &MetadataResponse,
    ids: &[i32],
) -> (Vec<BTreeMap<String, Vec<i32>>>, usize) {
    let mut by_leader = vec![BTreeMap::new(); ids.len()];
    let mut leaderless = 0;
    for topic in &metadata.topics {
        let Some(name) = &topic.name else { continue };
        for partition in &topic.partitions {
            match ids.iter().position(|&id| id == partition.leader_id.0) {
                Some(i) => by_leader[i]
                    .entry(name.0.to_string())
                    .or_insert_with(Vec::new)
                    .push(partition.partition_index),
                None => leaderless += 1,
            }
        }
    }
    (by_leader, leaderless)
}

fn count_offsets(response: &ListOffsetsResponse, coverage: &mut Coverage) -> usize {
    let mut found = 0;
    for topic in &response.topics {
        for partition in &topic.partitions {
            if partition.error_code != 0 {
                coverage.error_codes += 1;
            } else if partition.offset >= 0 {
                found += 1;
            }
        }
    }
    found
}

/// Sends each `(connection, request)` at once (at `version`, else the
/// negotiated one) and waits for every answer; returns them in order and
/// the time until the last arrived.
async fn all_at_once<R: Request>(
    sends: Vec<(&Connection, &R)>,
    version: Option<i16>,
) -> anyhow::Result<(Vec<R::Response>, f64)> {
    let started = Instant::now();
    let answers = try_join_all(sends.into_iter().map(|(conn, request)| async move {
        match version {
            Some(v) => conn.send_at(request, v).await,
            None => conn.send(request).await,
        }
    }))
    .await?;
    Ok((answers, ms(started.elapsed())))
}

/// `(connection, request)` for every broker that has a request in `pick`.
fn sends<'c, 'r, R>(
    conns: impl Iterator<Item = &'c Connection>,
    requests: &'r [BrokerRequests],
    pick: impl Fn(&'r BrokerRequests) -> &'r Option<R>,
) -> Vec<(&'c Connection, &'r R)> {
    conns
        .zip(requests)
        .filter_map(|(conn, r)| pick(r).as_ref().map(|request| (conn, request)))
        .collect()
}

/// One sequential round: each step built from the answers before it, as
/// any client must, and sent to every broker at once.
async fn sequential(
    brokers: &[Broker],
    ids: &[i32],
    fetch_version: i16,
) -> anyhow::Result<(Round, Requests)> {
    let started = Instant::now();
    let mut steps = [0.0; 7];
    let mut coverage = Coverage {
        brokers: brokers.len(),
        ..Coverage::default()
    };
    let conns = || brokers.iter().map(|b| &b.conn);

    let metadata_req = metadata_request();
    let (metadata, t) = timed(brokers[0].conn.send(&metadata_req))
        .await
        .context("Metadata")?;
    steps[0] = t;
    let (by_leader, leaderless) = partitions_by_leader(&metadata, ids);
    coverage.topics = metadata.topics.iter().filter(|t| t.name.is_some()).count();
    coverage.partitions = leaderless
        + by_leader
            .iter()
            .flat_map(BTreeMap::values)
            .map(Vec::len)
            .sum::<usize>();
    coverage.foreign_leaders = leaderless;

    let list_groups_req = ListGroupsRequest::default();
    let (listed, t) = all_at_once(conns().map(|c| (c, &list_groups_req)).collect(), None)
        .await
        .context("ListGroups")?;
    steps[1] = t;
    let mut per_broker: Vec<BrokerRequests> = Vec::with_capacity(brokers.len());
    for answer in &listed {
        if answer.error_code != 0 {
            coverage.error_codes += 1;
        }
        let groups: Vec<String> = answer
            .groups
            .iter()
            .map(|g| g.group_id.0.to_string())
            .collect();
        coverage.groups += groups.len();
        let mut requests = BrokerRequests::default();
        if !groups.is_empty() {
            requests.describe_groups = Some(describe_groups_request(&groups));
            requests.offset_fetch = Some(offset_fetch_request(&groups));
        }
        per_broker.push(requests);
    }

    let (described, t) = all_at_once(sends(conns(), &per_broker, |r| &r.describe_groups), None)
        .await
        .context("DescribeGroups")?;
    steps[2] = t;
    for answer in &described {
        coverage.described_groups += answer.groups.len();
        coverage.error_codes += answer.groups.iter().filter(|g| g.error_code != 0).count();
    }

    let (fetched, t) = all_at_once(
        sends(conns(), &per_broker, |r| &r.offset_fetch),
        Some(fetch_version),
    )
    .await
    .context("OffsetFetch")?;
    steps[3] = t;
    for answer in &fetched {
        for group in &answer.groups {
            if group.error_code != 0 {
                coverage.error_codes += 1;
            }
            for topic in &group.topics {
                coverage.committed_partitions += topic
                    .partitions
                    .iter()
                    .filter(|p| p.error_code == 0 && p.committed_offset >= 0)
                    .count();
            }
        }
    }

    for (requests, topics) in per_broker.iter_mut().zip(&by_leader) {
        if !topics.is_empty() {
            requests.list_offsets =
                OFFSET_SPECS.map(|spec| Some(list_offsets_request(topics, spec)));
        }
    }
    for i in 0..OFFSET_SPECS.len() {
        let (answers, t) = all_at_once(sends(conns(), &per_broker, |r| &r.list_offsets[i]), None)
            .await
            .context("ListOffsets")?;
        steps[4 + i] = t;
        for answer in &answers {
            let found = count_offsets(answer, &mut coverage);
            coverage.offsets[i] += found;
        }
    }

    let round = Round {
        steps,
        total: ms(started.elapsed()),
        coverage,
    };
    let requests = Requests {
        metadata: metadata_req,
        list_groups: list_groups_req,
        brokers: per_broker,
    };
    Ok((round, requests))
}

/// Times one awaited request.
async fn timed<T>(
    future: impl std::future::Future<Output = kafkascope_client::Result<T>>,
) -> anyhow::Result<(T, f64)> {
    let started = Instant::now();
    let answer = future.await?;
    Ok((answer, ms(started.elapsed())))
}

/// The connection `broker` uses for step `i`: its one connection, or
/// lane `i` of its seven.
fn lane(broker: &Broker, i: usize, seven: bool) -> &Connection {
    if seven {
        &broker.lanes[i]
    } else {
        &broker.conn
    }
}

/// One pipelined round: all seven steps sent at once to every broker, on
/// one connection per broker (pipelined) or on seven (in parallel); each
/// step's time is from the start of the round to its last broker's answer.
async fn pipelined(
    brokers: &[Broker],
    requests: &Requests,
    fetch_version: i16,
    seven: bool,
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let since_start = move || ms(started.elapsed());
    let on = |i: usize| brokers.iter().map(move |b| lane(b, i, seven));
    let per = &requests.brokers;
    let calls: Vec<BoxFuture<'_, anyhow::Result<f64>>> = vec![
        Box::pin(async move {
            lane(&brokers[0], 0, seven).send(&requests.metadata).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(on(1).map(|c| (c, &requests.list_groups)).collect(), None).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(sends(on(2), per, |r| &r.describe_groups), None).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(sends(on(3), per, |r| &r.offset_fetch), Some(fetch_version)).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(sends(on(4), per, |r| &r.list_offsets[0]), None).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(sends(on(5), per, |r| &r.list_offsets[1]), None).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            all_at_once(sends(on(6), per, |r| &r.list_offsets[2]), None).await?;
            Ok(since_start())
        }),
    ];
    let answers = futures::future::join_all(calls).await;
    let total = ms(started.elapsed());
    let mut steps = [0.0; 7];
    for (i, answer) in answers.into_iter().enumerate() {
        steps[i] = answer.with_context(|| format!("pipelined {}", STEPS[i]))?;
    }
    Ok(Round {
        steps,
        total,
        coverage: Coverage::default(),
    })
}

/// One round in the order a correct collector must keep, each step on a
/// connection of its own per broker and sent the moment what it depends on
/// has answered: Metadata and ListGroups (every broker) at once;
/// DescribeGroups and OffsetFetch when the groups are listed; earliest and
/// read_committed offsets when Metadata is in; the log end only after every
/// broker's OffsetFetch (a group's commits may be on partitions any broker
/// leads, and lag must never be negative). Requests come prebuilt, so this
/// is below any client.
async fn ordered(
    brokers: &[Broker],
    requests: &Requests,
    fetch_version: i16,
    log_dirs: Option<&DescribeLogDirsRequest>,
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let since_start = move || ms(started.elapsed());
    let on = |i: usize| brokers.iter().map(move |b| &b.lanes[i]);
    let per = &requests.brokers;
    let groups_then_log_end = async {
        all_at_once(on(1).map(|c| (c, &requests.list_groups)).collect(), None).await?;
        let listed = since_start();
        let describe = async {
            all_at_once(sends(on(2), per, |r| &r.describe_groups), None).await?;
            anyhow::Ok(since_start())
        };
        let commits_then_log_end = async {
            all_at_once(sends(on(3), per, |r| &r.offset_fetch), Some(fetch_version)).await?;
            let fetched = since_start();
            all_at_once(sends(on(4), per, |r| &r.list_offsets[0]), None).await?;
            anyhow::Ok((fetched, since_start()))
        };
        let (described, commits) = futures::join!(describe, commits_then_log_end);
        let (fetched, log_end) = commits?;
        anyhow::Ok((listed, described?, fetched, log_end))
    };
    let metadata_then_offsets = async {
        brokers[0].lanes[0].send(&requests.metadata).await?;
        let metadata = since_start();
        let committed_end = async {
            all_at_once(sends(on(5), per, |r| &r.list_offsets[1]), None).await?;
            anyhow::Ok(since_start())
        };
        let earliest = async {
            all_at_once(sends(on(6), per, |r| &r.list_offsets[2]), None).await?;
            anyhow::Ok(since_start())
        };
        // Sent when Metadata is in, as kafkascope's cycle sends it, on a
        // connection of its own.
        let dirs = async {
            if let Some(request) = log_dirs {
                let on_eighth = brokers.iter().map(|b| (&b.lanes[STEPS.len()], request));
                all_at_once(on_eighth.collect(), None).await?;
            }
            anyhow::Ok(())
        };
        let (committed_end, earliest, dirs) = futures::join!(committed_end, earliest, dirs);
        dirs.context("DescribeLogDirs")?;
        anyhow::Ok((metadata, committed_end?, earliest?))
    };
    let (groups, offsets) = futures::join!(groups_then_log_end, metadata_then_offsets);
    let total = ms(started.elapsed());
    let (listed, described, fetched, log_end) = groups.context("ordered round, groups")?;
    let (metadata, committed_end, earliest) = offsets.context("ordered round, metadata")?;
    Ok(Round {
        steps: [
            metadata,
            listed,
            described,
            fetched,
            log_end,
            committed_end,
            earliest,
        ],
        total,
        coverage: Coverage::default(),
    })
}

fn summary(rounds: &[Round]) -> serde_json::Value {
    let mut steps = serde_json::Map::new();
    for (i, name) in STEPS.iter().enumerate() {
        let values: Vec<f64> = rounds.iter().map(|r| r.steps[i]).collect();
        steps.insert(name.to_string(), json!(median(&values)));
    }
    let totals: Vec<f64> = rounds.iter().map(|r| r.total).collect();
    json!({
        "steps_median_ms": steps,
        "total_median_ms": median(&totals),
        "total_max_ms": max(&totals),
        "totals_ms": totals,
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let (bootstrap, runs) = args(USAGE, 5)?;
    if runs == 0 {
        bail!("RUNS must be at least 1");
    }
    let config = ClientConfig {
        request_timeout: Duration::from_secs(120),
        ..ClientConfig::default()
    };
    let connect_started = Instant::now();
    let first = Connection::connect(&bootstrap, &config)
        .await
        .with_context(|| format!("connecting to {bootstrap}"))?;
    let connect_ms = ms(connect_started.elapsed());

    let fetch_version = first.version_for::<OffsetFetchRequest>(None)?;
    if fetch_version < MULTI_GROUP_OFFSET_FETCH {
        bail!("the broker speaks OffsetFetch only up to v{fetch_version}; the floor needs v8+");
    }
    // Every broker Metadata names, the bootstrap broker first (it answers
    // Metadata); each gets one connection and seven lanes.
    let metadata = first.send(&metadata_request()).await?;
    let mut named: Vec<(i32, String)> = metadata
        .brokers
        .iter()
        .map(|b| (b.node_id.0, format!("{}:{}", b.host, b.port)))
        .collect();
    named.sort_by_key(|(_, addr)| *addr != bootstrap);
    if named.is_empty() {
        bail!("Metadata named no brokers");
    }
    let mut brokers = Vec::new();
    for (i, (_, addr)) in named.iter().enumerate() {
        let conn = if i == 0 && *addr == bootstrap {
            first.clone()
        } else {
            Connection::connect(addr, &config)
                .await
                .with_context(|| format!("connecting to {addr}"))?
        };
        let mut lanes = Vec::new();
        // Seven lanes for the seven steps, an eighth for DescribeLogDirs.
        for _ in 0..=STEPS.len() {
            lanes.push(Connection::connect(addr, &config).await?);
        }
        brokers.push(Broker { conn, lanes });
    }
    let ids: Vec<i32> = named.iter().map(|(id, _)| *id).collect();

    eprintln!(
        "protocol floor against {bootstrap} ({} broker(s)): 1 warm-up round, then {runs} rounds each way",
        brokers.len()
    );
    let (_, requests) = sequential(&brokers, &ids, fetch_version).await?;
    let mut seq_rounds = Vec::new();
    let mut pipe_rounds = Vec::new();
    let mut parallel_rounds = Vec::new();
    let mut ordered_rounds = Vec::new();
    let mut with_dirs_rounds = Vec::new();
    let log_dirs_request = first
        .version_for::<DescribeLogDirsRequest>(None)
        .is_ok()
        .then(|| DescribeLogDirsRequest::default().with_topics(None));
    for _ in 0..runs {
        let (round, _) = sequential(&brokers, &ids, fetch_version).await?;
        seq_rounds.push(round);
        pipe_rounds.push(pipelined(&brokers, &requests, fetch_version, false).await?);
        parallel_rounds.push(pipelined(&brokers, &requests, fetch_version, true).await?);
        ordered_rounds.push(ordered(&brokers, &requests, fetch_version, None).await?);
        if let Some(request) = &log_dirs_request {
            let round = ordered(&brokers, &requests, fetch_version, Some(request)).await?;
            with_dirs_rounds.push(round);
        }
    }

    // DescribeLogDirs: part of kafkascope's cycle, not of the floor's seven;
    // every broker at once.
    let mut log_dirs_ms = Vec::new();
    if let Some(request) = &log_dirs_request {
        for _ in 0..runs {
            let (_, t) = all_at_once(brokers.iter().map(|b| (&b.conn, request)).collect(), None)
                .await
                .context("DescribeLogDirs")?;
            log_dirs_ms.push(t);
        }
    }

    let coverage = seq_rounds[0].coverage.clone();
    if coverage.foreign_leaders > 0 {
        eprintln!(
            "warning: {} partitions have no leader among the brokers Metadata names; the floor left them out",
            coverage.foreign_leaders
        );
    }
    let seq = summary(&seq_rounds);
    let pipe = summary(&pipe_rounds);
    let parallel = summary(&parallel_rounds);
    let ordered = summary(&ordered_rounds);
    let with_dirs = (!with_dirs_rounds.is_empty()).then(|| summary(&with_dirs_rounds));
    eprintln!(
        "{:<26} {:>12} {:>12} {:>12} {:>12}",
        "request (median ms)", "sequential", "pipelined*", "7 conns*", "ordered*"
    );
    let column = |round: &serde_json::Value, name: &str| {
        round["steps_median_ms"][name].as_f64().unwrap_or(0.0)
    };
    for name in STEPS {
        eprintln!(
            "{:<26} {:>12.1} {:>12.1} {:>12.1} {:>12.1}",
            name,
            column(&seq, name),
            column(&pipe, name),
            column(&parallel, name),
            column(&ordered, name)
        );
    }
    let total = |round: &serde_json::Value| round["total_median_ms"].as_f64().unwrap_or(0.0);
    eprintln!(
        "{:<26} {:>12.1} {:>12.1} {:>12.1} {:>12.1}",
        "total",
        total(&seq),
        total(&pipe),
        total(&parallel),
        total(&ordered)
    );
    eprintln!("* time from the start of the round until that answer arrived");
    eprintln!(
        "ordered: seven connections, each request sent once what it depends on has answered \
         (log end after OffsetFetch)"
    );
    if !log_dirs_ms.is_empty() {
        eprintln!(
            "describe_log_dirs (not in totals): {:.1} ms median",
            median(&log_dirs_ms)
        );
    }
    if let Some(with_dirs) = &with_dirs {
        eprintln!(
            "ordered with DescribeLogDirs (every broker, sent when Metadata is in, as a cycle \
             sends it): {:.1} ms median total, {:.1} ms max",
            total(with_dirs),
            with_dirs["total_max_ms"].as_f64().unwrap_or(0.0)
        );
    }
    eprintln!(
        "covered: {} broker(s), {} topics, {} partitions, {} groups ({} described), {} committed partitions, \
         offsets latest/committed/earliest {}/{}/{}, {} error codes",
        coverage.brokers,
        coverage.topics,
        coverage.partitions,
        coverage.groups,
        coverage.described_groups,
        coverage.committed_partitions,
        coverage.offsets[0],
        coverage.offsets[1],
        coverage.offsets[2],
        coverage.error_codes,
    );

    let report = json!({
        "bootstrap": bootstrap,
        "brokers": brokers.len(),
        "runs": runs,
        "connect_ms": connect_ms,
        "offset_fetch_version": fetch_version,
        "sequential": seq,
        "pipelined": pipe,
        "parallel_connections": parallel,
        "ordered": ordered,
        "ordered_with_log_dirs": with_dirs,
        "describe_log_dirs_median_ms": (!log_dirs_ms.is_empty()).then(|| median(&log_dirs_ms)),
        "coverage": {
            "topics": coverage.topics,
            "partitions": coverage.partitions,
            "groups": coverage.groups,
            "described_groups": coverage.described_groups,
            "committed_partitions": coverage.committed_partitions,
            "offsets_latest": coverage.offsets[0],
            "offsets_committed": coverage.offsets[1],
            "offsets_earliest": coverage.offsets[2],
            "error_codes": coverage.error_codes,
            "foreign_leaders": coverage.foreign_leaders,
        },
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{report}");
    Ok(())
}
