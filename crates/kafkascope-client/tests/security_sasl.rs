//! SASL against the protocol-level fake broker, whose server side of PLAIN
//! and SCRAM is rsasl: an implementation independent of our client, so a
//! mistake in our SCRAM cannot be mirrored by the server that checks it.

use std::time::Duration;

use kafka_protocol::messages::MetadataRequest;
use kafkascope_client::client_properties::parse_client_properties;
use kafkascope_client::{ClientConfig, ClientError, Connection, SaslMechanism, SaslSettings};
use kafkascope_fake_broker::{ApiKey, FakeCluster, FakeClusterHandle, SaslSpec, TopicSpec};

const TIMEOUT: Duration = Duration::from_secs(30);
/// rsasl's PLAIN server applies SASLprep (Kafka's does not), so this stays
/// within what SASLprep maps to itself.
const BOB_PASSWORD: &str = "p\u{e4}ss w=rd,";
const ALL_MECHANISMS: [&str; 3] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

fn cluster(mechanisms: &[&str]) -> FakeClusterHandle {
    FakeCluster::new("sasl-test")
        .with_brokers([1])
        .topic(TopicSpec::spread("orders", 2, &[1], 1))
        .sasl(
            SaslSpec::new(mechanisms.iter().copied())
                .user("alice", "alice-secret")
                .user("bob", BOB_PASSWORD)
                .user("svc=ops,1", "ops-secret"),
        )
        .start()
        .expect("starting the fake cluster")
}

fn config(mechanism: SaslMechanism, username: &str, password: &str) -> ClientConfig {
    ClientConfig {
        sasl: Some(SaslSettings {
            mechanism,
            username: username.to_string(),
            password: password.to_string(),
        }),
        request_timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

async fn connect(
    handle: &FakeClusterHandle,
    config: &ClientConfig,
) -> Result<Connection, ClientError> {
    let addr = handle.broker_addr(1).expect("broker 1").to_string();
    tokio::time::timeout(TIMEOUT, Connection::connect(&addr, config))
        .await
        .expect("connect finished in time")
}

/// The broker serves real requests on the authenticated connection.
async fn assert_authenticated(connection: &Connection) {
    let metadata = tokio::time::timeout(
        TIMEOUT,
        connection.send(&MetadataRequest::default().with_topics(None)),
    )
    .await
    .expect("metadata in time")
    .expect("metadata after authentication");
    let topics: Vec<String> = metadata
        .topics
        .iter()
        .filter_map(|t| t.name.as_ref().map(|n| n.to_string()))
        .collect();
    assert_eq!(topics, vec!["orders".to_string()]);
}

fn sasl_failure(error: ClientError) -> (String, String) {
    match error {
        ClientError::Sasl {
            mechanism, reason, ..
        } => (mechanism, reason),
        other => panic!("expected a SASL error, got {other:?}"),
    }
}

async fn authenticates(mechanism: SaslMechanism, expected_authenticate_requests: usize) {
    let handle = cluster(&ALL_MECHANISMS);
    let connection = connect(&handle, &config(mechanism, "alice", "alice-secret"))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", mechanism.kafka_name()));
    assert_authenticated(&connection).await;
    let log = handle.request_log();
    let handshakes: Vec<i16> = log
        .iter()
        .filter(|r| r.api_key == ApiKey::SaslHandshake)
        .map(|r| r.api_version)
        .collect();
    assert_eq!(
        handshakes,
        vec![1],
        "one SaslHandshake, v1 (KIP-152 framing)"
    );
    assert_eq!(
        handle.request_count(1, ApiKey::SaslAuthenticate),
        expected_authenticate_requests
    );
}

#[tokio::test]
async fn sasl_plain_against_fake_broker_with_rsasl_server() {
    authenticates(SaslMechanism::Plain, 1).await;
}

#[tokio::test]
async fn sasl_scram_sha_256_against_fake_broker_with_rsasl_server() {
    // client-first → server-first, client-final → server-final.
    authenticates(SaslMechanism::ScramSha256, 2).await;
}

#[tokio::test]
async fn sasl_scram_sha_512_against_fake_broker_with_rsasl_server() {
    authenticates(SaslMechanism::ScramSha512, 2).await;
}

#[tokio::test]
async fn sasl_password_with_non_ascii_and_scram_delimiters() {
    // The password goes to PBKDF2 as its UTF-8 bytes, '=' and ',' included.
    let handle = cluster(&ALL_MECHANISMS);
    for mechanism in [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ] {
        let connection = connect(&handle, &config(mechanism, "bob", BOB_PASSWORD))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", mechanism.kafka_name()));
        assert_authenticated(&connection).await;
    }
}

#[tokio::test]
async fn sasl_scram_username_with_delimiters_is_escaped() {
    // '=' and ',' are sent as =3D and =2C in SCRAM (RFC 5802 saslname) and
    // raw in PLAIN; the broker resolves both to the same user.
    let handle = cluster(&ALL_MECHANISMS);
    for mechanism in [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ] {
        let connection = connect(&handle, &config(mechanism, "svc=ops,1", "ops-secret"))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", mechanism.kafka_name()));
        assert_authenticated(&connection).await;
    }
}

#[tokio::test]
async fn sasl_plain_wrong_password_fails_with_broker_message() {
    let handle = cluster(&ALL_MECHANISMS);
    let error = connect(&handle, &config(SaslMechanism::Plain, "alice", "wrong"))
        .await
        .expect_err("wrong password");
    assert_eq!(error.kind(), "auth");
    let (mechanism, reason) = sasl_failure(error);
    assert_eq!(mechanism, "PLAIN");
    assert_eq!(
        reason,
        "authentication failed: error 58 (SaslAuthenticationFailed): \
         Authentication failed: Invalid username or password"
    );
}

#[tokio::test]
async fn sasl_scram_wrong_password_fails_with_broker_message() {
    let handle = cluster(&ALL_MECHANISMS);
    for (mechanism, user) in [
        (SaslMechanism::ScramSha256, "alice"),
        (SaslMechanism::ScramSha512, "alice"),
        (SaslMechanism::ScramSha512, "nobody"),
    ] {
        let error = connect(&handle, &config(mechanism, user, "wrong"))
            .await
            .expect_err("wrong password");
        let (reported, reason) = sasl_failure(error);
        assert_eq!(reported, mechanism.kafka_name());
        assert_eq!(
            reason,
            format!(
                "authentication failed: error 58 (SaslAuthenticationFailed): Authentication \
                 failed during authentication due to invalid credentials with SASL mechanism {}",
                mechanism.kafka_name()
            ),
            "user {user}"
        );
    }
}

#[tokio::test]
async fn sasl_mechanism_not_enabled_fails_listing_enabled_ones() {
    let handle = cluster(&["PLAIN", "SCRAM-SHA-256"]);
    let error = connect(
        &handle,
        &config(SaslMechanism::ScramSha512, "alice", "alice-secret"),
    )
    .await
    .expect_err("SCRAM-SHA-512 is not enabled");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: SASL SCRAM-SHA-512: mechanism not enabled on this listener; the broker \
             enables: PLAIN, SCRAM-SHA-256",
            handle.broker_addr(1).unwrap()
        )
    );
    assert_eq!(handle.request_count(1, ApiKey::SaslAuthenticate), 0);
}

#[tokio::test]
async fn sasl_listener_refuses_unauthenticated_requests() {
    // The check that makes the tests above meaningful: without SASL the fake
    // broker answers ApiVersions but drops the connection on Metadata.
    let handle = cluster(&ALL_MECHANISMS);
    let plain = ClientConfig {
        request_timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    };
    let connection = connect(&handle, &plain)
        .await
        .expect("ApiVersions is allowed");
    let error = connection
        .send(&MetadataRequest::default().with_topics(None))
        .await
        .expect_err("unauthenticated Metadata");
    assert!(matches!(error, ClientError::Closed { .. }), "{error:?}");
}

#[tokio::test]
async fn sasl_settings_from_client_properties() {
    let handle = cluster(&ALL_MECHANISMS);
    let properties = parse_client_properties(
        "security.protocol=SASL_PLAINTEXT\n\
         sasl.mechanism=SCRAM-SHA-512\n\
         sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n\
         \x20   username=\"alice\" \\\n\
         \x20   password=\"alice-secret\";\n",
    )
    .unwrap();
    let mut config = ClientConfig::default();
    properties.apply(&mut config);
    let connection = connect(&handle, &config)
        .await
        .expect("SCRAM from properties");
    assert_authenticated(&connection).await;
}
