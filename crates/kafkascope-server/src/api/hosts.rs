//! `/clusters/{cluster}/hosts`: the latest poll of the brokers' hosts
//! (node_exporter or `kafkascope agent` pages), each host with the ids of
//! the brokers that run on it, and each broker's log directories with the
//! mount that holds them, from the cluster's latest snapshot.

use axum::Json;
use axum::extract::{Path, State};
use kafkascope_exposition::host_families::{brokers_on, log_dir_mounts};
use kafkascope_sources::host_figures::{HostFigures, HostNode};
use kafkascope_sources::{SourceKind, TargetStatus};
use serde::Serialize;

use crate::AppState;
use crate::api::jmx::source_snapshot;
use crate::api_error::ApiError;

#[derive(Debug, Serialize)]
pub struct HostsView {
    pub cluster: String,
    pub polled_at_ms: i64,
    pub duration_ms: f64,
    pub targets: Vec<TargetStatus>,
    pub hosts: Vec<HostView>,
    /// Empty until the cluster's first snapshot.
    pub log_dirs: Vec<LogDirView>,
}

#[derive(Debug, Serialize)]
pub struct HostView {
    /// The brokers the cluster's latest snapshot places on the host.
    pub brokers: Vec<i32>,
    #[serde(flatten)]
    pub figures: HostNode,
}

/// A broker's log directory and the filesystem that holds it.
#[derive(Debug, Serialize)]
pub struct LogDirView {
    pub broker: i32,
    pub log_dir: String,
    /// The broker's error for the directory (a failed disk).
    pub error: Option<String>,
    /// The host the broker runs on, when a target describes it.
    pub host: Option<String>,
    pub mountpoint: Option<String>,
    pub device: Option<String>,
    pub fstype: Option<String>,
    pub size_bytes: Option<f64>,
    pub avail_bytes: Option<f64>,
    pub used_ratio: Option<f64>,
}

pub async fn latest(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
) -> Result<Json<HostsView>, ApiError> {
    let polled = source_snapshot(&state, &cluster, SourceKind::NodeExporter)?;
    let empty = HostFigures::default();
    let figures = polled.host().unwrap_or(&empty);
    let snapshot = state.snapshots.get(&cluster);
    let hosts = figures
        .hosts
        .iter()
        .map(|host| HostView {
            brokers: snapshot
                .as_ref()
                .map(|s| brokers_on(s, figures, host))
                .unwrap_or_default(),
            figures: host.clone(),
        })
        .collect();
    let log_dirs = snapshot
        .as_ref()
        .map(|s| log_dir_views(s, figures))
        .unwrap_or_default();
    Ok(Json(HostsView {
        cluster: polled.cluster.clone(),
        polled_at_ms: polled.polled_at_ms,
        duration_ms: polled.duration_ms,
        targets: polled.targets.clone(),
        hosts,
        log_dirs,
    }))
}

fn log_dir_views(
    snapshot: &kafkascope_collector::ClusterSnapshot,
    figures: &HostFigures,
) -> Vec<LogDirView> {
    log_dir_mounts(snapshot, figures)
        .into_iter()
        .map(|joined| LogDirView {
            broker: joined.broker.id,
            log_dir: joined.log_dir.path.clone(),
            error: joined.log_dir.error.clone(),
            host: joined.host.map(|h| h.host.clone()),
            mountpoint: joined.mount.map(|m| m.mountpoint.clone()),
            device: joined.mount.map(|m| m.device.clone()),
            fstype: joined.mount.map(|m| m.fstype.clone()),
            size_bytes: joined.mount.and_then(|m| m.size_bytes),
            avail_bytes: joined.mount.and_then(|m| m.avail_bytes),
            used_ratio: joined.mount.and_then(|m| m.used_ratio()),
        })
        .collect()
}
