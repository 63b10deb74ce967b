//! A Kafka host's own figures: CPU, memory, load, disks, filesystems,
//! network and file handles, read from `/proc` and `statfs` and written
//! as node_exporter writes them, for `kafkascope agent` on hosts that run
//! no node_exporter. kafkascope's node_exporter source then reads either
//! page the same way.
//!
//! One reader per file, each a pure `parse_*(&str)` (what the tests feed
//! fixture text) and a `read_*(proc_root)` doing the I/O; a bad line is an
//! error naming the file and line, and costs that reader's figures only:
//!
//! | file | reader | families |
//! |---|---|---|
//! | `/proc/stat` | [`cpu_stat`] | `node_cpu_seconds_total`, `node_boot_time_seconds` |
//! | `/proc/meminfo` | [`meminfo`] | `node_memory_*` |
//! | `/proc/loadavg` | [`loadavg`] | `node_load1`, `5`, `15` |
//! | `/proc/diskstats` | [`diskstats`] | `node_disk_*` |
//! | `/proc/net/dev` | [`net_dev`] | `node_network_*_total` |
//! | `/proc/sys/fs/file-nr` | [`file_nr`] | `node_filefd_allocated`, `_maximum` |
//! | `/proc/1/mounts` + `statfs` | [`mounts`], [`filesystem_stats`] | `node_filesystem_*` |
//!
//! [`host_reading`] runs them all, [`node_page`] writes the page and
//! [`agent_server`] serves it; [`broker_logs_route`] serves the broker
//! log events the binary's follower hands it (`--broker-logs`).

pub mod agent_options;
pub mod agent_server;
pub mod broker_logs_route;
pub mod cpu_stat;
pub mod diskstats;
pub mod file_nr;
pub mod filesystem_stats;
pub mod host_error;
pub mod host_reading;
pub mod loadavg;
pub mod meminfo;
pub mod mounts;
pub mod net_dev;
pub mod node_page;
mod proc_file;

pub use agent_options::AgentOptions;
pub use agent_server::{AgentError, agent_router, serve_agent, serve_agent_on};
pub use broker_logs_route::{BrokerLogsPager, broker_logs_router};
pub use host_error::{HostError, LineError};
pub use host_reading::{HostReading, read_host};
pub use node_page::render_page;
