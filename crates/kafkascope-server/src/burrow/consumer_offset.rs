//! Burrow's `ConsumerOffset`: one committed offset of a group on a
//! partition, as it appears in a consumer's detail and in `start`/`end` of
//! a status.
//!
//! Burrow keeps a window of commits per partition; kafkascope keeps a window
//! of observed committed offsets: `start` is its oldest sample, `end` the
//! latest. A figure kafkascope does not know is `null` (Go clients decode
//! it as 0, as Burrow would send).

use kafkascope_collector::ClusterSnapshot;
use kafkascope_collector::snapshot::{PartitionLag, WindowSample};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerOffset {
    pub offset: i64,
    /// When the offset was committed (Unix ms): when kafkascope first saw
    /// it; `null` until kafkascope has seen the offset move.
    pub timestamp: Option<i64>,
    /// When it was read (Unix ms): the start of the snapshot's cycle.
    #[serde(rename = "observedAt")]
    pub observed_at: i64,
    /// Messages behind the log end when read; `null` when the log end was
    /// not known.
    pub lag: Option<i64>,
}

impl ConsumerOffset {
    /// The latest sample of `offset`, read in `snapshot`'s cycle.
    pub fn latest(snapshot: &ClusterSnapshot, offset: &PartitionLag) -> Self {
        Self {
            offset: offset.committed_offset,
            timestamp: offset.last_commit_at_ms,
            observed_at: snapshot.collected_at_ms,
            lag: offset.lag,
        }
    }

    /// The oldest sample of `offset`'s evaluation window; the latest one
    /// while the window is empty.
    pub fn window_start(snapshot: &ClusterSnapshot, offset: &PartitionLag) -> Self {
        match offset.window_start {
            Some(WindowSample {
                committed_offset,
                observed_at_ms,
                lag,
            }) => Self {
                offset: committed_offset,
                // Only the latest offset's commit time is known.
                timestamp: (committed_offset == offset.committed_offset)
                    .then_some(offset.last_commit_at_ms)
                    .flatten(),
                observed_at: observed_at_ms,
                lag,
            },
            None => Self::latest(snapshot, offset),
        }
    }
}
