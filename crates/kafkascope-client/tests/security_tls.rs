//! TLS against a real TLS terminator: Debian's stunnel (OpenSSL) in front of
//! a real Kafka broker (tansu), or in front of the protocol-level fake broker
//! for SASL_SSL, with a CA and certificates generated per test by rcgen.
//! Nothing here is mocked: the handshake, chain and name checks are rustls
//! against OpenSSL, and the Kafka requests reach the broker behind stunnel.
//!
//! Needs `stunnel4` (or `stunnel`) on PATH and tansu (see
//! `scripts/install-test-deps.sh`).

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kafka_protocol::messages::MetadataRequest;
use kafkascope_client::client_properties::load_client_properties;
use kafkascope_client::{
    ClientConfig, ClientError, Connection, SaslMechanism, SaslSettings, TlsSettings,
};
use kafkascope_fake_broker::{ApiKey, FakeCluster, SaslSpec};
use kafkascope_testkit::Tansu;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A certificate authority that can issue server and client certificates.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        TestCa {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// A leaf certificate for `names` (DNS names or IP addresses) and its key, PEM.
    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.extended_key_usages = vec![usage];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn stunnel_bin() -> &'static str {
    for bin in ["stunnel4", "stunnel"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {bin}")])
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if found {
            return bin;
        }
    }
    panic!("stunnel is not installed: run scripts/install-test-deps.sh (apt-get install stunnel4)");
}

/// stunnel in server mode, in the foreground, killed on drop.
struct Stunnel {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Stunnel {
    /// Terminates TLS on a free port with `cert`/`key` and forwards to
    /// `127.0.0.1:backend`. With `client_ca`, a client certificate signed by
    /// it is required.
    fn start(dir: &Path, cert: &Path, key: &Path, backend: u16, client_ca: Option<&Path>) -> Self {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log = dir.join(format!("stunnel-{port}.log"));
            let mut config = format!(
                "foreground = yes\n\
                 pid =\n\
                 debug = 5\n\
                 output = {log}\n\
                 [kafka]\n\
                 accept = 127.0.0.1:{port}\n\
                 connect = 127.0.0.1:{backend}\n\
                 cert = {cert}\n\
                 key = {key}\n",
                log = log.display(),
                cert = cert.display(),
                key = key.display(),
            );
            if let Some(ca) = client_ca {
                config.push_str(&format!("CAfile = {}\nverifyChain = yes\n", ca.display()));
            }
            let config_path = write(dir, &format!("stunnel-{port}.conf"), &config);
            let child = Command::new(stunnel_bin())
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting stunnel");
            let mut stunnel = Stunnel { child, port, log };
            match stunnel.wait_until_listening() {
                Ok(()) => return stunnel,
                Err(error) => last_error = error,
            }
        }
        panic!("stunnel did not start: {last_error}");
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("stunnel exited ({status}): {}", self.log_text()));
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("not listening after 10s: {}", self.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn addr(&self, host: &str) -> String {
        format!("{host}:{}", self.port)
    }
}

impl Drop for Stunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A broker behind stunnel, with the files of one PKI.
struct Setup {
    dir: TempDir,
    ca: TestCa,
    ca_pem: PathBuf,
    stunnel: Stunnel,
    /// The broker's node id, as Metadata reports it.
    node_id: i32,
    _backend: Box<dyn std::any::Any>,
}

impl Setup {
    /// tansu behind stunnel with a server certificate for `server_names`,
    /// optionally requiring client certificates from the same CA.
    fn start(server_names: &[&str], mutual: bool) -> Setup {
        let tansu = Tansu::start().expect("starting tansu");
        let port = tansu.port();
        Self::in_front_of(server_names, mutual, port, Tansu::NODE_ID, Box::new(tansu))
    }

    fn in_front_of(
        server_names: &[&str],
        mutual: bool,
        backend_port: u16,
        node_id: i32,
        backend: Box<dyn std::any::Any>,
    ) -> Setup {
        let dir = tempfile::Builder::new()
            .prefix("kafkascope-tls-")
            .tempdir()
            .unwrap();
        let ca = TestCa::new("kafkascope test CA");
        let ca_pem = write(dir.path(), "ca.pem", &ca.pem);
        let (cert, key) = ca.issue(server_names, ExtendedKeyUsagePurpose::ServerAuth);
        let cert = write(dir.path(), "server.pem", &cert);
        let key = write(dir.path(), "server.key", &key);
        let stunnel = Stunnel::start(
            dir.path(),
            &cert,
            &key,
            backend_port,
            mutual.then_some(ca_pem.as_path()),
        );
        Setup {
            dir,
            ca,
            ca_pem,
            stunnel,
            node_id,
            _backend: backend,
        }
    }

    fn config(&self, tls: TlsSettings) -> ClientConfig {
        ClientConfig {
            tls: Some(tls),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        }
    }

    fn trusting_ca(&self) -> TlsSettings {
        TlsSettings {
            ca_pem: Some(self.ca_pem.clone()),
            verify_hostname: true,
            ..TlsSettings::default()
        }
    }

    fn client_identity(&self, name: &str) -> (PathBuf, PathBuf) {
        let (cert, key) = self.ca.issue(&[name], ExtendedKeyUsagePurpose::ClientAuth);
        (
            write(self.dir.path(), &format!("{name}.pem"), &cert),
            write(self.dir.path(), &format!("{name}.key"), &key),
        )
    }
}

async fn connect(addr: &str, config: &ClientConfig) -> Result<Connection, ClientError> {
    tokio::time::timeout(TEST_TIMEOUT, Connection::connect(addr, config))
        .await
        .expect("connect finished in time")
}

/// Connected and able to run a real request through the tunnel.
async fn assert_works(setup: &Setup, connection: &Connection) {
    let metadata = tokio::time::timeout(
        TEST_TIMEOUT,
        connection.send(&MetadataRequest::default().with_topics(Some(vec![]))),
    )
    .await
    .expect("metadata in time")
    .expect("metadata over TLS");
    assert_eq!(
        metadata
            .brokers
            .iter()
            .map(|b| b.node_id.0)
            .collect::<Vec<_>>(),
        vec![setup.node_id]
    );
}

fn tls_reason(error: ClientError) -> String {
    match error {
        ClientError::Tls { reason, .. } => reason,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_through_stunnel_to_tansu() {
    let setup = Setup::start(&["localhost", "127.0.0.1"], false);
    let config = setup.config(setup.trusting_ca());
    // By DNS name (SNI and a DNS SAN) and by IP address (an IP SAN).
    for host in ["localhost", "127.0.0.1"] {
        let connection = connect(&setup.stunnel.addr(host), &config)
            .await
            .unwrap_or_else(|e| panic!("{host}: {e}\nstunnel: {}", setup.stunnel.log_text()));
        assert!(
            connection.api_versions().range(3).is_some(),
            "ApiVersions negotiated over TLS offers Metadata"
        );
        assert_works(&setup, &connection).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_rejects_untrusted_ca() {
    let setup = Setup::start(&["localhost", "127.0.0.1"], false);
    let other_ca = TestCa::new("some other CA");
    let other_ca_pem = write(setup.dir.path(), "other-ca.pem", &other_ca.pem);
    for verify_hostname in [true, false] {
        let config = setup.config(TlsSettings {
            ca_pem: Some(other_ca_pem.clone()),
            verify_hostname,
            ..TlsSettings::default()
        });
        let error = connect(&setup.stunnel.addr("localhost"), &config)
            .await
            .expect_err("a server certificate from an untrusted CA must be refused");
        assert_eq!(error.kind(), "tls");
        let reason = tls_reason(error);
        assert!(reason.contains("UnknownIssuer"), "{reason}");
        assert!(
            reason.contains(&other_ca_pem.display().to_string()),
            "names the CA file: {reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_web_roots_do_not_trust_a_private_ca() {
    let setup = Setup::start(&["localhost"], false);
    let config = setup.config(TlsSettings {
        verify_hostname: true,
        ..TlsSettings::default()
    });
    let reason = tls_reason(
        connect(&setup.stunnel.addr("localhost"), &config)
            .await
            .unwrap_err(),
    );
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    assert!(reason.contains("built-in web PKI roots"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_hostname_mismatch_fails_unless_verification_disabled() {
    // The certificate names another host; the client dials 127.0.0.1 and localhost.
    let setup = Setup::start(&["kafka-0.example.internal"], false);
    for host in ["127.0.0.1", "localhost"] {
        let strict = setup.config(setup.trusting_ca());
        let reason = tls_reason(
            connect(&setup.stunnel.addr(host), &strict)
                .await
                .expect_err("name mismatch must fail with hostname verification"),
        );
        assert!(reason.contains("not valid for name"), "{host}: {reason}");
        assert!(
            reason.contains("ssl.endpoint.identification.algorithm"),
            "{host}: {reason}"
        );

        let lenient = setup.config(TlsSettings {
            verify_hostname: false,
            ..setup.trusting_ca()
        });
        let connection = connect(&setup.stunnel.addr(host), &lenient)
            .await
            .unwrap_or_else(|e| panic!("{host}: chain-only verification: {e}"));
        assert_works(&setup, &connection).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_client_certificate_required_by_stunnel() {
    let setup = Setup::start(&["localhost"], true);
    let (cert, key) = setup.client_identity("kafkascope-client");

    let with_identity = setup.config(TlsSettings {
        client_cert_pem: Some(cert),
        client_key_pem: Some(key),
        ..setup.trusting_ca()
    });
    let connection = connect(&setup.stunnel.addr("localhost"), &with_identity)
        .await
        .unwrap_or_else(|e| panic!("mTLS: {e}\nstunnel: {}", setup.stunnel.log_text()));
    assert_works(&setup, &connection).await;

    // Without a client certificate stunnel refuses the peer. Under TLS 1.3 the
    // client finishes its side first, so the refusal may surface as the
    // socket closing during ApiVersions rather than as a handshake error.
    let without = setup.config(setup.trusting_ca());
    let error = connect(&setup.stunnel.addr("localhost"), &without)
        .await
        .expect_err("stunnel requires a client certificate");
    assert!(
        matches!(error.kind(), "tls" | "connection"),
        "unexpected {error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_settings_from_client_properties_file() {
    let setup = Setup::start(&["localhost"], true);
    let (cert, key) = setup.client_identity("properties-client");
    let properties = write(
        setup.dir.path(),
        "client.properties",
        &format!(
            "# as kafka-console-consumer.sh --command-config reads it\n\
             security.protocol=SSL\n\
             ssl.truststore.type=PEM\n\
             ssl.truststore.location={}\n\
             ssl.certificate.location={}\n\
             ssl.key.location={}\n\
             client.id=kafkascope-tls-test\n",
            setup.ca_pem.display(),
            cert.display(),
            key.display()
        ),
    );
    let loaded = load_client_properties(&properties).unwrap();
    assert!(loaded.ignored_keys().is_empty());
    let mut config = setup.config(TlsSettings::default());
    loaded.apply(&mut config);
    assert_eq!(config.client_id, "kafkascope-tls-test");
    let connection = connect(&setup.stunnel.addr("localhost"), &config)
        .await
        .unwrap_or_else(|e| panic!("{e}\nstunnel: {}", setup.stunnel.log_text()));
    assert_works(&setup, &connection).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_ssl_scram_through_stunnel_to_fake_broker() {
    // SASL_SSL end to end: TLS by stunnel, SCRAM-SHA-512 checked by the fake
    // broker's rsasl server behind it.
    let cluster = FakeCluster::new("sasl-ssl")
        .with_brokers([1])
        .sasl(SaslSpec::new(["SCRAM-SHA-512"]).user("monitor", "monitor-secret"))
        .start()
        .expect("fake broker");
    let port = cluster.broker_addr(1).unwrap().port();
    let setup = Setup::in_front_of(&["localhost"], false, port, 1, Box::new(()));
    let mut config = setup.config(setup.trusting_ca());
    config.sasl = Some(SaslSettings {
        mechanism: SaslMechanism::ScramSha512,
        username: "monitor".to_string(),
        password: "monitor-secret".to_string(),
    });
    let connection = connect(&setup.stunnel.addr("localhost"), &config)
        .await
        .unwrap_or_else(|e| panic!("{e}\nstunnel: {}", setup.stunnel.log_text()));
    assert_works(&setup, &connection).await;
    assert_eq!(cluster.request_count(1, ApiKey::SaslAuthenticate), 2);

    config.sasl.as_mut().unwrap().password = "wrong".to_string();
    let error = connect(&setup.stunnel.addr("localhost"), &config)
        .await
        .expect_err("wrong password over TLS");
    assert_eq!(error.kind(), "auth", "{error}");
}
