//! The Kafka Connect source: each configured Connect cluster read through
//! its workers' REST API into [`ConnectRestFigures`] — workers,
//! connectors and tasks with their states and failure traces, the topics
//! each connector used, and each sink's consumer group, which the
//! integration joins to that group's lag.
//!
//! Connect clusters are polled at once, each with the one HTTP client
//! (timeouts, bounded answers, TLS, Basic authentication). Every
//! configured URL of a cluster is asked `GET /` (a worker that stops
//! answering shows as unreachable while the statuses still place work on
//! it), the first in order that answers is asked for every connector with
//! its status and info in one call, and the per-connector topics are read
//! a few at a time and only every few polls ([`settings`]). Restarts are
//! inferred across polls ([`restart_tracker`]).
//!
//! [`ConnectRestFigures`]: crate::connect_rest_figures::ConnectRestFigures

pub mod cluster_figures;
pub mod cluster_poll;
pub mod rest_api;
pub mod restart_tracker;
pub mod settings;

use futures::future::BoxFuture;

use crate::connect_rest_figures::ConnectRestFigures;
use crate::source::{PollContext, Polled, Source, SourceFigures, SourceKind};
use cluster_poll::ClusterPoller;
use restart_tracker::RestartTracker;
pub use settings::{ConnectClusterSettings, ConnectRestSettings};

pub struct ConnectRestSource {
    clusters: Vec<ClusterPoller>,
    restarts: RestartTracker,
}

impl ConnectRestSource {
    pub fn new(settings: ConnectRestSettings) -> Self {
        let clusters = settings
            .clusters
            .iter()
            .map(|cluster| ClusterPoller::new(cluster.clone(), &settings))
            .collect();
        Self {
            clusters,
            restarts: RestartTracker::default(),
        }
    }
}

impl Source for ConnectRestSource {
    fn kind(&self) -> SourceKind {
        SourceKind::ConnectRest
    }

    fn poll<'a>(&'a mut self, _context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let polls = self.clusters.iter_mut().map(ClusterPoller::poll);
            let results = futures::future::join_all(polls).await;
            let mut targets = Vec::new();
            let mut clusters = Vec::with_capacity(results.len());
            for (statuses, mut figures) in results {
                self.restarts.observe(&mut figures);
                targets.extend(statuses);
                clusters.push(figures);
            }
            Polled {
                targets,
                figures: SourceFigures::Connect(ConnectRestFigures { clusters }),
            }
        })
    }
}

#[cfg(test)]
mod tests;
