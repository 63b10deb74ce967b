//! A real Prometheus scrapes `kafkascope serve` (watching real tansu) and
//! answers queries with the same numbers.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Serve, free_port, http_get};
use kafkascope_testkit::Tansu;

struct Prometheus {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prometheus(target: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kafkascope\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus is not installed: run scripts/install-test-deps.sh");
    Prometheus {
        child,
        addr,
        _dir: dir,
    }
}

/// Polls an instant query until it returns one sample; returns its value.
fn query(prometheus: &Prometheus, promql: &str) -> f64 {
    let path = format!("/api/v1/query?query={}", encode(promql));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((200, body)) = http_get(&prometheus.addr, &path, None) {
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
            if let Some(sample) = answer["data"]["result"].as_array().and_then(|r| r.first()) {
                return sample["value"][1].as_str().unwrap().parse().unwrap();
            }
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never answered {promql}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn prometheus_scrapes_kafkascope_watching_tansu() {
    let tansu = Tansu::start().expect("starting tansu");
    tansu
        .client("create-topic", &["--topic", "orders", "--partitions", "2"])
        .unwrap();
    tansu
        .client(
            "produce",
            &["--topic", "orders", "--partition", "1", "--count", "6"],
        )
        .unwrap();
    tansu
        .client(
            "consume-commit",
            &["--group", "billing", "--topic", "orders", "--count", "6"],
        )
        .unwrap();
    tansu
        .client(
            "produce",
            &["--topic", "orders", "--partition", "1", "--count", "2"],
        )
        .unwrap();
    let serve = Serve::start(&["--bootstrap-server", &tansu.bootstrap(), "--interval", "1"]);
    let prometheus = start_prometheus(&serve.addr);

    assert_eq!(query(&prometheus, r#"up{job="kafkascope"}"#), 1.0);
    assert_eq!(
        query(
            &prometheus,
            r#"kafka_topic_partition_current_offset{topic="orders",partition="1"}"#
        ),
        8.0
    );
    assert_eq!(
        query(
            &prometheus,
            r#"sum(kafka_consumergroup_lag{consumergroup="billing"})"#
        ),
        2.0
    );
    assert_eq!(
        query(&prometheus, r#"kafka_brokers{cluster="default"}"#),
        1.0
    );
}
