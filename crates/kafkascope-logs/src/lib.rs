//! Reads Kafka brokers' own log files (`server.log`, `controller.log`,
//! `state-change.log`, ...): follows them across rotation and truncation,
//! parses log4j layouts into records (stack traces kept with their record),
//! and detects the events operators grep for (ISR changes, elections,
//! fencing, authentication failures, ...), with counts by level and logger.

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
