//! How collection itself is going: cycle duration and freshness, each
//! collector's last run, errors by kind, APIs the brokers do not offer,
//! requests sent; and which build of kafkascope is collecting.

use kafkascope_collector::ClusterSnapshot;
use kafkascope_sources::{SourceSnapshot, TargetStatus};

use crate::labels::{self, Label};
use crate::writer::{MetricType, MetricsWriter};

pub const COLLECTION_DURATION_SECONDS: &str = "kafkascope_collection_duration_seconds";
pub const COLLECTION_LAST_SUCCESS_TIMESTAMP_SECONDS: &str =
    "kafkascope_collection_last_success_timestamp_seconds";
pub const SNAPSHOT_STALE: &str = "kafkascope_snapshot_stale";
pub const COLLECTOR_DURATION_SECONDS: &str = "kafkascope_collector_duration_seconds";
pub const COLLECTOR_SUCCESS: &str = "kafkascope_collector_success";
pub const COLLECTION_ERRORS: &str = "kafkascope_collection_errors";
pub const UNSUPPORTED_API: &str = "kafkascope_unsupported_api";
/// A counter: `_total` is added to the samples.
pub const REQUESTS: &str = "kafkascope_requests";
pub const BUILD_INFO: &str = "kafkascope_build_info";

/// The version `kafkascope_build_info` reports: this crate's, kept
/// equal to the binary's.
pub const BUILD_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit built (12 hex digits), from `build.rs`: `unknown` when the
/// source had no git repository and `KAFKASCOPE_GIT_REVISION` was not set.
pub const BUILD_REVISION: &str = env!("KAFKASCOPE_GIT_REVISION");

/// Every family name this module writes, in the order it writes them.
pub const FAMILIES: &[&str] = &[
    COLLECTION_DURATION_SECONDS,
    COLLECTION_LAST_SUCCESS_TIMESTAMP_SECONDS,
    SNAPSHOT_STALE,
    COLLECTOR_DURATION_SECONDS,
    COLLECTOR_SUCCESS,
    COLLECTION_ERRORS,
    UNSUPPORTED_API,
    REQUESTS,
    BUILD_INFO,
];

pub fn write(w: &mut MetricsWriter, clusters: &[&ClusterSnapshot]) {
    w.gauge(
        COLLECTION_DURATION_SECONDS,
        "Wall-clock duration of the last collection cycle.",
    );
    for c in clusters {
        w.sample(&labels::cluster(c), c.cycle_duration_ms as f64 / 1000.0);
    }

    w.gauge(
        COLLECTION_LAST_SUCCESS_TIMESTAMP_SECONDS,
        "Unix time at which the cycle that produced the current figures started.",
    );
    for c in clusters {
        if let Some(ms) = c.last_success_ms() {
            w.sample(&labels::cluster(c), ms as f64 / 1000.0);
        }
    }

    w.gauge(
        SNAPSHOT_STALE,
        "1 when the last cycle failed and the figures are from an earlier one, else 0.",
    );
    for c in clusters {
        w.sample(&labels::cluster(c), c.stale);
    }

    w.gauge(
        COLLECTOR_DURATION_SECONDS,
        "Duration of each collector's run in the last cycle.",
    );
    for c in clusters {
        for run in &c.collectors {
            w.sample(&collector_labels(c, &run.name), run.duration_ms / 1000.0);
        }
    }

    w.gauge(
        COLLECTOR_SUCCESS,
        "1 when the collector's run in the last cycle succeeded, else 0.",
    );
    for c in clusters {
        for run in &c.collectors {
            w.sample(&collector_labels(c, &run.name), run.success);
        }
    }

    w.gauge(
        COLLECTION_ERRORS,
        "Errors in the last cycle by kind (connection, timeout, kafka...); kinds without errors are absent.",
    );
    for c in clusters {
        for (kind, count) in c.errors_by_kind() {
            let labels: [Label<'_>; 2] = [
                ("cluster", c.cluster.as_str().into()),
                ("kind", kind.into()),
            ];
            w.sample(&labels, count);
        }
    }

    w.gauge(
        UNSUPPORTED_API,
        "Kafka APIs some broker does not offer (the figures they feed are absent); value is always 1.",
    );
    for c in clusters {
        for api in &c.unsupported_apis {
            let labels: [Label<'_>; 2] =
                [("cluster", c.cluster.as_str().into()), ("api", api.into())];
            w.sample(&labels, 1i64);
        }
    }

    w.family(
        REQUESTS,
        MetricType::Counter,
        "Kafka requests sent to the cluster since kafkascope started, by API.",
    );
    for c in clusters {
        for (api, count) in &c.requests_sent {
            let labels: [Label<'_>; 2] =
                [("cluster", c.cluster.as_str().into()), ("api", api.into())];
            w.sample(&labels, *count);
        }
    }

    // Per cluster like every other series: the history records each
    // cluster's cycle on its own, and a series without `cluster` would be
    // appended to by every cluster's cycle.
    w.gauge(
        BUILD_INFO,
        "The kafkascope version and git revision collecting the cluster; value is always 1.",
    );
    for c in clusters {
        let labels: [Label<'_>; 3] = [
            ("cluster", c.cluster.as_str().into()),
            ("version", BUILD_VERSION.into()),
            ("revision", BUILD_REVISION.into()),
        ];
        w.sample(&labels, 1i64);
    }
}

fn collector_labels<'a>(c: &'a ClusterSnapshot, collector: &'a str) -> [Label<'a>; 2] {
    [
        ("cluster", c.cluster.as_str().into()),
        ("collector", collector.into()),
    ]
}

pub const SOURCE_DURATION_SECONDS: &str = "kafkascope_source_duration_seconds";
pub const SOURCE_LAST_POLL_TIMESTAMP_SECONDS: &str =
    "kafkascope_source_last_poll_timestamp_seconds";
pub const SOURCE_TARGET_UP: &str = "kafkascope_source_target_up";
pub const SOURCE_TARGET_DURATION_SECONDS: &str = "kafkascope_source_target_duration_seconds";
pub const SOURCE_TARGET_SAMPLES: &str = "kafkascope_source_target_samples";

/// Every family [`write_sources`] writes, in order.
pub const SOURCE_FAMILIES: &[&str] = &[
    SOURCE_DURATION_SECONDS,
    SOURCE_LAST_POLL_TIMESTAMP_SECONDS,
    SOURCE_TARGET_UP,
    SOURCE_TARGET_DURATION_SECONDS,
    SOURCE_TARGET_SAMPLES,
];

/// How each source's last poll went, and each of its targets.
pub fn write_sources(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    fn source_labels(s: &SourceSnapshot) -> [Label<'_>; 2] {
        [
            ("cluster", s.cluster.as_str().into()),
            ("source", s.kind.name().into()),
        ]
    }
    w.gauge(
        SOURCE_DURATION_SECONDS,
        "Wall-clock duration of the source's last poll of all its targets.",
    );
    for s in sources {
        w.sample(&source_labels(s), s.duration_ms / 1000.0);
    }
    w.gauge(
        SOURCE_LAST_POLL_TIMESTAMP_SECONDS,
        "Unix time at which the source's last poll started.",
    );
    for s in sources {
        w.sample(&source_labels(s), s.polled_at_ms as f64 / 1000.0);
    }
    let targets = || {
        sources
            .iter()
            .flat_map(|s| s.targets.iter().map(move |t| (*s, t)))
    };
    fn target_labels<'a>(s: &'a SourceSnapshot, t: &'a TargetStatus) -> [Label<'a>; 3] {
        [
            ("cluster", s.cluster.as_str().into()),
            ("source", s.kind.name().into()),
            ("target", t.target.as_str().into()),
        ]
    }
    w.gauge(
        SOURCE_TARGET_UP,
        "1 when the target answered readably in the source's last poll, else 0.",
    );
    for (s, t) in targets() {
        w.sample(&target_labels(s, t), t.up);
    }
    w.gauge(
        SOURCE_TARGET_DURATION_SECONDS,
        "How long the target took to answer (or fail) in the last poll.",
    );
    for (s, t) in targets() {
        w.sample(&target_labels(s, t), t.duration_ms / 1000.0);
    }
    w.gauge(
        SOURCE_TARGET_SAMPLES,
        "Samples read from the target's page in the last poll.",
    );
    for (s, t) in targets() {
        w.sample(&target_labels(s, t), t.samples as i64);
    }
}
