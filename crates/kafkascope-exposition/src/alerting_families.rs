//! How alerting is going: active alerts by state, rules by health, and
//! notifications per receiver. The figures are plain numbers handed in by
//! whoever serves `/metrics`, so this crate needs neither the rule engine
//! nor the notifier.

use crate::labels::Label;
use crate::writer::{MetricType, MetricsWriter};

pub const ALERTS: &str = "kafkascope_alerts";
pub const ALERT_RULES: &str = "kafkascope_alert_rules";
pub const ALERT_EVALUATION_SECONDS: &str = "kafkascope_alert_evaluation_seconds";
pub const NOTIFICATIONS_SENT: &str = "kafkascope_notifications_sent";
pub const NOTIFICATIONS_FAILED: &str = "kafkascope_notifications_failed";
pub const NOTIFICATIONS_DROPPED: &str = "kafkascope_notifications_dropped";
pub const NOTIFICATION_SNAPSHOTS_DROPPED: &str = "kafkascope_notification_snapshots_dropped";

/// Every family this module writes, in order.
pub const FAMILIES: &[&str] = &[
    ALERTS,
    ALERT_RULES,
    ALERT_EVALUATION_SECONDS,
    NOTIFICATIONS_SENT,
    NOTIFICATIONS_FAILED,
    NOTIFICATIONS_DROPPED,
    NOTIFICATION_SNAPSHOTS_DROPPED,
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertingFigures {
    pub firing: usize,
    pub pending: usize,
    /// Firing or pending, and silenced.
    pub silenced: usize,
    pub rules_ok: usize,
    pub rules_failing: usize,
    pub rules_not_evaluated: usize,
    /// Wall-clock time of the last evaluation of every rule.
    pub evaluation_seconds: f64,
    /// `None` when no notifications are configured.
    pub notifications: Option<NotificationFigures>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationFigures {
    pub receivers: Vec<ReceiverFigures>,
    /// Alert snapshots the notifier's queue had no room for.
    pub snapshots_dropped: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiverFigures {
    pub name: String,
    pub kind: String,
    pub sent: u64,
    pub failed: u64,
    pub dropped: u64,
}

pub fn write(w: &mut MetricsWriter, figures: Option<&AlertingFigures>) {
    let Some(f) = figures else {
        return;
    };
    w.gauge(
        ALERTS,
        "Alerts by state: firing, pending, and silenced (firing or pending, and silenced).",
    );
    for (state, count) in [
        ("firing", f.firing),
        ("pending", f.pending),
        ("silenced", f.silenced),
    ] {
        w.sample(&[("state", state.into())], count as f64);
    }
    w.gauge(
        ALERT_RULES,
        "Alert rules by the health of their last evaluation: ok, err, or unknown (not yet evaluated).",
    );
    for (health, count) in [
        ("ok", f.rules_ok),
        ("err", f.rules_failing),
        ("unknown", f.rules_not_evaluated),
    ] {
        w.sample(&[("health", health.into())], count as f64);
    }
    w.gauge(
        ALERT_EVALUATION_SECONDS,
        "How long the last evaluation of every alert rule took, start to end.",
    );
    w.sample(&[], f.evaluation_seconds);
    let Some(n) = &f.notifications else {
        return;
    };
    type Read = fn(&ReceiverFigures) -> u64;
    let per_receiver: [(&'static str, &str, Read); 3] = [
        (
            NOTIFICATIONS_SENT,
            "Notifications the receiver accepted.",
            |r| r.sent,
        ),
        (
            NOTIFICATIONS_FAILED,
            "Notifications that failed after every retry.",
            |r| r.failed,
        ),
        (
            NOTIFICATIONS_DROPPED,
            "Notifications dropped because too many were in flight to the receiver.",
            |r| r.dropped,
        ),
    ];
    for (name, help, read) in per_receiver {
        w.family(name, MetricType::Counter, help);
        for r in &n.receivers {
            let labels: [Label<'_>; 2] = [
                ("receiver", r.name.as_str().into()),
                ("kind", r.kind.as_str().into()),
            ];
            w.sample(&labels, read(r) as f64);
        }
    }
    w.family(
        NOTIFICATION_SNAPSHOTS_DROPPED,
        MetricType::Counter,
        "Alert snapshots the notifier had no room for (it was behind).",
    );
    w.sample(&[], n.snapshots_dropped as f64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    #[test]
    fn alerting_figures_render_as_gauges_and_counters() {
        let figures = AlertingFigures {
            firing: 2,
            pending: 1,
            silenced: 1,
            rules_ok: 20,
            rules_failing: 1,
            rules_not_evaluated: 1,
            evaluation_seconds: 0.0125,
            notifications: Some(NotificationFigures {
                receivers: vec![ReceiverFigures {
                    name: "pager".into(),
                    kind: "webhook".into(),
                    sent: 3,
                    failed: 1,
                    dropped: 0,
                }],
                snapshots_dropped: 0,
            }),
        };
        let mut w = MetricsWriter::with_capacity(Format::Prometheus, 1024);
        write(&mut w, Some(&figures));
        let text = w.finish();
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            samples,
            [
                "kafkascope_alerts{state=\"firing\"} 2",
                "kafkascope_alerts{state=\"pending\"} 1",
                "kafkascope_alerts{state=\"silenced\"} 1",
                "kafkascope_alert_rules{health=\"ok\"} 20",
                "kafkascope_alert_rules{health=\"err\"} 1",
                "kafkascope_alert_rules{health=\"unknown\"} 1",
                "kafkascope_alert_evaluation_seconds 0.0125",
                "kafkascope_notifications_sent_total{receiver=\"pager\",kind=\"webhook\"} 3",
                "kafkascope_notifications_failed_total{receiver=\"pager\",kind=\"webhook\"} 1",
                "kafkascope_notifications_dropped_total{receiver=\"pager\",kind=\"webhook\"} 0",
                "kafkascope_notification_snapshots_dropped_total 0",
            ]
        );
        assert!(text.contains("# TYPE kafkascope_notifications_sent_total counter\n"));
        let mut w = MetricsWriter::with_capacity(Format::Prometheus, 64);
        write(&mut w, None);
        assert_eq!(w.finish(), "");
    }
}
