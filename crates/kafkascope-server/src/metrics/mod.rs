//! `/metrics`: every configured cluster's latest snapshot and its sources'
//! latest polls as Prometheus text 0.0.4, or as OpenMetrics 1.0.0 text when
//! the scraper's `Accept` header prefers it. What the samples are is
//! `kafkascope-exposition`'s business; this module streams them.

pub mod accept;

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kafkascope_alerts::{AlertState, Health};
use kafkascope_collector::ClusterSnapshot;
use kafkascope_exposition::alerting_families::{
    AlertingFigures, NotificationFigures, ReceiverFigures,
};
use kafkascope_exposition::{ChunkSink, Exposed};
use kafkascope_sources::SourceSnapshot;
use tokio::sync::mpsc;

use crate::AppState;
pub use kafkascope_exposition::Format;

/// Renders every cluster that has published a snapshot, in cluster-name
/// order, and every source that has polled.
pub fn render(state: &AppState, format: Format) -> String {
    with_exposed(state, |exposed| {
        kafkascope_exposition::render(exposed, format)
    })
}

/// Hands what `state` holds now to `f` as one exposition's worth.
fn with_exposed<T>(state: &AppState, f: impl FnOnce(Exposed<'_>) -> T) -> T {
    let clusters = state.snapshots.all();
    let sources = state.sources.all();
    let clusters: Vec<&ClusterSnapshot> = clusters.iter().map(Arc::as_ref).collect();
    let sources: Vec<&SourceSnapshot> = sources.iter().map(Arc::as_ref).collect();
    let alerting = alerting_figures(state);
    f(Exposed {
        clusters: &clusters,
        sources: &sources,
        alerting: alerting.as_ref(),
    })
}

/// The alerting figures, when alerting is on.
fn alerting_figures(state: &AppState) -> Option<AlertingFigures> {
    state.silences.as_ref()?;
    let view = state.alerts.latest();
    let mut figures = AlertingFigures {
        evaluation_seconds: view.evaluation_seconds,
        ..AlertingFigures::default()
    };
    for (_, alert) in view.active() {
        match alert.state {
            AlertState::Firing => figures.firing += 1,
            _ => figures.pending += 1,
        }
        figures.silenced += usize::from(!alert.silenced_by.is_empty());
    }
    for rule in &view.rules {
        match rule.health.health {
            Health::Ok => figures.rules_ok += 1,
            Health::Err => figures.rules_failing += 1,
            Health::Unknown => figures.rules_not_evaluated += 1,
        }
    }
    figures.notifications = state.notifier.as_ref().map(|notifier| {
        let stats = notifier.stats();
        NotificationFigures {
            receivers: stats
                .receivers
                .into_iter()
                .map(|(name, r)| ReceiverFigures {
                    name,
                    kind: r.kind.to_string(),
                    sent: r.sent,
                    failed: r.failed,
                    dropped: r.dropped,
                })
                .collect(),
            snapshots_dropped: stats.snapshots_dropped,
        }
    });
    Some(figures)
}

/// Chunks of the exposition handed to the HTTP body while rendering goes on.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks rendered ahead of what the scraper has read; with the chunk size,
/// this bounds a scrape's memory.
const CHUNKS_AHEAD: usize = 4;

/// Renders into a channel, chunk by chunk, blocking when the scraper reads
/// slower than rendering goes; stops early if the scraper goes away.
fn render_streaming(
    state: &AppState,
    format: Format,
    chunks: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    let sink: ChunkSink =
        Box::new(move |chunk: String| chunks.blocking_send(Ok(Bytes::from(chunk))).is_ok());
    with_exposed(state, |exposed| {
        kafkascope_exposition::render_in_chunks(exposed, format, CHUNK_BYTES, sink)
    });
}

/// `GET /metrics`. Rendering is CPU-bound, so it runs off the async workers,
/// streaming into the response body as it goes.
pub async fn handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let format = accept::negotiate(headers.get(header::ACCEPT));
    let (sender, receiver) = mpsc::channel(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || render_streaming(&state, format, sender));
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
