//! The `alertmanager` receiver against a real Alertmanager (Debian's
//! `prometheus-alertmanager`), started on a free port with a config that
//! groups by cluster and sends everything to a webhook served here: what
//! kafkascope pushes must come out of Alertmanager grouped, with the exact
//! labels and annotations, and resolved once their end has passed.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kafkascope_client::http_client::{HttpClient, HttpRequest, HttpUrl};
use kafkascope_notify::model::{Labels, fingerprint, fingerprint_hex, rfc3339};
use kafkascope_notify::{AlertSnapshot, DeliveryState, Notifier};
use serde_json::json;
use support::{Recorder, find_program, firing, free_port, labels, now_ms, plan, resolved};
use tempfile::TempDir;

const INSTALL_HINT: &str = "run scripts/install-test-deps.sh (it installs the Debian package \
     prometheus-alertmanager), or set KAFKASCOPE_ALERTMANAGER_BIN";

/// A running Alertmanager; killed when dropped.
struct Alertmanager {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Alertmanager {
    async fn start(webhook_url: &str) -> Alertmanager {
        let binary = find_program(
            "KAFKASCOPE_ALERTMANAGER_BIN",
            &["prometheus-alertmanager", "alertmanager"],
            INSTALL_HINT,
        );
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                "route:\n  receiver: kafkascope-test\n  group_by: [cluster]\n  \
                 group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
                 receivers:\n  - name: kafkascope-test\n    webhook_configs:\n      \
                 - url: {webhook_url}\n        send_resolved: true\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).unwrap();
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--web.external-url=http://127.0.0.1:{port}"))
            // No gossip with other Alertmanagers.
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = Alertmanager { child, port, dir };
        server.wait_ready().await;
        server
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("alertmanager.log")
    }

    async fn wait_ready(&mut self) {
        let client = HttpClient::new(Duration::from_secs(1), Duration::from_secs(1), 4096);
        let ready = HttpUrl::parse(&format!("{}/-/ready", self.url())).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("alertmanager exited with {status}:\n{}", self.log());
            }
            if let Ok(answer) = client.send(HttpRequest::get(&ready, "*/*")).await
                && answer.is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "alertmanager not ready within 30 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The alerts of an Alertmanager webhook payload, in topic order.
fn by_topic(body: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut alerts = body["alerts"].as_array().unwrap().clone();
    alerts.sort_by_key(|a| a["labels"]["topic"].as_str().unwrap().to_string());
    alerts
}

#[tokio::test]
async fn alertmanager_groups_the_pushed_alerts_and_sends_them_on_then_their_resolution() {
    let hook = Recorder::start().await;
    let alertmanager = Alertmanager::start(&hook.url("/from-alertmanager")).await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            external_url = "https://kafkascope.example.com"
            [route]
            receiver = "am"
            [receivers.am]
            type = "alertmanager"
            url = "{}"
            "#,
            alertmanager.url()
        )),
        DeliveryState::default(),
    );
    // Whole seconds and milliseconds both come back as written.
    let fired = now_ms() / 1_000 * 1_000 - 30_000;
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
        fired + 250,
    );
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![orders.clone(), payments.clone()],
        evaluation_interval_ms: 15_000,
    }));

    let within = Duration::from_secs(20);
    let delivered = hook.wait_for("/from-alertmanager", 1, within).await;
    let body = &delivered[0].body;
    let expected = |labels: &Labels, summary: &str, starts: i64, end: Option<i64>| {
        json!({
            "status": if end.is_some() { "resolved" } else { "firing" },
            "labels": labels,
            "annotations": {"summary": summary},
            "startsAt": rfc3339(starts),
            // Alertmanager shows no end until it has passed.
            "endsAt": end.map(rfc3339).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
            "generatorURL": format!(
                "https://kafkascope.example.com/clusters/prod/topics/{}",
                labels["topic"]
            ),
            "fingerprint": fingerprint_hex(fingerprint(labels)),
        })
    };
    assert_eq!(
        (
            &body["status"],
            &body["receiver"],
            &body["groupLabels"],
            &body["commonLabels"],
            &body["groupKey"],
            &body["externalURL"],
            &body["version"],
        ),
        (
            &json!("firing"),
            &json!("kafkascope-test"),
            &json!({"cluster": "prod"}),
            &json!({"alertname": "TopicUnderReplicated", "cluster": "prod", "severity": "warning"}),
            // Alertmanager's group key is the one kafkascope's own routes make.
            &json!(r#"{}:{cluster="prod"}"#),
            &json!(alertmanager.url()),
            &json!("4"),
        ),
        "{body:#}"
    );
    assert_eq!(
        by_topic(body),
        [
            expected(&orders_labels, "orders: 2 partitions short", fired, None),
            expected(
                &payments_labels,
                "payments: 1 partition short",
                fired + 250,
                None
            ),
        ],
        "{body:#}"
    );
    let stats = notifier.stats();
    assert_eq!(stats.receivers["am"].kind, "alertmanager");
    assert_eq!(stats.receivers["am"].failed, 0, "{stats:?}");

    // Resolved: pushed with the time they resolved as their end, which
    // has passed, so Alertmanager sends the resolution.
    let ended = now_ms();
    assert!(notifier.offer(AlertSnapshot {
        alerts: vec![resolved(&orders, ended), resolved(&payments, ended)],
        evaluation_interval_ms: 15_000,
    }));
    let delivered = wait_for_status(&hook, "resolved", within).await;
    let resolved_body = &delivered.body;
    assert_eq!(resolved_body["groupKey"], r#"{}:{cluster="prod"}"#);
    assert_eq!(resolved_body["receiver"], "kafkascope-test");
    assert_eq!(
        by_topic(resolved_body),
        [
            expected(
                &orders_labels,
                "orders: 2 partitions short",
                fired,
                Some(ended)
            ),
            expected(
                &payments_labels,
                "payments: 1 partition short",
                fired + 250,
                Some(ended)
            ),
        ],
        "{resolved_body:#}"
    );
    notifier.stop().await;
    drop(alertmanager);
}

/// The first payload Alertmanager sent with this status.
async fn wait_for_status(hook: &Recorder, status: &str, within: Duration) -> support::Received {
    let found = |hook: &Recorder| {
        hook.received()
            .into_iter()
            .find(|r| r.body["status"] == status)
    };
    support::wait_until(within, || found(hook).is_some())
        .await
        .unwrap_or_else(|| {
            panic!(
                "no {status} notification within {within:?}: {:#?}",
                hook.received()
            )
        });
    found(hook).unwrap()
}
