//! Security against a real Apache Kafka 4.3 cluster (`testbed/kafka-cluster.sh`,
//! three KRaft nodes): SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256,
//! SCRAM-SHA-512 and OAUTHBEARER, and SSL with a client certificate, each
//! configured from Kafka client properties and checked by reading Metadata
//! from every broker; then the failures a user meets, with their exact
//! messages.
//!
//! The cluster's OAUTHBEARER listeners use Kafka's default (unsecured)
//! validator, so the tokens here are unsecured JWS. No OIDC provider runs
//! here: the client credentials test talks to a fake token endpoint written
//! below at the HTTP level.
//!
//! Needs Java and Maven (the test bed resolves Kafka's jars once), and
//! openssl; `$KAFKASCOPE_KAFKA_CLUSTER` names a running cluster to reuse.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use kafkascope_client::admin::Admin;
use kafkascope_client::client_properties::{load_client_properties, parse_client_properties};
use kafkascope_client::{BrokerPool, ClientConfig, ClientError, Connection};
use kafkascope_testkit::KafkaCluster;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

const TEST_TIMEOUT: Duration = Duration::from_secs(60);
const LOGIN_MODULE: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

fn cluster() -> &'static KafkaCluster {
    KafkaCluster::shared()
}

fn base_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(15),
        // Every test makes its connections afresh; no backoff between tries.
        connections_per_broker: 1,
        ..ClientConfig::default()
    }
}

/// The config a properties text gives.
fn config_from(text: &str) -> ClientConfig {
    let properties = parse_client_properties(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut config = base_config();
    properties.apply(&mut config);
    config
}

/// The config one of the test bed's `client-*.properties` files gives.
fn config_from_file(name: &str) -> ClientConfig {
    let path = cluster().dir().join(name);
    let properties =
        load_client_properties(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(properties.ignored_keys(), &[] as &[String], "{name}");
    let mut config = base_config();
    properties.apply(&mut config);
    config
}

fn bootstrap(listener: &str) -> Vec<String> {
    let list = cluster().env(listener);
    assert!(!list.is_empty(), "cluster.env has no {listener}");
    list.split(',').map(String::from).collect()
}

fn first_broker(listener: &str) -> String {
    bootstrap(listener).remove(0)
}

/// Reads Metadata through `listener` and connects to every broker it
/// names: each of them must authenticate. Returns the broker ids.
async fn brokers_answer(listener: &str, config: ClientConfig) -> Vec<i32> {
    let pool = Arc::new(BrokerPool::new(bootstrap(listener), config));
    let admin = Admin::new(pool.clone());
    let metadata = tokio::time::timeout(TEST_TIMEOUT, admin.metadata())
        .await
        .expect("Metadata in time")
        .unwrap_or_else(|e| panic!("Metadata over {listener}: {e}"));
    let mut ids: Vec<i32> = metadata.brokers.iter().map(|b| b.id).collect();
    ids.sort();
    for broker in &metadata.brokers {
        assert!(
            bootstrap(listener).contains(&broker.address()),
            "{listener} advertises {} (its own listener)",
            broker.address()
        );
        let connection = tokio::time::timeout(TEST_TIMEOUT, pool.connection_to(broker.id))
            .await
            .expect("connect in time")
            .unwrap_or_else(|e| panic!("broker {} over {listener}: {e}", broker.id));
        assert!(connection.is_usable());
    }
    ids
}

async fn connect_error(addr: &str, config: &ClientConfig) -> ClientError {
    tokio::time::timeout(TEST_TIMEOUT, Connection::connect(addr, config))
        .await
        .expect("connect attempt in time")
        .expect_err("the connection must fail")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An unsecured JWS as Kafka's default broker validator accepts it.
fn unsecured_jws(sub: &str, iat: u64, exp: u64) -> String {
    let claims = format!(r#"{{"sub":"{sub}","iat":{iat},"exp":{exp},"scope":["kafka"]}}"#);
    format!(
        "{}.{}.",
        BASE64URL.encode(r#"{"alg":"none"}"#),
        BASE64URL.encode(claims)
    )
}

fn sasl_ssl_trust() -> String {
    format!(
        "ssl.truststore.type=PEM\nssl.truststore.location={}\n",
        cluster().env("KAFKA_CA")
    )
}

#[tokio::test]
async fn kafka_sasl_plaintext_with_plain_scram_sha_256_and_scram_sha_512() {
    for mechanism in ["plain", "scram-sha-256", "scram-sha-512"] {
        let config = config_from_file(&format!("client-sasl-plaintext-{mechanism}.properties"));
        assert_eq!(
            brokers_answer("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", config).await,
            [0, 1, 2],
            "{mechanism}"
        );
    }
}

#[tokio::test]
async fn kafka_sasl_ssl_with_plain_scram_sha_256_and_scram_sha_512() {
    for mechanism in ["plain", "scram-sha-256", "scram-sha-512"] {
        let config = config_from_file(&format!("client-sasl-ssl-{mechanism}.properties"));
        assert!(config.tls.is_some());
        assert_eq!(
            brokers_answer("KAFKA_SASL_SSL_BOOTSTRAP", config).await,
            [0, 1, 2],
            "{mechanism}"
        );
    }
}

#[tokio::test]
async fn kafka_ssl_with_client_certificate_as_pem_keystore_and_as_separate_files() {
    let config = config_from_file("client-ssl.properties");
    assert_eq!(
        brokers_answer("KAFKA_SSL_BOOTSTRAP", config).await,
        [0, 1, 2]
    );

    let tls = cluster().dir().join("tls");
    let config = config_from(&format!(
        "security.protocol=SSL\nssl.ca.location={}\n\
         ssl.certificate.location={}\nssl.key.location={}\n",
        cluster().env("KAFKA_CA"),
        tls.join("client.cert.pem").display(),
        tls.join("client.key.pem").display(),
    ));
    assert_eq!(
        brokers_answer("KAFKA_SSL_BOOTSTRAP", config).await,
        [0, 1, 2]
    );
}

#[tokio::test]
async fn kafka_oauthbearer_unsecured_login_module_over_sasl_plaintext_and_sasl_ssl() {
    let jaas = format!(
        "sasl.mechanism=OAUTHBEARER\n\
         sasl.jaas.config={LOGIN_MODULE} required \
         unsecuredLoginStringClaim_sub=\"kafkascope\" unsecuredLoginLifetimeSeconds=\"300\" \
         unsecuredLoginListClaim_scope=\",kafka,monitoring\";\n"
    );
    let config = config_from(&format!("security.protocol=SASL_PLAINTEXT\n{jaas}"));
    assert_eq!(
        brokers_answer("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", config).await,
        [0, 1, 2]
    );
    let config = config_from(&format!(
        "security.protocol=SASL_SSL\n{jaas}{}",
        sasl_ssl_trust()
    ));
    assert_eq!(
        brokers_answer("KAFKA_SASL_SSL_BOOTSTRAP", config).await,
        [0, 1, 2]
    );
}

#[tokio::test]
async fn kafka_oauthbearer_token_file_is_reread_and_an_expired_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token.jwt");
    let source = format!(
        "sasl.mechanism=OAUTHBEARER\n\
         sasl.oauthbearer.token.endpoint.url=file://{}\n\
         sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n\
         sasl.jaas.config={LOGIN_MODULE} required ;\n",
        token_file.display()
    );
    let plaintext = config_from(&format!("security.protocol=SASL_PLAINTEXT\n{source}"));
    let ssl = config_from(&format!(
        "security.protocol=SASL_SSL\n{source}{}",
        sasl_ssl_trust()
    ));
    let now = unix_now();

    std::fs::write(&token_file, unsecured_jws("kafkascope", now, now + 600)).unwrap();
    assert_eq!(
        brokers_answer("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", plaintext.clone()).await,
        [0, 1, 2]
    );

    // A sidecar replaces the token; new connections use the new one.
    std::fs::write(&token_file, unsecured_jws("rotated", now, now + 900) + "\n").unwrap();
    assert_eq!(
        brokers_answer("KAFKA_SASL_SSL_BOOTSTRAP", ssl.clone()).await,
        [0, 1, 2]
    );

    // Then an expired one: the file is read again, and the broker refuses it.
    std::fs::write(
        &token_file,
        unsecured_jws("kafkascope", now - 7200, now - 3600),
    )
    .unwrap();
    for (listener, config) in [
        ("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", &plaintext),
        ("KAFKA_SASL_SSL_BOOTSTRAP", &ssl),
    ] {
        let addr = first_broker(listener);
        let error = connect_error(&addr, config).await;
        assert_eq!(error.kind(), "auth");
        let message = error.to_string();
        let expected_start = format!(
            "{addr}: SASL OAUTHBEARER: authentication failed: error 58 \
             (SaslAuthenticationFailed): {{\"status\":\"invalid_token\"}} \
             (the token's exp claim ({}) is ",
            now - 3600
        );
        assert!(
            message.starts_with(&expected_start) && message.ends_with(" s in the past)"),
            "{listener}: {message}"
        );
    }

    // And a valid one again: nothing about the refusal sticks.
    std::fs::write(&token_file, unsecured_jws("kafkascope", now, now + 600)).unwrap();
    assert_eq!(
        brokers_answer("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", plaintext).await,
        [0, 1, 2]
    );
}

/// A token endpoint at the HTTP level: checks each POST is a client
/// credentials grant for `client_id`/`secret` with `scope`, and answers
/// with an unsecured JWS valid for an hour; wrong credentials get 401.
/// Over HTTPS it presents the test bed's broker certificate (CN=localhost,
/// IP 127.0.0.1, signed by the test bed's CA).
struct FakeTokenEndpoint {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl FakeTokenEndpoint {
    fn start(client_id: &'static str, secret: &'static str, scope: &'static str) -> Self {
        Self::start_with(None, client_id, secret, scope)
    }

    fn start_https(client_id: &'static str, secret: &'static str, scope: &'static str) -> Self {
        let tls = cluster().dir().join("tls");
        let chain = CertificateDer::pem_file_iter(tls.join("broker.cert.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(tls.join("broker.key.pem")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        Self::start_with(Some(Arc::new(config)), client_id, secret, scope)
    }

    fn start_with(
        tls: Option<Arc<rustls::ServerConfig>>,
        client_id: &'static str,
        secret: &'static str,
        scope: &'static str,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/oauth2/token", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = match &tls {
                    Some(config) => {
                        let Ok(session) = rustls::ServerConnection::new(config.clone()) else {
                            continue;
                        };
                        let mut stream = rustls::StreamOwned::new(session, stream);
                        Self::answer(&mut stream, client_id, secret, scope)
                    }
                    None => Self::answer(&mut &stream, client_id, secret, scope),
                };
            }
        });
        Self { url, requests }
    }

    fn answer(
        mut stream: impl Read + Write,
        client_id: &str,
        secret: &str,
        scope: &str,
    ) -> std::io::Result<()> {
        let mut reader = BufReader::new(&mut stream);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let length: usize = header("content-length").parse().unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let body = String::from_utf8_lossy(&body);
        drop(reader);

        let expected_auth = format!("Basic {}", BASE64.encode(format!("{client_id}:{secret}")));
        let expected_body = format!("grant_type=client_credentials&scope={scope}");
        let (status, answer) = if !request_line.starts_with("POST /oauth2/token ")
            || header("content-type") != "application/x-www-form-urlencoded"
            || body != expected_body
        {
            (
                "400 Bad Request",
                format!(r#"{{"error":"invalid_request","error_description":"got {body}"}}"#),
            )
        } else if header("authorization") != expected_auth {
            (
                "401 Unauthorized",
                r#"{"error":"invalid_client"}"#.to_string(),
            )
        } else {
            let now = unix_now();
            let token = unsecured_jws(client_id, now, now + 3600);
            (
                "200 OK",
                format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600}}"#),
            )
        };
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )?;
        stream.flush()
    }
}

fn client_credentials_properties(protocol: &str, url: &str, secret: &str) -> String {
    client_credentials_properties_with(protocol, url, secret, "")
}

/// `jaas_options` go into the login module (the endpoint's TLS settings).
fn client_credentials_properties_with(
    protocol: &str,
    url: &str,
    secret: &str,
    jaas_options: &str,
) -> String {
    let trust = if protocol == "SASL_SSL" {
        sasl_ssl_trust()
    } else {
        String::new()
    };
    format!(
        "security.protocol={protocol}\nsasl.mechanism=OAUTHBEARER\n\
         sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n\
         sasl.oauthbearer.token.endpoint.url={url}\n\
         sasl.oauthbearer.client.credentials.client.id=kafkascope\n\
         sasl.oauthbearer.client.credentials.client.secret={secret}\n\
         sasl.oauthbearer.scope=kafka:read\n\
         sasl.jaas.config={LOGIN_MODULE} required {jaas_options};\n{trust}"
    )
}

#[tokio::test]
async fn kafka_oauthbearer_client_credentials_against_a_fake_token_endpoint() {
    let endpoint = FakeTokenEndpoint::start("kafkascope", "client-secret", "kafka%3Aread");
    let plaintext = config_from(&client_credentials_properties(
        "SASL_PLAINTEXT",
        &endpoint.url,
        "client-secret",
    ));
    assert_eq!(
        brokers_answer("KAFKA_SASL_PLAINTEXT_BOOTSTRAP", plaintext).await,
        [0, 1, 2]
    );
    // Four connections (bootstrap and each broker), one token request: the
    // token is cached until 80% of its hour has passed.
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 1);

    let ssl = config_from(&client_credentials_properties(
        "SASL_SSL",
        &endpoint.url,
        "client-secret",
    ));
    assert_eq!(
        brokers_answer("KAFKA_SASL_SSL_BOOTSTRAP", ssl).await,
        [0, 1, 2]
    );
    assert_eq!(
        endpoint.requests.load(Ordering::SeqCst),
        1,
        "an equal token source shares the cached token"
    );

    // A wrong client secret: the endpoint's refusal, naming broker and URL.
    let wrong = config_from(&client_credentials_properties(
        "SASL_PLAINTEXT",
        &endpoint.url,
        "wrong-secret",
    ));
    let addr = first_broker("KAFKA_SASL_PLAINTEXT_BOOTSTRAP");
    let error = connect_error(&addr, &wrong).await;
    assert_eq!(
        error.to_string(),
        format!(
            "{addr}: SASL OAUTHBEARER: cannot get a token from token endpoint {}: \
             HTTP 401: invalid_client",
            endpoint.url
        )
    );
    assert!(!error.to_string().contains("wrong-secret"));
    assert!(!format!("{error:?}").contains("wrong-secret"));
}

#[tokio::test]
async fn kafka_oauthbearer_client_credentials_over_https_against_a_fake_token_endpoint() {
    let endpoint = FakeTokenEndpoint::start_https("kafkascope", "client-secret", "kafka%3Aread");
    let addr = first_broker("KAFKA_SASL_SSL_BOOTSTRAP");

    // Without the endpoint's CA: the web PKI roots do not know it.
    let untrusting = config_from(&client_credentials_properties(
        "SASL_SSL",
        &endpoint.url,
        "client-secret",
    ));
    let error = connect_error(&addr, &untrusting).await;
    assert_eq!(
        error.to_string(),
        format!(
            "{addr}: SASL OAUTHBEARER: cannot get a token from token endpoint {}: TLS: \
             handshake failed: invalid peer certificate: UnknownIssuer (trusting the \
             built-in web PKI roots (no CA file configured))",
            endpoint.url
        )
    );

    // With it, as Kafka takes it: ssl.* options of the login module.
    let trusting = config_from(&client_credentials_properties_with(
        "SASL_SSL",
        &endpoint.url,
        "client-secret",
        &format!(
            "ssl.truststore.type=\"PEM\" ssl.truststore.location=\"{}\"",
            cluster().env("KAFKA_CA")
        ),
    ));
    assert_eq!(
        brokers_answer("KAFKA_SASL_SSL_BOOTSTRAP", trusting).await,
        [0, 1, 2]
    );
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn kafka_oauthbearer_unreachable_token_endpoint_names_broker_and_url() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/oauth2/token");
    let config = config_from(&client_credentials_properties(
        "SASL_PLAINTEXT",
        &url,
        "client-secret",
    ));
    let addr = first_broker("KAFKA_SASL_PLAINTEXT_BOOTSTRAP");
    let error = connect_error(&addr, &config).await;
    assert_eq!(error.kind(), "auth");
    assert_eq!(
        error.to_string(),
        format!(
            "{addr}: SASL OAUTHBEARER: cannot get a token from token endpoint {url}: \
             connect failed: Connection refused (os error 111)"
        )
    );
}

#[tokio::test]
async fn kafka_wrong_password_with_plain_and_scram_names_the_broker() {
    let user = cluster().env("KAFKA_USER").to_string();
    for (protocol, listener) in [
        ("SASL_PLAINTEXT", "KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
        ("SASL_SSL", "KAFKA_SASL_SSL_BOOTSTRAP"),
    ] {
        for (mechanism, module, broker_reason) in [
            (
                "PLAIN",
                "org.apache.kafka.common.security.plain.PlainLoginModule",
                "Authentication failed: Invalid username or password".to_string(),
            ),
            (
                "SCRAM-SHA-256",
                "org.apache.kafka.common.security.scram.ScramLoginModule",
                "Authentication failed during authentication due to invalid credentials \
                 with SASL mechanism SCRAM-SHA-256"
                    .to_string(),
            ),
            (
                "SCRAM-SHA-512",
                "org.apache.kafka.common.security.scram.ScramLoginModule",
                "Authentication failed during authentication due to invalid credentials \
                 with SASL mechanism SCRAM-SHA-512"
                    .to_string(),
            ),
        ] {
            let trust = if protocol == "SASL_SSL" {
                sasl_ssl_trust()
            } else {
                String::new()
            };
            let config = config_from(&format!(
                "security.protocol={protocol}\nsasl.mechanism={mechanism}\n\
                 sasl.jaas.config={module} required username=\"{user}\" \
                 password=\"not-the-password\";\n{trust}"
            ));
            let addr = first_broker(listener);
            let error = connect_error(&addr, &config).await;
            assert_eq!(error.kind(), "auth");
            assert_eq!(
                error.to_string(),
                format!(
                    "{addr}: SASL {mechanism}: authentication failed: error 58 \
                     (SaslAuthenticationFailed): {broker_reason}"
                ),
                "{protocol}"
            );
            assert!(!format!("{error:?}").contains("not-the-password"));
        }
    }
}

/// A self-signed CA that signed nothing the test bed uses.
fn untrusted_ca(dir: &Path) -> String {
    let ca = rcgen::generate_simple_self_signed(vec!["untrusted.example".to_string()]).unwrap();
    let path = dir.join("untrusted-ca.pem");
    std::fs::write(&path, ca.cert.pem()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn kafka_untrusted_broker_certificate_is_a_tls_error_naming_the_broker() {
    let dir = tempfile::tempdir().unwrap();
    let ca = untrusted_ca(dir.path());
    let tls = cluster().dir().join("tls");
    for (listener, properties) in [
        (
            "KAFKA_SASL_SSL_BOOTSTRAP",
            format!(
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n\
                 sasl.username=kafkascope\nsasl.password=kafkascope-secret\n\
                 ssl.ca.location={ca}\n"
            ),
        ),
        (
            "KAFKA_SSL_BOOTSTRAP",
            format!(
                "security.protocol=SSL\nssl.ca.location={ca}\n\
                 ssl.keystore.type=PEM\nssl.keystore.location={}\n",
                tls.join("client.pem").display()
            ),
        ),
    ] {
        let addr = first_broker(listener);
        let error = connect_error(&addr, &config_from(&properties)).await;
        assert_eq!(error.kind(), "tls");
        assert_eq!(
            error.to_string(),
            format!(
                "{addr}: TLS: handshake failed: invalid peer certificate: UnknownIssuer \
                 (trusting CA file {ca})"
            ),
            "{listener}"
        );
    }
}

#[tokio::test]
async fn kafka_ssl_listener_without_client_certificate_is_refused_clearly() {
    let config = config_from(&format!(
        "security.protocol=SSL\nssl.ca.location={}\n",
        cluster().env("KAFKA_CA")
    ));
    let addr = first_broker("KAFKA_SSL_BOOTSTRAP");
    let error = connect_error(&addr, &config).await;
    // TLS 1.3: the broker's verdict arrives as an alert on the first read.
    assert_eq!(
        error.to_string(),
        format!(
            "{addr}: connection closed: read failed: the broker refused the TLS session \
             (alert BadCertificate): it requires a client certificate and none is configured; \
             set ssl.keystore.location (PEM), or ssl.certificate.location and ssl.key.location"
        )
    );
}
