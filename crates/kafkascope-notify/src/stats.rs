//! Counters for `/metrics` and the status page: per receiver, the
//! notifications sent, failed (every try used up, or refused for good)
//! and dropped (too many already in flight to it), the tries repeated,
//! and the last error; and the snapshots dropped because the dispatcher
//! was behind.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStats {
    /// `webhook`, `slack`, `email` or `alertmanager`.
    pub kind: &'static str,
    pub sent: u64,
    pub failed: u64,
    pub dropped: u64,
    /// Tries after a first one failed.
    pub retries: u64,
    /// The latest failed try's error; no secret is ever part of one.
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NotifyStats {
    pub receivers: BTreeMap<String, ReceiverStats>,
    /// Snapshots refused by [`crate::Notifier::offer`] on a full queue.
    pub snapshots_dropped: u64,
}

/// The counters, shared between the dispatcher, its deliveries and the
/// caller.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedStats(Arc<Mutex<NotifyStats>>);

impl SharedStats {
    pub fn new(receivers: impl Iterator<Item = (String, &'static str)>) -> SharedStats {
        let stats = NotifyStats {
            receivers: receivers
                .map(|(name, kind)| {
                    let stats = ReceiverStats {
                        kind,
                        ..ReceiverStats::default()
                    };
                    (name, stats)
                })
                .collect(),
            snapshots_dropped: 0,
        };
        SharedStats(Arc::new(Mutex::new(stats)))
    }

    pub fn snapshot(&self) -> NotifyStats {
        self.lock().clone()
    }

    pub fn snapshot_dropped(&self) {
        self.lock().snapshots_dropped += 1;
    }

    /// Changes one receiver's counters.
    pub fn with(&self, receiver: &str, change: impl FnOnce(&mut ReceiverStats)) {
        if let Some(stats) = self.lock().receivers.get_mut(receiver) {
            change(stats);
        }
    }

    fn lock(&self) -> MutexGuard<'_, NotifyStats> {
        // Counters stay readable even if a holder panicked.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
