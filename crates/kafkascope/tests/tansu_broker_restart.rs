//! The broker dies mid-life: kafkascope keeps serving the last snapshot,
//! marked stale, then recovers by itself when the broker is back.

mod common;

use std::time::Duration;

use common::Serve;
use kafkascope_testkit::Tansu;

#[test]
fn tansu_killed_and_restarted_serves_stale_then_recovers() {
    let mut tansu = Tansu::start().expect("starting tansu");
    tansu
        .client("create-topic", &["--topic", "orders", "--partitions", "2"])
        .unwrap();
    tansu
        .client(
            "produce",
            &["--topic", "orders", "--partition", "1", "--count", "3"],
        )
        .unwrap();
    let serve = Serve::start(&["--bootstrap-server", &tansu.bootstrap(), "--interval", "1"]);
    let c = ("cluster", "default");
    let end_of = |s: &Serve, p: &str| {
        s.metrics().get(
            "kafka_topic_partition_current_offset",
            &[c, ("topic", "orders"), ("partition", p)],
        )
    };
    assert_eq!(end_of(&serve, "1"), Some(3.0));

    tansu.stop();
    serve.wait_until("a stale snapshot", Duration::from_secs(30), |s| {
        s.metrics().get("kafkascope_snapshot_stale", &[c]) == Some(1.0)
    });
    let m = serve.metrics();
    // The last good figures are still served, with the broker marked down.
    assert_eq!(end_of(&serve, "1"), Some(3.0));
    assert_eq!(
        m.get("kafkascope_broker_up", &[c, ("broker", "111")]),
        Some(0.0)
    );
    assert!(
        m.get("kafkascope_collection_errors", &[c, ("kind", "connection")])
            .unwrap()
            >= 1.0
    );
    let (status, _) = serve.get("/healthz").unwrap();
    assert_eq!(status, 200);

    // In-memory storage: the restarted broker starts empty.
    tansu.restart().expect("restarting tansu");
    tansu
        .client("create-topic", &["--topic", "orders", "--partitions", "2"])
        .unwrap();
    tansu
        .client(
            "produce",
            &["--topic", "orders", "--partition", "0", "--count", "4"],
        )
        .unwrap();
    serve.wait_until("recovery", Duration::from_secs(30), |s| {
        end_of(s, "0") == Some(4.0)
    });
    let m = serve.metrics();
    assert_eq!(m.get("kafkascope_snapshot_stale", &[c]), Some(0.0));
    assert_eq!(
        m.get("kafkascope_broker_up", &[c, ("broker", "111")]),
        Some(1.0)
    );
    assert_eq!(end_of(&serve, "1"), Some(0.0));
}
