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
//! also sends, is timed on its own and kept out of the totals.
//!
//! The floor assumes a single-broker cluster (the benchmark's tansu): every
//! request goes to the bootstrap broker.
//!
//! Usage: protocol_floor BOOTSTRAP [RUNS]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::future::BoxFuture;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kafka_protocol::messages::{
    BrokerId, DescribeGroupsRequest, DescribeLogDirsRequest, GroupId, ListGroupsRequest,
    ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, OffsetFetchRequest,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;
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
    topics: usize,
    partitions: usize,
    groups: usize,
    described_groups: usize,
    committed_partitions: usize,
    offsets: [usize; 3],
    error_codes: usize,
    foreign_leaders: usize,
}

/// One round's timings per step, in milliseconds, and the round's total.
struct Round {
    steps: [f64; 7],
    total: f64,
    coverage: Coverage,
}

/// Requests built from an earlier round's answers, for the pipelined round.
struct Requests {
    metadata: MetadataRequest,
    list_groups: ListGroupsRequest,
    describe_groups: DescribeGroupsRequest,
    offset_fetch: OffsetFetchRequest,
    list_offsets: [ListOffsetsRequest; 3],
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

/// Topic → partitions, and how many partitions are led by another broker.
fn partitions_of(metadata: &MetadataResponse, broker: i32) -> (BTreeMap<String, Vec<i32>>, usize) {
    let mut topics = BTreeMap::new();
    let mut foreign = 0;
    for topic in &metadata.topics {
        let Some(name) = &topic.name else { continue };
        let partitions: Vec<i32> = topic.partitions.iter().map(|p| p.partition_index).collect();
        foreign += topic
            .partitions
            .iter()
            .filter(|p| p.leader_id.0 != broker)
            .count();
        topics.insert(name.0.to_string(), partitions);
    }
    (topics, foreign)
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

/// Times one awaited request.
async fn timed<T>(
    future: impl std::future::Future<Output = kafkascope_client::Result<T>>,
) -> anyhow::Result<(T, f64)> {
    let started = Instant::now();
    let answer = future.await?;
    Ok((answer, ms(started.elapsed())))
}

/// One sequential round: each request built from the answers before it.
async fn sequential(
    conn: &Connection,
    broker: i32,
    fetch_version: i16,
) -> anyhow::Result<(Round, Requests)> {
    let started = Instant::now();
    let mut steps = [0.0; 7];
    let mut coverage = Coverage::default();

    let metadata_req = metadata_request();
    let (metadata, t) = timed(conn.send(&metadata_req)).await.context("Metadata")?;
    steps[0] = t;
    let (topics, foreign) = partitions_of(&metadata, broker);
    coverage.topics = topics.len();
    coverage.partitions = topics.values().map(Vec::len).sum();
    coverage.foreign_leaders = foreign;

    let list_groups_req = ListGroupsRequest::default();
    let (listed, t) = timed(conn.send(&list_groups_req))
        .await
        .context("ListGroups")?;
    steps[1] = t;
    if listed.error_code != 0 {
        coverage.error_codes += 1;
    }
    let groups: Vec<String> = listed
        .groups
        .iter()
        .map(|g| g.group_id.0.to_string())
        .collect();
    coverage.groups = groups.len();

    let describe_req = describe_groups_request(&groups);
    let (described, t) = timed(conn.send(&describe_req))
        .await
        .context("DescribeGroups")?;
    steps[2] = t;
    coverage.described_groups = described.groups.len();
    coverage.error_codes += described
        .groups
        .iter()
        .filter(|g| g.error_code != 0)
        .count();

    let fetch_req = offset_fetch_request(&groups);
    let (fetched, t) = timed(conn.send_at(&fetch_req, fetch_version))
        .await
        .context("OffsetFetch")?;
    steps[3] = t;
    for group in &fetched.groups {
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

    let list_offsets = OFFSET_SPECS.map(|spec| list_offsets_request(&topics, spec));
    for (i, request) in list_offsets.iter().enumerate() {
        let (answer, t) = timed(conn.send(request)).await.context("ListOffsets")?;
        steps[4 + i] = t;
        coverage.offsets[i] = count_offsets(&answer, &mut coverage);
    }

    let round = Round {
        steps,
        total: ms(started.elapsed()),
        coverage,
    };
    let requests = Requests {
        metadata: metadata_req,
        list_groups: list_groups_req,
        describe_groups: describe_req,
        offset_fetch: fetch_req,
        list_offsets,
    };
    Ok((round, requests))
}

/// One pipelined round: all seven requests sent at once, request `i` on
/// `conns[i % conns.len()]` (one connection: pipelined; seven: in parallel);
/// each step's time is from the start of the round to its answer.
async fn pipelined(
    conns: &[Connection],
    requests: &Requests,
    fetch_version: i16,
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let since_start = move || ms(started.elapsed());
    let conn = |i: usize| &conns[i % conns.len()];
    let calls: Vec<BoxFuture<'_, anyhow::Result<f64>>> = vec![
        Box::pin(async move {
            conn(0).send(&requests.metadata).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(1).send(&requests.list_groups).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(2).send(&requests.describe_groups).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(3)
                .send_at(&requests.offset_fetch, fetch_version)
                .await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(4).send(&requests.list_offsets[0]).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(5).send(&requests.list_offsets[1]).await?;
            Ok(since_start())
        }),
        Box::pin(async move {
            conn(6).send(&requests.list_offsets[2]).await?;
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

/// One round in the order a correct collector must keep, each request on a
/// connection of its own and sent the moment what it depends on has
/// answered: Metadata and ListGroups at once; DescribeGroups and
/// OffsetFetch when the groups are listed; earliest and read_committed
/// offsets when Metadata is in; the log end only after OffsetFetch (so lag
/// is never negative). Requests come prebuilt, so this is below any client.
async fn ordered(
    conns: &[Connection],
    requests: &Requests,
    fetch_version: i16,
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let since_start = move || ms(started.elapsed());
    let groups_then_log_end = async {
        conns[1].send(&requests.list_groups).await?;
        let listed = since_start();
        let describe = async {
            conns[2].send(&requests.describe_groups).await?;
            anyhow::Ok(since_start())
        };
        let commits_then_log_end = async {
            conns[3]
                .send_at(&requests.offset_fetch, fetch_version)
                .await?;
            let fetched = since_start();
            conns[4].send(&requests.list_offsets[0]).await?;
            anyhow::Ok((fetched, since_start()))
        };
        let (described, commits) = futures::join!(describe, commits_then_log_end);
        let (fetched, log_end) = commits?;
        anyhow::Ok((listed, described?, fetched, log_end))
    };
    let metadata_then_offsets = async {
        conns[0].send(&requests.metadata).await?;
        let metadata = since_start();
        let committed_end = async {
            conns[5].send(&requests.list_offsets[1]).await?;
            anyhow::Ok(since_start())
        };
        let earliest = async {
            conns[6].send(&requests.list_offsets[2]).await?;
            anyhow::Ok(since_start())
        };
        let (committed_end, earliest) = futures::join!(committed_end, earliest);
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
    let conn = Connection::connect(&bootstrap, &config)
        .await
        .with_context(|| format!("connecting to {bootstrap}"))?;
    let connect_ms = ms(connect_started.elapsed());

    let fetch_version = conn.version_for::<OffsetFetchRequest>(None)?;
    if fetch_version < MULTI_GROUP_OFFSET_FETCH {
        bail!("the broker speaks OffsetFetch only up to v{fetch_version}; the floor needs v8+");
    }
    // The broker's own id, from Metadata, to see whether it leads everything.
    let metadata = conn.send(&metadata_request()).await?;
    let broker = metadata
        .brokers
        .iter()
        .find(|b| format!("{}:{}", b.host, b.port) == bootstrap)
        .or(metadata.brokers.first())
        .map_or(-1, |b| b.node_id.0);

    eprintln!("protocol floor against {bootstrap}: 1 warm-up round, then {runs} rounds each way");
    let (_, requests) = sequential(&conn, broker, fetch_version).await?;
    // Seven connections, to see whether the broker answers them in parallel.
    let mut parallel_conns = Vec::new();
    for _ in 0..STEPS.len() {
        parallel_conns.push(Connection::connect(&bootstrap, &config).await?);
    }
    let one_conn = [conn.clone()];
    let mut seq_rounds = Vec::new();
    let mut pipe_rounds = Vec::new();
    let mut parallel_rounds = Vec::new();
    let mut ordered_rounds = Vec::new();
    for _ in 0..runs {
        let (round, _) = sequential(&conn, broker, fetch_version).await?;
        seq_rounds.push(round);
        pipe_rounds.push(pipelined(&one_conn, &requests, fetch_version).await?);
        parallel_rounds.push(pipelined(&parallel_conns, &requests, fetch_version).await?);
        ordered_rounds.push(ordered(&parallel_conns, &requests, fetch_version).await?);
    }

    // DescribeLogDirs: part of kafkascope's cycle, not of the floor's seven.
    let mut log_dirs_ms = Vec::new();
    if conn.version_for::<DescribeLogDirsRequest>(None).is_ok() {
        for _ in 0..runs {
            let request = DescribeLogDirsRequest::default().with_topics(None);
            let (_, t) = timed(conn.send(&request))
                .await
                .context("DescribeLogDirs")?;
            log_dirs_ms.push(t);
        }
    }

    let coverage = seq_rounds[0].coverage.clone();
    if coverage.foreign_leaders > 0 {
        eprintln!(
            "warning: {} partitions are led by another broker; the floor sent them to {bootstrap} anyway",
            coverage.foreign_leaders
        );
    }
    let seq = summary(&seq_rounds);
    let pipe = summary(&pipe_rounds);
    let parallel = summary(&parallel_rounds);
    let ordered = summary(&ordered_rounds);
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
    eprintln!(
        "covered: {} topics, {} partitions, {} groups ({} described), {} committed partitions, \
         offsets latest/committed/earliest {}/{}/{}, {} error codes",
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
        "runs": runs,
        "connect_ms": connect_ms,
        "offset_fetch_version": fetch_version,
        "sequential": seq,
        "pipelined": pipe,
        "parallel_connections": parallel,
        "ordered": ordered,
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
