//! What a poll of the broker logs source publishes: each file's status,
//! the counts since following began, and the cluster's event store.

use std::sync::Arc;

use kafkascope_logs::FileStatus;
use serde::Serialize;

use super::event_store::EventStore;
use super::log_totals::LogTotals;

#[derive(Debug, Clone, Serialize)]
pub struct BrokerLogFigures {
    /// The configured brokers, in configuration order.
    pub brokers: Vec<i32>,
    /// How following each file went in this poll.
    pub files: Vec<FileStatus>,
    /// Counts since following began (kept across restarts).
    pub totals: LogTotals,
    /// Events read in this poll.
    pub new_events: usize,
    /// Every event kept, for `/api/v1/clusters/{cluster}/events`; the
    /// same store in every poll's figures.
    #[serde(skip)]
    pub events: Arc<EventStore>,
}
