//! The curated consumer alerts on the real test bed, with their `for`
//! shortened as in kafka_alert_scenarios.rs: two groups read one topic a
//! producer keeps writing to; one group's consumer is killed with SIGKILL.
//! The lag-growing (once more than a minute behind) and dead-group alerts
//! fire for that group only, are notified, and resolve once a consumer of
//! the group catches up again.

mod common;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use common::Serve;
use common::kafka::create_topic;
use common::rules::shortened_curated_rules;
use common::webhook::webhook_receiver;
use kafkascope_testkit::{KafkaCluster, spawn_kafka_client};

const CLUSTER: &str = "consumers";
const RULES: [&str; 2] = ["KafkaConsumerGroupLagGrowing", "KafkaConsumerGroupDead"];

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client(bootstrap: &str, args: &[&str]) -> Killed {
    let args = [&[args[0], "--bootstrap", bootstrap][..], &args[1..]].concat();
    Killed(spawn_kafka_client(&args).unwrap())
}

fn consumer(bootstrap: &str, group: &str, topic: &str) -> Killed {
    client(
        bootstrap,
        &[
            "consume-loop",
            "--group",
            group,
            "--topic",
            topic,
            "--seconds",
            "600",
            "--commit-every",
            "0.5",
            "--config",
            "session.timeout.ms=6000",
        ],
    )
}

/// `(alertname, consumergroup)` of the alerts in `state`.
fn alerts(serve: &Serve, state: &str) -> BTreeSet<(String, String)> {
    serve.json("/api/v1/alerts")["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == state)
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap().to_string(),
                a["labels"]["consumergroup"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

fn wait_for(what: &str, timeout: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn kafka_killed_consumer_alerts_fire_for_its_group_only_and_resolve_when_it_resumes() {
    let cluster = KafkaCluster::shared();
    let bootstrap = cluster.bootstrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let topic = format!("alert-feed-{nanos}");
    let (victim, healthy) = (format!("victim-{nanos}"), format!("healthy-{nanos}"));
    create_topic(cluster, &topic, "1", "1");
    let _producer = client(
        &bootstrap,
        &[
            "produce-loop",
            "--topic",
            &topic,
            "--rate",
            "20",
            "--seconds",
            "600",
        ],
    );
    let mut killed = consumer(&bootstrap, &victim, &topic);
    let _healthy = consumer(&bootstrap, &healthy, &topic);

    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("shortened.yml");
    std::fs::write(&rules, shortened_curated_rules(&RULES, "2s")).unwrap();
    let (hook, received) = webhook_receiver();
    let path = dir.path().join("kafkascope.toml");
    let brokers = bootstrap.split(',').collect::<Vec<_>>().join("\", \"");
    std::fs::write(
        &path,
        format!(
            "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{brokers}\"]\ninterval_seconds = 1\n\
             groups = {{ include = \"^(victim|healthy)-{nanos}$\" }}\n\n\
             [clusters.consumer_health]\nintervals = 4\n\n\
             [alerts]\ndefault_rules = false\nrule_files = [\"{}\"]\n\n\
             [alerts.notify.route]\nreceiver = \"hook\"\ngroup_by = [\"alertname\", \"consumergroup\"]\n\
             group_wait = \"0s\"\ngroup_interval = \"1s\"\nrepeat_interval = \"4h\"\n\n\
             [alerts.notify.receivers.hook]\ntype = \"webhook\"\nurl = \"{hook}\"\n",
            rules.display()
        ),
    )
    .unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);
    let group_status = |group: &str| {
        serve
            .get(&format!("/api/v1/clusters/{CLUSTER}/groups/{group}"))
            .filter(|(status, _)| *status == 200)
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
            .and_then(|g| g["status"].as_str().map(String::from))
    };
    wait_for("both groups keeping up", Duration::from_secs(90), || {
        group_status(&victim).as_deref() == Some("OK")
            && group_status(&healthy).as_deref() == Some("OK")
    });
    assert!(alerts(&serve, "firing").is_empty());

    let _ = killed.0.kill();
    let _ = killed.0.wait();
    let expected: BTreeSet<(String, String)> = RULES
        .iter()
        .map(|r| (r.to_string(), victim.clone()))
        .collect();
    wait_for(
        "both alerts firing for the killed group",
        Duration::from_secs(180),
        || alerts(&serve, "firing") == expected,
    );
    let notified = || -> BTreeSet<(String, String, String)> {
        received
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["status"].as_str().unwrap_or("").to_string(),
                    b["groupLabels"]["alertname"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    b["groupLabels"]["consumergroup"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    };
    wait_for("both notified", Duration::from_secs(20), || {
        notified().len() == 2
    });
    assert!(
        notified()
            .iter()
            .all(|(status, _, group)| status == "firing" && *group == victim)
    );

    // A consumer of the group again: it catches up, the alerts resolve.
    let _resumed = consumer(&bootstrap, &victim, &topic);
    wait_for("the alerts resolved", Duration::from_secs(120), || {
        alerts(&serve, "firing").is_empty() && alerts(&serve, "pending").is_empty()
    });
    wait_for("the resolutions sent", Duration::from_secs(20), || {
        notified()
            .iter()
            .filter(|(status, _, _)| status == "resolved")
            .count()
            == 2
    });
    assert_eq!(
        received.lock().unwrap().len(),
        4,
        "one firing and one resolved notification each"
    );
}
