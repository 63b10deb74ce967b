//! The Prometheus text reader on real pages and on whatever else a target
//! may send. `pages/kafka-4.3.1-combined-node.prom` is node 0's JMX exporter
//! page from the test bed (`testbed/kafka-cluster.sh`, the rules of
//! `testbed/jmx-exporter-kafka.yml`), captured after 400 records were
//! produced to `jmx-orders`; the request metrics are cut down to eight
//! request types to keep the file small. `pages/kafka-4.3.1-producer.prom`
//! and `-consumer.prom` are the pages of Kafka's own producer perf test and
//! console consumer (a KIP-848 group member) with the agent and
//! `testbed/jmx-exporter-clients.yml`, cut down to the client-level series.
//! `pages/kafka-4.3.1-streams.prom` is Kafka's WordCountDemo (a Kafka
//! Streams application, one stream thread) with the same agent and rules,
//! after 50 lines of five words went through it, cut down to the Streams
//! series and the client-level series of its consumers and producer.

use kafkascope_sources::jmx_figures::NodeFigures;
use kafkascope_sources::prometheus_text::{PageFormat, parse_page};
use proptest::prelude::*;

const PAGE: &str = include_str!("pages/kafka-4.3.1-combined-node.prom");

fn read(
    page: &str,
) -> (
    NodeFigures,
    kafkascope_sources::prometheus_text::PageSummary,
) {
    let mut node = NodeFigures::default();
    let summary = parse_page(page, PageFormat::Prometheus, |s| {
        node.read_sample(s);
    });
    (node, summary)
}

#[test]
fn a_captured_kafka_page_reads_whole_into_named_figures() {
    let (node, summary) = read(PAGE);
    assert_eq!(summary.errors, vec![]);
    let sample_lines = PAGE.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(summary.samples, sample_lines);
    assert_eq!(summary.samples, 647);

    let broker = node.broker.as_ref().expect("broker figures");
    let orders = &broker.topics["jmx-orders"];
    assert_eq!(orders.messages_in.map(|c| c.total), Some(400.0));
    assert_eq!(orders.bytes_in.map(|c| c.total), Some(9377.0));
    assert_eq!(broker.all_topics.messages_in.map(|c| c.total), Some(400.0));
    assert_eq!((broker.partitions, broker.leaders), (Some(1.0), Some(1.0)));
    let produce = &broker.requests["Produce"];
    assert_eq!(produce.requests.total, 1.0);
    assert_eq!(produce.times_ms["totaltime"].p99, Some(25.0));
    assert_eq!(
        node.controller
            .as_ref()
            .and_then(|c| c.active_controller_count),
        Some(0.0)
    );
    assert_eq!(node.raft.as_ref().and_then(|r| r.current_leader), Some(2.0));
    assert_eq!(node.jvm.threads, Some(114.0));
}

#[test]
fn captured_producer_and_consumer_pages_read_into_client_figures() {
    let (node, summary) = read(include_str!("pages/kafka-4.3.1-producer.prom"));
    assert_eq!(summary.errors, vec![]);
    let producer = node.clients["perf-producer"].producer.as_ref().unwrap();
    assert_eq!(producer.records_sent, Some(14355.0));
    assert_eq!(producer.record_send_rate, Some(390.8994363205621));
    assert_eq!(producer.request_latency_avg_ms, Some(2.528942115768463));
    assert_eq!(producer.record_retry_rate, Some(0.0));
    assert_eq!(producer.batch_size_avg, Some(1623.1586826347304));
    assert_eq!(
        (producer.requests, producer.responses),
        (Some(1008.0), Some(1008.0))
    );
    assert!(node.broker.is_none());

    let (node, summary) = read(include_str!("pages/kafka-4.3.1-consumer.prom"));
    assert_eq!(summary.errors, vec![]);
    let consumer = node.clients["jmx-reader"].consumer.as_ref().unwrap();
    assert_eq!(consumer.records_consumed, Some(30597.0));
    assert_eq!(consumer.records_consumed_rate, Some(822.4557819472071));
    assert_eq!(consumer.fetches, Some(38.0));
    assert_eq!(
        (consumer.commits, consumer.heartbeats),
        (Some(1.0), Some(5.0))
    );
    assert_eq!(consumer.assigned_partitions, Some(3.0));
    assert_eq!(consumer.last_poll_seconds_ago, Some(7.0));
    assert_eq!(node.clients.len(), 1);
}

#[test]
fn a_captured_streams_applications_page_reads_into_threads_and_its_clients() {
    let page = include_str!("pages/kafka-4.3.1-streams.prom");
    let (node, summary) = read(page);
    assert_eq!(summary.errors, vec![]);
    let app = "wordcount-test-599b2212-9917-4e6d-a89f-df4932e2c0db";
    let streams = node.streams.as_ref().expect("streams figures");
    let client = &streams.clients[app];
    assert_eq!(
        (client.alive_threads, client.failed_threads),
        (Some(1.0), Some(0.0))
    );
    assert_eq!(streams.threads.len(), 1);
    let thread = &streams.threads[&format!("{app}-StreamThread-1")];
    // 50 input lines, then their 250 words again from the repartition topic.
    assert_eq!(thread.processed, Some(300.0));
    assert_eq!(
        (thread.commits, thread.tasks_created),
        (Some(1.0), Some(4.0))
    );
    assert_eq!(thread.polls, Some(752.0));
    // The thread's consumer, the state updater's restore consumer and the
    // thread's producer are clients of their own.
    let consumer = node.clients[&format!("{app}-StreamThread-1-consumer")]
        .consumer
        .as_ref()
        .unwrap();
    assert_eq!(consumer.records_consumed, Some(300.0));
    let producer = node.clients[&format!("{app}-StreamThread-1-producer")]
        .producer
        .as_ref()
        .unwrap();
    assert_eq!(producer.records_sent, Some(750.0));
    assert_eq!(node.clients.len(), 3);
}

/// Whatever it reads, the reader accounts for every line at most once and
/// hands out only well-formed names.
fn check_invariants(page: &str) {
    let mut names_ok = true;
    let summary = parse_page(page, PageFormat::Prometheus, |s| {
        names_ok &= !s.name.is_empty()
            && s.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && s.labels.iter().all(|(name, _)| !name.is_empty());
    });
    assert!(names_ok);
    let errors = summary.errors.len() + summary.errors_not_kept;
    assert!(summary.samples + errors <= page.lines().count());
    let _ = parse_page(page, PageFormat::OpenMetrics, |_| {});
}

/// The captured page with `edits` applied: bytes replaced by characters
/// exporters and broken proxies send, or the page cut short.
fn mutated(edits: &[(usize, char)], cut: Option<usize>) -> String {
    let mut page: Vec<char> = PAGE.chars().collect();
    for &(at, c) in edits {
        let at = at % page.len();
        page[at] = c;
    }
    if let Some(cut) = cut {
        page.truncate(cut % page.len());
    }
    page.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_arbitrary_text_never_panics(text in ".{0,400}") {
        check_invariants(&text);
    }

    #[test]
    fn fuzz_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_invariants(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn fuzz_a_damaged_real_page_never_panics_and_keeps_its_other_lines(
        edits in proptest::collection::vec(
            (any::<usize>(), prop::sample::select(vec!['"', '\\', '{', '}', ',', '=', ' ', '\n', '#', 'é', '\0', 'E', '-'])),
            1..12,
        ),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let page = mutated(&edits, cut);
        check_invariants(&page);
        let (_, summary) = read(&page);
        // A dozen edits damage a dozen lines at most (a newline splits one
        // into two); the page's other samples are all still read.
        if cut.is_none() {
            let errors = summary.errors.len() + summary.errors_not_kept;
            prop_assert!(summary.samples + 2 * edits.len() >= 647, "{} samples, {errors} errors", summary.samples);
        }
    }
}
