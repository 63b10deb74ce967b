//! The KRaft metadata quorum (DescribeQuorum): its leader, epoch and high
//! watermark, and how far each voter and observer is behind it. Absent on
//! clusters without KRaft.

use kafkascope_collector::ClusterSnapshot;

use crate::labels::{self, Label};
use crate::writer::MetricsWriter;

pub const QUORUM_LEADER_EPOCH: &str = "kafkascope_quorum_leader_epoch";
pub const QUORUM_HIGH_WATERMARK: &str = "kafkascope_quorum_high_watermark";
pub const QUORUM_REPLICA_LAG: &str = "kafkascope_quorum_replica_lag";
pub const QUORUM_REPLICA_LAST_FETCH_AGE_SECONDS: &str =
    "kafkascope_quorum_replica_last_fetch_age_seconds";

/// This module's families, in the order [`write`] writes them.
pub const FAMILIES: &[&str] = &[
    QUORUM_LEADER_EPOCH,
    QUORUM_HIGH_WATERMARK,
    QUORUM_REPLICA_LAG,
    QUORUM_REPLICA_LAST_FETCH_AGE_SECONDS,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    let quorums = || {
        clusters
            .iter()
            .filter_map(|c| c.quorum.as_ref().map(|q| (*c, q)))
    };
    w.gauge(
        QUORUM_LEADER_EPOCH,
        "Epoch of the metadata quorum's leader; it grows with every controller election.",
    );
    for (c, q) in quorums() {
        w.sample(&labels::cluster(c), q.leader_epoch);
    }
    w.gauge(
        QUORUM_HIGH_WATERMARK,
        "High watermark of the KRaft metadata log (__cluster_metadata-0) on the quorum's leader.",
    );
    for (c, q) in quorums() {
        w.sample(&labels::cluster(c), q.high_watermark);
    }
    w.gauge(
        QUORUM_REPLICA_LAG,
        "Records a metadata quorum voter or observer is behind the leader's high watermark.",
    );
    for (c, q) in quorums() {
        for (role, r) in q.replicas() {
            w.sample(&replica_labels(c, r.replica_id, role), q.lag(r));
        }
    }
    w.gauge(
        QUORUM_REPLICA_LAST_FETCH_AGE_SECONDS,
        "Seconds between the replica's last fetch from the quorum's leader and the cycle; absent when the leader has seen none.",
    );
    for (c, q) in quorums() {
        for (role, r) in q.replicas() {
            if let Some(at) = r.last_fetch_ms {
                let age = (c.collected_at_ms - at).max(0) as f64 / 1000.0;
                w.sample(&replica_labels(c, r.replica_id, role), age);
            }
        }
    }
}

fn replica_labels<'a>(c: &'a ClusterSnapshot, replica: i32, role: &'static str) -> [Label<'a>; 3] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("replica", replica.into()),
        ("role", role.into()),
    ]
}
