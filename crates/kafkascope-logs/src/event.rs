//! What the detectors find: a typed event per kind, with where it was read.

use serde::Serialize;

use crate::level::Level;

/// The kinds of events detected in broker logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    IsrShrink,
    IsrExpand,
    LeaderElection,
    ControllerChange,
    BrokerRegistered,
    BrokerFenced,
    BrokerUnfenced,
    BrokerShutdown,
    LogDirFailure,
    OutOfMemory,
    TooManyOpenFiles,
    AuthenticationFailure,
    LogCleanerError,
    LogFlushSlowOrFailed,
    ErrorBurst,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::IsrShrink,
        EventKind::IsrExpand,
        EventKind::LeaderElection,
        EventKind::ControllerChange,
        EventKind::BrokerRegistered,
        EventKind::BrokerFenced,
        EventKind::BrokerUnfenced,
        EventKind::BrokerShutdown,
        EventKind::LogDirFailure,
        EventKind::OutOfMemory,
        EventKind::TooManyOpenFiles,
        EventKind::AuthenticationFailure,
        EventKind::LogCleanerError,
        EventKind::LogFlushSlowOrFailed,
        EventKind::ErrorBurst,
    ];

    /// The name in labels and JSON.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::IsrShrink => "isr_shrink",
            EventKind::IsrExpand => "isr_expand",
            EventKind::LeaderElection => "leader_election",
            EventKind::ControllerChange => "controller_change",
            EventKind::BrokerRegistered => "broker_registered",
            EventKind::BrokerFenced => "broker_fenced",
            EventKind::BrokerUnfenced => "broker_unfenced",
            EventKind::BrokerShutdown => "broker_shutdown",
            EventKind::LogDirFailure => "log_dir_failure",
            EventKind::OutOfMemory => "out_of_memory",
            EventKind::TooManyOpenFiles => "too_many_open_files",
            EventKind::AuthenticationFailure => "authentication_failure",
            EventKind::LogCleanerError => "log_cleaner_error",
            EventKind::LogFlushSlowOrFailed => "log_flush_slow_or_failed",
            EventKind::ErrorBurst => "error_burst",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which step of a broker's shutdown a record tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShutdownPhase {
    /// The controllers recorded the broker in controlled shutdown.
    ControlledShutdown,
    /// The broker itself logged that it shut down.
    Completed,
}

/// An event's own fields, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detected {
    IsrShrink(IsrChange),
    IsrExpand(IsrChange),
    LeaderElection {
        /// The topic's name, or its id where only the id is logged.
        topic: String,
        partition: i32,
        leader: i32,
        previous_leader: Option<i32>,
        leader_epoch: Option<i32>,
        unclean: bool,
    },
    ControllerChange {
        epoch: i64,
        /// `None` while the quorum has no leader in that epoch.
        leader: Option<i32>,
    },
    BrokerRegistered {
        broker: i32,
        broker_epoch: Option<i64>,
        /// A registration replacing an earlier one of the same broker (a restart).
        new_incarnation: bool,
    },
    BrokerFenced {
        broker: i32,
        broker_epoch: Option<i64>,
    },
    BrokerUnfenced {
        broker: i32,
        broker_epoch: Option<i64>,
    },
    BrokerShutdown {
        broker: i32,
        phase: ShutdownPhase,
    },
    LogDirFailure {
        dir: String,
    },
    OutOfMemory {
        /// What ran out: `Java heap space`, `Metaspace`, `Direct buffer memory`...
        detail: String,
    },
    TooManyOpenFiles {
        /// The line that says so.
        detail: String,
    },
    AuthenticationFailure {
        /// The client's address as the broker logged it.
        client: String,
        reason: String,
    },
    LogCleanerError {
        topic: Option<String>,
        partition: Option<i32>,
        detail: String,
    },
    LogFlushSlowOrFailed {
        topic: Option<String>,
        partition: Option<i32>,
        /// How long it took, for a slow flush.
        took_ms: Option<u64>,
        failed: bool,
        detail: String,
    },
    ErrorBurst {
        /// ERROR (or FATAL) records counted within the window.
        errors: u32,
        window_ms: i64,
        /// When the first of them was logged.
        since_ms: i64,
    },
}

/// A partition's ISR before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IsrChange {
    pub topic: String,
    pub partition: i32,
    /// As Kafka logged it (its order is Kafka's).
    pub old_isr: Vec<i32>,
    pub new_isr: Vec<i32>,
    pub leader: Option<i32>,
}

impl Detected {
    pub fn kind(&self) -> EventKind {
        match self {
            Detected::IsrShrink(_) => EventKind::IsrShrink,
            Detected::IsrExpand(_) => EventKind::IsrExpand,
            Detected::LeaderElection { .. } => EventKind::LeaderElection,
            Detected::ControllerChange { .. } => EventKind::ControllerChange,
            Detected::BrokerRegistered { .. } => EventKind::BrokerRegistered,
            Detected::BrokerFenced { .. } => EventKind::BrokerFenced,
            Detected::BrokerUnfenced { .. } => EventKind::BrokerUnfenced,
            Detected::BrokerShutdown { .. } => EventKind::BrokerShutdown,
            Detected::LogDirFailure { .. } => EventKind::LogDirFailure,
            Detected::OutOfMemory { .. } => EventKind::OutOfMemory,
            Detected::TooManyOpenFiles { .. } => EventKind::TooManyOpenFiles,
            Detected::AuthenticationFailure { .. } => EventKind::AuthenticationFailure,
            Detected::LogCleanerError { .. } => EventKind::LogCleanerError,
            Detected::LogFlushSlowOrFailed { .. } => EventKind::LogFlushSlowOrFailed,
            Detected::ErrorBurst { .. } => EventKind::ErrorBurst,
        }
    }
}

/// One detected event and the record it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEvent {
    /// The broker or controller node the file set belongs to, as configured.
    pub node: Option<i32>,
    pub file: String,
    /// The record's first line (1-based) and its byte offset in the file.
    pub line: u64,
    pub offset: u64,
    pub timestamp_ms: Option<i64>,
    pub level: Option<Level>,
    pub logger: String,
    pub thread: String,
    #[serde(flatten)]
    pub detected: Detected,
    /// The record's lines as read, bounded (see `lines_cut`).
    pub lines: Vec<String>,
    /// Lines of the record not kept because of the bounds.
    pub lines_cut: u32,
}

impl LogEvent {
    pub fn kind(&self) -> EventKind {
        self.detected.kind()
    }
}
