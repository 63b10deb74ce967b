//! The kinds of receiver, one file each: how a notification is written
//! for it and sent. Each is configured by a table with `type = "..."`.
//!
//! - [`webhook`]: Alertmanager's webhook JSON, POSTed;
//! - [`slack`]: a readable message to a Slack incoming webhook;
//! - [`email`]: a plain-text mail over SMTP (STARTTLS, authentication);
//! - [`alertmanager`]: the alerts themselves, pushed to an Alertmanager,
//!   which then groups and sends them (no grouping here).

pub mod alertmanager;
pub mod email;
pub mod slack;
pub mod webhook;

use kafkascope_client::http_client::BasicAuth;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::delivery::DeliveryError;
use crate::model::Notification;
use crate::secret::Secret;

/// `[alerts.notify.receivers.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReceiverConfig {
    Webhook(webhook::WebhookConfig),
    Slack(slack::SlackConfig),
    Email(email::EmailConfig),
    Alertmanager(alertmanager::AlertmanagerConfig),
}

/// A checked receiver, ready to send.
#[derive(Debug)]
pub enum Receiver {
    Webhook(webhook::WebhookReceiver),
    Slack(slack::SlackReceiver),
    Email(email::EmailReceiver),
    Alertmanager(alertmanager::AlertmanagerReceiver),
}

impl ReceiverConfig {
    /// `field` is the receiver's table (`receivers.ops`), for errors.
    pub fn build(&self, field: &str) -> Result<Receiver, ConfigError> {
        Ok(match self {
            ReceiverConfig::Webhook(c) => Receiver::Webhook(c.build(field)?),
            ReceiverConfig::Slack(c) => Receiver::Slack(c.build(field)?),
            ReceiverConfig::Email(c) => Receiver::Email(c.build(field)?),
            ReceiverConfig::Alertmanager(c) => Receiver::Alertmanager(c.build(field)?),
        })
    }
}

impl Receiver {
    pub fn kind(&self) -> &'static str {
        match self {
            Receiver::Webhook(_) => "webhook",
            Receiver::Slack(_) => "slack",
            Receiver::Email(_) => "email",
            Receiver::Alertmanager(_) => "alertmanager",
        }
    }

    /// Whether resolutions are sent (an Alertmanager always gets them).
    pub fn send_resolved(&self) -> bool {
        match self {
            Receiver::Webhook(r) => r.send_resolved,
            Receiver::Slack(r) => r.send_resolved,
            Receiver::Email(r) => r.send_resolved,
            Receiver::Alertmanager(_) => true,
        }
    }

    /// Sends one notification: a group's, or for an Alertmanager, the
    /// alerts of an evaluation routed to it.
    pub async fn send(&self, notification: &Notification) -> Result<(), DeliveryError> {
        match self {
            Receiver::Webhook(r) => r.send(notification).await,
            Receiver::Slack(r) => r.send(notification).await,
            Receiver::Email(r) => r.send(notification).await,
            Receiver::Alertmanager(r) => {
                r.push(
                    &notification.alerts,
                    notification.valid_until_ms,
                    &notification.external_url,
                )
                .await
            }
        }
    }
}

/// `basic_auth = { username = "...", password = "env:..." }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthConfig {
    pub username: String,
    pub password: Secret,
}

impl BasicAuthConfig {
    fn build(&self, field: &str) -> Result<BasicAuth, ConfigError> {
        Ok(BasicAuth {
            user: self.username.clone(),
            password: resolve(&self.password, &format!("{field}.password"))?
                .expose()
                .to_string(),
        })
    }
}

/// A secret's value, or an error naming its field.
fn resolve(secret: &Secret, field: &str) -> Result<Secret, ConfigError> {
    secret
        .resolve()
        .map_err(|e| ConfigError::new(field, e.to_string()))
}
