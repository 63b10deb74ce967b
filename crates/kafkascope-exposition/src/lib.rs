//! kafkascope-exposition: snapshots as metric samples.
//!
//! Every figure kafkascope knows becomes a sample here, once: written as
//! Prometheus text 0.0.4 or OpenMetrics 1.0.0 for `/metrics`, or handed out
//! as numbers to whoever records or evaluates them (the history store, and
//! the alert rules after it), so every consumer sees the same names, labels
//! and values. No I/O and no HTTP: the server streams what this writes.
//!
//! Rendering is one pass per family over all clusters, appending to one
//! pre-sized `String` ([`writer`]); no sample allocates. Every family but
//! the counters is a gauge (snapshot figures are readings, not counts since
//! start-up), and every sample carries the configured `cluster` label. A
//! figure the snapshot does not know (`None`) is left out rather than
//! written as 0.
//!
//! - [`kafka_exporter_families`]: the names danielqsj/kafka_exporter uses;
//! - [`kafkascope_families`]: `kafkascope_*` figures kafka_exporter lacks;
//! - [`jmx_families`]: what the sources read through JMX, under the names
//!   the JMX exporter's Kafka rules give them;
//! - [`client_families`]: Kafka's Java clients, and whether each is alive;
//! - [`connect_families`]: Kafka Connect workers, their connectors and tasks;
//! - [`streams_families`]: Kafka Streams applications and their threads;
//! - [`connect_rest_families`]: Kafka Connect connectors and tasks through the REST API;
//! - [`zookeeper_families`]: ZooKeeper members and the ensemble's verdict;
//! - [`host_families`]: the brokers' hosts, and the filesystems of their log dirs;
//! - [`broker_log_families`]: events and counts from the brokers' log files;
//! - [`self_metrics`]: how collection itself is going, cycle and sources;
//! - [`alerting_families`]: alerts by state, rules by health, notifications.

pub mod alerting_families;
pub mod broker_log_families;
pub mod burrow_status;
pub mod client_families;
pub mod connect_families;
pub mod connect_rest_families;
pub mod host_families;
pub mod jmx_families;
pub mod kafka_exporter_families;
pub mod kafkascope_families;
mod labels;
pub mod self_metrics;
pub mod streams_families;
pub mod writer;
pub mod zookeeper_families;

use kafkascope_collector::ClusterSnapshot;
use kafkascope_sources::SourceSnapshot;

pub use writer::{ChunkSink, Format, LabelValue, MetricType, MetricsWriter, Sample};

/// What one exposition covers: clusters' snapshots and their sources'.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exposed<'a> {
    pub clusters: &'a [&'a ClusterSnapshot],
    pub sources: &'a [&'a SourceSnapshot],
    /// Only `/metrics` shows these; the history keeps `ALERTS` instead.
    pub alerting: Option<&'a alerting_families::AlertingFigures>,
}

/// The whole exposition in one string.
pub fn render(exposed: Exposed<'_>, format: Format) -> String {
    let mut w = MetricsWriter::with_capacity(format, estimated_size(exposed));
    write_families(&mut w, exposed);
    w.finish()
}

/// The exposition handed to `sink` in chunks of about `chunk_bytes` as it
/// is written, so a scrape of 10,000 partitions does not hold all of it.
pub fn render_in_chunks(exposed: Exposed<'_>, format: Format, chunk_bytes: usize, sink: ChunkSink) {
    let mut w = MetricsWriter::streaming(format, chunk_bytes, sink);
    write_families(&mut w, exposed);
    w.finish_streaming();
}

/// Every sample `/metrics` would show for `snapshot`, as numbers: the
/// history store records exactly the series a scraper sees, under the same
/// names, so one PromQL query works against both.
pub fn for_each_sample(snapshot: &ClusterSnapshot, f: impl FnMut(&Sample<'_>)) {
    let mut w = MetricsWriter::collecting(Box::new(f));
    write_families(
        &mut w,
        Exposed {
            clusters: &[snapshot],
            sources: &[],
            alerting: None,
        },
    );
}

/// Every sample `/metrics` shows for a source's snapshot, as numbers.
pub fn for_each_source_sample(snapshot: &SourceSnapshot, f: impl FnMut(&Sample<'_>)) {
    let mut w = MetricsWriter::collecting(Box::new(f));
    write_families(
        &mut w,
        Exposed {
            clusters: &[],
            sources: &[snapshot],
            alerting: None,
        },
    );
}

fn write_families(w: &mut MetricsWriter, exposed: Exposed<'_>) {
    kafka_exporter_families::write(w, exposed.clusters);
    kafkascope_families::write(w, exposed.clusters);
    jmx_families::write(w, exposed.sources);
    client_families::write(w, exposed.sources);
    connect_families::write(w, exposed.sources);
    streams_families::write(w, exposed.sources);
    connect_rest_families::write(w, exposed.sources);
    zookeeper_families::write(w, exposed.sources);
    host_families::write(w, exposed.clusters, exposed.sources);
    broker_log_families::write(w, exposed.sources);
    self_metrics::write(w, exposed.clusters);
    self_metrics::write_sources(w, exposed.sources);
    alerting_families::write(w, exposed.alerting);
}

/// Roughly what the exposition will take, so the buffer grows at most once
/// or twice: per partition ~10 samples, per committed offset 2.
fn estimated_size(exposed: Exposed<'_>) -> usize {
    let mut partitions = 0;
    let mut offsets = 0;
    for c in exposed.clusters {
        partitions += c.topics.values().map(|t| t.partitions.len()).sum::<usize>();
        offsets += c.groups.values().map(|g| g.offsets.len()).sum::<usize>();
    }
    let source_samples: usize = exposed
        .sources
        .iter()
        .flat_map(|s| &s.targets)
        .map(|t| t.samples)
        .sum();
    16 * 1024 + partitions * 1100 + offsets * 260 + source_samples * 120
}
