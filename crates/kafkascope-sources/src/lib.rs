//! kafkascope's sources: what it reads beside the Kafka protocol.
//!
//! A broker's bytes in and request times, a client's send rate, a Connect
//! task's state, a ZooKeeper member's role, a host's disk: none of it is a
//! step of the Kafka collection cycle. Each [`source::Source`] polls its
//! targets on its own interval, in a task of its own per cluster
//! ([`source_loop`]), and its result ([`source::SourceSnapshot`]) is
//! published next to the cluster's snapshot ([`published::SourceSnapshots`]),
//! so a slow or dead target never delays lag. Every source follows the
//! rules of `docs/specs/source.md`: a timeout per target, bounded answers,
//! errors per target, no panics.
//!
//! - [`prometheus_text`]: the reader of exporter pages;
//! - [`jmx_exporter`]: brokers' and clients' JMX through the Prometheus JMX
//!   exporter agent, read into named figures ([`jmx_figures`],
//!   [`client_figures`], [`connect_figures`], [`streams_figures`]), with a verdict on every client
//!   ([`client_liveness`]);
//! - [`jolokia`]: the same figures through the Jolokia agent's bulk reads;
//! - [`connect_rest`]: Kafka Connect clusters through their REST API, read
//!   into [`connect_rest_figures`] (connectors, tasks, workers, restarts);
//! - [`zookeeper`]: ZooKeeper ensemble members' four-letter words, read into
//!   [`zookeeper_figures`] with a verdict on the ensemble;
//! - [`broker_logs`]: the brokers' own log files, followed, with the events
//!   they tell kept and counted.

pub mod broker_logs;
pub mod client_figures;
pub mod client_liveness;
pub mod connect_figures;
pub mod connect_rest;
pub mod connect_rest_figures;
pub mod host_figures;
pub mod jmx;
pub mod jmx_exporter;
pub mod jmx_figures;
pub mod jolokia;
pub mod node_exporter;
pub mod prometheus_text;
pub mod published;
pub mod source;
pub mod source_loop;
pub mod streams_figures;
pub mod zookeeper;
pub mod zookeeper_figures;

pub use published::SourceSnapshots;
pub use source::{Source, SourceKind, SourceSnapshot, TargetStatus};
