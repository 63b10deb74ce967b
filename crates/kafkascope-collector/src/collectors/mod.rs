//! One collector per file; [`crate::collector::registry`] lists them.

pub mod cluster_metadata;
pub mod committed_offsets;
pub mod consumer_groups;
pub mod controller_state;
pub mod log_dirs;
pub mod log_offsets;
pub mod record_timestamps;
pub mod topic_configs;
