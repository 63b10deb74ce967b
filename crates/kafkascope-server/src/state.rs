//! What every handler reads from.

use std::sync::{Arc, Mutex};

use kafkascope_alerts::PublishedAlerts;
use kafkascope_alerts::silence::Silences;
use kafkascope_collector::Snapshots;
use kafkascope_notify::Notifier;
use kafkascope_sources::SourceSnapshots;

/// Shared by all handlers; cloning copies two pointers.
#[derive(Clone)]
pub struct AppState {
    /// The latest snapshot per configured cluster, published by the
    /// collection loops.
    pub snapshots: Arc<Snapshots>,
    /// The latest poll of each cluster's sources (JMX...), published by
    /// their loops.
    pub sources: Arc<SourceSnapshots>,
    /// The alert rules and their alerts as of the last evaluation.
    pub alerts: Arc<PublishedAlerts>,
    /// `None` when alerting is off.
    pub silences: Option<Arc<Mutex<Silences>>>,
    /// `None` when no notifications are configured.
    pub notifier: Option<Arc<Notifier>>,
}

impl AppState {
    pub fn new(snapshots: Arc<Snapshots>) -> Self {
        Self {
            snapshots,
            sources: Arc::default(),
            alerts: Arc::default(),
            silences: None,
            notifier: None,
        }
    }

    pub fn with_sources(mut self, sources: Arc<SourceSnapshots>) -> Self {
        self.sources = sources;
        self
    }

    pub fn with_alerts(mut self, alerts: Arc<PublishedAlerts>) -> Self {
        self.alerts = alerts;
        self
    }

    pub fn with_silences(mut self, silences: Arc<Mutex<Silences>>) -> Self {
        self.silences = Some(silences);
        self
    }

    pub fn with_notifier(mut self, notifier: Arc<Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }
}
