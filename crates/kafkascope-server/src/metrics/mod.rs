//! `/metrics`: every configured cluster's latest snapshot as Prometheus text
//! 0.0.4, or as OpenMetrics 1.0.0 text when the scraper's `Accept` header
//! prefers it.
//!
//! Rendering is one pass per family over all clusters, appending to one
//! pre-sized `String` ([`writer`]); no sample allocates. Every family but
//! one is a gauge (snapshot figures are readings, not counts since
//! start-up; the exception is `kafkascope_requests_total`), and
//! every sample carries the configured `cluster` label. A figure the
//! snapshot does not know (`None`) is left out rather than written as 0.
//!
//! - [`kafka_exporter_families`]: the names danielqsj/kafka_exporter uses;
//! - [`kafkascope_families`]: `kafkascope_*` figures kafka_exporter lacks;
//! - [`self_metrics`]: how collection itself is going.

pub mod accept;
pub mod kafka_exporter_families;
pub mod kafkascope_families;
mod labels;
pub mod self_metrics;
pub mod writer;

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::{ClusterSnapshot, Snapshots};

use tokio::sync::mpsc;

use crate::AppState;
pub use writer::{ChunkSink, Format, LabelValue, MetricsWriter, Sample};

/// Renders every cluster that has published a snapshot, in cluster-name order.
pub fn render(snapshots: &Snapshots, format: Format) -> String {
    render_snapshots(&snapshots.all(), format)
}

/// Renders the given snapshots (in the given order) in one exposition.
pub fn render_snapshots(clusters: &[Arc<ClusterSnapshot>], format: Format) -> String {
    let clusters: Vec<&ClusterSnapshot> = clusters.iter().map(Arc::as_ref).collect();
    let mut w = MetricsWriter::with_capacity(format, estimated_size(&clusters));
    write_families(&mut w, &clusters);
    w.finish()
}

/// Every sample `/metrics` would show for `snapshot`, as numbers: the
/// history store records exactly the series a scraper sees, under the same
/// names, so one PromQL query works against both.
pub fn for_each_sample(snapshot: &ClusterSnapshot, f: impl FnMut(&Sample<'_>)) {
    let mut w = MetricsWriter::collecting(Box::new(f));
    write_families(&mut w, &[snapshot]);
}

fn write_families(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    kafka_exporter_families::write(w, clusters);
    kafkascope_families::write(w, clusters);
    self_metrics::write(w, clusters);
}

/// Chunks of the exposition handed to the HTTP body while rendering goes on.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks rendered ahead of what the scraper has read; with the chunk size,
/// this bounds a scrape's memory.
const CHUNKS_AHEAD: usize = 4;

/// Renders into a channel, chunk by chunk, blocking when the scraper reads
/// slower than rendering goes; stops early if the scraper goes away.
fn render_streaming(
    snapshots: &Snapshots,
    format: Format,
    chunks: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    let clusters = snapshots.all();
    let clusters: Vec<&ClusterSnapshot> = clusters.iter().map(Arc::as_ref).collect();
    let sink: ChunkSink =
        Box::new(move |chunk: String| chunks.blocking_send(Ok(Bytes::from(chunk))).is_ok());
    let mut w = MetricsWriter::streaming(format, CHUNK_BYTES, sink);
    write_families(&mut w, &clusters);
    w.finish_streaming();
}

/// Roughly what the exposition will take, so the buffer grows at most once
/// or twice: per partition ~10 samples, per committed offset 2.
fn estimated_size(clusters: &[&ClusterSnapshot]) -> usize {
    let mut partitions = 0;
    let mut offsets = 0;
    for c in clusters {
        partitions += c.topics.values().map(|t| t.partitions.len()).sum::<usize>();
        offsets += c.groups.values().map(|g| g.offsets.len()).sum::<usize>();
    }
    16 * 1024 + partitions * 1100 + offsets * 260
}

/// `GET /metrics`. Rendering is CPU-bound, so it runs off the async workers,
/// streaming into the response body as it goes.
pub async fn handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let format = accept::negotiate(headers.get(header::ACCEPT));
    let snapshots = state.snapshots.clone();
    let (sender, receiver) = mpsc::channel(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || render_streaming(&snapshots, format, sender));
    let body = Body::from_stream(futures::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        body,
    )
        .into_response()
}
