//! ApiVersions, Metadata, ListOffsets and Fetch against the fake, with exact values.

mod common;

use std::collections::BTreeMap;

use bytes::BytesMut;
use common::{TestClient, cluster, s};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable};
use kafkascope_fake_broker::FakeCluster;

fn table(resp: &ApiVersionsResponse) -> BTreeMap<i16, (i16, i16)> {
    resp.api_keys
        .iter()
        .map(|k| (k.api_key, (k.min_version, k.max_version)))
        .collect()
}

fn api_versions_v3() -> ApiVersionsRequest {
    ApiVersionsRequest::default()
        .with_client_software_name(s("fake-test"))
        .with_client_software_version(s("1.0"))
}

#[tokio::test]
async fn api_versions_v3_lists_supported_ranges() {
    let fake = cluster().start().unwrap();
    let mut c = TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap();
    let resp = c.call(&api_versions_v3(), 3).await.unwrap();
    assert_eq!(resp.error_code, 0);
    let t = table(&resp);
    assert_eq!(t.len(), 13);
    assert_eq!(t[&(ApiKey::ApiVersions as i16)], (0, 4));
    assert_eq!(t[&(ApiKey::Metadata as i16)], (0, 13));
    assert_eq!(t[&(ApiKey::ListOffsets as i16)], (1, 10));
    assert_eq!(t[&(ApiKey::OffsetFetch as i16)], (1, 9));
    assert_eq!(t[&(ApiKey::FindCoordinator as i16)], (0, 6));
    assert_eq!(t[&(ApiKey::Fetch as i16)], (4, 18));
    assert_eq!(t[&(ApiKey::SaslHandshake as i16)], (0, 1));
    assert_eq!(t[&(ApiKey::SaslAuthenticate as i16)], (0, 2));
    assert!(!t.contains_key(&(ApiKey::Produce as i16)));
}

#[tokio::test]
async fn api_versions_too_new_answers_v0_table_and_v0_retry_works() {
    let fake = cluster().start().unwrap();
    let mut c = TestClient::connect(fake.broker_addr(2).unwrap())
        .await
        .unwrap();
    // v5 is unknown to kafka-protocol: send a v4 body under a v5 header.
    let mut body = BytesMut::new();
    api_versions_v3().encode(&mut body, 4).unwrap();
    let mut raw = c.roundtrip(ApiKey::ApiVersions, 5, &body).await.unwrap();
    let resp = ApiVersionsResponse::decode(&mut raw, 0).unwrap();
    assert_eq!(resp.error_code, 35);
    assert_eq!(table(&resp)[&(ApiKey::ApiVersions as i16)], (0, 4));
    // Same connection, the retry at v0 succeeds.
    let retry = c.call(&ApiVersionsRequest::default(), 0).await.unwrap();
    assert_eq!(retry.error_code, 0);
    assert_eq!(table(&retry).len(), 13);
    // A capped ApiVersions makes v3 "too new" as well.
    fake.state().max_version(2, ApiKey::ApiVersions, 2);
    let mut raw = c.roundtrip(ApiKey::ApiVersions, 3, &body).await.unwrap();
    let capped = ApiVersionsResponse::decode(&mut raw, 0).unwrap();
    assert_eq!(capped.error_code, 35);
    assert_eq!(table(&capped)[&(ApiKey::ApiVersions as i16)], (0, 2));
}

#[tokio::test]
async fn unsupported_apis_and_max_versions_are_per_broker() {
    let fake = cluster().start().unwrap();
    fake.update(|m| {
        m.unsupported_apis(2, vec![ApiKey::DescribeCluster]);
        m.max_version(2, ApiKey::OffsetFetch, 7);
    });
    let mut b2 = TestClient::connect(fake.broker_addr(2).unwrap())
        .await
        .unwrap();
    let t = table(&b2.call(&api_versions_v3(), 3).await.unwrap());
    assert!(!t.contains_key(&(ApiKey::DescribeCluster as i16)));
    assert_eq!(t[&(ApiKey::OffsetFetch as i16)], (1, 7));
    let dc = b2
        .call(&DescribeClusterRequest::default(), 0)
        .await
        .unwrap();
    assert_eq!(dc.error_code, 35);
    let mut b1 = TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap();
    let t1 = table(&b1.call(&api_versions_v3(), 3).await.unwrap());
    assert_eq!(t1[&(ApiKey::DescribeCluster as i16)], (0, 2));
    assert_eq!(t1[&(ApiKey::OffsetFetch as i16)], (1, 9));
}

fn topic_req(name: &str) -> MetadataRequestTopic {
    MetadataRequestTopic::default().with_name(Some(TopicName(s(name))))
}

#[tokio::test]
async fn metadata_reports_three_brokers_shrunk_isr_and_offline_partition() {
    let fake = cluster().start().unwrap();
    let mut c = TestClient::connect(fake.broker_addr(3).unwrap())
        .await
        .unwrap();
    let resp = c
        .call(&MetadataRequest::default().with_topics(None), 12)
        .await
        .unwrap();
    assert_eq!(
        resp.cluster_id.as_ref().map(|c| c.as_str()),
        Some("fake-cluster-1")
    );
    assert_eq!(resp.controller_id, BrokerId(2));
    let brokers: Vec<_> = resp
        .brokers
        .iter()
        .map(|b| {
            (
                b.node_id.0,
                format!("{}:{}", b.host.as_str(), b.port),
                b.rack.clone(),
            )
        })
        .collect();
    assert_eq!(brokers.len(), 3);
    assert_eq!(brokers[1].1, fake.broker_addr(2).unwrap().to_string());
    assert_eq!(brokers[2].2.as_ref().map(|r| r.as_str()), Some("rack-c"));
    assert_eq!(fake.bootstrap().split(',').count(), 3);

    let orders = &resp.topics[1];
    assert_eq!(orders.name.as_ref().unwrap().0.as_str(), "orders");
    assert_eq!(orders.topic_id, FakeCluster::topic_id("orders"));
    let p0 = &orders.partitions[0];
    assert_eq!((p0.error_code, p0.leader_id.0, p0.leader_epoch), (0, 1, 3));
    let p1 = &orders.partitions[1];
    assert_eq!(
        p1.replica_nodes,
        vec![BrokerId(2), BrokerId(3), BrokerId(1)]
    );
    assert_eq!(p1.isr_nodes, vec![BrokerId(2)]);
    let p2 = &orders.partitions[2];
    assert_eq!((p2.leader_id.0, p2.replica_nodes[0].0), (1, 3));

    let offline = &resp.topics[0].partitions[0];
    assert_eq!((offline.error_code, offline.leader_id.0), (5, -1));
    assert_eq!(offline.offline_replicas, vec![BrokerId(3)]);
    assert!(offline.isr_nodes.is_empty());
}

#[tokio::test]
async fn metadata_topic_filter() {
    let fake = cluster().start().unwrap();
    let mut c = TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap();
    let req =
        MetadataRequest::default().with_topics(Some(vec![topic_req("orders"), topic_req("nope")]));
    let resp = c.call(&req, 9).await.unwrap();
    assert_eq!(resp.topics.len(), 2);
    assert_eq!(
        (resp.topics[0].error_code, resp.topics[0].partitions.len()),
        (0, 3)
    );
    assert_eq!(
        (resp.topics[1].error_code, resp.topics[1].partitions.len()),
        (3, 0)
    );
    // v1+: empty list = no topics; v0: empty list = all topics.
    let none = c
        .call(&MetadataRequest::default().with_topics(Some(vec![])), 1)
        .await
        .unwrap();
    assert!(none.topics.is_empty());
    let all = c
        .call(&MetadataRequest::default().with_topics(Some(vec![])), 0)
        .await
        .unwrap();
    assert_eq!(all.topics.len(), 2);
}

fn list_offsets(parts: &[(i32, i64)], epoch: i32) -> ListOffsetsRequest {
    let partitions = parts
        .iter()
        .map(|&(p, ts)| {
            ListOffsetsPartition::default()
                .with_partition_index(p)
                .with_timestamp(ts)
                .with_current_leader_epoch(epoch)
        })
        .collect();
    let topic = ListOffsetsTopic::default()
        .with_name(TopicName(s("orders")))
        .with_partitions(partitions);
    ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![topic])
}

fn offsets(resp: &ListOffsetsResponse) -> Vec<(i32, i16, i64)> {
    resp.topics[0]
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.error_code, p.offset))
        .collect()
}

#[tokio::test]
async fn list_offsets_only_the_leader_answers() {
    let fake = cluster().start().unwrap();
    let mut b1 = TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap();
    let req = list_offsets(&[(0, -1), (1, -1), (2, -2)], -1);
    let resp = b1.call(&req, 7).await.unwrap();
    assert_eq!(offsets(&resp), vec![(0, 0, 100), (1, 6, -1), (2, 0, 0)]);
    assert_eq!(resp.topics[0].partitions[0].leader_epoch, 3);

    let read_committed = list_offsets(&[(0, -1), (0, -2)], -1).with_isolation_level(1);
    let committed = b1.call(&read_committed, 7).await.unwrap();
    assert_eq!(offsets(&committed), vec![(0, 0, 90), (0, 0, 5)]);
    let fenced = b1.call(&list_offsets(&[(0, -1)], 2), 7).await.unwrap();
    assert_eq!(offsets(&fenced), vec![(0, 74, -1)]);

    let mut b2 = TestClient::connect(fake.broker_addr(2).unwrap())
        .await
        .unwrap();
    let resp = b2
        .call(&list_offsets(&[(0, -1), (1, -1), (9, -1)], -1), 1)
        .await
        .unwrap();
    assert_eq!(offsets(&resp), vec![(0, 6, -1), (1, 0, 50), (9, 3, -1)]);
}

#[tokio::test]
async fn fetch_reports_watermarks_by_name_and_by_topic_id() {
    let fake = cluster().start().unwrap();
    let mut b1 = TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap();
    let part = |p| {
        FetchPartition::default()
            .with_partition(p)
            .with_fetch_offset(5)
    };
    let by_name = FetchTopic::default()
        .with_topic(TopicName(s("orders")))
        .with_partitions(vec![part(0), part(1)]);
    let resp = b1
        .call(&FetchRequest::default().with_topics(vec![by_name]), 12)
        .await
        .unwrap();
    let p = &resp.responses[0].partitions;
    assert_eq!(
        (
            p[0].error_code,
            p[0].high_watermark,
            p[0].last_stable_offset
        ),
        (0, 100, 90)
    );
    assert_eq!(p[0].log_start_offset, 5);
    assert_eq!((p[1].error_code, p[1].current_leader.leader_id.0), (6, 2));

    let by_id = FetchTopic::default()
        .with_topic_id(FakeCluster::topic_id("orders"))
        .with_partitions(vec![part(2)]);
    let resp = b1
        .call(&FetchRequest::default().with_topics(vec![by_id]), 13)
        .await
        .unwrap();
    let p = &resp.responses[0].partitions[0];
    assert_eq!(
        (
            p.error_code,
            p.high_watermark,
            p.records.as_ref().map(|r| r.len())
        ),
        (0, 10, Some(0))
    );
}
