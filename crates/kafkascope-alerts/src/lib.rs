//! kafkascope-alerts: alert rules over kafkascope's own history.
//!
//! Rules are written as Prometheus writes them (`expr`, `for`,
//! `keep_firing_for`, `labels`, `annotations` with `{{ $labels.x }}` and
//! `{{ $value }}`), in the config or a Prometheus rule file
//! ([`rule_file`]), and evaluated after each collection cycle over the
//! same series `/metrics` and the history hold, with the query engine of
//! `kafkascope-query`. Each rule's alerts follow Prometheus's life cycle
//! ([`alert_state`]: pending, firing, resolved), identified by their label
//! sets; the whole set is saved and restored ([`rule_set`]) so a restart
//! neither drops a firing alert nor sends it twice. Delivery is not here:
//! evaluation hands its events to whoever notifies.
//!
//! - [`rule`]: a rule as written, and checked;
//! - [`template`]: the annotation and label templates;
//! - [`duration`]: `5m`, `1h30m`;
//! - [`default_rules`]: the curated rules kafkascope ships with;
//! - [`published`]: what the HTTP side shows, as of the last evaluation;
//! - [`silence`]: silences by label matchers, as Alertmanager has them.

pub mod alert_state;
pub mod default_rules;
pub mod duration;
pub mod published;
pub mod rule;
pub mod rule_file;
pub mod rule_set;
pub mod silence;
pub mod template;

pub use alert_state::{Alert, AlertEvent, AlertState};
pub use published::{AlertsView, EventView, PublishedAlerts};
pub use rule::{Rule, RuleSpec};
pub use rule_set::{Health, RuleHealth, RuleSet, SavedAlerts};
