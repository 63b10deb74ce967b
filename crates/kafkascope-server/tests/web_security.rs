//! kafkascope's own listener behind a web config (the Prometheus
//! exporters' format): TLS, basic auth with bcrypt hashes, read-only users,
//! open reads, client certificates. Driven by curl, a real HTTPS client,
//! with certificates from a test CA.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use kafkascope_alerts::silence::Silences;
use kafkascope_server::web_config;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use serde_json::Value;
use tokio::net::TcpListener;

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate.
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Issuer and subject must differ, or the leaves look self-signed.
        params
            .distinguished_name
            .push(DnType::CommonName, "kafkascope test CA");
        let key = KeyPair::generate().unwrap();
        std::fs::write(
            dir.path().join("ca.pem"),
            params.self_signed(&key).unwrap().pem(),
        )
        .unwrap();
        let ca = Issuer::new(params, key);
        for (name, purpose) in [
            ("server", ExtendedKeyUsagePurpose::ServerAuth),
            ("client", ExtendedKeyUsagePurpose::ClientAuth),
        ] {
            let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![purpose];
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &ca).unwrap();
            std::fs::write(dir.path().join(format!("{name}.pem")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// bcrypt at the lowest cost: the check is the same, only faster.
fn hash(password: &str) -> String {
    bcrypt::hash(password, 4).unwrap()
}

/// Serves the fixture state behind `web_yaml`; returns the port.
async fn serve(web_yaml: &str, base: &Path) -> u16 {
    let web = web_config::parse(web_yaml, base).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silences_dir = tempfile::tempdir().unwrap();
    let (silences, _) = Silences::open(&silences_dir.path().join("silences.json"));
    std::mem::forget(silences_dir);
    let state = common::fixture_state().with_silences(Arc::new(Mutex::new(silences)));
    let router = kafkascope_server::app(state);
    tokio::spawn(kafkascope_server::serve_secured(
        listener,
        router,
        web,
        std::future::pending(),
    ));
    port
}

struct Answer {
    status: u16,
    body: Value,
    headers: String,
}

/// curl, in a blocking task: `args` before the URL.
async fn curl(args: Vec<String>, url: String) -> Answer {
    tokio::task::spawn_blocking(move || {
        let headers = tempfile::NamedTempFile::new().unwrap();
        let output = Command::new("curl")
            .args(["-sS", "-o", "-", "-w", "\n%{http_code}", "-D"])
            .arg(headers.path())
            .args(&args)
            .arg(&url)
            .output()
            .expect("curl");
        if !output.status.success() {
            eprintln!("curl {url}: {}", String::from_utf8_lossy(&output.stderr));
        }
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        Answer {
            status: status.trim().parse().unwrap_or(0),
            body: serde_json::from_str(body).unwrap_or(Value::Null),
            headers: std::fs::read_to_string(headers.path()).unwrap_or_default(),
        }
    })
    .await
    .unwrap()
}

fn tls_args(pki: &Pki, user: Option<&str>) -> Vec<String> {
    let mut args = vec!["--cacert".to_string(), pki.path("ca.pem")];
    if let Some(user) = user {
        args.extend(["-u".to_string(), user.to_string()]);
    }
    args
}

fn post_silence(mut args: Vec<String>) -> Vec<String> {
    let body = r#"{"matchers":[{"name":"cluster","value":"prod"}],"ends_at_ms":4000000000000,"created_by":"t","comment":"c"}"#;
    args.extend(
        [
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data",
            body,
        ]
        .map(String::from),
    );
    args
}

#[tokio::test]
async fn tls_and_basic_auth_guard_reads_and_writes() {
    let pki = Pki::new();
    let yaml = format!(
        "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n\
         basic_auth_users:\n  alice: {}\n  grafana: {}\nread_only_users: [grafana]\n\
         http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
        hash("s3cret"),
        hash("viewer")
    );
    let port = serve(&yaml, pki.dir.path()).await;
    let url = |path: &str| format!("https://127.0.0.1:{port}{path}");

    let anonymous = curl(tls_args(&pki, None), url("/api/v1/clusters")).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.body["error"],
        "authentication required: log in with a user of the web config"
    );
    assert!(
        anonymous
            .headers
            .to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"kafkascope\""),
        "{}",
        anonymous.headers
    );
    let wrong = curl(tls_args(&pki, Some("alice:guess")), url("/api/v1/clusters")).await;
    assert_eq!(wrong.status, 401);
    let alice = curl(
        tls_args(&pki, Some("alice:s3cret")),
        url("/api/v1/clusters"),
    )
    .await;
    assert_eq!(alice.status, 200);
    assert_eq!(alice.body["clusters"][0]["name"], "prod");
    assert!(
        alice
            .headers
            .to_ascii_lowercase()
            .contains("x-frame-options: deny")
    );
    // Probes carry no credentials.
    assert_eq!(
        curl(tls_args(&pki, None), url("/healthz")).await.status,
        200
    );

    let viewer = curl(tls_args(&pki, Some("grafana:viewer")), url("/metrics")).await;
    assert_eq!(viewer.status, 200);
    let refused = curl(
        post_silence(tls_args(&pki, Some("grafana:viewer"))),
        url("/api/v1/silences"),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.body["error"],
        "user \"grafana\" may read but not change anything"
    );
    let written = curl(
        post_silence(tls_args(&pki, Some("alice:s3cret"))),
        url("/api/v1/silences"),
    )
    .await;
    assert_eq!(written.status, 200);
    assert!(written.body["id"].is_string());

    // Plain HTTP to the TLS port gets no answer.
    let plain = curl(vec![], format!("http://127.0.0.1:{port}/healthz")).await;
    assert_eq!(plain.status, 0);
}

#[tokio::test]
async fn open_reads_still_guard_writes() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "basic_auth_users:\n  alice: {}\nunauthenticated_reads: true\n",
        hash("s3cret")
    );
    let port = serve(&yaml, dir.path()).await;
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    assert_eq!(curl(vec![], url("/api/v1/clusters")).await.status, 200);
    assert_eq!(
        curl(post_silence(vec![]), url("/api/v1/silences"))
            .await
            .status,
        401
    );
    let alice = vec!["-u".to_string(), "alice:s3cret".to_string()];
    assert_eq!(
        curl(post_silence(alice), url("/api/v1/silences"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_client_certificate_is_required_when_asked_for() {
    let pki = Pki::new();
    let yaml = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  \
                client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n";
    let port = serve(yaml, pki.dir.path()).await;
    let url = format!("https://127.0.0.1:{port}/api/v1/clusters");
    assert_eq!(curl(tls_args(&pki, None), url.clone()).await.status, 0);
    let mut with_cert = tls_args(&pki, None);
    with_cert.extend([
        "--cert".to_string(),
        pki.path("client.pem"),
        "--key".to_string(),
        pki.path("client.key"),
    ]);
    assert_eq!(curl(with_cert, url).await.status, 200);
}

#[test]
fn web_config_mistakes_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let error = |yaml: &str| web_config::parse(yaml, dir.path()).unwrap_err();
    assert_eq!(
        error("basic_auth_users:\n  alice: plaintext\n"),
        "basic_auth_users.alice: not a bcrypt hash ($2a$, $2b$ or $2y$…; make one with htpasswd -nBC 10 alice)"
    );
    let hashed = hash("x");
    assert_eq!(
        error(&format!(
            "basic_auth_users:\n  alice: {hashed}\nread_only_users: [bob]\n"
        )),
        "read_only_users: \"bob\" is not in basic_auth_users"
    );
    assert_eq!(
        error("unauthenticated_reads: true\n"),
        "unauthenticated_reads and read_only_users need basic_auth_users"
    );
    assert!(error("basic_auth_user: {}\n").contains("unknown field `basic_auth_user`"));
    assert_eq!(
        error("tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.key\n"),
        format!(
            "cannot read tls_server_config.cert_file file {}: No such file or directory (os error 2)",
            dir.path().join("missing.pem").display()
        )
    );
    let pki = Pki::new();
    let mtls = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n";
    assert_eq!(
        web_config::parse(mtls, pki.dir.path()).unwrap_err(),
        "tls_server_config.client_auth_type RequireAndVerifyClientCert needs client_ca_file"
    );
}
