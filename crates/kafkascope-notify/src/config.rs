//! The config as written (to sit under `[alerts.notify]` in kafkascope's
//! TOML) and its check: [`NotifyConfig::build`] reads every secret, parses
//! every duration, matcher and address, and gives the [`NotifyPlan`] the
//! dispatcher runs, or the first problem with the field it is in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kafkascope_alerts::duration::parse_duration;
use serde::Deserialize;

use crate::delivery::RetryPolicy;
use crate::receivers::{Receiver, ReceiverConfig};
use crate::route::{Route, RouteConfig};

/// A problem in the config, with the field it is in, named from the
/// notify table down (`receivers.ops.url`, `route.routes[0].matchers[1]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// How many snapshots may wait for the dispatcher; more are dropped (and
/// counted): each snapshot is whole, so the next one makes up for it.
pub const DEFAULT_QUEUE_CAPACITY: usize = 8;

/// `[alerts.notify]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// kafkascope's address as its users reach it, for the links in
    /// notifications (`https://kafkascope.example.com`).
    pub external_url: Option<String>,
    pub queue_capacity: Option<usize>,
    #[serde(default)]
    pub retry: RetryConfig,
    pub route: RouteConfig,
    #[serde(default)]
    pub receivers: BTreeMap<String, ReceiverConfig>,
}

/// `[alerts.notify.retry]`: how a failed notification is tried again.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Tries in all, the first included (default 4).
    pub attempts: Option<u32>,
    /// The wait after the first failure, doubled after each (default 1s).
    pub initial_backoff: Option<String>,
    /// The longest wait (default 1m).
    pub max_backoff: Option<String>,
}

/// A checked config: what the dispatcher runs.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    pub route: Route,
    pub receivers: BTreeMap<String, Arc<Receiver>>,
    pub external_url: String,
    pub queue_capacity: usize,
    pub retry: RetryPolicy,
}

impl NotifyConfig {
    pub fn build(&self) -> Result<NotifyPlan, ConfigError> {
        let external_url = self.external_url()?;
        let mut receivers = BTreeMap::new();
        for (name, config) in &self.receivers {
            let receiver = config.build(&format!("receivers.{name}"))?;
            receivers.insert(name.clone(), Arc::new(receiver));
        }
        let names: BTreeSet<String> = receivers.keys().cloned().collect();
        let route = Route::root(&self.route, "route", &names)?;
        let queue_capacity = self.queue_capacity.unwrap_or(DEFAULT_QUEUE_CAPACITY);
        if queue_capacity == 0 {
            return Err(ConfigError::new("queue_capacity", "must be at least 1"));
        }
        Ok(NotifyPlan {
            route,
            receivers,
            external_url,
            queue_capacity,
            retry: self.retry.build()?,
        })
    }

    fn external_url(&self) -> Result<String, ConfigError> {
        let Some(url) = &self.external_url else {
            return Ok(String::new());
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::new(
                "external_url",
                format!("{url:?} must start with http:// or https://"),
            ));
        }
        Ok(url.trim_end_matches('/').to_string())
    }
}

impl RetryConfig {
    fn build(&self) -> Result<RetryPolicy, ConfigError> {
        let defaults = RetryPolicy::default();
        let attempts = self.attempts.unwrap_or(defaults.attempts);
        if attempts == 0 {
            return Err(ConfigError::new("retry.attempts", "must be at least 1"));
        }
        let initial_backoff_ms = duration_or(
            &self.initial_backoff,
            "retry.initial_backoff",
            defaults.initial_backoff_ms,
        )?;
        let max_backoff_ms = duration_or(
            &self.max_backoff,
            "retry.max_backoff",
            defaults.max_backoff_ms,
        )?;
        if max_backoff_ms < initial_backoff_ms {
            return Err(ConfigError::new(
                "retry.max_backoff",
                "must not be shorter than retry.initial_backoff",
            ));
        }
        Ok(RetryPolicy {
            attempts,
            initial_backoff_ms,
            max_backoff_ms,
        })
    }
}

/// A duration field, or `default` when unset.
pub(crate) fn duration_or(
    value: &Option<String>,
    field: &str,
    default: i64,
) -> Result<i64, ConfigError> {
    match value {
        Some(text) => parse_duration(text).map_err(|e| ConfigError::new(field, e)),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(text: &str) -> Result<NotifyPlan, ConfigError> {
        toml::from_str::<NotifyConfig>(text).unwrap().build()
    }

    const MINIMAL: &str = r#"
        [route]
        receiver = "ops"
        [receivers.ops]
        type = "webhook"
        url = "http://127.0.0.1:9/hook"
    "#;

    #[test]
    fn a_minimal_config_takes_the_defaults() {
        let plan = build(MINIMAL).unwrap();
        assert_eq!(plan.queue_capacity, DEFAULT_QUEUE_CAPACITY);
        assert_eq!(plan.retry, RetryPolicy::default());
        assert_eq!(
            (
                plan.retry.attempts,
                plan.retry.initial_backoff_ms,
                plan.retry.max_backoff_ms
            ),
            (4, 1_000, 60_000)
        );
        assert_eq!(plan.external_url, "");
        assert_eq!(plan.receivers.keys().collect::<Vec<_>>(), ["ops"]);
        assert_eq!(plan.route.receiver, "ops");
    }

    /// The example the binary's documentation shows, under
    /// `[alerts.notify]` there.
    const EXAMPLE: &str = r##"
        external_url = "https://kafkascope.example.com"

        [retry]
        attempts = 5
        initial_backoff = "2s"
        max_backoff = "1m"

        [route]
        receiver = "team-mail"
        group_by = ["alertname", "cluster"]
        group_wait = "30s"
        group_interval = "5m"
        repeat_interval = "4h"

        [[route.routes]]
        matchers = ['severity="critical"']
        receiver = "pager"
        group_wait = "10s"
        continue = true

        [[route.routes]]
        matchers = ['cluster=~"prod-.*"', 'topic!~"__.*"']
        receiver = "chat"

        [receivers.pager]
        type = "webhook"
        url = "https://pager.example.com/hooks/kafka"
        basic_auth = { username = "kafkascope", password = "s3cret" }

        [receivers.chat]
        type = "slack"
        url = "https://hooks.slack.com/services/T000/B000/XXXX"
        channel = "#kafka-alerts"
        send_resolved = true

        [receivers.team-mail]
        type = "email"
        smarthost = "smtp.example.com:587"
        from = "kafkascope <kafkascope@example.com>"
        to = ["kafka-team@example.com"]
        auth_username = "kafkascope"
        auth_password = "s3cret"

        [receivers.central]
        type = "alertmanager"
        url = "http://alertmanager.example.com:9093"
    "##;

    #[test]
    fn the_documented_example_builds() {
        let plan = build(EXAMPLE).unwrap();
        assert_eq!(
            plan.receivers
                .iter()
                .map(|(name, r)| format!("{name}:{}", r.kind()))
                .collect::<Vec<_>>(),
            [
                "central:alertmanager",
                "chat:slack",
                "pager:webhook",
                "team-mail:email"
            ]
        );
        assert_eq!(plan.route.routes.len(), 2);
        assert_eq!(plan.retry.attempts, 5);
        assert_eq!(plan.external_url, "https://kafkascope.example.com");
        // Secrets stay out of the plan's Debug.
        let printed = format!("{plan:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(!printed.contains("XXXX"), "{printed}");
    }

    #[test]
    fn top_level_errors_name_their_field() {
        for (extra, error) in [
            (
                "external_url = \"kafkascope.local\"",
                "external_url: \"kafkascope.local\" must start with http:// or https://",
            ),
            ("queue_capacity = 0", "queue_capacity: must be at least 1"),
            (
                "[retry]\nattempts = 0",
                "retry.attempts: must be at least 1",
            ),
            (
                "[retry]\ninitial_backoff = \"1 s\"",
                "retry.initial_backoff: \"1 s\" is not a duration (like 30s, 5m or 1h30m)",
            ),
            (
                "[retry]\ninitial_backoff = \"1m\"\nmax_backoff = \"1s\"",
                "retry.max_backoff: must not be shorter than retry.initial_backoff",
            ),
        ] {
            // Top-level keys must precede the tables.
            let text = if extra.starts_with('[') {
                format!("{MINIMAL}\n{extra}")
            } else {
                format!("{extra}\n{MINIMAL}")
            };
            assert_eq!(build(&text).unwrap_err().to_string(), error, "{extra}");
        }
    }

    #[test]
    fn unknown_keys_and_receiver_types_are_refused_by_the_reader() {
        // In a receiver's table (a misspelt key), and at the top.
        for (text, unknown) in [
            (format!("{MINIMAL}\nsendresolved = true"), "sendresolved"),
            (
                format!("repeat_interval = \"1h\"\n{MINIMAL}"),
                "repeat_interval",
            ),
        ] {
            let error = toml::from_str::<NotifyConfig>(&text).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains(&format!("unknown field `{unknown}`")),
                "{error}"
            );
        }
        let kind = toml::from_str::<NotifyConfig>(
            "[route]\nreceiver = \"x\"\n[receivers.x]\ntype = \"pager\"\nurl = \"http://a\"",
        );
        assert!(
            kind.unwrap_err()
                .to_string()
                .contains("unknown variant `pager`"),
        );
    }
}
