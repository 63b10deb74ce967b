//! `type = "alertmanager"`: the alerts pushed to an existing Alertmanager
//! (`POST /api/v2/alerts`) as Prometheus pushes them, for Alertmanager to
//! group, silence and send. No grouping happens here: every evaluation
//! the alerts routed to it are sent again while they fire, each with an
//! end a few evaluations ahead (so Alertmanager resolves them by itself if
//! kafkascope stops), and a resolved alert with the time it resolved.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{BasicAuthConfig, resolve};
use crate::config::{ConfigError, duration_or};
use crate::delivery::DeliveryError;
use crate::http::{HttpTarget, timeout_ms};
use crate::model::{AlertStatus, Labels, NotifiedAlert, page_link, rfc3339};
use crate::secret::Secret;

/// Prometheus sets a firing alert's end this many evaluation intervals
/// (or resend delays, the longer) ahead.
const VALID_FOR_INTERVALS: i64 = 4;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    /// The Alertmanager's address (`http://alertmanager:9093`); the API
    /// path is added. A secret, as it may carry `user:password@`: a
    /// literal, `env:NAME` or `file:/path`.
    pub url: Secret,
    /// The shortest time between two sends of an unchanged alert, as
    /// Prometheus's `--rules.alert.resend-delay` (default 0s: every
    /// evaluation).
    pub resend_delay: Option<String>,
    /// Per try (default 10s).
    pub timeout: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub basic_auth: Option<BasicAuthConfig>,
}

#[derive(Debug)]
pub struct AlertmanagerReceiver {
    target: HttpTarget,
    pub resend_delay_ms: i64,
}

impl AlertmanagerConfig {
    pub fn build(&self, field: &str) -> Result<AlertmanagerReceiver, ConfigError> {
        let auth = self
            .basic_auth
            .as_ref()
            .map(|a| a.build(&format!("{field}.basic_auth")))
            .transpose()?;
        let url_field = format!("{field}.url");
        let base = resolve(&self.url, &url_field)?;
        let url = format!("{}/api/v2/alerts", base.expose().trim_end_matches('/'));
        Ok(AlertmanagerReceiver {
            target: HttpTarget::new(
                &url,
                &url_field,
                timeout_ms(&self.timeout, &format!("{field}.timeout"))?,
                self.ca_file.as_ref(),
                auth,
            )?,
            resend_delay_ms: duration_or(&self.resend_delay, &format!("{field}.resend_delay"), 0)?,
        })
    }
}

/// An alert as Alertmanager's API takes it.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApiAlert<'a> {
    pub labels: &'a Labels,
    pub annotations: &'a Labels,
    pub starts_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
}

impl AlertmanagerReceiver {
    /// Posts `alerts`; a firing one ends at `valid_until_ms` when given.
    pub async fn push(
        &self,
        alerts: &[NotifiedAlert],
        valid_until_ms: Option<i64>,
        external_url: &str,
    ) -> Result<(), DeliveryError> {
        self.target
            .post_json(&api_alerts(alerts, valid_until_ms, external_url))
            .await
    }

    /// Until when a firing alert sent at `now_ms` holds, for evaluations
    /// `interval_ms` apart.
    pub fn valid_until(&self, now_ms: i64, interval_ms: i64) -> i64 {
        now_ms + VALID_FOR_INTERVALS * interval_ms.max(self.resend_delay_ms)
    }
}

pub fn api_alerts<'a>(
    alerts: &'a [NotifiedAlert],
    valid_until_ms: Option<i64>,
    external_url: &str,
) -> Vec<ApiAlert<'a>> {
    alerts
        .iter()
        .map(|alert| ApiAlert {
            labels: &alert.labels,
            annotations: &alert.annotations,
            starts_at: rfc3339(alert.starts_at_ms),
            ends_at: match alert.status {
                AlertStatus::Resolved => alert.ends_at_ms,
                AlertStatus::Firing => valid_until_ms,
            }
            .map(rfc3339),
            generator_url: page_link(external_url, &alert.labels),
        })
        .collect()
}

/// When each alert was last pushed to one Alertmanager, to send again
/// only what Prometheus would.
#[derive(Debug, Default)]
pub struct PushState {
    last_sent_ms: HashMap<u64, i64>,
}

impl PushState {
    /// The alerts of this evaluation to send: those never sent, resolved
    /// since they were last sent, or last sent `resend_delay_ms` ago or
    /// more. Each is taken as sent now; alerts no longer held are
    /// forgotten.
    pub fn due(
        &mut self,
        alerts: &[NotifiedAlert],
        now_ms: i64,
        resend_delay_ms: i64,
    ) -> Vec<NotifiedAlert> {
        let mut due = Vec::new();
        let mut held = HashMap::with_capacity(alerts.len());
        for alert in alerts {
            let last = self.last_sent_ms.get(&alert.fingerprint).copied();
            let send = match last {
                None => true,
                Some(last) => {
                    alert.ends_at_ms.is_some_and(|end| end > last)
                        || last + resend_delay_ms <= now_ms
                }
            };
            let sent = if send {
                due.push(alert.clone());
                now_ms
            } else {
                last.unwrap_or(now_ms)
            };
            held.insert(alert.fingerprint, sent);
        }
        self.last_sent_ms = held;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn alert(status: AlertStatus, ends_at_ms: Option<i64>) -> NotifiedAlert {
        NotifiedAlert {
            labels: Labels::from([
                ("alertname".into(), "BrokerDown".into()),
                ("cluster".into(), "prod".into()),
                ("broker".into(), "1".into()),
            ]),
            annotations: BTreeMap::from([("summary".into(), "broker 1 is down".into())]),
            status,
            starts_at_ms: 1_700_000_000_000,
            ends_at_ms,
            value: 0.0,
            fingerprint: 7,
            silenced: false,
        }
    }

    #[test]
    fn firing_alerts_end_ahead_and_resolved_ones_at_their_resolution() {
        let alerts = [
            alert(AlertStatus::Firing, None),
            alert(AlertStatus::Resolved, Some(1_700_000_030_000)),
        ];
        let json = serde_json::to_value(api_alerts(
            &alerts,
            Some(1_700_000_240_000),
            "https://ks.example.com",
        ))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {
                    "labels": {"alertname": "BrokerDown", "broker": "1", "cluster": "prod"},
                    "annotations": {"summary": "broker 1 is down"},
                    "startsAt": "2023-11-14T22:13:20Z",
                    "endsAt": "2023-11-14T22:17:20Z",
                    "generatorURL": "https://ks.example.com/clusters/prod/brokers",
                },
                {
                    "labels": {"alertname": "BrokerDown", "broker": "1", "cluster": "prod"},
                    "annotations": {"summary": "broker 1 is down"},
                    "startsAt": "2023-11-14T22:13:20Z",
                    "endsAt": "2023-11-14T22:13:50Z",
                    "generatorURL": "https://ks.example.com/clusters/prod/brokers",
                },
            ])
        );
        let without_end = serde_json::to_value(api_alerts(&alerts[..1], None, "")).unwrap();
        assert_eq!(without_end[0].get("endsAt"), None);
        assert_eq!(without_end[0]["generatorURL"], "");
    }

    #[test]
    fn an_alert_is_sent_again_after_the_resend_delay_and_when_it_resolves() {
        let mut state = PushState::default();
        let firing = [alert(AlertStatus::Firing, None)];
        assert_eq!(state.due(&firing, 0, 60_000).len(), 1);
        assert_eq!(state.due(&firing, 30_000, 60_000).len(), 0);
        assert_eq!(state.due(&firing, 60_000, 60_000).len(), 1);
        let resolved = [alert(AlertStatus::Resolved, Some(70_000))];
        assert_eq!(state.due(&resolved, 75_000, 60_000).len(), 1);
        assert_eq!(state.due(&resolved, 80_000, 60_000).len(), 0);
        // Without a delay, every evaluation sends.
        let mut every = PushState::default();
        for at in [0, 15_000, 30_000] {
            assert_eq!(every.due(&firing, at, 0).len(), 1);
        }
    }

    #[test]
    fn the_end_of_a_firing_alert_is_four_intervals_ahead() {
        let receiver = toml::from_str::<AlertmanagerConfig>(
            "url = \"http://127.0.0.1:9093/\"\nresend_delay = \"1m\"",
        )
        .unwrap()
        .build("receivers.am")
        .unwrap();
        assert_eq!(receiver.valid_until(1_000, 15_000), 1_000 + 240_000);
        assert_eq!(receiver.valid_until(1_000, 120_000), 1_000 + 480_000);
    }
}
