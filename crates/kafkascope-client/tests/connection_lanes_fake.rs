//! Connection lanes against the protocol-level fake broker: each lane of a
//! broker is its own connection (counted by the ApiVersions handshakes the
//! broker sees), lanes wrap around at `connections_per_broker`, and one
//! lane still means one connection for everything.

use kafka_protocol::messages::ApiKey;
use kafkascope_client::{BrokerPool, ClientConfig};
use kafkascope_fake_broker::FakeCluster;

async fn handshakes_after_lanes(connections_per_broker: usize, lanes: &[usize]) -> usize {
    let cluster = FakeCluster::new("lanes").with_brokers([1]).start().unwrap();
    let pool = BrokerPool::new(
        vec![cluster.bootstrap()],
        ClientConfig {
            connections_per_broker,
            ..ClientConfig::default()
        },
    );
    pool.set_brokers([(1, cluster.broker_addr(1).unwrap().to_string())]);
    for &lane in lanes {
        let connection = pool.connection_on_lane(1, lane).await.unwrap();
        assert!(connection.is_usable());
    }
    let handshakes = cluster.request_count(1, ApiKey::ApiVersions);
    // The client's own count agrees with what the broker saw.
    assert_eq!(
        pool.request_counts().get("ApiVersions").copied(),
        Some(handshakes as u64)
    );
    handshakes
}

#[tokio::test]
async fn each_lane_is_its_own_connection_and_lanes_wrap_around() {
    // Lanes 0, 1, 2 connect; 3 and 4 are lanes 0 and 1 again.
    assert_eq!(handshakes_after_lanes(3, &[0, 1, 2, 3, 4, 0]).await, 3);
}

#[tokio::test]
async fn one_lane_shares_one_connection() {
    assert_eq!(handshakes_after_lanes(1, &[0, 1, 2, 5]).await, 1);
}
