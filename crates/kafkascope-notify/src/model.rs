//! What is delivered: alerts as the receivers see them (status, start and
//! end, fingerprint, the kafkascope page they are about) and a
//! notification, one group's alerts for one receiver.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat};
use kafkascope_alerts::{Alert, AlertState};
use serde::Serialize;

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

impl AlertStatus {
    pub fn name(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// One alert as it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifiedAlert {
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub status: AlertStatus,
    /// When it fired (Prometheus sends this as `startsAt`).
    pub starts_at_ms: i64,
    /// When it resolved.
    pub ends_at_ms: Option<i64>,
    pub value: f64,
    pub fingerprint: u64,
    /// A silence (or acknowledgement) matches it: it stays in its group,
    /// so it is not taken as resolved, but is not sent.
    pub silenced: bool,
}

impl NotifiedAlert {
    /// The alert as sent, if it is one to send: firing, or resolved after
    /// having fired (a pending alert is not).
    pub fn from_alert(alert: &Alert) -> Option<NotifiedAlert> {
        let status = match alert.state {
            AlertState::Firing => AlertStatus::Firing,
            AlertState::Inactive if alert.fired_at_ms.is_some() => AlertStatus::Resolved,
            AlertState::Pending | AlertState::Inactive => return None,
        };
        Some(NotifiedAlert {
            labels: alert.labels.clone(),
            annotations: alert.annotations.clone(),
            status,
            starts_at_ms: alert.fired_at_ms.unwrap_or(alert.active_at_ms),
            ends_at_ms: alert
                .resolved_at_ms
                .filter(|_| status == AlertStatus::Resolved),
            value: alert.value,
            fingerprint: fingerprint(&alert.labels),
            silenced: !alert.silenced_by.is_empty(),
        })
    }

    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The `summary` annotation, else `description`, else nothing.
    pub fn summary(&self) -> Option<&str> {
        self.annotations
            .get("summary")
            .or_else(|| self.annotations.get("description"))
            .map(String::as_str)
    }

    /// The alert resolved as of `at_ms`, for one that went away.
    pub fn resolved_at(&self, at_ms: i64) -> NotifiedAlert {
        NotifiedAlert {
            status: AlertStatus::Resolved,
            ends_at_ms: Some(self.ends_at_ms.unwrap_or(at_ms)),
            ..self.clone()
        }
    }
}

/// One group's alerts for one receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub receiver: String,
    /// Alertmanager's form: the route's key, `:`, the group's labels.
    pub group_key: String,
    pub group_labels: Labels,
    /// Firing first, each part in label order.
    pub alerts: Vec<NotifiedAlert>,
    /// kafkascope's address as its users reach it, for links.
    pub external_url: String,
    /// Until when the firing alerts hold, for a receiver that passes
    /// alerts on (Alertmanager); `None` leaves it to the receiver.
    pub valid_until_ms: Option<i64>,
}

impl Notification {
    /// `firing` while any alert fires.
    pub fn status(&self) -> AlertStatus {
        if self.firing().next().is_some() {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        }
    }

    pub fn firing(&self) -> impl Iterator<Item = &NotifiedAlert> {
        self.alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Firing)
    }

    pub fn resolved(&self) -> impl Iterator<Item = &NotifiedAlert> {
        self.alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Resolved)
    }

    pub fn common_labels(&self) -> Labels {
        common(self.alerts.iter().map(|a| &a.labels))
    }

    pub fn common_annotations(&self) -> BTreeMap<String, String> {
        common(self.alerts.iter().map(|a| &a.annotations))
    }

    /// The kafkascope page of an alert, absolute when the external URL is
    /// known, else empty.
    pub fn link(&self, alert: &NotifiedAlert) -> String {
        page_link(&self.external_url, &alert.labels)
    }
}

/// The pairs every map has with the same value.
fn common<'a>(mut maps: impl Iterator<Item = &'a BTreeMap<String, String>>) -> Labels {
    let Some(first) = maps.next() else {
        return Labels::new();
    };
    let mut shared = first.clone();
    for map in maps {
        shared.retain(|k, v| map.get(k) == Some(v));
    }
    shared
}

/// Alertmanager's fingerprint of a label set: 64-bit FNV-1a over the
/// names in order, each name and value followed by a 0xff byte. The same
/// number identifies the alert in Alertmanager's API and payloads.
pub fn fingerprint(labels: &Labels) -> u64 {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[0xff]);
        add(value.as_bytes());
        add(&[0xff]);
    }
    hash
}

/// As Alertmanager prints a fingerprint: 16 hex digits.
pub fn fingerprint_hex(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}

/// RFC 3339 in UTC, as Go writes a time in JSON (and so Alertmanager
/// echoes it): the fraction of a second without its trailing zeros.
pub fn rfc3339(ms: i64) -> String {
    let Some(time) = DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    let text = time.to_rfc3339_opts(SecondsFormat::Millis, true);
    match text.strip_suffix('Z').and_then(|t| t.split_once('.')) {
        Some((seconds, fraction)) => match fraction.trim_end_matches('0') {
            "" => format!("{seconds}Z"),
            digits => format!("{seconds}.{digits}Z"),
        },
        None => text,
    }
}

/// Go's zero time: how Alertmanager writes the end of a firing alert.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The kafkascope page an alert is about, from its labels: a topic's or a
/// consumer group's page, a cluster's brokers, the cluster, or the start.
pub fn page_link(external_url: &str, labels: &Labels) -> String {
    if external_url.is_empty() {
        return String::new();
    }
    let base = external_url.trim_end_matches('/');
    let Some(cluster) = labels.get("cluster") else {
        return format!("{base}/");
    };
    let cluster_path = format!("{base}/clusters/{}", path_segment(cluster));
    if let Some(topic) = labels.get("topic") {
        format!("{cluster_path}/topics/{}", path_segment(topic))
    } else if let Some(group) = labels.get("consumergroup") {
        format!("{cluster_path}/groups/{}", path_segment(group))
    } else if labels.contains_key("broker") || labels.contains_key("node") {
        format!("{cluster_path}/brokers")
    } else {
        cluster_path
    }
}

/// Percent-encodes all but the unreserved characters, as the UI's
/// `encodeURIComponent` does for the same names.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_empty_label_set_has_the_fnv_offset_as_fingerprint() {
        // Alertmanager's own numbers for real label sets are checked
        // against a running Alertmanager in tests/alertmanager.rs.
        assert_eq!(
            fingerprint_hex(fingerprint(&Labels::new())),
            "cbf29ce484222325"
        );
        assert_ne!(
            fingerprint(&labels(&[("a", "bc")])),
            fingerprint(&labels(&[("ab", "c")]))
        );
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(1_700_000_000_250), "2023-11-14T22:13:20.25Z");
        assert_eq!(rfc3339(1_700_000_000_007), "2023-11-14T22:13:20.007Z");
    }

    #[test]
    fn links_go_to_the_most_specific_page() {
        let url = "https://kafkascope.example.com/";
        for (pairs, link) in [
            (
                vec![("cluster", "prod"), ("topic", "orders/eu")],
                "https://kafkascope.example.com/clusters/prod/topics/orders%2Feu",
            ),
            (
                vec![("cluster", "prod"), ("consumergroup", "billing svc")],
                "https://kafkascope.example.com/clusters/prod/groups/billing%20svc",
            ),
            (
                vec![("cluster", "prod"), ("broker", "2")],
                "https://kafkascope.example.com/clusters/prod/brokers",
            ),
            (
                vec![("cluster", "prod")],
                "https://kafkascope.example.com/clusters/prod",
            ),
            (vec![], "https://kafkascope.example.com/"),
        ] {
            assert_eq!(page_link(url, &labels(&pairs)), link);
        }
        assert_eq!(page_link("", &labels(&[("cluster", "prod")])), "");
    }

    #[test]
    fn common_labels_are_those_every_alert_shares() {
        let alert = |pairs: &[(&str, &str)]| NotifiedAlert {
            labels: labels(pairs),
            annotations: BTreeMap::new(),
            status: AlertStatus::Firing,
            starts_at_ms: 0,
            ends_at_ms: None,
            value: 0.0,
            fingerprint: 0,
            silenced: false,
        };
        let notification = Notification {
            receiver: "r".into(),
            group_key: "{}:{}".into(),
            group_labels: Labels::new(),
            alerts: vec![
                alert(&[("cluster", "prod"), ("topic", "a"), ("severity", "page")]),
                alert(&[("cluster", "prod"), ("topic", "b")]),
            ],
            external_url: String::new(),
            valid_until_ms: None,
        };
        assert_eq!(notification.common_labels(), labels(&[("cluster", "prod")]));
        assert_eq!(notification.status(), AlertStatus::Firing);
    }
}
