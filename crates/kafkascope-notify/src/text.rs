//! The words a person reads, shared by the Slack and email receivers:
//! the title of a notification and, per alert, what, where and since when.

use std::collections::BTreeSet;

use crate::model::{AlertStatus, Labels, Notification, NotifiedAlert, rfc3339};

/// The labels that say where in Kafka an alert is, and how they read.
const WHERE_LABELS: [(&str, &str); 5] = [
    ("cluster", "cluster"),
    ("broker", "broker"),
    ("node", "node"),
    ("topic", "topic"),
    ("consumergroup", "consumer group"),
];

/// `[FIRING:2] ConsumerGroupLag`, `[RESOLVED] ConsumerGroupLag`,
/// `[FIRING:1, RESOLVED:1] A, B`: counts, then the alert names.
pub fn title(notification: &Notification) -> String {
    let firing = notification.firing().count();
    let resolved = notification.resolved().count();
    let counts = match (firing, resolved) {
        (0, _) => "RESOLVED".to_string(),
        (f, 0) => format!("FIRING:{f}"),
        (f, r) => format!("FIRING:{f}, RESOLVED:{r}"),
    };
    let names: BTreeSet<&str> = notification.alerts.iter().map(|a| a.name()).collect();
    let names: Vec<&str> = names.into_iter().collect();
    format!("[{counts}] {}", names.join(", "))
}

/// `cluster prod, consumer group billing`, or `None` for an alert about
/// none of these.
pub fn where_(labels: &Labels) -> Option<String> {
    let parts: Vec<String> = WHERE_LABELS
        .iter()
        .filter_map(|(name, reads)| labels.get(*name).map(|v| format!("{reads} {v}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// What the alert says: its summary, else its name.
pub fn headline(alert: &NotifiedAlert) -> &str {
    alert.summary().unwrap_or_else(|| alert.name())
}

/// `since 2024-05-01T10:00:00Z` while firing; `resolved at ...` after.
pub fn when(alert: &NotifiedAlert) -> String {
    match (alert.status, alert.ends_at_ms) {
        (AlertStatus::Resolved, Some(end)) => format!(
            "resolved at {} (firing since {})",
            rfc3339(end),
            rfc3339(alert.starts_at_ms)
        ),
        _ => format!("since {}", rfc3339(alert.starts_at_ms)),
    }
}

/// The expression's value as Prometheus prints it in `{{ $value }}`.
pub fn value(alert: &NotifiedAlert) -> String {
    format!("{}", alert.value)
}

/// `name=value` pairs in label order.
pub fn label_pairs(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn alert(name: &str, status: AlertStatus) -> NotifiedAlert {
        NotifiedAlert {
            labels: Labels::from([
                ("alertname".to_string(), name.to_string()),
                ("cluster".to_string(), "prod".to_string()),
                ("topic".to_string(), "orders".to_string()),
            ]),
            annotations: BTreeMap::new(),
            status,
            starts_at_ms: 1_700_000_000_000,
            ends_at_ms: (status == AlertStatus::Resolved).then_some(1_700_000_060_000),
            value: 2.5,
            fingerprint: 0,
            silenced: false,
        }
    }

    fn notification(alerts: Vec<NotifiedAlert>) -> Notification {
        Notification {
            receiver: "r".into(),
            group_key: "{}:{}".into(),
            group_labels: Labels::new(),
            alerts,
            external_url: String::new(),
            valid_until_ms: None,
        }
    }

    #[test]
    fn titles_count_firing_and_resolved_alerts() {
        use AlertStatus::*;
        assert_eq!(
            title(&notification(vec![
                alert("Lag", Firing),
                alert("Lag", Firing)
            ])),
            "[FIRING:2] Lag"
        );
        assert_eq!(
            title(&notification(vec![alert("Lag", Resolved)])),
            "[RESOLVED] Lag"
        );
        assert_eq!(
            title(&notification(vec![
                alert("B", Firing),
                alert("A", Resolved)
            ])),
            "[FIRING:1, RESOLVED:1] A, B"
        );
    }

    #[test]
    fn an_alert_reads_where_and_when() {
        let firing = alert("Lag", AlertStatus::Firing);
        assert_eq!(
            where_(&firing.labels).as_deref(),
            Some("cluster prod, topic orders")
        );
        assert_eq!(when(&firing), "since 2023-11-14T22:13:20Z");
        assert_eq!(
            when(&alert("Lag", AlertStatus::Resolved)),
            "resolved at 2023-11-14T22:14:20Z (firing since 2023-11-14T22:13:20Z)"
        );
        assert_eq!(value(&firing), "2.5");
        assert_eq!(headline(&firing), "Lag");
        assert_eq!(where_(&Labels::new()), None);
    }
}
