//! `/metrics`: every configured cluster's latest snapshot as Prometheus text
//! 0.0.4, or as OpenMetrics 1.0.0 text when the scraper's `Accept` header
//! prefers it.
//!
//! Rendering is one pass per family over all clusters, appending to one
//! pre-sized `String` ([`writer`]); no sample allocates. Every family is a
//! gauge (snapshot figures are readings, not counts since start-up), and
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

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kafkascope_collector::{ClusterSnapshot, Snapshots};

use crate::AppState;
use crate::api_error::ApiError;
pub use writer::{Format, MetricsWriter};

/// Renders every cluster that has published a snapshot, in cluster-name order.
pub fn render(snapshots: &Snapshots, format: Format) -> String {
    render_snapshots(&snapshots.all(), format)
}

/// Renders the given snapshots (in the given order) in one exposition.
pub fn render_snapshots(clusters: &[Arc<ClusterSnapshot>], format: Format) -> String {
    let clusters: Vec<&ClusterSnapshot> = clusters.iter().map(Arc::as_ref).collect();
    let mut w = MetricsWriter::with_capacity(format, estimated_size(&clusters));
    kafka_exporter_families::write(&mut w, &clusters);
    kafkascope_families::write(&mut w, &clusters);
    self_metrics::write(&mut w, &clusters);
    w.finish()
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

/// `GET /metrics`. Rendering is CPU-bound, so it runs off the async workers.
pub async fn handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let format = accept::negotiate(headers.get(header::ACCEPT));
    let snapshots = state.snapshots.clone();
    match tokio::task::spawn_blocking(move || render(&snapshots, format)).await {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            )],
            body,
        )
            .into_response(),
        Err(e) => ApiError::Internal(format!("rendering metrics failed: {e}")).into_response(),
    }
}
