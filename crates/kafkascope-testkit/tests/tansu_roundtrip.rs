//! The harness itself against the real broker: tansu plus librdkafka clients.

use std::time::Duration;

use anyhow::Result;
use kafkascope_testkit::{Tansu, spawn_kafka_client, wait_for_ready};

/// Parses the single JSON line `kafka_client.py` prints.
fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).expect("kafka_client.py prints one JSON object")
}

#[test]
fn tansu_create_produce_consume_commit_roundtrip() -> Result<()> {
    let tansu = Tansu::start()?;
    let created = json(&tansu.client(
        "create-topic",
        &["--topic", "roundtrip", "--partitions", "3"],
    )?);
    assert_eq!(created["created"], true);

    let mut last_offsets = Vec::new();
    for (partition, count) in [("0", "5"), ("1", "3"), ("2", "0")] {
        let produced = json(&tansu.client(
            "produce",
            &[
                "--topic",
                "roundtrip",
                "--partition",
                partition,
                "--count",
                count,
            ],
        )?);
        last_offsets.push(produced["last_offset"].clone());
    }
    assert_eq!(last_offsets, [4.into(), 2.into(), serde_json::Value::Null]);

    let consumed = json(&tansu.client(
        "consume-commit",
        &[
            "--group",
            "roundtrip-group",
            "--topic",
            "roundtrip",
            "--count",
            "4",
        ],
    )?);
    let committed = consumed["committed"]
        .as_object()
        .expect("committed offsets");
    let total: i64 = committed.values().map(|o| o.as_i64().unwrap()).sum();
    assert_eq!(total, 4, "committed offsets {committed:?}");
    Ok(())
}

#[test]
fn tansu_hold_member_reports_ready_and_restart_keeps_port() -> Result<()> {
    let mut tansu = Tansu::start()?;
    tansu.client("create-topic", &["--topic", "held", "--partitions", "1"])?;
    let bootstrap = tansu.bootstrap();
    let mut member = spawn_kafka_client(&[
        "hold-member",
        "--bootstrap",
        &bootstrap,
        "--group",
        "held-group",
        "--topic",
        "held",
        "--seconds",
        "30",
    ])?;
    let ready = wait_for_ready(&mut member, Duration::from_secs(30));
    member.kill()?;
    member.wait()?;
    ready?;

    let port = tansu.port();
    tansu.restart()?;
    assert_eq!(tansu.port(), port);
    let created = json(&tansu.client("create-topic", &["--topic", "held", "--partitions", "1"])?);
    assert_eq!(
        created["created"], true,
        "memory storage starts empty again"
    );
    Ok(())
}
