//! DescribeConfigs, DescribeCluster, DescribeLogDirs, broker down/up, live model changes
//! and the request log.

mod common;

use common::{TestClient, cluster, s};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::*;
use kafkascope_fake_broker::{ApiKey, FakeClusterHandle, RequestRecord};
use tokio::net::TcpStream;

async fn client(fake: &FakeClusterHandle, id: i32) -> TestClient {
    TestClient::connect(fake.broker_addr(id).unwrap())
        .await
        .unwrap()
}

fn resource(kind: i8, name: &str, keys: Option<Vec<&str>>) -> DescribeConfigsResource {
    DescribeConfigsResource::default()
        .with_resource_type(kind)
        .with_resource_name(s(name))
        .with_configuration_keys(keys.map(|ks| ks.into_iter().map(s).collect()))
}

#[tokio::test]
async fn describe_configs_for_topics_and_brokers() {
    let fake = cluster().start().unwrap();
    let req = DescribeConfigsRequest::default().with_resources(vec![
        resource(2, "orders", None),
        resource(2, "orders", Some(vec!["min.insync.replicas"])),
        resource(2, "missing", None),
        resource(4, "1", None),
    ]);
    let resp = client(&fake, 2).await.call(&req, 4).await.unwrap();
    let configs = |i: usize| -> Vec<(String, String)> {
        resp.results[i]
            .configs
            .iter()
            .map(|c| (c.name.to_string(), c.value.as_ref().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        configs(0),
        vec![
            ("cleanup.policy".into(), "delete".into()),
            ("min.insync.replicas".into(), "2".into()),
            ("retention.ms".into(), "604800000".into()),
        ]
    );
    assert_eq!(configs(1), vec![("min.insync.replicas".into(), "2".into())]);
    assert_eq!(resp.results[2].error_code, 3);
    assert_eq!(
        configs(3),
        vec![("log.retention.hours".into(), "168".into())]
    );
}

#[tokio::test]
async fn describe_cluster_and_log_dirs() {
    let fake = cluster().start().unwrap();
    let dc = client(&fake, 1)
        .await
        .call(&DescribeClusterRequest::default(), 1)
        .await
        .unwrap();
    assert_eq!(
        (dc.error_code, dc.cluster_id.as_str(), dc.controller_id.0),
        (0, "fake-cluster-1", 2)
    );
    let ids: Vec<i32> = dc.brokers.iter().map(|b| b.broker_id.0).collect();
    assert_eq!(ids, vec![1, 2, 3]);

    let resp = client(&fake, 3)
        .await
        .call(&DescribeLogDirsRequest::default().with_topics(None), 4)
        .await
        .unwrap();
    assert_eq!(resp.results.len(), 1);
    let sizes: Vec<_> = resp.results[0]
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| (t.name.0.to_string(), p.partition_index, p.partition_size))
        })
        .collect();
    // Broker 3 hosts all three `orders` replicas; its `offline` replica is offline.
    assert_eq!(
        sizes,
        vec![
            ("orders".into(), 0, 1000),
            ("orders".into(), 1, 500),
            ("orders".into(), 2, 30)
        ]
    );
}

#[tokio::test]
async fn broker_down_closes_connections_and_restarts_on_same_port() {
    let fake = cluster().start().unwrap();
    let addr = fake.broker_addr(2).unwrap();
    let mut open = client(&fake, 2).await;
    fake.set_broker_down(2, true).await.unwrap();
    assert!(open.is_closed().await);
    assert!(TcpStream::connect(addr).await.is_err());
    let meta = client(&fake, 1)
        .await
        .call(&MetadataRequest::default(), 12)
        .await
        .unwrap();
    let ids: Vec<i32> = meta.brokers.iter().map(|b| b.node_id.0).collect();
    assert_eq!(ids, vec![1, 3]);

    fake.set_broker_down(2, false).await.unwrap();
    assert_eq!(fake.broker_addr(2), Some(addr));
    let meta = client(&fake, 2)
        .await
        .call(&MetadataRequest::default(), 12)
        .await
        .unwrap();
    assert_eq!(meta.brokers.len(), 3);
}

#[tokio::test]
async fn model_changes_apply_to_the_next_request() {
    let fake = cluster().start().unwrap();
    let mut c = client(&fake, 1).await;
    let req = MetadataRequest::default().with_topics(None);
    let before = c.call(&req, 9).await.unwrap();
    assert_eq!(before.topics[1].partitions[0].isr_nodes.len(), 3);
    fake.update(|m| {
        let p = m.partition_mut("orders", 0).unwrap();
        p.isr = vec![1];
        p.leader_epoch = 4;
    });
    let after = c.call(&req, 9).await.unwrap();
    assert_eq!(after.topics[1].partitions[0].isr_nodes, vec![BrokerId(1)]);
    assert_eq!(after.topics[1].partitions[0].leader_epoch, 4);
}

#[tokio::test]
async fn request_log_counts_requests_per_broker_and_key() {
    let fake = cluster().start().unwrap();
    let mut b1 = client(&fake, 1).await;
    let mut b3 = client(&fake, 3).await;
    b1.call(&ApiVersionsRequest::default(), 0).await.unwrap();
    b1.call(&MetadataRequest::default(), 12).await.unwrap();
    b1.call(&MetadataRequest::default(), 1).await.unwrap();
    b3.call(&ListGroupsRequest::default(), 3).await.unwrap();
    let counts = fake.request_counts();
    assert_eq!(counts[&(1, ApiKey::Metadata)], 2);
    assert_eq!(counts[&(1, ApiKey::ApiVersions)], 1);
    assert_eq!(counts[&(3, ApiKey::ListGroups)], 1);
    assert_eq!(counts.len(), 3);
    assert_eq!(fake.total_requests(ApiKey::Metadata), 2);
    assert_eq!(
        fake.request_log()[2],
        RequestRecord {
            broker_id: 1,
            api_key: ApiKey::Metadata,
            api_version: 1
        }
    );
    fake.clear_request_log();
    assert!(fake.request_counts().is_empty());
}

#[test]
fn handles_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FakeClusterHandle>();
    assert_send_sync::<kafkascope_fake_broker::BadServer>();
}
