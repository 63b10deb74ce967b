//! Helpers for the comparison against a real Prometheus.

pub mod compare;
pub mod dataset;
pub mod prometheus_server;
