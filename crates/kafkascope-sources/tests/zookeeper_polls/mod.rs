//! Polling a ZooKeeper source until a real ensemble settles, shared by the
//! tests on real ensembles.

use std::time::{Duration, Instant};

use kafkascope_sources::Source;
use kafkascope_sources::source::{PollContext, Polled, SourceFigures};
use kafkascope_sources::zookeeper::ZookeeperSource;
use kafkascope_sources::zookeeper_figures::ZookeeperFigures;

/// Electing a leader, or a member joining, takes a few seconds on a busy
/// machine; the polls wait for it, never the assertions.
const SETTLE: Duration = Duration::from_secs(90);

pub fn figures(polled: &Polled) -> &ZookeeperFigures {
    match &polled.figures {
        SourceFigures::Zookeeper(figures) => figures,
        _ => panic!("no ZooKeeper figures"),
    }
}

/// Polls until `settled` holds of the figures, and returns that poll.
pub async fn poll_until(
    source: &mut ZookeeperSource,
    what: &str,
    settled: impl Fn(&ZookeeperFigures) -> bool,
) -> Polled {
    let deadline = Instant::now() + SETTLE;
    loop {
        let polled = source.poll(&PollContext::default()).await;
        if settled(figures(&polled)) {
            return polled;
        }
        assert!(
            Instant::now() < deadline,
            "not {what} within {SETTLE:?}: {:#?}\n{:#?}",
            polled.targets,
            figures(&polled).ensemble
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
