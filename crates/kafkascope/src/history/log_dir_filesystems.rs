//! `kafkascope_broker_log_dir_filesystem_used_ratio` for the history: the
//! one family that needs a cluster's cycle (its brokers' log dirs) and its
//! node_exporter poll (the hosts' mounts) together. The history records
//! each on its own, so the writer keeps the latest of both per cluster and
//! writes the join beside whichever it records, under an origin of its own
//! so a log dir that leaves gets a staleness marker like any other series.

use std::collections::HashMap;

use kafkascope_collector::ClusterSnapshot;
use kafkascope_exposition::host_families::{BROKER_LOG_DIR_FILESYSTEM_USED_RATIO, log_dir_mounts};
use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::host_figures::HostFigures;
use kafkascope_store::SeriesKey;

/// The joined series of one cluster, under their own origin.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedSeries {
    pub origin: String,
    pub series: Vec<(SeriesKey, f64)>,
}

/// The latest of each side of the join, per cluster.
#[derive(Debug, Default)]
pub struct LogDirFilesystems {
    clusters: HashMap<String, Latest>,
}

#[derive(Debug, Default)]
struct Latest {
    /// Only the cluster's name and brokers: the join needs nothing else,
    /// and keeping a whole snapshot would hold its partitions and groups.
    brokers: Option<ClusterSnapshot>,
    hosts: Option<HostFigures>,
    /// The keys written last, sorted, to tell when a cycle changes them.
    written: Vec<SeriesKey>,
}

impl LogDirFilesystems {
    /// Notes a recorded cycle. Its join is written only when it adds or
    /// removes a series: the ratios are the host poll's, and repeating them
    /// at every cycle would make an old poll look fresh.
    pub fn cluster_recorded(&mut self, snapshot: &ClusterSnapshot) -> Option<JoinedSeries> {
        let latest = self.clusters.entry(snapshot.cluster.clone()).or_default();
        latest.brokers = Some(ClusterSnapshot {
            cluster: snapshot.cluster.clone(),
            brokers: snapshot.brokers.clone(),
            ..ClusterSnapshot::default()
        });
        let series = latest.join()?;
        let keys = sorted_keys(&series);
        if keys == latest.written {
            return None;
        }
        latest.written = keys;
        Some(joined(&snapshot.cluster, series))
    }

    /// Notes a recorded poll; a node_exporter poll is joined with the
    /// latest cycle (other sources are not part of the join).
    pub fn source_recorded(&mut self, poll: &SourceSnapshot) -> Option<JoinedSeries> {
        let hosts = poll.host()?;
        let latest = self.clusters.entry(poll.cluster.clone()).or_default();
        latest.hosts = Some(hosts.clone());
        let series = latest.join()?;
        latest.written = sorted_keys(&series);
        Some(joined(&poll.cluster, series))
    }
}

impl Latest {
    /// The join, once the cluster's brokers are known; no host poll yet
    /// joins to nothing (so what was written before is marked gone).
    fn join(&self) -> Option<Vec<(SeriesKey, f64)>> {
        let cluster = self.brokers.as_ref()?;
        let Some(hosts) = &self.hosts else {
            return Some(Vec::new());
        };
        let series = log_dir_mounts(cluster, hosts)
            .into_iter()
            .filter_map(|joined| {
                let mount = joined.mount?;
                let ratio = mount.used_ratio()?;
                let labels = [
                    ("cluster", cluster.cluster.clone()),
                    ("broker", joined.broker.id.to_string()),
                    ("log_dir", joined.log_dir.path.clone()),
                    ("mountpoint", mount.mountpoint.clone()),
                ]
                .map(|(name, value)| (name.to_string(), value));
                Some((
                    SeriesKey::new(BROKER_LOG_DIR_FILESYSTEM_USED_RATIO, labels),
                    ratio,
                ))
            })
            .collect();
        Some(series)
    }
}

fn sorted_keys(series: &[(SeriesKey, f64)]) -> Vec<SeriesKey> {
    let mut keys: Vec<SeriesKey> = series.iter().map(|(key, _)| key.clone()).collect();
    keys.sort();
    keys
}

fn joined(cluster: &str, series: Vec<(SeriesKey, f64)>) -> JoinedSeries {
    JoinedSeries {
        origin: format!("log-dir-filesystems/{cluster}"),
        series,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use kafkascope_collector::snapshot::{Broker, LogDir};
    use kafkascope_sources::SourceKind;
    use kafkascope_sources::host_figures::{HostNode, MountFigures};
    use kafkascope_sources::source::SourceFigures;

    use super::*;

    pub(crate) fn cluster(log_dirs: &[&str]) -> ClusterSnapshot {
        ClusterSnapshot {
            cluster: "prod".into(),
            brokers: vec![Broker {
                id: 1,
                host: "kafka-1".into(),
                log_dirs: log_dirs
                    .iter()
                    .map(|path| LogDir {
                        path: path.to_string(),
                        error: None,
                        size_bytes: 0,
                        volume_total_bytes: None,
                        volume_usable_bytes: None,
                    })
                    .collect(),
                ..Broker::default()
            }],
            ..ClusterSnapshot::default()
        }
    }

    pub(crate) fn host_poll(avail_bytes: f64) -> SourceSnapshot {
        let mount = |mountpoint: &str, avail: f64| MountFigures {
            device: mountpoint.into(),
            fstype: "ext4".into(),
            mountpoint: mountpoint.into(),
            size_bytes: Some(1024.0),
            avail_bytes: Some(avail),
            ..MountFigures::default()
        };
        SourceSnapshot {
            cluster: "prod".into(),
            kind: SourceKind::NodeExporter,
            polled_at_ms: 1_000,
            duration_ms: 1.0,
            targets: vec![],
            figures: SourceFigures::Host(HostFigures {
                hosts: vec![HostNode {
                    target: "http://kafka-1:9100/metrics".into(),
                    host: "kafka-1".into(),
                    broker: Some(1),
                    up: true,
                    mounts: vec![mount("/", 768.0), mount("/data", avail_bytes)],
                    ..HostNode::default()
                }],
            }),
        }
    }

    fn ratios(joined: &JoinedSeries) -> Vec<(String, f64)> {
        joined
            .series
            .iter()
            .map(|(key, value)| (format!("{key:?}"), *value))
            .collect()
    }

    #[test]
    fn a_log_dir_is_joined_to_the_mount_that_holds_it_not_to_the_hosts_root() {
        let mut join = LogDirFilesystems::default();
        // Nothing to join yet, and nothing written before: no append.
        assert_eq!(join.cluster_recorded(&cluster(&["/data/kafka"])), None);
        let written = join.source_recorded(&host_poll(128.0)).unwrap();
        assert_eq!(written.origin, "log-dir-filesystems/prod");
        let key = SeriesKey::new(
            BROKER_LOG_DIR_FILESYSTEM_USED_RATIO,
            [
                ("cluster", "prod"),
                ("broker", "1"),
                ("log_dir", "/data/kafka"),
                ("mountpoint", "/data"),
            ]
            .map(|(n, v)| (n.to_string(), v.to_string())),
        );
        assert_eq!(written.series, vec![(key, 0.875)]);
    }

    #[test]
    fn a_cycle_rewrites_the_join_only_when_its_log_dirs_change() {
        let mut join = LogDirFilesystems::default();
        // A host poll before any cycle has nothing to join.
        assert_eq!(join.source_recorded(&host_poll(512.0)), None);
        let first = join.cluster_recorded(&cluster(&["/data/kafka"])).unwrap();
        assert_eq!(ratios(&first).len(), 1);
        assert_eq!(first.series[0].1, 0.5);
        assert_eq!(join.cluster_recorded(&cluster(&["/data/kafka"])), None);
        let more = join
            .cluster_recorded(&cluster(&["/data/kafka", "/srv/kafka"]))
            .unwrap();
        // /srv/kafka lies on the root filesystem: 256 of 1024 bytes used.
        let mut values: Vec<f64> = more.series.iter().map(|(_, v)| *v).collect();
        values.sort_by(f64::total_cmp);
        assert_eq!(values, [0.25, 0.5]);
    }

    #[test]
    fn other_sources_are_not_joined() {
        let mut join = LogDirFilesystems::default();
        join.cluster_recorded(&cluster(&["/data/kafka"]));
        let mut poll = host_poll(0.0);
        poll.kind = SourceKind::Zookeeper;
        poll.figures = SourceFigures::None;
        assert_eq!(join.source_recorded(&poll), None);
    }
}
