//! Kafka client properties files (`--command-config client.properties`), as
//! Kafka's own tools and librdkafka read them, turned into a [`ClientConfig`]
//! overlay.
//!
//! Reading goes in stages, a module each: `syntax.rs` splits Java's
//! `.properties` text into entries (values trimmed, as Kafka's config parser
//! trims them); `keys.rs` maps the keys kafkascope understands to settings,
//! with `ssl_keys.rs` for TLS, `jaas.rs` for `sasl.jaas.config` and
//! `oauthbearer.rs` for OAUTHBEARER's token source; [`load_client_properties`]
//! then checks that the files named are PEM.
//!
//! Understood keys:
//! - `security.protocol`: `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`;
//! - `sasl.mechanism` (librdkafka: `sasl.mechanisms`): `PLAIN`,
//!   `SCRAM-SHA-256`, `SCRAM-SHA-512`, `OAUTHBEARER`;
//! - `sasl.jaas.config` with `PlainLoginModule` or `ScramLoginModule`
//!   (`username="…" password="…"`), or librdkafka's `sasl.username` and
//!   `sasl.password`;
//! - for OAUTHBEARER, `sasl.jaas.config` with `OAuthBearerLoginModule` and
//!   the `sasl.oauthbearer.*` and `sasl.login.*` keys `oauthbearer.rs` lists;
//! - `ssl.ca.location` or `ssl.truststore.location` (PEM only),
//!   `ssl.truststore.type`;
//! - `ssl.certificate.location` and `ssl.key.location`, or
//!   `ssl.keystore.location` with `ssl.keystore.type=PEM` (PEM only, key not
//!   encrypted);
//! - `ssl.endpoint.identification.algorithm` (empty or `none` turns hostname
//!   verification off; `https`, the default, keeps it on);
//! - `client.id`, `request.timeout.ms`.
//!
//! Other keys are ignored and listed by [`ClientProperties::ignored_keys`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{ClientConfig, SaslSettings, TlsSettings};

mod jaas;
mod keys;
mod oauthbearer;
mod ssl_keys;
mod syntax;

pub use jaas::{JaasCredentials, JaasModule, parse_jaas_config, parse_jaas_module};

/// Kafka's `security.protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProtocol {
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    pub fn kafka_name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    /// Case-insensitive, as librdkafka accepts `sasl_ssl`.
    pub fn from_kafka_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Some(SecurityProtocol::Plaintext),
            "SSL" => Some(SecurityProtocol::Ssl),
            "SASL_PLAINTEXT" => Some(SecurityProtocol::SaslPlaintext),
            "SASL_SSL" => Some(SecurityProtocol::SaslSsl),
            _ => None,
        }
    }

    pub fn uses_tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    pub fn uses_sasl(self) -> bool {
        matches!(
            self,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }
}

/// What a properties file says, ready to lay over a [`ClientConfig`].
///
/// `tls` is set exactly when the protocol is `SSL` or `SASL_SSL`, `sasl`
/// exactly when it is `SASL_PLAINTEXT` or `SASL_SSL`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProperties {
    pub security_protocol: Option<SecurityProtocol>,
    pub tls: Option<TlsSettings>,
    pub sasl: Option<SaslSettings>,
    pub client_id: Option<String>,
    pub request_timeout: Option<Duration>,
    ignored_keys: Vec<String>,
    /// PEM files named by the file, to check at load time: (line, key, path).
    pem_files: Vec<(usize, String, PathBuf)>,
}

impl ClientProperties {
    /// Overrides what the file sets. Without `security.protocol` the
    /// config's TLS and SASL settings are left as they are.
    pub fn apply(&self, config: &mut ClientConfig) {
        if let Some(client_id) = &self.client_id {
            config.client_id = client_id.clone();
        }
        if let Some(timeout) = self.request_timeout {
            config.request_timeout = timeout;
        }
        if self.security_protocol.is_some() {
            config.tls = self.tls.clone();
            config.sasl = self.sasl.clone();
        }
    }

    /// Keys kafkascope does not understand, in file order, for warnings.
    pub fn ignored_keys(&self) -> &[String] {
        &self.ignored_keys
    }
}

/// A properties file that cannot be used, naming the line and key.
#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("line {line}: {key}: {reason}")]
    Invalid {
        line: usize,
        key: String,
        reason: String,
    },
}

impl PropertiesError {
    fn invalid(line: usize, key: &str, reason: impl Into<String>) -> Self {
        PropertiesError::Invalid {
            line,
            key: key.to_string(),
            reason: reason.into(),
        }
    }
}

/// Reads and parses `path`, then checks that the PEM files it names are
/// readable and are PEM (not JKS or PKCS12).
pub fn load_client_properties(path: &Path) -> Result<ClientProperties, PropertiesError> {
    let text = std::fs::read_to_string(path).map_err(|source| PropertiesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let properties = parse_client_properties(&text)?;
    for (line, key, file) in &properties.pem_files {
        let bytes = std::fs::read(file).map_err(|e| {
            PropertiesError::invalid(*line, key, format!("cannot read {}: {e}", file.display()))
        })?;
        if !is_pem(&bytes) {
            return Err(PropertiesError::invalid(
                *line,
                key,
                format!(
                    "{} is not a PEM file{}; only PEM is supported",
                    file.display(),
                    store_kind(&bytes)
                ),
            ));
        }
    }
    Ok(properties)
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn store_kind(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        " (it is a Java KeyStore)"
    } else if bytes.first() == Some(&0x30) {
        " (it looks like PKCS12 or DER)"
    } else {
        ""
    }
}

/// Parses the text of a properties file. Pure: files it names are not read.
pub fn parse_client_properties(text: &str) -> Result<ClientProperties, PropertiesError> {
    keys::resolve_entries(&syntax::parse_entries(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SaslMechanism;

    #[test]
    fn sasl_ssl_with_scram_jaas_config() {
        // `\\"` in the file is `\"` in the JAAS text, a quote inside the value.
        let text = r#"
bootstrap.servers=kafka:9093
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="monitor" \
    password="p@ss \\"word\\"";
ssl.truststore.location=/etc/kafka/ca.pem
ssl.truststore.type=PEM
client.id=kafkascope-prod
request.timeout.ms=30000
linger.ms=5
"#;
        let properties = parse_client_properties(text).unwrap();
        assert_eq!(
            properties.security_protocol,
            Some(SecurityProtocol::SaslSsl)
        );
        assert_eq!(
            properties.sasl,
            Some(SaslSettings {
                mechanism: SaslMechanism::ScramSha512,
                username: "monitor".to_string(),
                password: "p@ss \"word\"".to_string(),
            })
        );
        assert_eq!(
            properties.tls,
            Some(TlsSettings {
                ca_pem: Some(PathBuf::from("/etc/kafka/ca.pem")),
                client_cert_pem: None,
                client_key_pem: None,
                verify_hostname: true,
            })
        );
        assert_eq!(properties.client_id.as_deref(), Some("kafkascope-prod"));
        assert_eq!(properties.request_timeout, Some(Duration::from_secs(30)));
        assert_eq!(
            properties.ignored_keys(),
            &["bootstrap.servers".to_string(), "linger.ms".to_string()]
        );

        let mut config = ClientConfig::default();
        properties.apply(&mut config);
        assert_eq!(config.client_id, "kafkascope-prod");
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.tls, properties.tls);
        assert_eq!(config.sasl, properties.sasl);
        assert_eq!(
            config.connect_timeout,
            ClientConfig::default().connect_timeout
        );
    }

    #[test]
    fn plaintext_clears_security_and_absent_protocol_keeps_it() {
        let mut config = ClientConfig {
            tls: Some(TlsSettings::default()),
            ..ClientConfig::default()
        };
        parse_client_properties("client.id=x\n")
            .unwrap()
            .apply(&mut config);
        assert_eq!(config.tls, Some(TlsSettings::default()));
        assert_eq!(config.client_id, "x");
        parse_client_properties("security.protocol=PLAINTEXT\n")
            .unwrap()
            .apply(&mut config);
        assert_eq!(config.tls, None);
        assert_eq!(config.sasl, None);
    }

    #[test]
    fn load_checks_pem_files() {
        let dir = std::env::temp_dir().join(format!("kafkascope-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let fake_pem_store = dir.join("store.pem");
        std::fs::write(&fake_pem_store, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]).unwrap();
        let props = dir.join("client.properties");

        std::fs::write(
            &props,
            format!("security.protocol=SSL\nssl.ca.location={}\n", ca.display()),
        )
        .unwrap();
        let loaded = load_client_properties(&props).unwrap();
        assert_eq!(loaded.tls.unwrap().ca_pem, Some(ca.clone()));

        std::fs::write(
            &props,
            format!(
                "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={}\n",
                fake_pem_store.display()
            ),
        )
        .unwrap();
        let error = load_client_properties(&props).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "line 3: ssl.truststore.location: {} is not a PEM file (it is a Java KeyStore); \
                 only PEM is supported",
                fake_pem_store.display()
            )
        );

        let missing = dir.join("missing.properties");
        let error = load_client_properties(&missing).unwrap_err();
        assert!(matches!(error, PropertiesError::Read { .. }));
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read {}", missing.display()))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
