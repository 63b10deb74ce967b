//! The routing tree, as Alertmanager's: each route matches alerts by
//! label matchers, names a receiver and how its alerts are grouped and
//! timed, and hands alerts on to the first child route that matches
//! (every matching child while they say `continue`). A route no child
//! takes an alert from keeps it. Children inherit what they leave unset.

use std::collections::BTreeSet;

use kafkascope_alerts::duration::parse_duration;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::matcher::{Matcher, quote};
use crate::model::Labels;

/// Alertmanager's defaults: 30s, 5m, 4h.
pub const DEFAULT_TIMING: Timing = Timing {
    group_wait_ms: 30_000,
    group_interval_ms: 5 * 60_000,
    repeat_interval_ms: 4 * 3_600_000,
};

/// A route as written (`[alerts.notify.route]`, `[[...routes]]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub receiver: Option<String>,
    /// `severity="critical"`, `topic=~"orders-.*"`: all must match.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// Labels whose values form a group; `["..."]` groups by every label.
    pub group_by: Option<Vec<String>>,
    /// How long a new group waits for more alerts before its first
    /// notification.
    pub group_wait: Option<String>,
    /// How long a group waits before notifying of changes.
    pub group_interval: Option<String>,
    /// How long before the same firing alerts are sent again.
    pub repeat_interval: Option<String>,
    /// Whether the alert goes on to the next sibling routes after this one.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    Labels(Vec<String>),
    /// `...`: each distinct label set is its own group.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub group_wait_ms: i64,
    pub group_interval_ms: i64,
    pub repeat_interval_ms: i64,
}

/// A checked route.
#[derive(Debug, Clone)]
pub struct Route {
    /// Alertmanager's route key: the matchers of each route from the root.
    pub key: String,
    pub receiver: String,
    pub matchers: Vec<Matcher>,
    pub group_by: GroupBy,
    pub timing: Timing,
    pub continue_matching: bool,
    pub routes: Vec<Route>,
}

impl Route {
    /// The root route (`field` names it in errors); every receiver it or
    /// a child names must be in `receivers`.
    pub fn root(
        config: &RouteConfig,
        field: &str,
        receivers: &BTreeSet<String>,
    ) -> Result<Route, ConfigError> {
        if !config.matchers.is_empty() {
            return Err(ConfigError::new(
                format!("{field}.matchers"),
                "the root route takes every alert and has no matchers",
            ));
        }
        let receiver = config
            .receiver
            .clone()
            .ok_or_else(|| ConfigError::new(format!("{field}.receiver"), "is required"))?;
        // The root inherits from Alertmanager's defaults.
        let defaults = Route {
            key: String::new(),
            receiver,
            matchers: Vec::new(),
            group_by: GroupBy::Labels(Vec::new()),
            timing: DEFAULT_TIMING,
            continue_matching: false,
            routes: Vec::new(),
        };
        build(config, &defaults, field, receivers)
    }

    /// The routes an alert with these labels goes to, in order.
    pub fn matching(&self, labels: &Labels) -> Vec<&Route> {
        if !self.matchers.iter().all(|m| m.matches(labels)) {
            return Vec::new();
        }
        let mut all = Vec::new();
        for child in &self.routes {
            let found = child.matching(labels);
            let matched = !found.is_empty();
            all.extend(found);
            if matched && !child.continue_matching {
                break;
            }
        }
        if all.is_empty() {
            all.push(self);
        }
        all
    }

    /// The labels an alert is grouped by on this route (those it has).
    pub fn group_labels(&self, labels: &Labels) -> Labels {
        match &self.group_by {
            GroupBy::All => labels.clone(),
            GroupBy::Labels(names) => names
                .iter()
                .filter_map(|n| labels.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
        }
    }

    /// Alertmanager's group key: `{route key}:{name="value", ...}`.
    pub fn group_key(&self, group_labels: &Labels) -> String {
        let pairs: Vec<String> = group_labels
            .iter()
            .map(|(name, value)| format!("{name}={}", quote(value)))
            .collect();
        format!("{}:{{{}}}", self.key, pairs.join(", "))
    }
}

/// `config` checked, with what it leaves unset taken from `parent`.
fn build(
    config: &RouteConfig,
    parent: &Route,
    field: &str,
    receivers: &BTreeSet<String>,
) -> Result<Route, ConfigError> {
    let receiver = config.receiver.as_ref().unwrap_or(&parent.receiver).clone();
    if !receivers.contains(&receiver) {
        return Err(ConfigError::new(
            format!("{field}.receiver"),
            format!("no receiver is named {receiver:?}"),
        ));
    }
    let matchers = config
        .matchers
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Matcher::parse(text).map_err(|e| ConfigError::new(format!("{field}.matchers[{i}]"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let group_by = match &config.group_by {
        Some(names) => group_by(names, field)?,
        None => parent.group_by.clone(),
    };
    let timing = timing(config, parent.timing, field)?;
    let texts: Vec<String> = matchers.iter().map(Matcher::to_string).collect();
    let key = if parent.key.is_empty() {
        "{}".to_string()
    } else {
        format!("{}/{{{}}}", parent.key, texts.join(","))
    };
    let mut route = Route {
        key,
        receiver,
        matchers,
        group_by,
        timing,
        continue_matching: config.continue_matching,
        routes: Vec::new(),
    };
    route.routes = config
        .routes
        .iter()
        .enumerate()
        .map(|(i, child)| build(child, &route, &format!("{field}.routes[{i}]"), receivers))
        .collect::<Result<_, _>>()?;
    Ok(route)
}

fn group_by(names: &[String], field: &str) -> Result<GroupBy, ConfigError> {
    if names.iter().any(|n| n == "...") {
        if names.len() > 1 {
            return Err(ConfigError::new(
                format!("{field}.group_by"),
                "\"...\" groups by every label and stands alone",
            ));
        }
        return Ok(GroupBy::All);
    }
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(ConfigError::new(
                format!("{field}.group_by"),
                format!("{name:?} is listed twice"),
            ));
        }
    }
    Ok(GroupBy::Labels(names.to_vec()))
}

fn timing(config: &RouteConfig, parent: Timing, field: &str) -> Result<Timing, ConfigError> {
    let read = |value: &Option<String>, name: &str, inherited: i64, zero_ok: bool| {
        let Some(text) = value else {
            return Ok(inherited);
        };
        let ms =
            parse_duration(text).map_err(|e| ConfigError::new(format!("{field}.{name}"), e))?;
        if ms == 0 && !zero_ok {
            return Err(ConfigError::new(
                format!("{field}.{name}"),
                "must be more than zero",
            ));
        }
        Ok(ms)
    };
    Ok(Timing {
        group_wait_ms: read(&config.group_wait, "group_wait", parent.group_wait_ms, true)?,
        group_interval_ms: read(
            &config.group_interval,
            "group_interval",
            parent.group_interval_ms,
            false,
        )?,
        repeat_interval_ms: read(
            &config.repeat_interval,
            "repeat_interval",
            parent.repeat_interval_ms,
            false,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receivers() -> BTreeSet<String> {
        ["default", "pager", "team", "audit"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn tree(toml_text: &str) -> Route {
        let config: RouteConfig = toml::from_str(toml_text).unwrap();
        Route::root(&config, "route", &receivers()).unwrap()
    }

    const TREE: &str = r#"
        receiver = "default"
        group_by = ["alertname", "cluster"]
        [[routes]]
        matchers = ['severity="critical"']
        receiver = "pager"
        group_wait = "10s"
        continue = true
        [[routes]]
        matchers = ['cluster=~"prod-.*"']
        receiver = "team"
        group_by = ["..."]
          [[routes.routes]]
          matchers = ['topic="audit"']
          receiver = "audit"
          repeat_interval = "1d"
        [[routes]]
        matchers = ['cluster="staging"']
        receiver = "audit"
    "#;

    fn receivers_of(root: &Route, pairs: &[(&str, &str)]) -> Vec<String> {
        root.matching(&labels(pairs))
            .iter()
            .map(|r| r.receiver.clone())
            .collect()
    }

    #[test]
    fn the_first_matching_route_wins_unless_it_continues() {
        let root = tree(TREE);
        assert_eq!(receivers_of(&root, &[("cluster", "dev")]), ["default"]);
        assert_eq!(receivers_of(&root, &[("cluster", "prod-eu")]), ["team"]);
        assert_eq!(
            receivers_of(&root, &[("cluster", "prod-eu"), ("severity", "critical")]),
            ["pager", "team"]
        );
        assert_eq!(
            receivers_of(&root, &[("cluster", "prod-eu"), ("topic", "audit")]),
            ["audit"]
        );
        // The third route is never reached for prod-*, but is for staging.
        assert_eq!(receivers_of(&root, &[("cluster", "staging")]), ["audit"]);
    }

    #[test]
    fn children_inherit_grouping_and_timing() {
        let root = tree(TREE);
        let minute = 60_000;
        assert_eq!(
            root.timing,
            Timing {
                group_wait_ms: 30_000,
                group_interval_ms: 5 * minute,
                repeat_interval_ms: 240 * minute,
            }
        );
        let pager = &root.routes[0];
        assert_eq!(pager.timing.group_wait_ms, 10_000);
        assert_eq!(pager.group_by, root.group_by);
        let audit = &root.routes[1].routes[0];
        assert_eq!(audit.group_by, GroupBy::All);
        assert_eq!(
            audit.timing,
            Timing {
                group_wait_ms: 30_000,
                group_interval_ms: 5 * minute,
                repeat_interval_ms: 24 * 60 * minute,
            }
        );
    }

    #[test]
    fn group_keys_are_alertmanagers_form() {
        let root = tree(TREE);
        let alert = labels(&[
            ("alertname", "Lag"),
            ("cluster", "prod-eu"),
            ("topic", "audit"),
        ]);
        assert_eq!(
            root.group_key(&root.group_labels(&alert)),
            r#"{}:{alertname="Lag", cluster="prod-eu"}"#
        );
        let audit = root.matching(&alert)[0];
        assert_eq!(
            audit.group_key(&audit.group_labels(&alert)),
            r#"{}/{cluster=~"prod-.*"}/{topic="audit"}:{alertname="Lag", cluster="prod-eu", topic="audit"}"#
        );
        // A label the alert lacks is left out of its group labels.
        assert_eq!(
            root.group_labels(&labels(&[("alertname", "Lag")])),
            labels(&[("alertname", "Lag")])
        );
    }

    #[test]
    fn errors_name_the_field() {
        for (text, error) in [
            ("group_wait = \"30s\"", "route.receiver: is required"),
            (
                "receiver = \"nobody\"",
                "route.receiver: no receiver is named \"nobody\"",
            ),
            (
                "receiver = \"default\"\n[[routes]]\nmatchers = ['severity']",
                "route.routes[0].matchers[0]: \"severity\" is not a matcher (like severity=\"critical\")",
            ),
            (
                "receiver = \"default\"\n[[routes]]\n[[routes.routes]]\nreceiver = \"x\"",
                "route.routes[0].routes[0].receiver: no receiver is named \"x\"",
            ),
            (
                "receiver = \"default\"\ngroup_interval = \"5 minutes\"",
                "route.group_interval: \"5 minutes\" is not a duration (like 30s, 5m or 1h30m)",
            ),
            (
                "receiver = \"default\"\nrepeat_interval = \"0\"",
                "route.repeat_interval: must be more than zero",
            ),
            (
                "receiver = \"default\"\ngroup_by = [\"...\", \"cluster\"]",
                "route.group_by: \"...\" groups by every label and stands alone",
            ),
            (
                "receiver = \"default\"\nmatchers = ['a=\"b\"']",
                "route.matchers: the root route takes every alert and has no matchers",
            ),
        ] {
            let config: RouteConfig = toml::from_str(text).unwrap();
            let got = Route::root(&config, "route", &receivers()).unwrap_err();
            assert_eq!(got.to_string(), error, "{text}");
        }
    }
}
