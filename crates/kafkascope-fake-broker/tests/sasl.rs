//! SASL PLAIN and SCRAM against the rsasl-backed server side, plus Kafka's gating rules.

mod common;

use common::{TestClient, cluster, s};
use kafka_protocol::messages::*;
use kafkascope_fake_broker::{FakeClusterHandle, SaslSpec};

fn sasl_cluster() -> FakeClusterHandle {
    let sasl = SaslSpec::new(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
        .user("alice", "alice-secret")
        .user("bob", "bob-secret")
        .user("svc=ops,1", "ops-secret");
    cluster().sasl(sasl).start().unwrap()
}

async fn client(fake: &FakeClusterHandle) -> TestClient {
    TestClient::connect(fake.broker_addr(1).unwrap())
        .await
        .unwrap()
}

async fn metadata_works(c: &mut TestClient) -> bool {
    let resp = c.call(&MetadataRequest::default(), 12).await;
    resp.is_ok_and(|m| m.brokers.len() == 3)
}

#[tokio::test]
async fn plain_success_unlocks_other_apis() {
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    // ApiVersions is allowed before authentication.
    assert_eq!(
        c.call(&ApiVersionsRequest::default(), 0)
            .await
            .unwrap()
            .error_code,
        0
    );
    let resp = c
        .sasl_login("PLAIN", "alice", "alice-secret")
        .await
        .unwrap();
    assert_eq!((resp.error_code, resp.error_message), (0, None));
    assert!(metadata_works(&mut c).await);
}

#[tokio::test]
async fn plain_bad_password_fails_and_closes() {
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    let resp = c.sasl_login("PLAIN", "alice", "wrong").await.unwrap();
    assert_eq!(resp.error_code, 58);
    assert_eq!(
        resp.error_message.as_ref().map(|m| m.as_str()),
        Some("Authentication failed: Invalid username or password")
    );
    assert!(c.is_closed().await);
}

#[tokio::test]
async fn scram_sha_256_and_512_succeed() {
    let fake = sasl_cluster();
    for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let mut c = client(&fake).await;
        let resp = c.sasl_login(mechanism, "bob", "bob-secret").await.unwrap();
        assert_eq!(resp.error_code, 0, "{mechanism}");
        assert!(
            !resp.auth_bytes.is_empty(),
            "server-final message carries v="
        );
        assert!(metadata_works(&mut c).await, "{mechanism}");
    }
}

#[tokio::test]
async fn scram_username_with_delimiters_is_unescaped() {
    // On the wire the SCRAM saslname is "svc=3Dops=2C1"; the user is looked up unescaped.
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    let resp = c
        .sasl_login("SCRAM-SHA-256", "svc=ops,1", "ops-secret")
        .await
        .unwrap();
    assert_eq!(resp.error_code, 0);
}

#[tokio::test]
async fn scram_bad_password_and_unknown_user_fail() {
    let fake = sasl_cluster();
    for (user, password) in [("bob", "nope"), ("mallory", "bob-secret")] {
        let mut c = client(&fake).await;
        let resp = c.sasl_login("SCRAM-SHA-256", user, password).await.unwrap();
        assert_eq!(resp.error_code, 58, "{user}");
        let msg = resp.error_message.unwrap();
        assert!(
            msg.as_str()
                .contains("invalid credentials with SASL mechanism SCRAM-SHA-256")
        );
        assert!(c.is_closed().await);
    }
}

#[tokio::test]
async fn unauthenticated_requests_close_the_connection() {
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    assert!(c.call(&MetadataRequest::default(), 12).await.is_err());
    assert!(c.is_closed().await);
}

#[tokio::test]
async fn handshake_lists_mechanisms_and_rejects_unknown_ones() {
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    let req = SaslHandshakeRequest::default().with_mechanism(s("GSSAPI"));
    let resp = c.call(&req, 1).await.unwrap();
    assert_eq!(resp.error_code, 33);
    let listed: Vec<&str> = resp.mechanisms.iter().map(|m| m.as_str()).collect();
    assert_eq!(listed, vec!["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
    assert!(c.is_closed().await);
}

#[tokio::test]
async fn handshake_v0_then_raw_plain_token() {
    let fake = sasl_cluster();
    let mut c = client(&fake).await;
    let req = SaslHandshakeRequest::default().with_mechanism(s("PLAIN"));
    assert_eq!(c.call(&req, 0).await.unwrap().error_code, 0);
    c.write_frame(b"\0alice\0alice-secret").await.unwrap();
    assert!(c.read_frame().await.unwrap().is_empty());
    assert!(metadata_works(&mut c).await);
}

#[tokio::test]
async fn sasl_apis_without_sasl_are_illegal_state() {
    let fake = cluster().start().unwrap();
    let mut c = client(&fake).await;
    let hs = SaslHandshakeRequest::default().with_mechanism(s("PLAIN"));
    assert_eq!(c.call(&hs, 1).await.unwrap().error_code, 34);
    let auth = SaslAuthenticateRequest::default();
    assert_eq!(c.call(&auth, 2).await.unwrap().error_code, 34);
    assert!(metadata_works(&mut c).await);
}
