//! `serve`'s alerting: the rules evaluated over the history right after
//! each cycle is written (by the history's writer thread, so every rule
//! sees that cycle), their `ALERTS` series written back beside it, the
//! result published for the HTTP side, and the alerts saved in the data
//! folder so a restart keeps a firing alert firing.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use kafkascope_alerts::default_rules::DEFAULT_RULES_FILE;
use kafkascope_alerts::published::RECENT_EVENTS;
use kafkascope_alerts::silence::Silences;
use kafkascope_alerts::{
    AlertEvent, AlertState, AlertsView, EventView, PublishedAlerts, RuleSet, SavedAlerts,
};
use kafkascope_notify::{AlertSnapshot, DeliveryState, Notifier, NotifyPlan};
use kafkascope_store::SeriesKey;
use serde::{Deserialize, Serialize};

use crate::config::AlertsPlan;
use crate::history::{AfterCycle, History, StoreSource};

/// The file in the data folder the alerts are kept in.
pub const STATE_FILE: &str = "alerts.json";
/// The file in the data folder the silences are kept in.
pub const SILENCES_FILE: &str = "silences.json";
/// The file in the data folder what was notified is kept in.
pub const NOTIFY_FILE: &str = "notify.json";

/// Starts the notifier with what was notified before the restart.
pub fn start_notifier(plan: NotifyPlan, data_dir: &Path) -> Arc<Notifier> {
    let path = data_dir.join(NOTIFY_FILE);
    let restored = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(
                "notifications: {} is not readable ({error}); starting afresh",
                path.display()
            );
            DeliveryState::default()
        }),
        Err(_) => DeliveryState::default(),
    };
    Arc::new(Notifier::start(plan, restored))
}

/// Saves what was notified, beside the history.
pub fn save_delivery_state(notifier: &Notifier, data_dir: &Path) -> anyhow::Result<()> {
    let text =
        serde_json::to_vec(&notifier.delivery_state()).context("encoding what was notified")?;
    write_replacing(&data_dir.join(NOTIFY_FILE), &text)
}

/// Written to a temporary file and renamed, so a crash mid-write leaves
/// the previous file whole.
fn write_replacing(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))
}

/// The silences saved in `data_dir`, shared by the engine and the HTTP side.
pub fn open_silences(data_dir: &Path) -> Arc<Mutex<Silences>> {
    let (silences, problem) = Silences::open(&data_dir.join(SILENCES_FILE));
    if let Some(problem) = problem {
        tracing::warn!("silences: {problem}; starting without them");
    }
    Arc::new(Mutex::new(silences))
}

/// What is saved: the alerts and the latest changes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedState {
    alerts: SavedAlerts,
    #[serde(default)]
    events: VecDeque<EventView>,
}

pub struct AlertEngine {
    rules: RuleSet,
    events: VecDeque<EventView>,
    state_path: PathBuf,
    published: Arc<PublishedAlerts>,
    silences: Arc<Mutex<Silences>>,
    curated_groups: Vec<String>,
    notify: Option<Notify>,
}

/// Where the engine hands its alerts after each evaluation.
pub struct Notify {
    pub notifier: Arc<Notifier>,
    /// The evaluation interval: Alertmanager pushes end after a few of them.
    pub interval_ms: i64,
    pub data_dir: PathBuf,
    /// What was last saved of the delivery state, to save only changes.
    pub saved: Vec<u8>,
}

impl AlertEngine {
    /// The engine for `plan`, with the alerts saved in `data_dir` taken
    /// back. An unreadable state file is set aside and reported, not fatal:
    /// alerting starts afresh rather than not at all.
    pub fn open(
        plan: AlertsPlan,
        data_dir: &Path,
        published: Arc<PublishedAlerts>,
        silences: Arc<Mutex<Silences>>,
    ) -> Self {
        let state_path = data_dir.join(STATE_FILE);
        let mut rules = RuleSet::new(plan.rules);
        let saved = read_state(&state_path);
        let restored = rules.restore(saved.alerts);
        if restored > 0 {
            tracing::info!(
                alerts = restored,
                "alerts taken back from {}",
                state_path.display()
            );
        }
        let engine = AlertEngine {
            rules,
            events: saved.events,
            state_path,
            published,
            silences,
            curated_groups: curated_groups(),
            notify: None,
        };
        engine.publish(None);
        engine
    }

    /// Alerts go to `notify` after each evaluation.
    pub fn with_notify(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }

    /// The writer's hook: evaluate after every recorded cycle.
    pub fn into_after_cycle(mut self) -> AfterCycle {
        Box::new(move |history, at_ms| self.after_cycle(history, at_ms))
    }

    fn after_cycle(&mut self, history: &Arc<History>, at_ms: i64) {
        let source = StoreSource::new(history.clone());
        let events = self.rules.evaluate(&source, at_ms);
        let series: Vec<(SeriesKey, f64)> = self
            .rules
            .alerts_series()
            .into_iter()
            .map(|mut labels| {
                let name = labels.remove("__name__").unwrap_or_default();
                (SeriesKey::new(name, labels), 1.0)
            })
            .collect();
        if let Err(error) = history.record_series("alerts", at_ms, &series) {
            tracing::warn!("history: the ALERTS series: {error:#}");
        }
        let changed = !events.is_empty();
        self.end_acknowledgements(&events, at_ms);
        self.note(&events, at_ms);
        self.publish(Some(at_ms));
        if changed && let Err(error) = self.save() {
            tracing::warn!("alerts: {error:#}");
        }
        self.notify(at_ms);
    }

    /// Offers the alerts to the notifier (it never waits), silenced ones
    /// marked, and saves what it has delivered when that changed.
    fn notify(&mut self, at_ms: i64) {
        let Some(notify) = self.notify.as_mut() else {
            return;
        };
        let mut snapshot = AlertSnapshot::from_rule_set(&self.rules, notify.interval_ms);
        if let Ok(silences) = self.silences.lock() {
            snapshot.mark_silenced(|labels| silences.silencing(labels, at_ms));
        }
        notify.notifier.offer(snapshot);
        let Ok(state) = serde_json::to_vec(&notify.notifier.delivery_state()) else {
            return;
        };
        if state != notify.saved {
            match write_replacing(&notify.data_dir.join(NOTIFY_FILE), &state) {
                Ok(()) => notify.saved = state,
                Err(error) => tracing::warn!("notifications: {error:#}"),
            }
        }
    }

    fn note(&mut self, events: &[AlertEvent], at_ms: i64) {
        for event in events {
            tracing::info!(
                alert = event.alert.labels.get("alertname").map(String::as_str).unwrap_or(""),
                state = event.state.name(),
                labels = ?event.alert.labels,
                value = event.alert.value,
                "alert"
            );
            self.events.push_back(EventView::new(event, at_ms));
        }
        while self.events.len() > RECENT_EVENTS {
            self.events.pop_front();
        }
    }

    /// An acknowledgement lasts until its alert resolves.
    fn end_acknowledgements(&self, events: &[AlertEvent], at_ms: i64) {
        let Ok(mut silences) = self.silences.lock() else {
            return;
        };
        for event in events.iter().filter(|e| e.state == AlertState::Inactive) {
            if let Err(error) = silences.alert_resolved(&event.alert.labels, at_ms) {
                tracing::warn!("silences: {error}");
            }
        }
        if let Err(error) = silences.forget_old(at_ms) {
            tracing::warn!("silences: {error}");
        }
    }

    fn publish(&self, at_ms: Option<i64>) {
        let curated = |group: &str| self.curated_groups.iter().any(|g| g == group);
        let evaluated = at_ms.or_else(|| self.published.latest().evaluated_at_ms);
        let mut view = AlertsView::of(&self.rules, evaluated, &self.events, curated);
        if let Ok(silences) = self.silences.lock() {
            let now = at_ms.unwrap_or_else(now_ms);
            view.mark_silenced(|labels| silences.silencing(labels, now));
        }
        self.published.publish(view);
    }

    fn save(&self) -> anyhow::Result<()> {
        let state = SavedState {
            alerts: self.rules.saved(),
            events: self.events.clone(),
        };
        let text = serde_json::to_vec(&state).context("encoding the alerts")?;
        write_replacing(&self.state_path, &text)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn read_state(path: &Path) -> SavedState {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return SavedState::default(),
        Err(error) => {
            tracing::warn!(
                "alerts: reading {}: {error}; starting without saved alerts",
                path.display()
            );
            return SavedState::default();
        }
    };
    serde_json::from_slice(&text).unwrap_or_else(|error| {
        let aside = path.with_extension("json.unreadable");
        let _ = std::fs::rename(path, &aside);
        tracing::warn!(
            "alerts: {} is not readable ({error}); set aside as {}, starting without saved alerts",
            path.display(),
            aside.display()
        );
        SavedState::default()
    })
}

/// The groups of the curated rule file: rules in them are the curated ones.
fn curated_groups() -> Vec<String> {
    DEFAULT_RULES_FILE
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- name: "))
        .map(str::to_string)
        .collect()
}
