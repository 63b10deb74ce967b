//! `type = "slack"`: a message to a Slack incoming webhook, for people:
//! per alert what happened, where (cluster, broker, topic, consumer
//! group), since when, its value, and a link to its kafkascope page.
//! Slack's incoming webhooks take `{"text": ...}` in its `mrkdwn` markup,
//! with optional `channel`, `username` and `icon_emoji`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::resolve;
use crate::config::ConfigError;
use crate::delivery::DeliveryError;
use crate::http::{HttpTarget, timeout_ms};
use crate::model::{AlertStatus, Notification, NotifiedAlert};
use crate::secret::Secret;
use crate::text;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming webhook's URL, a secret: a literal, `env:NAME` or
    /// `file:/path`.
    pub url: Secret,
    /// Overrides the webhook's channel (`#kafka-alerts`).
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_emoji: Option<String>,
    /// Default true.
    pub send_resolved: Option<bool>,
    /// Per try (default 10s).
    pub timeout: Option<String>,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug)]
pub struct SlackReceiver {
    target: HttpTarget,
    pub send_resolved: bool,
    channel: Option<String>,
    username: Option<String>,
    icon_emoji: Option<String>,
}

impl SlackConfig {
    pub fn build(&self, field: &str) -> Result<SlackReceiver, ConfigError> {
        let url_field = format!("{field}.url");
        let url = resolve(&self.url, &url_field)?;
        let timeout = timeout_ms(&self.timeout, &format!("{field}.timeout"))?;
        Ok(SlackReceiver {
            target: HttpTarget::new(
                url.expose(),
                &url_field,
                timeout,
                self.ca_file.as_ref(),
                None,
            )?,
            send_resolved: self.send_resolved.unwrap_or(true),
            channel: self.channel.clone(),
            username: self.username.clone(),
            icon_emoji: self.icon_emoji.clone(),
        })
    }
}

/// The JSON Slack's incoming webhook takes.
#[derive(Debug, Serialize, PartialEq)]
pub struct SlackMessage {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_emoji: Option<String>,
}

impl SlackReceiver {
    pub async fn send(&self, notification: &Notification) -> Result<(), DeliveryError> {
        self.target.post_json(&self.message(notification)).await
    }

    pub fn message(&self, notification: &Notification) -> SlackMessage {
        SlackMessage {
            text: message_text(notification),
            channel: self.channel.clone(),
            username: self.username.clone(),
            icon_emoji: self.icon_emoji.clone(),
        }
    }
}

/// A title line, then a paragraph per alert, firing ones first.
pub fn message_text(notification: &Notification) -> String {
    let icon = match notification.status() {
        AlertStatus::Firing => ":rotating_light:",
        AlertStatus::Resolved => ":white_check_mark:",
    };
    let mut text = format!("{icon} *{}*", escape(&text::title(notification)));
    for alert in &notification.alerts {
        text.push_str("\n\n");
        text.push_str(&paragraph(notification, alert));
    }
    text
}

fn paragraph(notification: &Notification, alert: &NotifiedAlert) -> String {
    let prefix = match alert.status {
        AlertStatus::Firing => "",
        AlertStatus::Resolved => "Resolved: ",
    };
    let mut lines = vec![format!("*{prefix}{}*", escape(text::headline(alert)))];
    if let Some(place) = text::where_(&alert.labels) {
        lines.push(escape(&place));
    }
    lines.push(format!(
        "{} · value {}",
        text::when(alert),
        escape(&text::value(alert))
    ));
    let link = notification.link(alert);
    if !link.is_empty() {
        lines.push(format!("<{link}|Open in kafkascope>"));
    }
    lines.join("\n")
}

/// The three characters Slack's markup reserves.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Labels;
    use std::collections::BTreeMap;

    fn notification() -> Notification {
        let lag = NotifiedAlert {
            labels: Labels::from([
                ("alertname".into(), "ConsumerGroupLagging".into()),
                ("cluster".into(), "prod".into()),
                ("consumergroup".into(), "billing".into()),
            ]),
            annotations: BTreeMap::from([(
                "summary".into(),
                "billing is 1h 2m 5s behind <ouch> & more".into(),
            )]),
            status: AlertStatus::Firing,
            starts_at_ms: 1_700_000_000_000,
            ends_at_ms: None,
            value: 3725.0,
            fingerprint: 1,
            silenced: false,
        };
        let broker = NotifiedAlert {
            labels: Labels::from([
                ("alertname".into(), "BrokerDown".into()),
                ("broker".into(), "2".into()),
                ("cluster".into(), "prod".into()),
            ]),
            annotations: BTreeMap::new(),
            status: AlertStatus::Resolved,
            starts_at_ms: 1_700_000_000_000,
            ends_at_ms: Some(1_700_000_600_000),
            value: 0.0,
            fingerprint: 2,
            silenced: false,
        };
        Notification {
            receiver: "chat".into(),
            group_key: "{}:{}".into(),
            group_labels: Labels::new(),
            alerts: vec![lag, broker],
            external_url: "https://ks.example.com".into(),
            valid_until_ms: None,
        }
    }

    #[test]
    fn the_message_says_what_where_since_when_and_links_the_page() {
        assert_eq!(
            message_text(&notification()),
            ":rotating_light: *[FIRING:1, RESOLVED:1] BrokerDown, ConsumerGroupLagging*\n\
             \n\
             *billing is 1h 2m 5s behind &lt;ouch&gt; &amp; more*\n\
             cluster prod, consumer group billing\n\
             since 2023-11-14T22:13:20Z · value 3725\n\
             <https://ks.example.com/clusters/prod/groups/billing|Open in kafkascope>\n\
             \n\
             *Resolved: BrokerDown*\n\
             cluster prod, broker 2\n\
             resolved at 2023-11-14T22:23:20Z (firing since 2023-11-14T22:13:20Z) · value 0\n\
             <https://ks.example.com/clusters/prod/brokers|Open in kafkascope>"
        );
    }

    #[test]
    fn optional_fields_are_left_out_unless_set() {
        let config: SlackConfig = toml::from_str(
            "url = \"https://hooks.example.com/services/T0/B0/x\"\nchannel = \"#kafka\"",
        )
        .unwrap();
        let receiver = config.build("receivers.chat").unwrap();
        let json = serde_json::to_value(receiver.message(&notification())).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, ["channel", "text"]);
        assert_eq!(json["channel"], "#kafka");
    }
}
