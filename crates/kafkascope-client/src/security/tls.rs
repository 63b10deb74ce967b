//! TLS over a TCP stream, with rustls (ring provider).
//!
//! Trust comes from a PEM CA bundle (`ssl.ca.location`,
//! `ssl.truststore.location` of type PEM) or, when none is given, the Mozilla
//! roots compiled in by `webpki-roots`. A client certificate and key (PEM)
//! enable mutual TLS. `verify_hostname = false` (Kafka's
//! `ssl.endpoint.identification.algorithm=`) still verifies the chain, the
//! validity period and the handshake signatures; only the name check is
//! skipped.
//!
//! A broker that refuses the client certificate (or its absence) says so, in
//! TLS 1.3, only after the client's side of the handshake is done: as a
//! fatal alert on the first read. The stream handed out translates that
//! alert into what it means for the configuration.
//!
//! The rustls configuration is built once per settings and cached; it is
//! rebuilt when one of the PEM files changes (by modification time and size),
//! so certificate rotation is picked up on the next reconnect without reading
//! the files on every connect.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::SystemTime;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{
    AlertDescription, CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::config::TlsSettings;
use crate::connection::BoxedStream;
use crate::error::{ClientError, Result};

/// Runs the TLS handshake over `tcp`, verifying the broker as `settings` say.
///
/// The server name checked against the certificate is the host part of
/// `addr` (`host:port`, `[v6]:port` or `v4:port`); IP addresses are matched
/// against the certificate's IP SANs. The handshake itself is not bounded in
/// time here: callers wrap this in their connect timeout.
pub async fn wrap(tcp: TcpStream, addr: &str, settings: &TlsSettings) -> Result<BoxedStream> {
    let tls_error = |reason: String| ClientError::Tls {
        addr: addr.to_string(),
        reason,
    };
    let config = cached_client_config(settings).map_err(tls_error)?;
    let server_name = server_name(addr).map_err(tls_error)?;
    let stream = TlsConnector::from(config)
        .connect(server_name, tcp)
        .await
        .map_err(|e| tls_error(describe_handshake_error(&e, settings)))?;
    Ok(Box::new(ExplainedAlerts {
        inner: stream,
        client_cert: settings.client_cert_pem.clone(),
    }))
}

/// Reads and checks the PEM files of `settings` without connecting, so a
/// bad path or file fails at startup rather than on the first connect.
/// Errors are [`ClientError::Config`] naming the file.
pub fn check(settings: &TlsSettings) -> Result<()> {
    cached_client_config(settings)
        .map(|_| ())
        .map_err(|reason| ClientError::Config(format!("TLS: {reason}")))
}

/// The host part of a `host:port` address as a TLS server name.
pub fn server_name(addr: &str) -> std::result::Result<ServerName<'static>, String> {
    let host = host_part(addr);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(host.to_string())
        .map_err(|_| format!("{host:?} is neither a valid DNS name nor an IP address"))
}

fn host_part(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        // [v6]:port or [v6]
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        // A bare IPv6 address has more than one colon and no port.
        Some((host, _port)) if !host.contains(':') => host,
        _ => addr,
    }
}

/// The part of the settings that decides the rustls configuration, plus the
/// identity of the files' current contents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    ca_pem: Option<PathBuf>,
    client_cert_pem: Option<PathBuf>,
    client_key_pem: Option<PathBuf>,
    verify_hostname: bool,
}

/// Modification time and length of each file, to notice rotation.
type FileStamps = Vec<Option<(SystemTime, u64)>>;

type Cache = Mutex<HashMap<CacheKey, (FileStamps, Arc<rustls::ClientConfig>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn stamps(key: &CacheKey) -> FileStamps {
    [&key.ca_pem, &key.client_cert_pem, &key.client_key_pem]
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(path.as_ref()?).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

fn cached_client_config(
    settings: &TlsSettings,
) -> std::result::Result<Arc<rustls::ClientConfig>, String> {
    let key = CacheKey {
        ca_pem: settings.ca_pem.clone(),
        client_cert_pem: settings.client_cert_pem.clone(),
        client_key_pem: settings.client_key_pem.clone(),
        verify_hostname: settings.verify_hostname,
    };
    let current = stamps(&key);
    if let Some((stamped, config)) = cache().lock().expect("tls cache lock").get(&key)
        && *stamped == current
    {
        return Ok(config.clone());
    }
    // Built outside the lock: file reads must not serialise other connects.
    let config = build_client_config(settings)?;
    cache()
        .lock()
        .expect("tls cache lock")
        .insert(key, (current, config.clone()));
    Ok(config)
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Builds a rustls client configuration from `settings`, reading the files.
fn build_client_config(
    settings: &TlsSettings,
) -> std::result::Result<Arc<rustls::ClientConfig>, String> {
    let provider = provider();
    let roots = Arc::new(root_store(settings.ca_pem.as_deref())?);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| format!("cannot build certificate verifier: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = if settings.verify_hostname {
        webpki
    } else {
        Arc::new(ChainOnlyVerifier { inner: webpki })
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS provider: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (&settings.client_cert_pem, &settings.client_key_pem) {
        (Some(cert_path), Some(key_path)) => {
            let chain = read_certificates(cert_path, "client certificate")?;
            let key = read_private_key(key_path)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                format!(
                    "client certificate {} / key {}: {e}",
                    cert_path.display(),
                    key_path.display()
                )
            })?
        }
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), None) => {
            return Err(format!(
                "client certificate {} given without a private key",
                cert.display()
            ));
        }
        (None, Some(key)) => {
            return Err(format!(
                "client private key {} given without a certificate",
                key.display()
            ));
        }
    };
    Ok(Arc::new(config))
}

fn root_store(ca_pem: Option<&Path>) -> std::result::Result<RootCertStore, String> {
    let Some(path) = ca_pem else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let mut store = RootCertStore::empty();
    let certificates = read_certificates(path, "CA")?;
    let (_added, rejected) = store.add_parsable_certificates(certificates);
    if store.is_empty() {
        return Err(format!(
            "CA file {}: none of its {rejected} certificate(s) is usable as a trust anchor",
            path.display()
        ));
    }
    Ok(store)
}

fn read_file(path: &Path, what: &str) -> std::result::Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {what} file {}: {e}", path.display()))
}

/// A hint for files that are not PEM at all.
fn not_pem_hint(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        " (it is a Java KeyStore; only PEM is supported: export it with keytool -exportcert -rfc or openssl)"
    } else if bytes.first() == Some(&0x30) {
        " (it looks like DER or PKCS12; only PEM is supported: convert it with openssl)"
    } else {
        ""
    }
}

/// Every certificate of a PEM file; `what` names the file in errors.
pub fn read_certificates(
    path: &Path,
    what: &str,
) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read_file(path, what)?;
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("{what} file {}: invalid PEM: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!(
            "{what} file {}: no PEM certificate (-----BEGIN CERTIFICATE-----) found{}",
            path.display(),
            not_pem_hint(&bytes)
        ));
    }
    Ok(certificates)
}

fn read_private_key(path: &Path) -> std::result::Result<PrivateKeyDer<'static>, String> {
    read_private_key_file(path, "client private key")
}

/// The private key of a PEM file, with a hint when it is encrypted or not
/// PEM; `what` names the file in errors.
pub fn read_private_key_file(
    path: &Path,
    what: &str,
) -> std::result::Result<PrivateKeyDer<'static>, String> {
    let bytes = read_file(path, what)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => {
            let reason = if contains(&bytes, b"ENCRYPTED PRIVATE KEY")
                || contains(&bytes, b"Proc-Type: 4,ENCRYPTED")
            {
                " (the key is encrypted; decrypt it, e.g. with openssl pkey)".to_string()
            } else {
                not_pem_hint(&bytes).to_string()
            };
            Err(format!(
                "{what} file {}: no PEM private key found{reason}",
                path.display()
            ))
        }
        Err(e) => Err(format!("{what} file {}: invalid PEM: {e}", path.display())),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Adds what the settings imply to a handshake failure.
fn describe_handshake_error(error: &std::io::Error, settings: &TlsSettings) -> String {
    let trust = match &settings.ca_pem {
        Some(path) => format!("CA file {}", path.display()),
        None => "the built-in web PKI roots (no CA file configured)".to_string(),
    };
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => format!(
            "handshake failed: {error} (disable hostname verification with \
             ssl.endpoint.identification.algorithm= to accept it)"
        ),
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            format!("handshake failed: {error} (trusting {trust})")
        }
        _ => match client_certificate_refusal(error, settings.client_cert_pem.as_deref()) {
            Some(refusal) => format!("handshake failed: {refusal}"),
            None => format!("handshake failed: {error}"),
        },
    }
}

/// What a fatal alert about certificates from the broker means: it wants a
/// client certificate we do not have, or does not accept the one we sent.
fn client_certificate_refusal(
    error: &std::io::Error,
    client_cert: Option<&Path>,
) -> Option<String> {
    let inner = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    let rustls::Error::AlertReceived(
        alert @ (AlertDescription::BadCertificate
        | AlertDescription::CertificateRequired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnknownCA),
    ) = inner
    else {
        return None;
    };
    Some(match client_cert {
        None => format!(
            "the broker refused the TLS session (alert {alert:?}): it requires a client \
             certificate and none is configured; set ssl.keystore.location (PEM), or \
             ssl.certificate.location and ssl.key.location"
        ),
        Some(path) => format!(
            "the broker refused the TLS session (alert {alert:?}): it does not accept the \
             client certificate {} (not signed by a CA it trusts, or expired?)",
            path.display()
        ),
    })
}

/// A TLS stream whose certificate alerts are explained (see the module
/// comment); everything else passes through untouched.
struct ExplainedAlerts<S> {
    inner: S,
    client_cert: Option<PathBuf>,
}

impl<S> ExplainedAlerts<S> {
    fn explain(&self, error: std::io::Error) -> std::io::Error {
        match client_certificate_refusal(&error, self.client_cert.as_deref()) {
            Some(refusal) => std::io::Error::new(error.kind(), refusal),
            None => error,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ExplainedAlerts<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(self.explain(error))),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ExplainedAlerts<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(self.explain(error))),
            other => other,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(self.explain(error))),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(self.explain(error))),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Verifies the chain like [`WebPkiServerVerifier`] but accepts a
/// certificate that is not valid for the server name. webpki checks the name
/// only after the chain, so a name error means the chain was good.
#[derive(Debug)]
struct ChainOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_alerts_are_explained() {
        let alert = |description| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::AlertReceived(description),
            )
        };
        assert_eq!(
            client_certificate_refusal(&alert(AlertDescription::CertificateRequired), None)
                .as_deref(),
            Some(
                "the broker refused the TLS session (alert CertificateRequired): it requires \
                 a client certificate and none is configured; set ssl.keystore.location \
                 (PEM), or ssl.certificate.location and ssl.key.location"
            )
        );
        let refused = client_certificate_refusal(
            &alert(AlertDescription::BadCertificate),
            Some(Path::new("/certs/client.pem")),
        )
        .unwrap();
        assert!(refused.contains("/certs/client.pem"), "{refused}");
        assert_eq!(
            client_certificate_refusal(&alert(AlertDescription::HandshakeFailure), None),
            None
        );
        assert_eq!(
            client_certificate_refusal(&std::io::Error::other("reset"), None),
            None
        );
    }

    #[test]
    fn host_part_of_addresses() {
        assert_eq!(host_part("kafka-1.example:9093"), "kafka-1.example");
        assert_eq!(host_part("10.0.0.7:9093"), "10.0.0.7");
        assert_eq!(host_part("[::1]:9093"), "::1");
        assert_eq!(host_part("[fe80::1]"), "fe80::1");
        assert_eq!(host_part("fe80::1"), "fe80::1");
        assert_eq!(host_part("localhost"), "localhost");
    }

    #[test]
    fn server_names_for_dns_and_ip() {
        assert_eq!(
            server_name("kafka.example:9093").unwrap(),
            ServerName::try_from("kafka.example").unwrap()
        );
        assert!(matches!(
            server_name("127.0.0.1:9093").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            server_name("[::1]:9093").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(server_name("bad_host name:1").is_err());
    }

    #[test]
    fn missing_files_name_the_path() {
        let settings = TlsSettings {
            ca_pem: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..TlsSettings::default()
        };
        let reason = build_client_config(&settings).unwrap_err();
        assert!(reason.contains("/nonexistent/ca.pem"), "{reason}");
        assert!(reason.starts_with("cannot read CA file"), "{reason}");
    }

    #[test]
    fn non_pem_ca_is_explained() {
        let dir = std::env::temp_dir().join(format!("kafkascope-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let jks = dir.join("truststore.jks");
        std::fs::write(&jks, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]).unwrap();
        let settings = TlsSettings {
            ca_pem: Some(jks.clone()),
            ..TlsSettings::default()
        };
        let reason = build_client_config(&settings).unwrap_err();
        assert!(reason.contains(&jks.display().to_string()), "{reason}");
        assert!(reason.contains("Java KeyStore"), "{reason}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_without_certificate_is_rejected() {
        let settings = TlsSettings {
            client_key_pem: Some(PathBuf::from("/tmp/key.pem")),
            ..TlsSettings::default()
        };
        let reason = build_client_config(&settings).unwrap_err();
        assert_eq!(
            reason,
            "client private key /tmp/key.pem given without a certificate"
        );
    }

    #[test]
    fn web_roots_used_without_ca_file() {
        let store = root_store(None).unwrap();
        assert!(store.len() > 50);
    }
}
