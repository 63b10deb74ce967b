//! Whether each client is alive, judged across polls of its JMX page (the
//! classic trick: a client whose figures stop moving is gone).
//!
//! A client is dead when its page cannot be read any more (the process is
//! gone or hung), when it left its page (closed), when none of the counters
//! that move while it lives (sends, fetches, heartbeats, answers) moved for
//! `silent_after`, or, for a consumer, when it last polled longer ago than
//! `poll_stale_after`. A producer whose records sent stopped moving while
//! it lives is flagged `stopped_sending`. A dead client stays listed, with
//! when it was last seen, for `forget_after`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::client_figures::{ClientFigures, ClientKind};

#[derive(Debug, Clone)]
pub struct LivenessSettings {
    pub silent_after: Duration,
    pub poll_stale_after: Duration,
    pub forget_after: Duration,
}

impl Default for LivenessSettings {
    fn default() -> Self {
        Self {
            silent_after: Duration::from_secs(60),
            // The Java consumer's own max.poll.interval.ms.
            poll_stale_after: Duration::from_secs(300),
            forget_after: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, Clone)]
struct Track {
    last: ClientFigures,
    progress: Vec<Option<f64>>,
    records_sent: Option<f64>,
    last_seen_ms: i64,
    last_changed_ms: i64,
    last_sent_change_ms: i64,
    groups: BTreeSet<String>,
}

/// What is remembered of every client, by (target, client id).
#[derive(Debug, Default)]
pub struct ClientTracker {
    settings: LivenessSettings,
    tracked: BTreeMap<(String, String), Track>,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl ClientTracker {
    pub fn new(settings: LivenessSettings) -> Self {
        Self {
            settings,
            tracked: BTreeMap::new(),
        }
    }

    /// Judges the clients read from `target`'s page at `now_ms`, adding
    /// those that were on it before and are not any more. `groups` names,
    /// per client id, the consumer groups whose members have it now.
    pub fn observe_up(
        &mut self,
        target: &str,
        clients: &mut BTreeMap<String, ClientFigures>,
        now_ms: i64,
        groups: &BTreeMap<String, Vec<String>>,
    ) {
        for (client_id, client) in clients.iter_mut() {
            let key = (target.to_string(), client_id.clone());
            let progress = client.progress();
            let sent = client.producer.as_ref().and_then(|p| p.records_sent);
            let track = self.tracked.entry(key).or_insert_with(|| Track {
                last: client.clone(),
                progress: progress.clone(),
                records_sent: sent,
                last_seen_ms: now_ms,
                last_changed_ms: now_ms,
                last_sent_change_ms: now_ms,
                groups: BTreeSet::new(),
            });
            if track.progress != progress {
                track.last_changed_ms = now_ms;
            }
            if track.records_sent != sent {
                track.last_sent_change_ms = now_ms;
            }
            track.progress = progress;
            track.records_sent = sent;
            track.last_seen_ms = now_ms;
            track
                .groups
                .extend(groups.get(client_id).into_iter().flatten().cloned());
            client.liveness = judge(client, track, now_ms, &self.settings);
            track.last = client.clone();
        }
        for ((tracked_target, client_id), track) in &self.tracked {
            if tracked_target == target && !clients.contains_key(client_id) {
                let reason = "no longer on its JMX page (closed?)".to_string();
                clients.insert(client_id.clone(), dead(track, reason));
            }
        }
        self.forget(now_ms);
    }

    /// The clients last read from `target`, now that its page cannot be
    /// read (`error`): all dead, with when they were last seen.
    pub fn observe_down(
        &mut self,
        target: &str,
        error: &str,
        now_ms: i64,
    ) -> BTreeMap<String, ClientFigures> {
        self.forget(now_ms);
        self.tracked
            .iter()
            .filter(|((tracked_target, _), _)| tracked_target == target)
            .map(|((_, client_id), track)| {
                let reason = format!("its JMX page cannot be read: {error}");
                (client_id.clone(), dead(track, reason))
            })
            .collect()
    }

    fn forget(&mut self, now_ms: i64) {
        let forget_after = millis(self.settings.forget_after);
        self.tracked
            .retain(|_, track| now_ms - track.last_seen_ms < forget_after);
    }
}

fn judge(
    client: &ClientFigures,
    track: &Track,
    now_ms: i64,
    settings: &LivenessSettings,
) -> crate::client_figures::ClientLiveness {
    let silent_ms = now_ms - track.last_changed_ms;
    let stale_poll = client
        .consumer
        .as_ref()
        .and_then(|c| c.last_poll_seconds_ago)
        .filter(|&seconds| seconds * 1000.0 > millis(settings.poll_stale_after) as f64);
    let dead_reason = if let Some(seconds) = stale_poll {
        Some(format!("has not polled for {seconds:.0} s"))
    } else if silent_ms >= millis(settings.silent_after) {
        Some(format!(
            "none of its counters moved for {} s",
            silent_ms / 1000
        ))
    } else {
        None
    };
    crate::client_figures::ClientLiveness {
        alive: dead_reason.is_none(),
        dead_reason,
        last_seen_ms: track.last_seen_ms,
        last_changed_ms: track.last_changed_ms,
        stopped_sending: client.kind == ClientKind::Producer
            && now_ms - track.last_sent_change_ms >= millis(settings.silent_after),
        groups: track.groups.iter().cloned().collect(),
    }
}

fn dead(track: &Track, reason: String) -> ClientFigures {
    let mut client = track.last.clone();
    client.liveness = crate::client_figures::ClientLiveness {
        alive: false,
        dead_reason: Some(reason),
        last_seen_ms: track.last_seen_ms,
        last_changed_ms: track.last_changed_ms,
        stopped_sending: client.liveness.stopped_sending,
        groups: track.groups.iter().cloned().collect(),
    };
    client
}

#[cfg(test)]
mod tests;
