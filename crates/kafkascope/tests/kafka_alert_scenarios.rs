//! The curated alert rules on faults of a real 3-node Apache Kafka cluster
//! of this test's own, with their `for` shortened as a team would: the
//! rules `kafkascope rules export` writes, loaded back from a rule file
//! (which replaces the curated rules of the same names). Notifications go
//! to a webhook receiver.
//!
//! Node 2 stopped: the broker-unreachable (a stopped KRaft broker leaves
//! Metadata, but replicas still name it), under-replicated and
//! under-min-ISR alerts go
//! pending, fire after their `for`, and each is notified once; the offline
//! partition's alert fires too but a silence keeps it from being sent
//! until the silence ends, on time. Node 2 back: every one resolves, and
//! the resolutions are sent.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::Serve;
use common::rules::shortened_curated_rules;
use common::webhook::webhook_receiver;
use kafkascope_testkit::KafkaCluster;
use serde_json::json;

const CLUSTER: &str = "scenarios";
const SHORTENED: [&str; 4] = [
    // A stopped KRaft broker leaves Metadata; replicas still name it, so
    // kafkascope shows it down.
    "KafkaBrokerUnreachable",
    "KafkaUnderReplicatedPartitions",
    "KafkaUnderMinIsrPartitions",
    "KafkaOfflinePartitions",
];
/// How long the silence of the offline partition lasts.
const SILENCE: Duration = Duration::from_secs(12);

fn topics(cluster: &KafkaCluster, args: &[&str]) {
    cluster
        .kafka_topics(args)
        .unwrap_or_else(|e| panic!("kafka-topics {args:?}: {e:#}"));
}

fn config(cluster: &KafkaCluster, rules: &str, hook: &str) -> String {
    format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 1\n\n\
         [alerts]\nrule_files = [\"{rules}\"]\n\n\
         [alerts.notify.route]\nreceiver = \"hook\"\ngroup_by = [\"alertname\"]\n\
         group_wait = \"0s\"\ngroup_interval = \"1s\"\nrepeat_interval = \"4h\"\n\n\
         [alerts.notify.receivers.hook]\ntype = \"webhook\"\nurl = \"{hook}\"\n",
        cluster
            .bootstrap()
            .split(',')
            .collect::<Vec<_>>()
            .join("\", \"")
    )
}

fn wait_for(what: &str, timeout: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The state changes of each of our alerts, in order.
fn changes(serve: &Serve) -> BTreeMap<String, Vec<String>> {
    let mut by_alert: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in serve.json("/api/v1/alerts/events")["events"]
        .as_array()
        .unwrap()
    {
        let name = event["labels"]["alertname"].as_str().unwrap();
        if SHORTENED.contains(&name) {
            by_alert
                .entry(name.to_string())
                .or_default()
                .push(event["state"].as_str().unwrap().to_string());
        }
    }
    by_alert
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn kafka_broker_stopped_alerts_fire_once_each_a_silence_holds_one_back_and_all_resolve() {
    let cluster = KafkaCluster::start(3).expect("starting a Kafka cluster of this test's own");
    topics(
        &cluster,
        &[
            "--create",
            "--topic",
            "alert-rf3",
            "--partitions",
            "3",
            "--replication-factor",
            "3",
        ],
    );
    // Replicas 2,0: under min.insync.replicas=2 with node 2 gone.
    topics(
        &cluster,
        &[
            "--create",
            "--topic",
            "alert-rf2",
            "--replica-assignment",
            "2:0",
        ],
    );
    // Only on node 2: offline with it.
    topics(
        &cluster,
        &[
            "--create",
            "--topic",
            "alert-rf1",
            "--replica-assignment",
            "2",
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("shortened.yml");
    std::fs::write(&rules, shortened_curated_rules(&SHORTENED, "2s")).unwrap();
    let (hook, received) = webhook_receiver();
    let path = dir.path().join("kafkascope.toml");
    std::fs::write(&path, config(&cluster, rules.to_str().unwrap(), &hook)).unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);
    wait_for("the rules evaluated", Duration::from_secs(30), || {
        serve.json("/api/v1/rules")["data"]["groups"][0]["lastEvaluation"].is_string()
    });
    let notified = |status: &str| -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for body in received
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["status"] == status)
        {
            let name = body["groupLabels"]["alertname"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if SHORTENED.contains(&name.as_str()) {
                *counts.entry(name).or_default() += 1;
            }
        }
        counts
    };

    // The offline partition's alert is silenced for a while, from now.
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "KafkaOfflinePartitions"}],
        "ends_at_ms": now_ms() + SILENCE.as_millis() as i64,
        "created_by": "test", "comment": "node 2 is being replaced"
    });
    let (status, body) =
        common::http_post_json(&serve.addr, "/api/v1/silences", &silence.to_string()).unwrap();
    assert_eq!(status, 200, "{body}");
    let silenced_at = Instant::now();

    cluster.stop_node(2).unwrap();
    wait_for("the four alerts firing", Duration::from_secs(90), || {
        changes(&serve)
            .values()
            .filter(|c| c.last().is_some_and(|s| s == "firing"))
            .count()
            == 4
    });
    for (name, states) in changes(&serve) {
        assert_eq!(states, ["pending", "firing"], "{name}");
    }
    wait_for("the three notifications", Duration::from_secs(20), || {
        notified("firing").len() == 3
    });
    // A few more evaluations: nothing is sent twice, and the silenced one waits.
    std::thread::sleep(Duration::from_secs(3));
    if silenced_at.elapsed() < SILENCE {
        assert_eq!(
            notified("firing"),
            BTreeMap::from([
                ("KafkaBrokerUnreachable".to_string(), 1),
                ("KafkaUnderMinIsrPartitions".to_string(), 1),
                ("KafkaUnderReplicatedPartitions".to_string(), 1),
            ])
        );
        let offline = serve.json("/api/v1/alerts")["data"]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["labels"]["alertname"] == "KafkaOfflinePartitions")
            .cloned()
            .unwrap();
        assert_eq!(offline["silencedBy"].as_array().map(Vec::len), Some(1));
    }

    // The silence ends on time, and the alert still firing is sent then.
    wait_for(
        "the offline alert notified",
        SILENCE + Duration::from_secs(20),
        || notified("firing").contains_key("KafkaOfflinePartitions"),
    );
    assert!(
        silenced_at.elapsed() >= SILENCE,
        "sent before the silence ended"
    );
    assert_eq!(
        serve.json("/api/v1/silences")["silences"][0]["state"],
        "expired"
    );
    assert_eq!(
        notified("firing").values().copied().collect::<Vec<_>>(),
        [1, 1, 1, 1]
    );

    cluster.start_node(2).unwrap();
    wait_for("all four resolved", Duration::from_secs(120), || {
        changes(&serve)
            .values()
            .all(|c| c.last().is_some_and(|s| s == "inactive"))
    });
    wait_for("the resolutions sent", Duration::from_secs(20), || {
        notified("resolved").len() == 4
    });
    assert_eq!(
        notified("resolved").values().copied().collect::<Vec<_>>(),
        [1, 1, 1, 1]
    );
    assert_eq!(
        notified("firing").values().copied().collect::<Vec<_>>(),
        [1, 1, 1, 1]
    );
}
