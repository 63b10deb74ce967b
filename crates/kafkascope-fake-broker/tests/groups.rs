//! Coordinator placement and the group APIs: FindCoordinator, ListGroups, DescribeGroups,
//! OffsetFetch (single-group and batched).

mod common;

use bytes::Buf;
use common::{TestClient, cluster, s};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::Decodable;
use kafkascope_fake_broker::{FakeCluster, FakeClusterHandle};

async fn client(fake: &FakeClusterHandle, id: i32) -> TestClient {
    TestClient::connect(fake.broker_addr(id).unwrap())
        .await
        .unwrap()
}

fn gid(id: &str) -> GroupId {
    GroupId(s(id))
}

#[tokio::test]
async fn find_coordinator_single_and_batched() {
    let fake = cluster().start().unwrap();
    let mut c = client(&fake, 2).await;
    let v3 = c
        .call(&FindCoordinatorRequest::default().with_key(s("g3")), 3)
        .await
        .unwrap();
    let addr3 = fake.broker_addr(3).unwrap();
    assert_eq!(
        (v3.error_code, v3.node_id.0, v3.port),
        (0, 3, i32::from(addr3.port()))
    );
    assert_eq!(v3.host.as_str(), "127.0.0.1");

    let unknown = FakeCluster::coordinator_of(&fake.state(), "unknown-group").unwrap();
    let keys = vec![s("g1"), s("g3"), s("unknown-group")];
    let v4 = c
        .call(
            &FindCoordinatorRequest::default().with_coordinator_keys(keys),
            4,
        )
        .await
        .unwrap();
    let got: Vec<_> = v4
        .coordinators
        .iter()
        .map(|c| (c.key.to_string(), c.node_id.0))
        .collect();
    assert_eq!(
        got,
        vec![
            ("g1".into(), 1),
            ("g3".into(), 3),
            ("unknown-group".into(), unknown)
        ]
    );

    // A down coordinator is "not available", as with a leaderless __consumer_offsets.
    fake.set_broker_down(3, true).await.unwrap();
    let down = c
        .call(&FindCoordinatorRequest::default().with_key(s("g3")), 1)
        .await
        .unwrap();
    assert_eq!((down.error_code, down.node_id.0), (15, -1));
}

#[tokio::test]
async fn list_groups_only_lists_coordinated_groups() {
    let fake = cluster().start().unwrap();
    let listed = |resp: ListGroupsResponse| -> Vec<(String, String, String)> {
        resp.groups
            .iter()
            .map(|g| {
                (
                    g.group_id.0.to_string(),
                    g.protocol_type.to_string(),
                    g.group_state.to_string(),
                )
            })
            .collect()
    };
    let b1 = client(&fake, 1)
        .await
        .call(&ListGroupsRequest::default(), 4)
        .await
        .unwrap();
    assert_eq!(
        listed(b1),
        vec![
            ("g1".into(), "consumer".into(), "Stable".into()),
            ("g2".into(), "consumer".into(), "Empty".into())
        ]
    );
    let b2 = client(&fake, 2)
        .await
        .call(&ListGroupsRequest::default(), 0)
        .await
        .unwrap();
    assert!(b2.groups.is_empty());
    let filtered = ListGroupsRequest::default().with_states_filter(vec![s("empty")]);
    let b1 = client(&fake, 1).await.call(&filtered, 4).await.unwrap();
    assert_eq!(listed(b1).len(), 1);
}

#[tokio::test]
async fn describe_groups_decodes_assignment_and_rejects_non_coordinator() {
    let fake = cluster().start().unwrap();
    let req = DescribeGroupsRequest::default().with_groups(vec![gid("g1"), gid("g3")]);
    let resp = client(&fake, 1).await.call(&req, 5).await.unwrap();
    let g1 = &resp.groups[0];
    assert_eq!(g1.error_code, 0);
    assert_eq!(
        (g1.group_state.as_str(), g1.protocol_data.as_str()),
        ("Stable", "range")
    );
    let m = &g1.members[0];
    assert_eq!(
        (m.member_id.as_str(), m.client_id.as_str()),
        ("m1", "consumer-1")
    );
    assert_eq!(m.client_host.as_str(), "/10.0.0.1");
    let mut raw = m.member_assignment.clone();
    let version = raw.get_i16();
    let assignment = ConsumerProtocolAssignment::decode(&mut raw, version).unwrap();
    let tp = &assignment.assigned_partitions[0];
    assert_eq!(
        (version, tp.topic.0.as_str(), tp.partitions.clone()),
        (1, "orders", vec![0, 1])
    );
    assert_eq!(
        resp.groups[1].error_code, 16,
        "g3 is coordinated by broker 3"
    );

    // Unknown groups at their (hashed) coordinator: "Dead" before v6, GROUP_ID_NOT_FOUND after.
    let unknown = fake.state().coordinator_of("nobody").unwrap();
    let mut c = client(&fake, unknown).await;
    let req = DescribeGroupsRequest::default().with_groups(vec![gid("nobody")]);
    let v5 = c.call(&req, 5).await.unwrap();
    assert_eq!(
        (v5.groups[0].error_code, v5.groups[0].group_state.as_str()),
        (0, "Dead")
    );
    let v6 = c.call(&req, 6).await.unwrap();
    assert_eq!(v6.groups[0].error_code, 69);
}

fn batched(group: &str, topics: Option<Vec<(&str, Vec<i32>)>>) -> OffsetFetchRequestGroup {
    let topics = topics.map(|ts| {
        ts.into_iter()
            .map(|(t, p)| {
                OffsetFetchRequestTopics::default()
                    .with_name(TopicName(s(t)))
                    .with_partition_indexes(p)
            })
            .collect()
    });
    OffsetFetchRequestGroup::default()
        .with_group_id(gid(group))
        .with_topics(topics)
}

#[tokio::test]
async fn offset_fetch_v8_answers_two_groups_in_one_request() {
    let fake = cluster().start().unwrap();
    let groups = vec![
        batched("g1", Some(vec![("orders", vec![0, 1, 2])])),
        batched("g2", None),
        batched("g3", None),
    ];
    let resp = client(&fake, 1)
        .await
        .call(&OffsetFetchRequest::default().with_groups(groups), 8)
        .await
        .unwrap();
    let flat: Vec<_> = resp
        .groups
        .iter()
        .map(|g| {
            let offs: Vec<_> = g
                .topics
                .iter()
                .flat_map(|t| {
                    t.partitions
                        .iter()
                        .map(|p| (p.partition_index, p.committed_offset))
                })
                .collect();
            (g.group_id.0.to_string(), g.error_code, offs)
        })
        .collect();
    assert_eq!(flat[0], ("g1".into(), 0, vec![(0, 80), (1, 40), (2, -1)]));
    assert_eq!(flat[1], ("g2".into(), 0, vec![(2, 7)]));
    assert_eq!(flat[2], ("g3".into(), 16, vec![]));
    assert_eq!(fake.request_count(1, ApiKey::OffsetFetch), 1);
}

#[tokio::test]
async fn offset_fetch_single_group_versions() {
    let fake = cluster().start().unwrap();
    let mut b1 = client(&fake, 1).await;
    let all = OffsetFetchRequest::default()
        .with_group_id(gid("g1"))
        .with_topics(None);
    let resp = b1.call(&all, 7).await.unwrap();
    let offs: Vec<_> = resp.topics[0]
        .partitions
        .iter()
        .map(|p| p.committed_offset)
        .collect();
    assert_eq!((resp.error_code, offs), (0, vec![80, 40]));

    let g3 = OffsetFetchRequest::default()
        .with_group_id(gid("g3"))
        .with_topics(None);
    assert_eq!(b1.call(&g3, 7).await.unwrap().error_code, 16);
    // v1 has no top-level error: every requested partition carries NOT_COORDINATOR.
    let topic = OffsetFetchRequestTopic::default()
        .with_name(TopicName(s("orders")))
        .with_partition_indexes(vec![2]);
    let v1 = OffsetFetchRequest::default()
        .with_group_id(gid("g3"))
        .with_topics(Some(vec![topic]));
    let resp = b1.call(&v1, 1).await.unwrap();
    assert_eq!(resp.topics[0].partitions[0].error_code, 16);
    let resp = client(&fake, 3).await.call(&v1, 1).await.unwrap();
    let p = &resp.topics[0].partitions[0];
    assert_eq!((p.error_code, p.committed_offset), (0, 9));
}
