//! `--web.config.file`: TLS for kafkascope's own listener and basic auth,
//! in the format of the Prometheus exporters' web config (exporter-toolkit):
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional, with client_ca_file
//!   client_ca_file: ca.crt
//! basic_auth_users:
//!   alice: $2y$10$…        # bcrypt hashes (htpasswd -nBC 10 alice)
//! # kafkascope's own keys:
//! unauthenticated_reads: false   # true: GETs need no login, writes still do
//! read_only_users: [grafana]     # may read, are refused writes (403)
//! ```
//!
//! Relative paths are resolved against the file's folder. Every mistake is
//! reported when the file is read, naming the key, so `serve` refuses to
//! start rather than serve without the protection it was asked for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebConfigFile {
    tls_server_config: Option<TlsServerEntry>,
    #[serde(default)]
    basic_auth_users: BTreeMap<String, String>,
    http_server_config: Option<HttpServerEntry>,
    #[serde(default)]
    unauthenticated_reads: bool,
    #[serde(default)]
    read_only_users: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsServerEntry {
    cert_file: PathBuf,
    key_file: PathBuf,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    min_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpServerEntry {
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// The web config, checked and ready.
#[derive(Clone)]
pub struct WebConfig {
    pub tls: Option<Arc<ServerConfig>>,
    pub auth: Option<Arc<BasicAuth>>,
    /// Added to every response (`http_server_config.headers`).
    pub headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
}

/// Who may log in, and what they may do.
#[derive(Debug)]
pub struct BasicAuth {
    /// User name to bcrypt hash.
    pub users: BTreeMap<String, String>,
    pub unauthenticated_reads: bool,
    pub read_only_users: Vec<String>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("tls", &self.tls.is_some())
            .field(
                "auth",
                &self
                    .auth
                    .as_ref()
                    .map(|a| a.users.keys().collect::<Vec<_>>()),
            )
            .finish()
    }
}

/// Reads and checks a web config file.
pub fn load(path: &Path) -> Result<WebConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading the web config {}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).map_err(|e| format!("web config {}: {e}", path.display()))
}

pub fn parse(text: &str, base: &Path) -> Result<WebConfig, String> {
    let file: WebConfigFile = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let tls = file
        .tls_server_config
        .as_ref()
        .map(|entry| tls_config(entry, base))
        .transpose()?;
    let auth = basic_auth(&file)?;
    let headers = headers(file.http_server_config.as_ref())?;
    Ok(WebConfig { tls, auth, headers })
}

fn basic_auth(file: &WebConfigFile) -> Result<Option<Arc<BasicAuth>>, String> {
    for (user, hash) in &file.basic_auth_users {
        if user.is_empty() || user.contains(':') {
            return Err(format!(
                "basic_auth_users: {user:?} is not a user name (no colons)"
            ));
        }
        if !is_bcrypt(hash) {
            return Err(format!(
                "basic_auth_users.{user}: not a bcrypt hash ($2a$, $2b$ or $2y$…; make one with htpasswd -nBC 10 {user})"
            ));
        }
    }
    for user in &file.read_only_users {
        if !file.basic_auth_users.contains_key(user) {
            return Err(format!(
                "read_only_users: {user:?} is not in basic_auth_users"
            ));
        }
    }
    if file.basic_auth_users.is_empty() {
        if file.unauthenticated_reads || !file.read_only_users.is_empty() {
            return Err("unauthenticated_reads and read_only_users need basic_auth_users".into());
        }
        return Ok(None);
    }
    Ok(Some(Arc::new(BasicAuth {
        users: file.basic_auth_users.clone(),
        unauthenticated_reads: file.unauthenticated_reads,
        read_only_users: file.read_only_users.clone(),
    })))
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p)) && hash.len() == 60
}

fn tls_config(entry: &TlsServerEntry, base: &Path) -> Result<Arc<ServerConfig>, String> {
    use kafkascope_client::security::tls::{read_certificates, read_private_key_file};
    let certs = read_certificates(&base.join(&entry.cert_file), "tls_server_config.cert_file")?;
    let key = read_private_key_file(&base.join(&entry.key_file), "tls_server_config.key_file")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match entry.min_version.as_deref() {
        None | Some("TLS12") => &[&rustls::version::TLS12, &rustls::version::TLS13],
        Some("TLS13") => &[&rustls::version::TLS13],
        Some(other) => {
            return Err(format!(
                "tls_server_config.min_version: {other:?} is not TLS12 or TLS13"
            ));
        }
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let builder = match client_verifier(entry, base, provider)? {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        format!("tls_server_config: the certificate and key do not go together: {e}")
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The client certificate check `client_auth_type` asks for.
fn client_verifier(
    entry: &TlsServerEntry,
    base: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>, String> {
    let kind = entry.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let optional = match kind {
        "NoClientCert" => return Ok(None),
        "RequireAndVerifyClientCert" => false,
        "VerifyClientCertIfGiven" => true,
        other => {
            return Err(format!(
                "tls_server_config.client_auth_type: {other:?} is not NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert"
            ));
        }
    };
    let Some(ca) = &entry.client_ca_file else {
        return Err(format!(
            "tls_server_config.client_auth_type {kind} needs client_ca_file"
        ));
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in kafkascope_client::security::tls::read_certificates(
        &base.join(ca),
        "tls_server_config.client_ca_file",
    )? {
        roots
            .add(cert)
            .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
    }
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
    let builder = if optional {
        builder.allow_unauthenticated()
    } else {
        builder
    };
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))
}

fn headers(
    entry: Option<&HttpServerEntry>,
) -> Result<Vec<(axum::http::HeaderName, axum::http::HeaderValue)>, String> {
    let Some(entry) = entry else {
        return Ok(Vec::new());
    };
    entry
        .headers
        .iter()
        .map(|(name, value)| {
            let header = name.parse().map_err(|_| {
                format!("http_server_config.headers: {name:?} is not a header name")
            })?;
            let value = value
                .parse()
                .map_err(|_| format!("http_server_config.headers.{name}: not a header value"))?;
            Ok((header, value))
        })
        .collect()
}
