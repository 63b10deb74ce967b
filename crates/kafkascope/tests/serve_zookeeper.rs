//! `serve` with a real 3-member ZooKeeper ensemble (testkit) beside the
//! shared Kafka test bed: the members and the verdict on the ensemble in
//! `/api/v1/clusters/{cluster}/zookeeper` and `/metrics`; one member
//! stopped makes `ZookeeperMemberDown` and `ZookeeperFollowersNotSynced`
//! fire (their `for` shortened to 2s), and starting it again resolves both.

mod common;

use std::time::Duration;

use common::rules::shortened_curated_rules;
use common::{Metrics, Serve};
use kafkascope_testkit::KafkaCluster;
use kafkascope_testkit::zookeeper::ZookeeperEnsemble;
use serde_json::Value;

const CLUSTER: &str = "zk-watched";
const RULES: [&str; 2] = ["ZookeeperMemberDown", "ZookeeperFollowersNotSynced"];

fn config(cluster: &KafkaCluster, ensemble: &ZookeeperEnsemble, rules: &str) -> String {
    let mut text = format!(
        "[[clusters]]\nname = \"{CLUSTER}\"\nbootstrap_servers = [\"{}\"]\ninterval_seconds = 1\n\n\
         [clusters.zookeeper]\ntimeout_seconds = 2\n",
        cluster.bootstrap().split(',').next().unwrap()
    );
    for member in 1..=3 {
        text.push_str(&format!(
            "[[clusters.zookeeper.members]]\nname = \"zk-{member}\"\naddress = \"{}\"\n",
            ensemble.member_address(member)
        ));
    }
    text.push_str(&format!("\n[alerts]\nrule_files = [\"{rules}\"]\n"));
    text
}

fn ensemble_verdict(serve: &Serve) -> Value {
    let polled = serve.json(&format!("/api/v1/clusters/{CLUSTER}/zookeeper"));
    polled["figures"]["zookeeper"]["ensemble"].clone()
}

/// The alerts of `RULES` by name and state.
fn alerts(serve: &Serve) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = serve.json("/api/v1/alerts")["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| RULES.contains(&a["labels"]["alertname"].as_str().unwrap_or("")))
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap().to_string(),
                a["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn member_metric(metrics: &Metrics, name: &str, member: &str) -> Option<f64> {
    metrics.get(name, &[("cluster", CLUSTER), ("member", member)])
}

#[test]
fn zookeeper_member_stopped_fires_member_down_and_not_synced_then_resolves() {
    let cluster = KafkaCluster::shared();
    let ensemble = ZookeeperEnsemble::start(3).unwrap_or_else(|e| panic!("ensemble: {e:#}"));
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("shortened.yml");
    std::fs::write(&rules, shortened_curated_rules(&RULES, "2s")).unwrap();
    let path = dir.path().join("kafkascope.toml");
    std::fs::write(&path, config(cluster, &ensemble, rules.to_str().unwrap())).unwrap();
    let serve = Serve::start(&["--config", path.to_str().unwrap()]);

    serve.wait_until("a healthy ensemble", Duration::from_secs(60), |s| {
        s.get(&format!("/api/v1/clusters/{CLUSTER}/zookeeper"))
            .is_some_and(|(status, _)| status == 200)
            && ensemble_verdict(s)["healthy"] == true
    });
    let verdict = ensemble_verdict(&serve);
    assert_eq!(verdict["members"], 3);
    assert_eq!(verdict["members_up"], 3);
    assert_eq!(verdict["leaders"].as_array().unwrap().len(), 1);
    assert_eq!(verdict["synced_followers"], 2);
    assert_eq!(verdict["expected_synced_followers"], 2);
    let metrics = serve.metrics();
    for member in ["zk-1", "zk-2", "zk-3"] {
        assert_eq!(member_metric(&metrics, "zk_up", member), Some(1.0));
        assert_eq!(
            member_metric(&metrics, "kafkascope_zookeeper_ruok_ok", member),
            Some(1.0)
        );
    }
    let leaders: f64 = ["zk-1", "zk-2", "zk-3"]
        .iter()
        .filter_map(|m| {
            metrics.get(
                "zk_server_state",
                &[("cluster", CLUSTER), ("member", m), ("state", "leader")],
            )
        })
        .sum();
    assert_eq!(leaders, 1.0);
    let ensemble_metric = |m: &Metrics, name: &str| m.get(name, &[("cluster", CLUSTER)]);
    assert_eq!(
        ensemble_metric(&metrics, "kafkascope_zookeeper_ensemble_healthy"),
        Some(1.0)
    );
    assert_eq!(
        ensemble_metric(&metrics, "kafkascope_zookeeper_ensemble_synced_followers"),
        Some(2.0)
    );
    assert_eq!(alerts(&serve), Vec::<(String, String)>::new());

    ensemble.stop_member(3).unwrap();
    serve.wait_until("both alerts firing", Duration::from_secs(90), |s| {
        alerts(s)
            == vec![
                (
                    "ZookeeperFollowersNotSynced".to_string(),
                    "firing".to_string(),
                ),
                ("ZookeeperMemberDown".to_string(), "firing".to_string()),
            ]
    });
    let metrics = serve.metrics();
    assert_eq!(member_metric(&metrics, "zk_up", "zk-3"), Some(0.0));
    assert_eq!(
        ensemble_metric(&metrics, "kafkascope_zookeeper_ensemble_members_up"),
        Some(2.0)
    );
    assert_eq!(
        metrics.get(
            "kafkascope_zookeeper_ensemble_problem",
            &[("cluster", CLUSTER), ("problem", "members_down")]
        ),
        Some(1.0)
    );
    assert_eq!(ensemble_verdict(&serve)["synced_followers"], 1);

    ensemble.start_member(3).unwrap();
    serve.wait_until("both alerts resolved", Duration::from_secs(90), |s| {
        alerts(s).is_empty() && ensemble_verdict(s)["healthy"] == true
    });
    serve.stop();
}
