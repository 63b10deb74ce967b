//! Alert rules on the real test bed: a group that falls behind raises an
//! alert that goes pending, then firing, with its labels and its summary
//! filled in; the alert is in the history as Prometheus's `ALERTS` series;
//! it is still firing, from the same moment, after kafkascope restarts; and
//! it resolves once the group catches up. A webhook receiver gets the
//! firing and the resolved notification in Alertmanager's webhook shape,
//! once each (the restart sends nothing again). The rules `serve`
//! evaluates export as a file `promtool check rules` accepts.

mod common;

use std::process::Command;
use std::time::Duration;

use common::kafka::{consume, create_topic, encode, produce_batched};
use common::webhook::webhook_receiver;
use common::{Serve, kafkascope};
use kafkascope_testkit::KafkaCluster;
use serde_json::Value;

const CLUSTER: &str = "alerting";

fn config(cluster: &KafkaCluster, group: &str, hook: &str) -> String {
    format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 1\n\n\
         [alerts]\ndisable = [\"KafkaBrokerUnreachable\"]\n\n\
         [[alerts.rules]]\nalert = \"GroupLagging\"\n\
         expr = 'kafkascope_consumergroup_total_lag{{consumergroup=\"{group}\"}} > 10'\n\
         for = \"3s\"\nlabels = {{ severity = \"warning\" }}\n\
         annotations = {{ summary = \"{{{{ $labels.consumergroup }}}} lags by {{{{ $value }}}} records\" }}\n\n\
         [alerts.notify.route]\nreceiver = \"hook\"\ngroup_by = [\"alertname\"]\n\
         group_wait = \"0s\"\ngroup_interval = \"1s\"\nrepeat_interval = \"4h\"\n\n\
         [alerts.notify.receivers.hook]\ntype = \"webhook\"\nurl = \"{hook}\"\n",
        cluster.bootstrap().split(',').next().unwrap()
    )
}

fn firing(serve: &Serve) -> Vec<Value> {
    let alerts = serve.json("/api/v1/alerts");
    alerts["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["alertname"] == "GroupLagging" && a["state"] == "firing")
        .cloned()
        .collect()
}

fn states(serve: &Serve) -> Vec<String> {
    serve.json("/api/v1/alerts/events")["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["labels"]["alertname"] == "GroupLagging")
        .map(|e| e["state"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn kafka_lagging_group_alert_fires_survives_a_restart_and_resolves() {
    let cluster = KafkaCluster::shared();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let topic = format!("alerts-orders-{nanos}");
    let group = format!("alerts-billing-{nanos}");
    create_topic(cluster, &topic, "1", "1");
    produce_batched(cluster, &topic, "0", "20", "none");
    consume(cluster, &group, &topic, "5", &[]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kafkascope.toml");
    let (hook, received) = webhook_receiver();
    std::fs::write(&path, config(cluster, &group, &hook)).unwrap();
    let statuses = || -> Vec<String> {
        received
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["status"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let data = dir.path().join("data");
    let args = ["--config", path.to_str().unwrap()];
    let serve = Serve::start_with_data_dir(&args, &data);
    serve.wait_until("the alert to fire", Duration::from_secs(60), |s| {
        !firing(s).is_empty()
    });
    let alert = firing(&serve).remove(0);
    assert_eq!(
        alert["labels"],
        serde_json::json!({"alertname": "GroupLagging", "cluster": CLUSTER,
            "consumergroup": group, "severity": "warning"})
    );
    assert_eq!(
        alert["annotations"]["summary"],
        format!("{group} lags by 15 records")
    );
    assert_eq!(alert["value"], "15");
    assert_eq!(states(&serve), ["pending", "firing"]);
    let rules = serve.json("/api/v1/rules");
    let rule = rules["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .find(|r| r["name"] == "GroupLagging")
        .unwrap()
        .clone();
    assert_eq!(
        (rule["health"].as_str(), rule["state"].as_str()),
        (Some("ok"), Some("firing"))
    );
    assert_eq!(rule["duration"], 3.0);

    // The webhook got it, in Alertmanager's shape.
    serve.wait_until("the firing notification", Duration::from_secs(30), |_| {
        !statuses().is_empty()
    });
    let sent = received.lock().unwrap()[0].clone();
    assert_eq!(sent["version"], "4");
    assert_eq!(sent["status"], "firing");
    assert_eq!(sent["receiver"], "hook");
    assert_eq!(
        sent["groupLabels"],
        serde_json::json!({"alertname": "GroupLagging"})
    );
    assert_eq!(sent["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(sent["alerts"][0]["labels"], alert["labels"]);
    assert_eq!(sent["alerts"][0]["status"], "firing");
    // As Prometheus sends it: starting when it fired, `for` after it
    // became active (RFC 3339 strings order as the times do).
    let starts_at = sent["alerts"][0]["startsAt"].as_str().unwrap();
    assert!(
        starts_at > alert["activeAt"].as_str().unwrap(),
        "{starts_at}"
    );
    assert_eq!(
        sent["alerts"][0]["annotations"]["summary"],
        format!("{group} lags by 15 records")
    );
    let metrics = serve.metrics();
    assert_eq!(
        metrics.get(
            "kafkascope_notifications_sent_total",
            &[("receiver", "hook"), ("kind", "webhook")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metrics.get("kafkascope_alerts", &[("state", "firing")]),
        Some(1.0)
    );

    // The history holds the alert as Prometheus's ALERTS series.
    let query = encode(&format!(
        "ALERTS{{alertname=\"GroupLagging\",alertstate=\"firing\",consumergroup=\"{group}\"}}"
    ));
    serve.wait_until("ALERTS in the history", Duration::from_secs(10), |s| {
        let answer = s.json(&format!("/api/v1/query?query={query}"));
        answer["data"]["result"][0]["value"][1] == "1"
    });

    // A restart keeps it firing from the same moment, with no new event
    // and no second notification.
    let active_at = alert["activeAt"].clone();
    serve.stop();
    let serve = Serve::start_with_data_dir(&args, &data);
    serve.wait_until(
        "an evaluation after the restart",
        Duration::from_secs(30),
        |s| {
            s.json("/api/v1/rules")["data"]["groups"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| !g["lastEvaluation"].is_null()))
        },
    );
    let alert = firing(&serve).remove(0);
    assert_eq!(alert["activeAt"], active_at);
    assert_eq!(states(&serve), ["pending", "firing"]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        statuses(),
        ["firing"],
        "nothing sent again after the restart"
    );

    // Caught up: resolved.
    consume(cluster, &group, &topic, "15", &[]);
    serve.wait_until("the alert to resolve", Duration::from_secs(60), |s| {
        firing(s).is_empty() && states(s).last().is_some_and(|s| s == "inactive")
    });
    assert_eq!(states(&serve), ["pending", "firing", "inactive"]);
    serve.wait_until("the resolved notification", Duration::from_secs(30), |_| {
        statuses().len() == 2
    });
    assert_eq!(statuses(), ["firing", "resolved"]);
    let resolved = received.lock().unwrap()[1].clone();
    assert_eq!(resolved["alerts"][0]["status"], "resolved");
    assert_ne!(resolved["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
}

#[test]
fn exported_rules_pass_promtool_and_a_bad_rule_file_is_reported_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kafkascope.toml");
    std::fs::write(
        &config,
        "[alerts]\ndisable = [\"KafkaClientDead\"]\n\n[[alerts.rules]]\nalert = \"Mine\"\n\
         expr = \"kafkascope_offline_partitions > 3\"\nfor = \"90s\"\n",
    )
    .unwrap();
    let out = kafkascope(&["rules", "export", "--config", config.to_str().unwrap()]);
    assert!(out.status.success());
    let exported = String::from_utf8(out.stdout).unwrap();
    assert!(
        exported.contains(
            "  - alert: Mine\n    expr: kafkascope_offline_partitions > 3\n    for: 1m30s\n"
        ),
        "{exported}"
    );
    assert!(!exported.contains("KafkaClientDead"));
    let file = dir.path().join("exported.yml");
    std::fs::write(&file, &exported).unwrap();
    let promtool = Command::new("promtool")
        .args(["check", "rules", file.to_str().unwrap()])
        .output()
        .expect("promtool (scripts/install-test-deps.sh installs it)");
    let said = String::from_utf8_lossy(&promtool.stdout);
    assert!(promtool.status.success(), "{said}");
    // Every rule exported, each counted by promtool.
    let rules = exported.matches("\n  - alert: ").count();
    assert!(
        said.contains(&format!("SUCCESS: {rules} rules found")),
        "{said}"
    );

    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "groups:\n  - name: g\n    rules:\n      - alert: Fine\n        expr: up == 0\n\
         \x20     - alert: Late\n        expr: up == 0\n        for: later\n",
    )
    .unwrap();
    let out = kafkascope(&["rules", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{}: line 6: rule \"Late\": for: \"later\" is not a duration (like 30s, 5m or 1h30m)",
            bad.display()
        )),
        "{stderr}"
    );
}
