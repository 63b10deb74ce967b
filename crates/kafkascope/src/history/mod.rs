//! kafkascope's own history: every published snapshot's figures go into the
//! embedded store (`kafkascope-store`) under the names `/metrics` uses, and
//! the Prometheus-compatible query API (`kafkascope-query`) reads them back.
//!
//! The store is written by one thread of its own ([`History::spawn_writer`]),
//! fed by the collection loops through a bounded channel, so a slow disk
//! delays history, never collection or a scrape. Between cycles, while no
//! snapshot waits, the same thread runs the store's maintenance (merging,
//! downsampling, retention, compaction) in slices, each under the write lock
//! for a moment only. Queries take a read lock.

mod log_dir_filesystems;
mod snapshot_series;
mod store_source;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use anyhow::Context;
use kafkascope_collector::ClusterSnapshot;
use kafkascope_query::STALE_NAN_BITS;
use kafkascope_sources::SourceSnapshot;
use kafkascope_store::{Maintenance, MaintenanceReport, SeriesId, SeriesKey, Store, StoreConfig};
use log_dir_filesystems::{JoinedSeries, LogDirFilesystems};

pub use snapshot_series::{snapshot_series, source_series};
pub use store_source::StoreSource;

/// Snapshots waiting for the writer; more are dropped (and logged) rather
/// than queued without bound.
const PENDING_SNAPSHOTS: usize = 8;

/// What the writer records: a cluster's cycle, or a poll of one of its sources.
#[derive(Debug, Clone)]
pub enum Recorded {
    Cluster(Arc<ClusterSnapshot>),
    Source(Arc<SourceSnapshot>),
}

impl Recorded {
    fn cluster(&self) -> &str {
        match self {
            Recorded::Cluster(s) => &s.cluster,
            Recorded::Source(s) => &s.cluster,
        }
    }
}

/// Run by the writer after each cluster cycle it recorded, with the time
/// the cycle was recorded at: the alert rules are evaluated here, so they
/// see the cycle that was just written.
pub type AfterCycle = Box<dyn FnMut(&Arc<History>, i64) + Send>;

/// Hands snapshots to the writer without ever blocking: when it is behind,
/// the snapshot is skipped and logged.
#[derive(Clone)]
pub struct HistoryFeed(SyncSender<Recorded>);

impl HistoryFeed {
    pub fn offer(&self, recorded: Recorded) {
        if let Err(TrySendError::Full(recorded)) = self.0.try_send(recorded) {
            tracing::warn!(cluster = %recorded.cluster(), "history writer is behind; skipped one snapshot");
        }
    }
}

/// How the history is kept.
#[derive(Debug, Clone)]
pub struct HistorySettings {
    pub dir: PathBuf,
    pub retention_days: u32,
}

/// The store, shared by the writer thread and the query API.
pub struct History {
    store: RwLock<Store>,
    /// The series each origin (a cluster's cycle, a source's poll, the
    /// alerts) wrote last time, sorted: one it does not write again gets a
    /// staleness marker, so queries and alert rules stop seeing it at once
    /// rather than for the whole lookback.
    present: Mutex<HashMap<String, Vec<SeriesId>>>,
    /// The latest cycle and host poll per cluster, joined into the log
    /// dirs' filesystems as either is recorded.
    log_dir_filesystems: Mutex<LogDirFilesystems>,
}

impl History {
    pub fn open(settings: &HistorySettings) -> anyhow::Result<Arc<History>> {
        std::fs::create_dir_all(&settings.dir).with_context(|| {
            format!("creating the history directory {}", settings.dir.display())
        })?;
        let mut config = StoreConfig::new(&settings.dir);
        config.retention_ms = i64::from(settings.retention_days) * 24 * 3600 * 1000;
        // The database cache is the store's largest fixed cost; queries of
        // recent data hit the open interval and fresh chunks anyway.
        config.cache_bytes = 16 << 20;
        let store = Store::open(config)
            .with_context(|| format!("opening the history in {}", settings.dir.display()))?;
        for problem in store.open_problems() {
            tracing::warn!("history: {problem}");
        }
        Ok(Arc::new(History {
            store: RwLock::new(store),
            present: Mutex::default(),
            log_dir_filesystems: Mutex::default(),
        }))
    }

    /// Starts the writer thread; it ends when every sender is dropped.
    pub fn spawn_writer(
        self: &Arc<Self>,
        mut after_cycle: Option<AfterCycle>,
    ) -> anyhow::Result<(HistoryFeed, JoinHandle<()>)> {
        let (sender, receiver) = sync_channel(PENDING_SNAPSHOTS);
        let history = self.clone();
        let writer = std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || history.write_all(receiver, &mut after_cycle))
            .context("starting the history writer thread")?;
        Ok((HistoryFeed(sender), writer))
    }

    fn write_all(
        self: &Arc<Self>,
        snapshots: Receiver<Recorded>,
        after_cycle: &mut Option<AfterCycle>,
    ) {
        let mut waiting = None;
        loop {
            let snapshot = match waiting.take() {
                Some(snapshot) => snapshot,
                None => match snapshots.recv() {
                    Ok(snapshot) => snapshot,
                    Err(_) => break,
                },
            };
            let recorded = match &snapshot {
                Recorded::Cluster(cluster) => self.record(cluster),
                Recorded::Source(source) => self.record_source(source).map(|_| None),
            };
            match recorded {
                Ok(Some(at_ms)) => {
                    if let Some(after_cycle) = after_cycle.as_mut() {
                        after_cycle(self, at_ms);
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(cluster = %snapshot.cluster(), "history: {error:#}"),
            }
            // A cycle's series keys are built and dropped each time (tens of
            // MB at 10,000 partitions); hand the freed pages back.
            crate::malloc_arenas::release_free_memory();
            waiting = self.maintain_while_idle(&snapshots);
        }
        match self.store.write() {
            Ok(mut store) => {
                if let Err(error) = store.seal() {
                    tracing::warn!("history: sealing on shutdown: {error}");
                }
            }
            Err(_) => tracing::warn!("history: store lock poisoned at shutdown"),
        }
    }

    /// Runs due store maintenance one slice at a time, taking the write lock
    /// per slice so queries get in between, and stops as soon as a snapshot
    /// is waiting, which it returns: recording comes first.
    fn maintain_while_idle(&self, snapshots: &Receiver<Recorded>) -> Option<Recorded> {
        loop {
            match snapshots.try_recv() {
                Ok(snapshot) => return Some(snapshot),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {}
            }
            let Ok(mut store) = self.store.write() else {
                return None;
            };
            let now_ms = store.last_cycle_ms()?;
            match store.maintain_if_due(now_ms) {
                Ok(Maintenance::InProgress(report)) => log_problems(&report),
                Ok(Maintenance::Finished(report)) => {
                    log_problems(&report);
                    return None;
                }
                Ok(Maintenance::NotDue) => return None,
                Err(error) => {
                    tracing::warn!("history: maintenance: {error}");
                    return None;
                }
            }
        }
    }

    /// Appends one snapshot's figures, and says at what time. A stale
    /// snapshot repeats figures already recorded, so it is skipped.
    pub fn record(&self, snapshot: &ClusterSnapshot) -> anyhow::Result<Option<i64>> {
        if snapshot.stale {
            return Ok(None);
        }
        let series = snapshot_series(snapshot);
        let joined = self.log_dir_join()?.cluster_recorded(snapshot);
        let mut store = self
            .store
            .write()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let at_ms = on_the_time_line(&store, snapshot.collected_at_ms);
        let origin = format!("cluster/{}", snapshot.cluster);
        let written = with_joined(&origin, &series, joined.as_ref());
        self.append_marking_gone(&mut store, at_ms, &written)
            .with_context(|| format!("recording the cycle of {}", snapshot.collected_at_ms))?;
        Ok(Some(at_ms))
    }

    /// Appends series computed beside the snapshots (the `ALERTS` series
    /// are `origin` "alerts"), on the same time line.
    pub fn record_series(
        &self,
        origin: &str,
        at_ms: i64,
        series: &[(SeriesKey, f64)],
    ) -> anyhow::Result<()> {
        let mut store = self
            .store
            .write()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let at_ms = on_the_time_line(&store, at_ms);
        self.append_marking_gone(&mut store, at_ms, &[(origin, series)])
            .with_context(|| format!("recording {} series at {at_ms}", series.len()))
    }

    /// Appends each origin's series, and a staleness marker for every
    /// series an origin wrote last time and not now, as one cycle of the
    /// store. Nothing to write at all is no append.
    fn append_marking_gone(
        &self,
        store: &mut Store,
        at_ms: i64,
        written: &[(&str, &[(SeriesKey, f64)])],
    ) -> anyhow::Result<()> {
        let mut present = self
            .present
            .lock()
            .map_err(|_| anyhow::anyhow!("history lock poisoned"))?;
        let stale = f64::from_bits(STALE_NAN_BITS);
        let mut all: Vec<(SeriesId, f64)> = Vec::new();
        let mut now_by_origin = Vec::with_capacity(written.len());
        for (origin, series) in written {
            let samples = series
                .iter()
                .map(|(key, value)| Ok((store.series_id(key)?, *value)))
                .collect::<Result<Vec<(SeriesId, f64)>, kafkascope_store::StoreError>>()?;
            let mut now: Vec<SeriesId> = samples.iter().map(|(id, _)| *id).collect();
            now.sort_unstable();
            now.dedup();
            let before = present.get(*origin).map(Vec::as_slice).unwrap_or_default();
            let gone = before
                .iter()
                .filter(|id| now.binary_search(id).is_err())
                .map(|id| (*id, stale));
            all.extend(samples);
            all.extend(gone);
            now_by_origin.push((*origin, now));
        }
        if !all.is_empty() {
            store.append(at_ms, all)?;
        }
        for (origin, now) in now_by_origin {
            present.insert(origin.to_string(), now);
        }
        Ok(())
    }

    fn log_dir_join(&self) -> anyhow::Result<std::sync::MutexGuard<'_, LogDirFilesystems>> {
        self.log_dir_filesystems
            .lock()
            .map_err(|_| anyhow::anyhow!("history lock poisoned"))
    }

    /// Appends one poll of a source.
    pub fn record_source(&self, snapshot: &SourceSnapshot) -> anyhow::Result<()> {
        let series = source_series(snapshot);
        let joined = self.log_dir_join()?.source_recorded(snapshot);
        let mut store = self
            .store
            .write()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let at_ms = on_the_time_line(&store, snapshot.polled_at_ms);
        let origin = format!("{}/{}", snapshot.kind, snapshot.cluster);
        let written = with_joined(&origin, &series, joined.as_ref());
        self.append_marking_gone(&mut store, at_ms, &written)
            .with_context(|| {
                format!(
                    "recording the {} poll of {}",
                    snapshot.kind, snapshot.polled_at_ms
                )
            })?;
        Ok(())
    }

    pub(crate) fn store(&self) -> &RwLock<Store> {
        &self.store
    }
}

/// When to record what was read at `at_ms`: the store keeps one time line
/// for every cluster and source, appended in the order they publish, so a
/// cycle that started before another's poll was recorded goes a
/// millisecond after it (moved by at most its own duration) rather than
/// being refused as out of order.
fn on_the_time_line(store: &Store, at_ms: i64) -> i64 {
    store
        .last_cycle_ms()
        .map_or(at_ms, |last_ms| at_ms.max(last_ms + 1))
}

/// What one append writes: the recorded origin's series, and the log
/// dirs' join when it is due.
fn with_joined<'a>(
    origin: &'a str,
    series: &'a [(SeriesKey, f64)],
    joined: Option<&'a JoinedSeries>,
) -> Vec<(&'a str, &'a [(SeriesKey, f64)])> {
    let mut written = vec![(origin, series)];
    if let Some(joined) = joined {
        written.push((joined.origin.as_str(), joined.series.as_slice()));
    }
    written
}

/// The store logged each problem where it found it; this ties them to history.
fn log_problems(report: &MaintenanceReport) {
    if !report.problems.is_empty() {
        tracing::warn!(
            problems = report.problems.len(),
            "history: maintenance skipped damaged data"
        );
    }
    if let Some(compaction) = report.compaction {
        tracing::info!(
            file_before = compaction.file_before,
            file_after = compaction.file_after,
            "history: database file compacted"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(at_ms: i64) -> Arc<ClusterSnapshot> {
        Arc::new(ClusterSnapshot {
            cluster: "prod".into(),
            collected_at_ms: at_ms,
            ..ClusterSnapshot::default()
        })
    }

    #[test]
    fn clusters_and_sources_publishing_out_of_start_order_are_all_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&HistorySettings {
            dir: dir.path().to_path_buf(),
            retention_days: 7,
        })
        .unwrap();
        // A JMX poll that started at 1,500 ms is published before the cycle
        // that started at 1,000 ms, and a second cluster's at the same ms.
        let poll = kafkascope_sources::SourceSnapshot {
            cluster: "prod".into(),
            kind: kafkascope_sources::SourceKind::JmxExporter,
            polled_at_ms: 1_500,
            duration_ms: 1.0,
            targets: vec![],
            figures: kafkascope_sources::source::SourceFigures::None,
        };
        history.record_source(&poll).unwrap();
        history.record(&snapshot(1_000)).unwrap();
        let mut other = (*snapshot(1_000)).clone();
        other.cluster = "staging".into();
        history.record(&other).unwrap();
        assert_eq!(history.store().read().unwrap().last_cycle_ms(), Some(1_502));
    }

    #[test]
    fn a_series_an_origin_stops_writing_is_gone_from_queries_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&HistorySettings {
            dir: dir.path().to_path_buf(),
            retention_days: 7,
        })
        .unwrap();
        let key = |group: &str| {
            SeriesKey::new(
                "kafkascope_consumergroup_dead".to_string(),
                [("consumergroup".to_string(), group.to_string())],
            )
        };
        history
            .record_series("test", 10_000, &[(key("a"), 1.0), (key("b"), 1.0)])
            .unwrap();
        history
            .record_series("test", 20_000, &[(key("b"), 1.0)])
            .unwrap();
        // Another origin's writes do not end this one's series.
        history.record_series("other", 30_000, &[]).unwrap();
        let source = StoreSource::new(history.clone());
        let groups = |at_ms| match kafkascope_query::instant_query(
            &source,
            "kafkascope_consumergroup_dead",
            at_ms,
        )
        .unwrap()
        {
            kafkascope_query::QueryValue::Vector { samples, .. } => samples
                .iter()
                .map(|s| s.labels["consumergroup"].clone())
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(groups(15_000), ["a", "b"]);
        // "a" went away at 20 s, well within the 5-minute lookback.
        assert_eq!(groups(20_000), ["b"]);
        assert_eq!(groups(60_000), ["b"]);
        // The marker keeps its exact bits through sealing into chunks.
        history.store().write().unwrap().seal().unwrap();
        assert_eq!(groups(15_000), ["a", "b"]);
        assert_eq!(groups(60_000), ["b"]);
        // Still seen over a range that holds its values.
        let answer = kafkascope_query::instant_query(
            &source,
            "count_over_time(kafkascope_consumergroup_dead[1m])",
            60_000,
        )
        .unwrap();
        let kafkascope_query::QueryValue::Vector { samples, .. } = answer else {
            panic!("{answer:?}")
        };
        let counts: Vec<(String, f64)> = samples
            .iter()
            .map(|s| (s.labels["consumergroup"].clone(), s.value))
            .collect();
        assert_eq!(counts, [("a".to_string(), 1.0), ("b".to_string(), 2.0)]);
    }

    #[test]
    fn the_log_dirs_filesystems_are_recorded_with_the_host_poll_and_end_with_the_log_dir() {
        use log_dir_filesystems::tests::{cluster, host_poll};
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&HistorySettings {
            dir: dir.path().to_path_buf(),
            retention_days: 7,
        })
        .unwrap();
        let mut cycle = cluster(&["/data/kafka"]);
        cycle.collected_at_ms = 10_000;
        history.record(&cycle).unwrap();
        let mut poll = host_poll(128.0);
        poll.polled_at_ms = 20_000;
        history.record_source(&poll).unwrap();
        let source = StoreSource::new(history.clone());
        let query = "kafkascope_broker_log_dir_filesystem_used_ratio > 0.85";
        let found = |at_ms| match kafkascope_query::instant_query(&source, query, at_ms).unwrap() {
            kafkascope_query::QueryValue::Vector { samples, .. } => samples
                .iter()
                .map(|s| {
                    let label = |name: &str| s.labels[name].clone();
                    (
                        label("broker"),
                        label("log_dir"),
                        label("mountpoint"),
                        s.value,
                    )
                })
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(found(15_000), []);
        let full = (
            "1".to_string(),
            "/data/kafka".to_string(),
            "/data".to_string(),
            0.875,
        );
        assert_eq!(found(25_000), std::slice::from_ref(&full));
        // Later cycles with the same log dirs leave the series as the poll wrote it.
        cycle.collected_at_ms = 30_000;
        history.record(&cycle).unwrap();
        assert_eq!(found(35_000), [full]);
        // The log dir moved off /data: the old series ends at once.
        let mut moved = cluster(&["/srv/kafka"]);
        moved.collected_at_ms = 40_000;
        history.record(&moved).unwrap();
        assert_eq!(found(45_000), []);
        let everything = "kafkascope_broker_log_dir_filesystem_used_ratio";
        let answer = kafkascope_query::instant_query(&source, everything, 45_000).unwrap();
        let kafkascope_query::QueryValue::Vector { samples, .. } = answer else {
            panic!("{answer:?}")
        };
        let mounts: Vec<(&str, f64)> = samples
            .iter()
            .map(|s| (s.labels["mountpoint"].as_str(), s.value))
            .collect();
        assert_eq!(mounts, [("/", 0.25)]);
    }

    #[test]
    fn maintenance_runs_between_cycles_but_never_ahead_of_a_waiting_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let settings = HistorySettings {
            dir: dir.path().to_path_buf(),
            retention_days: 7,
        };
        let history = History::open(&settings).unwrap();
        // 1 h 10 min of 10 s cycles: the first hour is sealed and waits to be merged.
        let last_ms = 420 * 10_000;
        for n in 1..=420 {
            history.record(&snapshot(n * 10_000)).unwrap();
        }
        let (sender, receiver) = sync_channel(PENDING_SNAPSHOTS);
        sender
            .send(Recorded::Cluster(snapshot(last_ms + 10_000)))
            .unwrap();
        let waiting = history.maintain_while_idle(&receiver);
        let waiting_at = waiting.map(|recorded| match recorded {
            Recorded::Cluster(s) => s.collected_at_ms,
            Recorded::Source(s) => s.polled_at_ms,
        });
        assert_eq!(waiting_at, Some(last_ms + 10_000));
        assert!(!history.store().read().unwrap().maintenance_running());
        // Nothing waits now: the whole pass runs, so none is due right after it, and a
        // full pass finds the hour already merged.
        assert_eq!(history.maintain_while_idle(&receiver).map(|_| ()), None);
        let mut store = history.store().write().unwrap();
        assert!(!store.select(&[]).is_empty());
        assert!(!store.maintenance_running());
        assert_eq!(store.maintain_if_due(last_ms).unwrap(), Maintenance::NotDue);
        assert_eq!(store.maintain(last_ms).unwrap().chunks_rewritten, 0);
        drop(sender);
    }
}
