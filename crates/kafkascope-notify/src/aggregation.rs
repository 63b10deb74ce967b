//! Grouping and deduplication, as Alertmanager's aggregation groups and
//! notification log: the alerts a route sends to a receiver are grouped
//! by their `group_by` labels; a new group waits `group_wait` for company
//! before its first notification, then is looked at every
//! `group_interval`, and notifies only when its firing alerts are not all
//! known to the receiver yet, some were resolved (with `send_resolved`), or
//! `repeat_interval` has passed since the last notification.
//!
//! Each evaluation hands in every alert it holds (a snapshot), so an alert
//! missing from one is gone: a firing one is taken as resolved then. A
//! resolved alert stays in its group until a notification has carried it
//! (or none needed to), and is not taken back from later snapshots.
//!
//! A silenced alert stays in its group but is left out of what is sent
//! and of what the receiver is recorded to know, as Alertmanager mutes
//! it: its resolution is not sent either, and a group with only silenced
//! alerts sends nothing and records nothing.
//!
//! What was last delivered per group ([`DeliveryState`]) is what a restart
//! keeps: a firing alert already notified is not sent again before its
//! repeat interval, and a resolution is still sent for it.
//!
//! Pure: times come in as arguments, so the rules are tested exactly.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{AlertStatus, Labels, NotifiedAlert, fingerprint_hex};
use crate::route::Timing;

/// How long a record of a group no longer held is kept (Alertmanager's
/// `--data.retention`), in case its alerts come back after a restart.
pub const RECORD_RETENTION_MS: i64 = 120 * 3_600_000;

/// A group: one receiver's alerts with the same group labels on a route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupId {
    pub receiver: String,
    pub group_key: String,
}

/// Which group an alert goes to, and how that group behaves.
#[derive(Debug, Clone)]
pub struct Placement {
    pub id: GroupId,
    pub group_labels: Labels,
    pub timing: Timing,
    pub send_resolved: bool,
}

/// A notification to send for a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Flush {
    pub id: GroupId,
    pub group_labels: Labels,
    /// Firing first, then resolved, each in label order.
    pub alerts: Vec<NotifiedAlert>,
}

/// What a group's receiver knows: the alerts of its last notification.
#[derive(Debug, Clone, Default, PartialEq)]
struct Sent {
    at_ms: i64,
    firing: BTreeSet<u64>,
    resolved: BTreeSet<u64>,
}

#[derive(Debug)]
struct Group {
    labels: Labels,
    timing: Timing,
    send_resolved: bool,
    alerts: BTreeMap<u64, NotifiedAlert>,
    /// Resolved alerts dealt with, by fingerprint and end.
    retired: BTreeMap<u64, Option<i64>>,
    next_flush_ms: i64,
    has_flushed: bool,
    /// What the notification being delivered carries.
    in_flight: Option<Sent>,
}

#[derive(Debug, Default)]
pub struct Aggregator {
    groups: BTreeMap<GroupId, Group>,
    sent: BTreeMap<GroupId, Sent>,
}

impl Aggregator {
    /// Takes an evaluation's alerts, each with where it goes.
    pub fn ingest(&mut self, placed: Vec<(Placement, NotifiedAlert)>, now_ms: i64) {
        let mut by_group: BTreeMap<GroupId, (Placement, Vec<NotifiedAlert>)> = BTreeMap::new();
        for (placement, alert) in placed {
            by_group
                .entry(placement.id.clone())
                .or_insert_with(|| (placement, Vec::new()))
                .1
                .push(alert);
        }
        for (id, group) in &mut self.groups {
            let alerts = by_group.remove(id).map(|(_, a)| a).unwrap_or_default();
            group.update(&alerts, now_ms);
        }
        for (id, (placement, alerts)) in by_group {
            if let Some(group) = Group::create(&placement, alerts, self.sent.get(&id), now_ms) {
                self.groups.insert(id, group);
            }
        }
        let groups = &self.groups;
        self.sent.retain(|id, sent| {
            groups.contains_key(id) || sent.at_ms + RECORD_RETENTION_MS > now_ms
        });
    }

    /// The notifications due at `now_ms`. Groups with nothing to say are
    /// settled here; each flush returned is in flight until [`delivered`].
    ///
    /// [`delivered`]: Aggregator::delivered
    pub fn due(&mut self, now_ms: i64) -> Vec<Flush> {
        let mut flushes = Vec::new();
        let mut settled = Vec::new();
        for (id, group) in &mut self.groups {
            if group.in_flight.is_some() || group.next_flush_ms > now_ms {
                continue;
            }
            group.next_flush_ms = now_ms + group.timing.group_interval_ms;
            group.has_flushed = true;
            let current = group.current(now_ms);
            if current.firing.is_empty() && current.resolved.is_empty() {
                // Nothing but silenced alerts.
                group.retire_resolved();
                continue;
            }
            if !needs_update(self.sent.get(id), &current, group, now_ms) {
                group.retire_resolved();
                continue;
            }
            let alerts = group.to_send();
            if alerts.is_empty() {
                // Only resolutions, which this receiver does not take: the
                // record is updated all the same, as Alertmanager does.
                settled.push((id.clone(), current));
                continue;
            }
            group.in_flight = Some(current);
            flushes.push(Flush {
                id: id.clone(),
                group_labels: group.labels.clone(),
                alerts,
            });
        }
        for (id, sent) in settled {
            self.settle(&id, sent);
        }
        self.drop_empty_groups();
        flushes
    }

    /// How a flush's delivery ended. A failed one is tried again at the
    /// group's next interval, as nothing was recorded as sent.
    pub fn delivered(&mut self, id: &GroupId, ok: bool) {
        let Some(sent) = self.groups.get_mut(id).and_then(|g| g.in_flight.take()) else {
            return;
        };
        if ok {
            self.settle(id, sent);
            self.drop_empty_groups();
        }
    }

    /// When the next group is due, if any is waiting.
    pub fn next_due_ms(&self) -> Option<i64> {
        self.groups
            .values()
            .filter(|g| g.in_flight.is_none())
            .map(|g| g.next_flush_ms)
            .min()
    }

    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// What each group's receiver was last sent, to keep across restarts.
    pub fn state(&self) -> DeliveryState {
        DeliveryState {
            groups: self
                .sent
                .iter()
                .map(|(id, sent)| SentGroup {
                    receiver: id.receiver.clone(),
                    group_key: id.group_key.clone(),
                    sent_at_ms: sent.at_ms,
                    firing: sent.firing.iter().map(|f| fingerprint_hex(*f)).collect(),
                    resolved: sent.resolved.iter().map(|f| fingerprint_hex(*f)).collect(),
                })
                .collect(),
        }
    }

    /// Takes back a saved state (before any alert comes in).
    pub fn restore(&mut self, state: DeliveryState) {
        for group in state.groups {
            let id = GroupId {
                receiver: group.receiver,
                group_key: group.group_key,
            };
            let sent = Sent {
                at_ms: group.sent_at_ms,
                firing: parse_fingerprints(&group.firing),
                resolved: parse_fingerprints(&group.resolved),
            };
            self.sent.insert(id, sent);
        }
    }

    /// Records `sent` as the receiver's knowledge; the resolved alerts it
    /// carried are done with.
    fn settle(&mut self, id: &GroupId, sent: Sent) {
        if let Some(group) = self.groups.get_mut(id) {
            group.retire(&sent.resolved);
        }
        self.sent.insert(id.clone(), sent);
    }

    /// A group left with no alert is over; so is its record, so a new
    /// firing of the same alerts is a new notification.
    fn drop_empty_groups(&mut self) {
        let empty: Vec<GroupId> = self
            .groups
            .iter()
            .filter(|(_, g)| g.alerts.is_empty() && g.in_flight.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in empty {
            self.groups.remove(&id);
            self.sent.remove(&id);
        }
    }
}

/// Alertmanager's rule (its `DedupStage.needsUpdate`).
fn needs_update(sent: Option<&Sent>, current: &Sent, group: &Group, now_ms: i64) -> bool {
    let Some(sent) = sent else {
        // Never notified: only firing alerts are news.
        return !current.firing.is_empty();
    };
    if !current.firing.is_subset(&sent.firing) {
        return true;
    }
    if current.firing.is_empty() {
        // All resolved: news if the receiver was told of any firing.
        return !sent.firing.is_empty();
    }
    if group.send_resolved && !current.resolved.is_subset(&sent.resolved) {
        return true;
    }
    sent.at_ms + group.timing.repeat_interval_ms <= now_ms
}

impl Group {
    /// A group for alerts seen for the first time on this route: started
    /// by a firing alert, or by the resolution of one a receiver was told
    /// of before a restart.
    fn create(
        placement: &Placement,
        alerts: Vec<NotifiedAlert>,
        sent: Option<&Sent>,
        now_ms: i64,
    ) -> Option<Group> {
        let known_firing =
            |a: &NotifiedAlert| sent.is_some_and(|s| s.firing.contains(&a.fingerprint));
        let news = |a: &NotifiedAlert| a.status == AlertStatus::Firing && !a.silenced;
        if !alerts.iter().any(|a| news(a) || known_firing(a)) {
            return None;
        }
        let mut group = Group {
            labels: placement.group_labels.clone(),
            timing: placement.timing,
            send_resolved: placement.send_resolved,
            alerts: BTreeMap::new(),
            retired: BTreeMap::new(),
            next_flush_ms: now_ms + placement.timing.group_wait_ms,
            has_flushed: false,
            in_flight: None,
        };
        for alert in alerts {
            if alert.status == AlertStatus::Firing || known_firing(&alert) {
                group.take(alert, now_ms);
            }
        }
        Some(group)
    }

    fn update(&mut self, alerts: &[NotifiedAlert], now_ms: i64) {
        let present: BTreeSet<u64> = alerts.iter().map(|a| a.fingerprint).collect();
        for alert in self.alerts.values_mut() {
            if alert.status == AlertStatus::Firing && !present.contains(&alert.fingerprint) {
                *alert = alert.resolved_at(now_ms);
            }
        }
        self.retired.retain(|f, _| present.contains(f));
        for alert in alerts {
            self.take(alert.clone(), now_ms);
        }
    }

    fn take(&mut self, alert: NotifiedAlert, now_ms: i64) {
        if alert.status == AlertStatus::Resolved
            && self.retired.get(&alert.fingerprint) == Some(&alert.ends_at_ms)
        {
            return;
        }
        // An alert older than the group's wait (after a restart, say)
        // is not held back, as in Alertmanager.
        if !self.has_flushed && alert.starts_at_ms + self.timing.group_wait_ms <= now_ms {
            self.next_flush_ms = self.next_flush_ms.min(now_ms);
        }
        self.alerts.insert(alert.fingerprint, alert);
    }

    /// The alerts a notification now would carry (silenced ones left out).
    fn current(&self, now_ms: i64) -> Sent {
        let of = |status| {
            self.alerts
                .values()
                .filter(|a| a.status == status && !a.silenced)
                .map(|a| a.fingerprint)
                .collect()
        };
        Sent {
            at_ms: now_ms,
            firing: of(AlertStatus::Firing),
            resolved: of(AlertStatus::Resolved),
        }
    }

    fn to_send(&self) -> Vec<NotifiedAlert> {
        let mut alerts: Vec<NotifiedAlert> = self
            .alerts
            .values()
            .filter(|a| !a.silenced)
            .filter(|a| self.send_resolved || a.status == AlertStatus::Firing)
            .cloned()
            .collect();
        alerts.sort_by(|a, b| {
            (a.status != AlertStatus::Firing, &a.labels)
                .cmp(&(b.status != AlertStatus::Firing, &b.labels))
        });
        alerts
    }

    /// Drops these resolved alerts (unless they fired again meanwhile).
    fn retire(&mut self, fingerprints: &BTreeSet<u64>) {
        for fingerprint in fingerprints {
            if let Some(alert) = self.alerts.get(fingerprint)
                && alert.status == AlertStatus::Resolved
            {
                self.retired.insert(*fingerprint, alert.ends_at_ms);
                self.alerts.remove(fingerprint);
            }
        }
    }

    /// Drops every resolved alert, silenced ones too.
    fn retire_resolved(&mut self) {
        let resolved: BTreeSet<u64> = self
            .alerts
            .values()
            .filter(|a| a.status == AlertStatus::Resolved)
            .map(|a| a.fingerprint)
            .collect();
        self.retire(&resolved);
    }
}

/// What was last delivered for each group, saved by the caller and handed
/// back after a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryState {
    pub groups: Vec<SentGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentGroup {
    pub receiver: String,
    pub group_key: String,
    pub sent_at_ms: i64,
    /// Fingerprints (16 hex digits) of the alerts sent as firing.
    pub firing: Vec<String>,
    pub resolved: Vec<String>,
}

fn parse_fingerprints(texts: &[String]) -> BTreeSet<u64> {
    texts
        .iter()
        .filter_map(|t| u64::from_str_radix(t, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
