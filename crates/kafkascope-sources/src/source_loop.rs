//! The loop of one source for one cluster: a poll every interval, each
//! ending in one published [`SourceSnapshot`]. It runs in its own task, so
//! a source's slow targets delay neither the Kafka cycle nor another source.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafkascope_collector::Snapshots;
use tokio::sync::watch;

use crate::published::SourceSnapshots;
use crate::source::{PollContext, Polled, Source, SourceListener, SourceSnapshot, now_ms};

pub struct SourceLoop {
    pub cluster: String,
    pub source: Box<dyn Source>,
    pub interval: Duration,
    /// Told about every published snapshot.
    pub listeners: Vec<SourceListener>,
}

impl SourceLoop {
    pub fn new(cluster: String, source: Box<dyn Source>, interval: Duration) -> Self {
        Self {
            cluster,
            source,
            interval,
            listeners: Vec::new(),
        }
    }

    pub fn with_listener(mut self, listener: SourceListener) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Polls once and returns the snapshot, without publishing it.
    pub async fn poll_once(&mut self, clusters: &Snapshots) -> SourceSnapshot {
        let snapshot = clusters.get(&self.cluster);
        let mut client_groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for group in snapshot.iter().flat_map(|s| s.groups.values()) {
            for member in &group.members {
                let groups = client_groups.entry(member.client_id.clone()).or_default();
                if !groups.contains(&group.name) {
                    groups.push(group.name.clone());
                }
            }
        }
        let context = PollContext {
            cluster: self.cluster.clone(),
            brokers: snapshot
                .iter()
                .flat_map(|s| s.brokers.iter().map(|b| (b.id, b.host.clone())))
                .collect(),
            client_groups,
        };
        let polled_at_ms = now_ms();
        let started = Instant::now();
        let Polled { targets, figures } = self.source.poll(&context).await;
        SourceSnapshot {
            cluster: self.cluster.clone(),
            kind: self.source.kind(),
            polled_at_ms,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            targets,
            figures,
        }
    }

    /// Polls every interval and publishes, until `shutdown` turns true.
    pub async fn run(
        mut self,
        clusters: Arc<Snapshots>,
        published: Arc<SourceSnapshots>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            let snapshot = Arc::new(self.poll_once(&clusters).await);
            for target in snapshot.targets.iter().filter(|t| !t.up) {
                tracing::debug!(cluster = %self.cluster, source = %snapshot.kind, target = %target.target, error = ?target.error, "target down");
            }
            published.publish(snapshot.clone());
            for listener in &self.listeners {
                listener(&snapshot);
            }
        }
    }
}
