//! The background loop of one cluster: a cycle every interval, each ending
//! in one published snapshot. Clusters run in separate tasks, so one
//! cluster's trouble never delays another's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kafkascope_client::admin::Admin;
use kafkascope_client::{BrokerPool, ClientConfig};
use tokio::sync::watch;

use crate::assemble::{
    GroupAnswers, SnapshotTopics, assemble_with_groups, groups, stale, take_group_answers,
};
use crate::collector::{Registry, registry, run_all};
use crate::consumer_health::{ConsumerHealth, GroupsCycle};
use crate::cycle::Cycle;
use crate::published::Snapshots;
use crate::settings::CollectorSettings;
use crate::snapshot::{ClusterSnapshot, ConsumerGroup};

/// Told about every published snapshot.
pub type SnapshotListener = Box<dyn Fn(&Arc<ClusterSnapshot>) + Send + Sync>;

pub struct ClusterCollector {
    settings: CollectorSettings,
    admin: Admin,
    collectors: Registry,
    /// The last snapshot, shared with whoever it was published to: the
    /// next cycle's rates need it, and one copy of 10,000 partitions is enough.
    previous: Option<Arc<ClusterSnapshot>>,
    /// Lag windows and liveness, carried across cycles; lent to the
    /// thread that judges each cycle's groups.
    health: Arc<Mutex<ConsumerHealth>>,
    /// Told about every published snapshot (the history store listens,
    /// and the alert rules will).
    listeners: Vec<SnapshotListener>,
    /// Run after each published cycle (the binary returns freed memory).
    after_cycle: Option<fn()>,
}

impl ClusterCollector {
    pub fn new(settings: CollectorSettings, bootstrap: Vec<String>, client: ClientConfig) -> Self {
        let pool = Arc::new(BrokerPool::new(bootstrap, client));
        Self {
            health: Arc::new(Mutex::new(ConsumerHealth::new(settings.health.clone()))),
            settings,
            admin: Admin::new(pool),
            collectors: registry(),
            previous: None,
            listeners: Vec::new(),
            after_cycle: None,
        }
    }

    /// Runs `hook` after every published cycle.
    pub fn with_after_cycle(mut self, hook: fn()) -> Self {
        self.after_cycle = Some(hook);
        self
    }

    /// Also hands every published snapshot to `listener`, right after it
    /// is published. A listener must not block: one that falls behind
    /// should drop snapshots rather than slow collection.
    pub fn with_listener(mut self, listener: SnapshotListener) -> Self {
        self.listeners.push(listener);
        self
    }

    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Runs one cycle and returns its snapshot (stale when it could not run).
    pub async fn collect_once(&mut self) -> Arc<ClusterSnapshot> {
        let started = Instant::now();
        let mut cycle = Cycle::new(&self.admin, &self.settings);
        let (mut runs, aborted) = run_all(&self.collectors.lag, &mut cycle).await;
        if let Some(reason) = aborted {
            // A stale snapshot repeats the last evaluation; windows wait
            // for a real observation.
            tracing::warn!(cluster = %self.settings.cluster, %reason, "collection cycle failed");
            let duration_ms = started.elapsed().as_millis() as u64;
            let snapshot = stale(&cycle, self.previous.as_deref(), runs, duration_ms);
            return self.keep(snapshot);
        }
        let answers = take_group_answers(&mut cycle, &runs);
        let offsets = answers.offsets.clone();
        let judged = self.judge_groups_aside(answers);
        let (side_runs, _) = run_all(&self.collectors.side, &mut cycle).await;
        runs.extend(side_runs);
        let duration_ms = started.elapsed().as_millis() as u64;
        // The topics are built on this thread while the groups are built on another.
        let with = SnapshotTopics {
            offsets: &offsets,
            previous: self.previous.as_deref(),
            collectors: runs,
            cycle_duration_ms: duration_ms,
        };
        let mut snapshot = assemble_with_groups(&mut cycle, with, BTreeMap::new());
        snapshot.groups = match judged.await {
            Ok(groups) => groups,
            Err(lost) if lost.is_panic() => std::panic::resume_unwind(lost.into_panic()),
            // The runtime is shutting down: nobody will read this snapshot.
            Err(_) => BTreeMap::new(),
        };
        let leftovers = (cycle.take_leftovers(), offsets);
        tokio::task::spawn_blocking(move || drop(leftovers));
        self.keep(snapshot)
    }

    /// Builds the groups and judges their health on a blocking thread,
    /// while the side stage's answers (sizes, the controllers) are awaited:
    /// at bench size the groups take as long to build as those answers
    /// take to come.
    fn judge_groups_aside(
        &self,
        answers: GroupAnswers,
    ) -> tokio::task::JoinHandle<BTreeMap<String, ConsumerGroup>> {
        let previous = self.previous.clone();
        let health = self.health.clone();
        tokio::task::spawn_blocking(move || {
            let GroupAnswers {
                described,
                committed,
                offsets,
                records_at,
                at_ms,
                groups_complete,
                committed_offsets_complete,
            } = answers;
            let mut groups = groups(described, committed, &offsets, previous.as_deref(), at_ms);
            let cycle = GroupsCycle {
                at_ms,
                offsets: &offsets,
                records_at: &records_at,
                groups_complete,
                committed_offsets_complete,
            };
            let mut health = health.lock().unwrap_or_else(|e| e.into_inner());
            health.evaluate_groups(&mut groups, &cycle);
            groups
        })
    }

    fn keep(&mut self, snapshot: ClusterSnapshot) -> Arc<ClusterSnapshot> {
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
            for listener in &self.listeners {
                listener(&snapshot);
            }
            if let Some(hook) = self.after_cycle {
                hook();
            }
        }
    }
}
