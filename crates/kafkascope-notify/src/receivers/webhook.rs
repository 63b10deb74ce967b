//! `type = "webhook"`: a POST of Alertmanager's webhook JSON (version 4),
//! so anything written for Alertmanager's webhooks takes kafkascope's
//! notifications unchanged.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{BasicAuthConfig, resolve};
use crate::config::ConfigError;
use crate::delivery::DeliveryError;
use crate::http::{HttpTarget, timeout_ms};
use crate::model::{Labels, Notification, NotifiedAlert, ZERO_TIME, fingerprint_hex, rfc3339};
use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A secret: a literal, `env:NAME` or `file:/path`.
    pub url: Secret,
    /// Default true.
    pub send_resolved: Option<bool>,
    /// At most this many alerts per notification (0, the default: all);
    /// those left out are counted in `truncatedAlerts`.
    pub max_alerts: Option<usize>,
    /// Per try (default 10s).
    pub timeout: Option<String>,
    /// A PEM CA bundle for an `https` URL; the web roots when unset.
    pub ca_file: Option<PathBuf>,
    pub basic_auth: Option<BasicAuthConfig>,
}

#[derive(Debug)]
pub struct WebhookReceiver {
    target: HttpTarget,
    pub send_resolved: bool,
    pub max_alerts: usize,
}

impl WebhookConfig {
    pub fn build(&self, field: &str) -> Result<WebhookReceiver, ConfigError> {
        let url_field = format!("{field}.url");
        let url = resolve(&self.url, &url_field)?;
        let auth = self
            .basic_auth
            .as_ref()
            .map(|a| a.build(&format!("{field}.basic_auth")))
            .transpose()?;
        let timeout = timeout_ms(&self.timeout, &format!("{field}.timeout"))?;
        Ok(WebhookReceiver {
            target: HttpTarget::new(
                url.expose(),
                &url_field,
                timeout,
                self.ca_file.as_ref(),
                auth,
            )?,
            send_resolved: self.send_resolved.unwrap_or(true),
            max_alerts: self.max_alerts.unwrap_or(0),
        })
    }
}

impl WebhookReceiver {
    pub async fn send(&self, notification: &Notification) -> Result<(), DeliveryError> {
        self.target
            .post_json(&payload(notification, self.max_alerts))
            .await
    }
}

/// Alertmanager's webhook message, its fields in Alertmanager's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage<'a> {
    pub receiver: &'a str,
    pub status: &'static str,
    pub alerts: Vec<WebhookAlert<'a>>,
    pub group_labels: &'a Labels,
    pub common_labels: Labels,
    pub common_annotations: Labels,
    #[serde(rename = "externalURL")]
    pub external_url: &'a str,
    pub version: &'static str,
    pub group_key: &'a str,
    pub truncated_alerts: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert<'a> {
    pub status: &'static str,
    pub labels: &'a Labels,
    pub annotations: &'a Labels,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    pub fingerprint: String,
}

/// The message for a notification, with at most `max_alerts` alerts
/// (0: all).
pub fn payload(notification: &Notification, max_alerts: usize) -> WebhookMessage<'_> {
    let kept = if max_alerts == 0 {
        notification.alerts.len()
    } else {
        max_alerts.min(notification.alerts.len())
    };
    WebhookMessage {
        receiver: &notification.receiver,
        status: notification.status().name(),
        alerts: notification.alerts[..kept]
            .iter()
            .map(|a| alert(notification, a))
            .collect(),
        group_labels: &notification.group_labels,
        common_labels: notification.common_labels(),
        common_annotations: notification.common_annotations(),
        external_url: &notification.external_url,
        version: "4",
        group_key: &notification.group_key,
        truncated_alerts: notification.alerts.len() - kept,
    }
}

fn alert<'a>(notification: &Notification, alert: &'a NotifiedAlert) -> WebhookAlert<'a> {
    WebhookAlert {
        status: alert.status.name(),
        labels: &alert.labels,
        annotations: &alert.annotations,
        starts_at: rfc3339(alert.starts_at_ms),
        ends_at: alert
            .ends_at_ms
            .map(rfc3339)
            .unwrap_or_else(|| ZERO_TIME.to_string()),
        generator_url: notification.link(alert),
        fingerprint: fingerprint_hex(alert.fingerprint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlertStatus, fingerprint};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn alert(topic: &str, status: AlertStatus) -> NotifiedAlert {
        let labels = Labels::from([
            ("alertname".into(), "UnderReplicated".into()),
            ("cluster".into(), "prod".into()),
            ("topic".into(), topic.into()),
        ]);
        NotifiedAlert {
            fingerprint: fingerprint(&labels),
            silenced: false,
            labels,
            annotations: BTreeMap::from([("summary".into(), format!("{topic} is short"))]),
            status,
            starts_at_ms: 1_700_000_000_000,
            ends_at_ms: (status == AlertStatus::Resolved).then_some(1_700_000_090_500),
            value: 1.0,
        }
    }

    fn notification() -> Notification {
        Notification {
            receiver: "ops".into(),
            group_key: r#"{}:{cluster="prod"}"#.into(),
            group_labels: Labels::from([("cluster".into(), "prod".into())]),
            alerts: vec![
                alert("orders", AlertStatus::Firing),
                alert("payments", AlertStatus::Resolved),
            ],
            external_url: "https://ks.example.com".into(),
            valid_until_ms: None,
        }
    }

    #[test]
    fn the_payload_has_alertmanagers_shape() {
        let n = notification();
        let value = serde_json::to_value(payload(&n, 0)).unwrap();
        let orders = fingerprint_hex(n.alerts[0].fingerprint);
        let payments = fingerprint_hex(n.alerts[1].fingerprint);
        assert_eq!(
            value,
            json!({
                "receiver": "ops",
                "status": "firing",
                "alerts": [
                    {
                        "status": "firing",
                        "labels": {"alertname": "UnderReplicated", "cluster": "prod", "topic": "orders"},
                        "annotations": {"summary": "orders is short"},
                        "startsAt": "2023-11-14T22:13:20Z",
                        "endsAt": "0001-01-01T00:00:00Z",
                        "generatorURL": "https://ks.example.com/clusters/prod/topics/orders",
                        "fingerprint": orders,
                    },
                    {
                        "status": "resolved",
                        "labels": {"alertname": "UnderReplicated", "cluster": "prod", "topic": "payments"},
                        "annotations": {"summary": "payments is short"},
                        "startsAt": "2023-11-14T22:13:20Z",
                        "endsAt": "2023-11-14T22:14:50.5Z",
                        "generatorURL": "https://ks.example.com/clusters/prod/topics/payments",
                        "fingerprint": payments,
                    },
                ],
                "groupLabels": {"cluster": "prod"},
                "commonLabels": {"alertname": "UnderReplicated", "cluster": "prod"},
                "commonAnnotations": {},
                "externalURL": "https://ks.example.com",
                "version": "4",
                "groupKey": "{}:{cluster=\"prod\"}",
                "truncatedAlerts": 0,
            })
        );
    }

    #[test]
    fn max_alerts_truncates_and_counts_the_rest() {
        let n = notification();
        let value = serde_json::to_value(payload(&n, 1)).unwrap();
        assert_eq!(value["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(value["truncatedAlerts"], 1);
    }

    #[test]
    fn the_url_secret_is_named_not_shown_when_it_is_bad() {
        let config: WebhookConfig =
            toml::from_str("url = \"ftp://user:hunter2@example.com/hook\"").unwrap();
        let error = config.build("receivers.ops").unwrap_err().to_string();
        assert_eq!(
            error,
            "receivers.ops.url: not a valid URL: the URL must start with http:// or https://"
        );
        let receiver = toml::from_str::<WebhookConfig>("url = \"https://example.com/T0/hunter2\"")
            .unwrap()
            .build("receivers.ops")
            .unwrap();
        assert!(!format!("{receiver:?}").contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
