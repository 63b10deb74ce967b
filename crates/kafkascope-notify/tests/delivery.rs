//! Delivery under trouble: retries with backoff, a receiver that never
//! answers, a refusal, a full queue, and a restart with the saved
//! delivery state.

mod support;

use std::time::{Duration, Instant};

use kafkascope_notify::{AlertSnapshot, DeliveryState, Notifier};
use support::{
    Recorder, Reply, firing, labels, now_ms, plan, resolved, wait_for_stats, wait_until,
};

const WITHIN: Duration = Duration::from_secs(10);

fn one_alert(at: i64) -> AlertSnapshot {
    AlertSnapshot {
        alerts: vec![firing(
            labels(&[
                ("alertname", "BrokerDown"),
                ("cluster", "prod"),
                ("broker", "1"),
            ]),
            "broker 1 is down",
            at,
        )],
        evaluation_interval_ms: 15_000,
    }
}

#[tokio::test]
async fn a_receiver_answering_500_twice_gets_the_notification_on_the_third_try() {
    let hook = Recorder::start().await;
    hook.script(&[Reply::Status(500), Reply::Status(500)]);
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            [route]
            receiver = "ops"
            group_wait = "0s"
            [retry]
            attempts = 4
            initial_backoff = "100ms"
            max_backoff = "1s"
            [receivers.ops]
            type = "webhook"
            url = "{}"
            "#,
            hook.url("/hook")
        )),
        DeliveryState::default(),
    );
    assert!(notifier.offer(one_alert(now_ms())));
    let tries = hook.wait_for("/hook", 3, WITHIN).await;
    assert_eq!(tries[0].body, tries[1].body);
    assert_eq!(tries[1].body, tries[2].body);
    // The backoff doubles: 100 ms, then 200 ms.
    assert!(tries[1].at - tries[0].at >= Duration::from_millis(100));
    assert!(tries[2].at - tries[1].at >= Duration::from_millis(200));
    let stats = wait_for_stats(&notifier, WITHIN, |s| s.receivers["ops"].sent == 1).await;
    let ops = &stats.receivers["ops"];
    assert_eq!((ops.sent, ops.failed, ops.retries), (1, 0, 2));
    assert_eq!(
        ops.last_error.as_deref(),
        Some("answered HTTP 500: empty answer")
    );
    // No fourth try.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.received().len(), 3);
    notifier.stop().await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_hold_up_the_others() {
    let stuck = Recorder::start().await;
    stuck.always(Reply::Hang);
    let ok = Recorder::start().await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            [route]
            receiver = "ok"
            group_wait = "0s"
            # No second notification once the stuck one gives up.
            group_interval = "1h"
            [retry]
            attempts = 2
            initial_backoff = "100ms"
            [[route.routes]]
            matchers = ['cluster="prod"']
            receiver = "stuck"
            continue = true
            [[route.routes]]
            matchers = ['cluster="prod"']
            receiver = "ok"
            [receivers.stuck]
            type = "webhook"
            url = "{}"
            timeout = "2s"
            [receivers.ok]
            type = "webhook"
            url = "{}"
            "#,
            stuck.url("/stuck"),
            ok.url("/ok")
        )),
        DeliveryState::default(),
    );
    let offered = Instant::now();
    assert!(notifier.offer(one_alert(now_ms())));
    assert!(offered.elapsed() < Duration::from_millis(50));
    let got = ok.wait_for("/ok", 1, Duration::from_secs(3)).await;
    assert_eq!(got[0].body["alerts"][0]["labels"]["broker"], "1");
    // Delivered while the stuck receiver's first try still waits.
    let stats = notifier.stats();
    assert_eq!(
        (
            stats.receivers["stuck"].sent,
            stats.receivers["stuck"].failed
        ),
        (0, 0),
        "the stuck receiver's delivery is still under way"
    );
    stuck.wait_for("/stuck", 1, WITHIN).await;
    // Two tries of 2 s each and a 100 ms wait, then it gives up.
    let stats = wait_for_stats(&notifier, WITHIN, |s| s.receivers["stuck"].failed == 1).await;
    let stuck_stats = &stats.receivers["stuck"];
    assert_eq!((stuck_stats.retries, stuck_stats.sent), (1, 0));
    assert_eq!(
        stuck_stats.last_error.as_deref(),
        Some("no answer within 2s")
    );
    assert_eq!(stuck.received().len(), 2);
    assert_eq!(stats.receivers["ok"].sent, 1);
    notifier.stop().await;
}

#[tokio::test]
async fn a_refusal_is_not_tried_again_and_counts_as_failed() {
    let hook = Recorder::start().await;
    hook.script(&[Reply::Status(400)]);
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            [route]
            receiver = "ops"
            group_wait = "0s"
            [retry]
            initial_backoff = "10ms"
            [receivers.ops]
            type = "webhook"
            url = "{}"
            "#,
            hook.url("/hook")
        )),
        DeliveryState::default(),
    );
    assert!(notifier.offer(one_alert(now_ms())));
    let stats = wait_for_stats(&notifier, WITHIN, |s| s.receivers["ops"].failed == 1).await;
    assert_eq!(
        (stats.receivers["ops"].retries, stats.receivers["ops"].sent),
        (0, 0)
    );
    assert_eq!(hook.received().len(), 1);
    notifier.stop().await;
}

#[tokio::test]
async fn snapshots_offered_to_a_full_queue_are_dropped_and_counted() {
    let hook = Recorder::start().await;
    let notifier = Notifier::start(
        plan(&format!(
            r#"
            queue_capacity = 2
            [route]
            receiver = "ops"
            [receivers.ops]
            type = "webhook"
            url = "{}"
            "#,
            hook.url("/hook")
        )),
        DeliveryState::default(),
    );
    // The test's runtime has one thread: the dispatcher cannot take any
    // snapshot before this loop yields.
    let taken: Vec<bool> = (0..5)
        .map(|_| notifier.offer(one_alert(now_ms())))
        .collect();
    assert_eq!(taken, [true, true, false, false, false]);
    assert_eq!(notifier.stats().snapshots_dropped, 3);
    notifier.stop().await;
}

const RESTART_PLAN: &str = r#"
    [route]
    receiver = "ops"
    group_wait = "100ms"
    group_interval = "200ms"
    repeat_interval = "1h"
    [receivers.ops]
    type = "webhook"
    url = "URL"
"#;

#[tokio::test]
async fn after_a_restart_a_notified_alert_is_not_sent_again_but_its_resolution_is() {
    let hook = Recorder::start().await;
    let config = RESTART_PLAN.replace("URL", &hook.url("/hook"));
    let fired = now_ms();
    let snapshot = one_alert(fired);

    let before = Notifier::start(plan(&config), DeliveryState::default());
    assert!(before.offer(snapshot.clone()));
    hook.wait_for("/hook", 1, WITHIN).await;
    wait_until(WITHIN, || before.delivery_state().groups.len() == 1)
        .await
        .expect("the delivery is recorded");
    let saved = serde_json::to_string(&before.delivery_state()).unwrap();
    before.stop().await;

    let after = Notifier::start(plan(&config), serde_json::from_str(&saved).unwrap());
    // Evaluations go on after the restart, for a second and more.
    for _ in 0..6 {
        assert!(after.offer(snapshot.clone()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(hook.received().len(), 1, "sent again after the restart");

    let mut gone = snapshot.clone();
    gone.alerts[0] = resolved(&snapshot.alerts[0], now_ms());
    assert!(after.offer(gone));
    let sent = hook.wait_for("/hook", 2, WITHIN).await;
    assert_eq!(sent[1].body["status"], "resolved");
    after.stop().await;

    // Without the saved state the same alert is news again.
    let fresh = Notifier::start(plan(&config), DeliveryState::default());
    assert!(fresh.offer(snapshot));
    hook.wait_for("/hook", 3, WITHIN).await;
    fresh.stop().await;
}
