//! The webhook and Slack receivers end to end: a notifier fed snapshots
//! posts to a local HTTP endpoint, which records each payload; the
//! payloads are checked field by field.

mod support;

use std::time::Duration;

use kafkascope_notify::model::{fingerprint, fingerprint_hex, rfc3339};
use kafkascope_notify::{AlertSnapshot, Notifier};
use serde_json::json;
use support::{Recorder, firing, labels, now_ms, plan, resolved, wait_for_stats};

const WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn webhook_gets_alertmanagers_json_for_a_group_then_its_resolution() {
    let hook = Recorder::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The URL is a secret, read from a file here.
    let url_file = dir.path().join("hook-url");
    std::fs::write(&url_file, format!("{}\n", hook.url("/hook"))).unwrap();
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            external_url = "https://kafkascope.example.com/"
            [route]
            receiver = "ops"
            group_by = ["cluster"]
            group_wait = "200ms"
            group_interval = "300ms"
            repeat_interval = "1h"
            [receivers.ops]
            type = "webhook"
            url = "file:{}"
            basic_auth = {{ username = "ks", password = "s3cret" }}
            "#,
            url_file.display()
        )),
        Default::default(),
    );
    let fired = now_ms() - 5_000;
    let orders_labels = labels(&[
        ("alertname", "TopicUnderReplicated"),
        ("cluster", "prod"),
        ("severity", "warning"),
        ("topic", "orders"),
    ]);
    let payments_labels = labels(&[
        ("alertname", "TopicUnderReplicated"),
        ("cluster", "prod"),
        ("severity", "warning"),
        ("topic", "payments"),
    ]);
    let orders = firing(orders_labels.clone(), "orders: 2 partitions short", fired);
    let payments = firing(
        payments_labels.clone(),
        "payments: 1 partition short",
        fired,
    );
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![orders.clone(), payments.clone()],
        evaluation_interval_ms: 15_000,
    }));

    let first = hook.wait_for("/hook", 1, WITHIN).await;
    assert_eq!(
        first[0].authorization.as_deref(),
        Some("Basic a3M6czNjcmV0")
    );
    assert_eq!(first[0].content_type.as_deref(), Some("application/json"));
    let orders_fp = fingerprint_hex(fingerprint(&orders_labels));
    let payments_fp = fingerprint_hex(fingerprint(&payments_labels));
    let group_key = r#"{}:{cluster="prod"}"#;
    assert_eq!(
        first[0].body,
        json!({
            "receiver": "ops",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": orders_labels,
                    "annotations": {"summary": "orders: 2 partitions short"},
                    "startsAt": rfc3339(fired),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "https://kafkascope.example.com/clusters/prod/topics/orders",
                    "fingerprint": orders_fp,
                },
                {
                    "status": "firing",
                    "labels": payments_labels,
                    "annotations": {"summary": "payments: 1 partition short"},
                    "startsAt": rfc3339(fired),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "https://kafkascope.example.com/clusters/prod/topics/payments",
                    "fingerprint": payments_fp,
                },
            ],
            "groupLabels": {"cluster": "prod"},
            "commonLabels": {"alertname": "TopicUnderReplicated", "cluster": "prod", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "https://kafkascope.example.com",
            "version": "4",
            "groupKey": group_key,
            "truncatedAlerts": 0,
        })
    );

    let ended = now_ms();
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![resolved(&orders, ended), payments.clone()],
        evaluation_interval_ms: 15_000,
    }));
    let both = hook.wait_for("/hook", 2, WITHIN).await;
    assert_eq!(
        both[1].body,
        json!({
            "receiver": "ops",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": payments_labels,
                    "annotations": {"summary": "payments: 1 partition short"},
                    "startsAt": rfc3339(fired),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "https://kafkascope.example.com/clusters/prod/topics/payments",
                    "fingerprint": payments_fp,
                },
                {
                    "status": "resolved",
                    "labels": orders_labels,
                    "annotations": {"summary": "orders: 2 partitions short"},
                    "startsAt": rfc3339(fired),
                    "endsAt": rfc3339(ended),
                    "generatorURL": "https://kafkascope.example.com/clusters/prod/topics/orders",
                    "fingerprint": orders_fp,
                },
            ],
            "groupLabels": {"cluster": "prod"},
            "commonLabels": {"alertname": "TopicUnderReplicated", "cluster": "prod", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "https://kafkascope.example.com",
            "version": "4",
            "groupKey": group_key,
            "truncatedAlerts": 0,
        })
    );
    let stats = wait_for_stats(&notifier, WITHIN, |s| s.receivers["ops"].sent == 2).await;
    let stats = &stats.receivers["ops"];
    assert_eq!(
        (
            stats.kind,
            stats.sent,
            stats.failed,
            stats.dropped,
            stats.retries
        ),
        ("webhook", 2, 0, 0, 0)
    );
    notifier.stop().await;
}

#[tokio::test]
async fn alerts_are_routed_by_their_labels_and_grouped_per_route() {
    let hook = Recorder::start().await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            [route]
            receiver = "everyone"
            group_by = ["alertname"]
            group_wait = "100ms"
            group_interval = "200ms"
            [[route.routes]]
            matchers = ['severity="critical"', 'cluster=~"prod-.*"']
            receiver = "pager"
            group_by = ["cluster"]
            continue = true
            [[route.routes]]
            matchers = ['topic!~"__.*"']
            receiver = "team"
            [receivers.everyone]
            type = "webhook"
            url = "{everyone}"
            [receivers.pager]
            type = "webhook"
            url = "{pager}"
            [receivers.team]
            type = "webhook"
            url = "{team}"
            "#,
            everyone = hook.url("/everyone"),
            pager = hook.url("/pager"),
            team = hook.url("/team"),
        )),
        Default::default(),
    );
    let at = now_ms();
    let alert = |cluster: &str, severity: &str, topic: &str| {
        firing(
            labels(&[
                ("alertname", "Offline"),
                ("cluster", cluster),
                ("severity", severity),
                ("topic", topic),
            ]),
            "offline",
            at,
        )
    };
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![
            // pager (continue) and team
            alert("prod-eu", "critical", "orders"),
            alert("prod-us", "critical", "orders"),
            // team only: not critical
            alert("prod-eu", "warning", "payments"),
            // neither child: internal topic, not critical
            alert("prod-eu", "warning", "__consumer_offsets"),
        ],
        evaluation_interval_ms: 15_000,
    }));
    let pager = hook.wait_for("/pager", 2, WITHIN).await;
    let team = hook.wait_for("/team", 1, WITHIN).await;
    let everyone = hook.wait_for("/everyone", 1, WITHIN).await;
    // Give any stray notification the time to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.received().len(), 4);

    let described = |body: &serde_json::Value| {
        let topics: Vec<String> = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{}/{}", a["labels"]["cluster"], a["labels"]["topic"]))
            .map(|s| s.replace('"', ""))
            .collect();
        (body["groupKey"].as_str().unwrap().to_string(), topics)
    };
    let mut pager: Vec<_> = pager.iter().map(|r| described(&r.body)).collect();
    pager.sort();
    assert_eq!(
        pager,
        [
            (
                r#"{}/{severity="critical",cluster=~"prod-.*"}:{cluster="prod-eu"}"#.to_string(),
                vec!["prod-eu/orders".to_string()]
            ),
            (
                r#"{}/{severity="critical",cluster=~"prod-.*"}:{cluster="prod-us"}"#.to_string(),
                vec!["prod-us/orders".to_string()]
            ),
        ]
    );
    assert_eq!(
        described(&team[0].body),
        (
            r#"{}/{topic!~"__.*"}:{alertname="Offline"}"#.to_string(),
            vec![
                "prod-eu/orders".to_string(),
                "prod-eu/payments".to_string(),
                "prod-us/orders".to_string()
            ]
        )
    );
    assert_eq!(
        described(&everyone[0].body),
        (
            r#"{}:{alertname="Offline"}"#.to_string(),
            vec!["prod-eu/__consumer_offsets".to_string()]
        )
    );
    notifier.stop().await;
}

/// Slack's incoming webhooks take `{"text": ...}` (mrkdwn) with optional
/// `channel`, `username` and `icon_emoji`: the endpoint here stands in for
/// Slack, by that documented format.
#[tokio::test]
async fn fake_slack_incoming_webhook_gets_a_readable_message() {
    let slack = Recorder::start().await;
    let notifier = Notifier::start(
        plan(&format!(
            r##"
            external_url = "https://kafkascope.example.com"
            [route]
            receiver = "chat"
            group_wait = "100ms"
            [receivers.chat]
            type = "slack"
            url = "{}"
            channel = "#kafka-alerts"
            username = "kafkascope"
            "##,
            slack.url("/services/T000/B000/XXXX")
        )),
        Default::default(),
    );
    // 2023-11-14T22:13:20Z
    let fired = 1_700_000_000_000;
    let mut lag = firing(
        labels(&[
            ("alertname", "KafkaConsumerGroupLagSeconds"),
            ("cluster", "prod"),
            ("consumergroup", "billing"),
            ("severity", "warning"),
        ]),
        "billing is 1h 2m 5s behind",
        fired,
    );
    lag.value = 3725.0;
    let mut broker = firing(
        labels(&[
            ("alertname", "KafkaBrokerDown"),
            ("broker", "2"),
            ("cluster", "prod"),
        ]),
        "prod: broker 2 does not answer",
        fired,
    );
    broker.value = 0.0;
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![lag, broker],
        evaluation_interval_ms: 15_000,
    }));
    let posts = slack.wait_for("/services/T000/B000/XXXX", 1, WITHIN).await;
    assert_eq!(posts[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        posts[0].body,
        json!({
            "channel": "#kafka-alerts",
            "username": "kafkascope",
            "text": ":rotating_light: *[FIRING:2] KafkaBrokerDown, KafkaConsumerGroupLagSeconds*\n\
                     \n\
                     *prod: broker 2 does not answer*\n\
                     cluster prod, broker 2\n\
                     since 2023-11-14T22:13:20Z · value 0\n\
                     <https://kafkascope.example.com/clusters/prod/brokers|Open in kafkascope>\n\
                     \n\
                     *billing is 1h 2m 5s behind*\n\
                     cluster prod, consumer group billing\n\
                     since 2023-11-14T22:13:20Z · value 3725\n\
                     <https://kafkascope.example.com/clusters/prod/groups/billing|Open in kafkascope>",
        })
    );
    notifier.stop().await;
}

#[tokio::test]
async fn silenced_alerts_are_held_back() {
    let hook = Recorder::start().await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            [route]
            receiver = "ops"
            group_wait = "0s"
            [receivers.ops]
            type = "webhook"
            url = "{}"
            "#,
            hook.url("/hook")
        )),
        Default::default(),
    );
    let at = now_ms();
    let alert = |topic: &str| {
        firing(
            labels(&[
                ("alertname", "Offline"),
                ("cluster", "prod"),
                ("topic", topic),
            ]),
            "offline",
            at,
        )
    };
    let mut snapshot = AlertSnapshot {
        alerts: vec![alert("audit"), alert("orders")],
        evaluation_interval_ms: 15_000,
    };
    // As the caller's silences answer: one matches the audit topic.
    snapshot.mark_silenced(|labels| {
        if labels["topic"] == "audit" {
            vec!["0b8a6c5e".to_string()]
        } else {
            Vec::new()
        }
    });
    assert!(notifier.offer(snapshot));
    let sent = hook.wait_for("/hook", 1, WITHIN).await;
    let topics: Vec<&str> = sent[0].body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["orders"]);
    assert_eq!(sent[0].body["commonLabels"]["topic"], "orders");
    notifier.stop().await;
}
