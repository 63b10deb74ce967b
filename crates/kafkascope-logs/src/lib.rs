//! Reads Kafka brokers' own log files (`server.log`, `controller.log`,
//! `state-change.log`, ...): follows them across rotation and truncation,
//! parses log4j layouts into records (stack traces kept with their record),
//! and detects the events operators grep for (ISR changes, elections,
//! fencing, authentication failures, ...), with counts by level and logger.
//!
//! [`LogFollower`] is the entry point: configured with file sets (a node's
//! files and their layout, [`FileSetConfig::kafka_logs_dir`] for Kafka's
//! own), each [`LogFollower::poll`] reads what was written since the last
//! one (a bounded amount per file) and returns a [`LogBatch`]: the
//! [`LogEvent`]s detected, the poll's [`LogCounts`] and a [`FileStatus`]
//! per file. Positions are saved after each poll when a positions file is
//! configured, so a restart reads nothing twice.
//!
//! ```no_run
//! use kafkascope_logs::{FileSetConfig, LogFollower, LogFollowerConfig};
//!
//! let config = LogFollowerConfig {
//!     file_sets: vec![FileSetConfig::kafka_logs_dir(Some(1), "/var/log/kafka".as_ref())],
//!     positions_file: Some("log-positions.json".into()),
//!     ..LogFollowerConfig::default()
//! };
//! let mut follower = LogFollower::new(config)?;
//! let batch = follower.poll();
//! for event in &batch.events {
//!     println!("{} {}:{} {:?}", event.kind(), event.file, event.line, event.detected);
//! }
//! # Ok::<(), kafkascope_logs::LogsError>(())
//! ```
//!
//! Kafka 4.x in KRaft mode logs a partition's registration (its ISR), not
//! the ISR change, when the controller moves a replica out or in: ISR
//! shrinks and expands are found by comparing each partition's ISR with the
//! last one the same node's logs told ([`IsrTracker`], saved with the
//! positions). A node tells the ISR of the partitions it leads, and of
//! those it follows under an unchanged leader.

mod error;
mod layout;
mod level;
mod timestamp;

pub use error::{LayoutError, LogsError};
pub use layout::{KAFKA_PATTERN, Layout, LineFields, THREAD_PATTERN};
pub use level::Level;
mod counts;
mod detectors;
mod error_burst;
mod event;
mod isr_tracker;
mod line_check;
mod line_processor;
mod record;
mod record_assembler;

pub use counts::{LogCounts, OTHER_LOGGER, SKIPPED_SAMPLES, SkippedLine};
pub use detectors::DetectorSet;
pub use error_burst::BurstConfig;
pub use event::{Detected, EventKind, IsrChange, LogEvent, ShutdownPhase};
pub use isr_tracker::IsrTracker;
pub use line_check::SkipReason;
pub use record::Record;
pub use record_assembler::RecordLimits;
mod followed_file;
mod follower;
mod positions;

pub use follower::{
    FileSetConfig, FileStatus, KAFKA_LOG_FILES, LogBatch, LogFollower, LogFollowerConfig,
    StartPosition,
};
