//! kafkascope-notify: delivering alerts, apart from evaluating them.
//!
//! `kafkascope-alerts` decides which alerts fire; this crate tells people,
//! the way Alertmanager does (and Burrow's notifiers before it): after each
//! evaluation the caller offers a snapshot of the alerts
//! ([`AlertSnapshot`]) to a [`Notifier`], a tokio task behind a bounded
//! queue that never makes the caller wait. It routes each alert by label
//! matchers to named receivers ([`route`]), groups them per route by
//! `group_by` labels with `group_wait`, `group_interval` and
//! `repeat_interval`, sends resolutions ([`aggregation`]), and delivers
//! each notification in its own task, retried with exponential backoff a
//! bounded number of times ([`delivery`]), so a slow receiver holds up no
//! other.
//!
//! - [`receivers`]: webhook (Alertmanager's JSON), Slack, email (SMTP),
//!   and Alertmanager itself (its push API, grouping left to it);
//! - [`config`]: the `[alerts.notify]` table, checked into a
//!   [`NotifyPlan`] with errors naming the field;
//! - [`secret`]: webhook URLs and passwords from a literal, `env:NAME` or
//!   `file:/path`, never printed;
//! - [`stats`]: sent, failed and dropped notifications per receiver, and
//!   the last error, for `/metrics`;
//! - [`DeliveryState`]: what was sent for each group, for the caller to
//!   save, so a restart neither repeats a notification early nor loses a
//!   resolution.

pub mod aggregation;
pub mod config;
pub mod delivery;
pub mod dispatch;
mod http;
pub mod matcher;
pub mod model;
pub mod receivers;
pub mod route;
pub mod secret;
pub mod stats;
mod text;

pub use aggregation::DeliveryState;
pub use config::{ConfigError, NotifyConfig, NotifyPlan};
pub use dispatch::{AlertSnapshot, Notifier};
pub use secret::Secret;
pub use stats::{NotifyStats, ReceiverStats};
