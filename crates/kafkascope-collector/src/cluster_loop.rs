//! The background loop of one cluster: a cycle every interval, each ending
//! in one published snapshot. Clusters run in separate tasks, so one
//! cluster's trouble never delays another's.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Instant;

use kafkascope_client::admin::Admin;
use kafkascope_client::{BrokerPool, ClientConfig};
use tokio::sync::watch;

use crate::assemble::{assemble, stale};
use crate::collector::{Collector, registry, run_all};
use crate::consumer_health::ConsumerHealth;
use crate::cycle::Cycle;
use crate::published::Snapshots;
use crate::settings::CollectorSettings;
use crate::snapshot::ClusterSnapshot;

pub struct ClusterCollector {
    settings: CollectorSettings,
    admin: Admin,
    collectors: Vec<Box<dyn Collector>>,
    /// The last snapshot, shared with whoever it was published to: the
    /// next cycle's rates need it, and one copy of 10,000 partitions is enough.
    previous: Option<Arc<ClusterSnapshot>>,
    /// Lag windows and liveness, carried across cycles.
    health: ConsumerHealth,
    /// Told about every published snapshot (the history store listens).
    listener: Option<SyncSender<Arc<ClusterSnapshot>>>,
    /// Run after each published cycle (the binary returns freed memory).
    after_cycle: Option<fn()>,
}

impl ClusterCollector {
    pub fn new(settings: CollectorSettings, bootstrap: Vec<String>, client: ClientConfig) -> Self {
        let pool = Arc::new(BrokerPool::new(bootstrap, client));
        Self {
            health: ConsumerHealth::new(settings.health.clone()),
            settings,
            admin: Admin::new(pool),
            collectors: registry(),
            previous: None,
            listener: None,
            after_cycle: None,
        }
    }

    /// Runs `hook` after every published cycle.
    pub fn with_after_cycle(mut self, hook: fn()) -> Self {
        self.after_cycle = Some(hook);
        self
    }

    /// Also hands every published snapshot to `listener`. A listener that
    /// falls behind misses snapshots rather than slowing collection.
    pub fn with_listener(mut self, listener: SyncSender<Arc<ClusterSnapshot>>) -> Self {
        self.listener = Some(listener);
        self
    }

    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Runs one cycle and returns its snapshot (stale when it could not run).
    pub async fn collect_once(&mut self) -> Arc<ClusterSnapshot> {
        let started = Instant::now();
        let mut cycle = Cycle::new(&self.admin, &self.settings);
        let (runs, aborted) = run_all(&self.collectors, &mut cycle).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let snapshot = match aborted {
            None => {
                let mut snapshot =
                    assemble(&mut cycle, self.previous.as_deref(), runs, duration_ms);
                self.health.evaluate(&mut snapshot, &cycle.records_at);
                let leftovers = cycle.take_leftovers();
                tokio::task::spawn_blocking(move || drop(leftovers));
                snapshot
            }
            // A stale snapshot repeats the last evaluation; windows wait
            // for a real observation.
            Some(reason) => {
                tracing::warn!(cluster = %self.settings.cluster, %reason, "collection cycle failed");
                stale(&cycle, self.previous.as_deref(), runs, duration_ms)
            }
        };
        for error in &snapshot.errors {
            tracing::debug!(cluster = %self.settings.cluster, collector = %error.collector, "{}", error.message);
        }
        let snapshot = Arc::new(snapshot);
        self.previous = Some(snapshot.clone());
        snapshot
    }

    /// Collects every interval and publishes, until `shutdown` turns true.
    pub async fn run(mut self, snapshots: Arc<Snapshots>, mut shutdown: watch::Receiver<bool>) {
        let mut ticker = tokio::time::interval(self.settings.interval);
        // A slow cycle delays the next rather than causing a burst.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            let snapshot = self.collect_once().await;
            snapshots.publish(snapshot.clone());
            if let Some(Err(TrySendError::Full(_))) =
                self.listener.as_ref().map(|l| l.try_send(snapshot))
            {
                tracing::warn!(cluster = %self.settings.cluster, "snapshot listener is behind; skipped one");
            }
            if let Some(hook) = self.after_cycle {
                hook();
            }
        }
    }
}
