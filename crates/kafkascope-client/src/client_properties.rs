//! Kafka client properties files (`--command-config client.properties`), as
//! Kafka's own tools and librdkafka read them, turned into a [`ClientConfig`]
//! overlay.
//!
//! The syntax is Java's `.properties` (`client_properties/syntax.rs`);
//! values are trimmed, as Kafka's config parser trims them.
//! `sasl.jaas.config` is read by `jaas.rs`, OAUTHBEARER's token source by
//! `oauthbearer.rs` beside it.
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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{ClientConfig, SaslMechanism, SaslSettings, TlsSettings};

mod jaas;
mod oauthbearer;
mod syntax;

pub use jaas::{JaasCredentials, JaasModule, parse_jaas_config, parse_jaas_module};
use syntax::{Entry, parse_entries};

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
    let entries = parse_entries(text)?;
    let mut settings: HashMap<&str, &Entry> = HashMap::new();
    let mut ignored_keys: Vec<String> = Vec::new();
    for entry in &entries {
        if KNOWN_KEYS.contains(&entry.key.as_str()) {
            settings.insert(entry.key.as_str(), entry); // the last one wins, as in Java
        } else if !ignored_keys.contains(&entry.key) {
            ignored_keys.push(entry.key.clone());
        }
    }
    let mut resolver = Resolver {
        settings,
        pem_files: Vec::new(),
    };
    let mut properties = resolver.resolve()?;
    properties.ignored_keys = ignored_keys;
    properties.pem_files = resolver.pem_files;
    Ok(properties)
}

const KNOWN_KEYS: &[&str] = &[
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.jaas.config",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.truststore.location",
    "ssl.truststore.type",
    "ssl.truststore.password",
    "ssl.truststore.certificates",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.keystore.location",
    "ssl.keystore.type",
    "ssl.keystore.password",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.endpoint.identification.algorithm",
    "client.id",
    "request.timeout.ms",
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.oauthbearer.client.credentials.client.id",
    "sasl.oauthbearer.client.credentials.client.secret",
    "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.scope",
    "sasl.oauthbearer.jwt.retriever.class",
    "sasl.oauthbearer.method",
    "sasl.login.callback.handler.class",
    "sasl.login.connect.timeout.ms",
    "sasl.login.read.timeout.ms",
];

/// Keys that only matter with a security protocol; setting them without one
/// would silently connect in PLAINTEXT, as Kafka's clients do.
const SECURITY_KEYS: &[&str] = &[
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.jaas.config",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.truststore.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.keystore.location",
    "sasl.oauthbearer.token.endpoint.url",
];

struct Resolver<'a> {
    settings: HashMap<&'a str, &'a Entry>,
    pem_files: Vec<(usize, String, PathBuf)>,
}

impl Resolver<'_> {
    fn get(&self, key: &str) -> Option<&Entry> {
        self.settings.get(key).copied()
    }

    /// The entry, if set to something other than an empty string.
    fn non_empty(&self, key: &str) -> Option<&Entry> {
        self.get(key).filter(|e| !e.value.is_empty())
    }

    fn resolve(&mut self) -> Result<ClientProperties, PropertiesError> {
        let mut properties = ClientProperties {
            client_id: self.non_empty("client.id").map(|e| e.value.clone()),
            ..ClientProperties::default()
        };
        if let Some(entry) = self.get("request.timeout.ms") {
            let ms: u64 = entry.value.parse().map_err(|_| {
                PropertiesError::invalid(
                    entry.line,
                    &entry.key,
                    format!("{:?} is not a number of milliseconds", entry.value),
                )
            })?;
            if ms == 0 {
                return Err(PropertiesError::invalid(
                    entry.line,
                    &entry.key,
                    "must be greater than 0",
                ));
            }
            properties.request_timeout = Some(Duration::from_millis(ms));
        }

        let Some(protocol_entry) = self.get("security.protocol") else {
            if let Some(entry) = self.first_security_key() {
                return Err(PropertiesError::invalid(
                    entry.line,
                    &entry.key,
                    "security.protocol is not set, so Kafka would connect in PLAINTEXT and not \
                     use this; set security.protocol to SSL, SASL_PLAINTEXT or SASL_SSL",
                ));
            }
            return Ok(properties);
        };
        let protocol = SecurityProtocol::from_kafka_name(&protocol_entry.value).ok_or_else(|| {
            PropertiesError::invalid(
                protocol_entry.line,
                &protocol_entry.key,
                format!(
                    "unknown security protocol {:?} (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)",
                    protocol_entry.value
                ),
            )
        })?;
        let (protocol_line, protocol_key) = (protocol_entry.line, protocol_entry.key.clone());
        properties.security_protocol = Some(protocol);
        if protocol.uses_tls() {
            properties.tls = Some(self.tls()?);
        }
        if protocol.uses_sasl() {
            properties.sasl = Some(self.sasl(protocol, protocol_line, &protocol_key)?);
        }
        Ok(properties)
    }

    fn first_security_key(&self) -> Option<&Entry> {
        SECURITY_KEYS
            .iter()
            .filter_map(|key| self.non_empty(key))
            .min_by_key(|e| e.line)
    }

    fn tls(&mut self) -> Result<TlsSettings, PropertiesError> {
        for key in [
            "ssl.truststore.certificates",
            "ssl.keystore.certificate.chain",
            "ssl.keystore.key",
        ] {
            if let Some(entry) = self.non_empty(key) {
                return Err(PropertiesError::invalid(
                    entry.line,
                    key,
                    "inline PEM is not supported; put the PEM in a file and name it with \
                     ssl.truststore.location or ssl.keystore.location",
                ));
            }
        }
        let verify_hostname = match self.get("ssl.endpoint.identification.algorithm") {
            None => true,
            Some(entry) => match entry.value.to_ascii_lowercase().as_str() {
                "https" => true,
                "" | "none" => false,
                other => {
                    return Err(PropertiesError::invalid(
                        entry.line,
                        &entry.key,
                        format!(
                            "unknown algorithm {other:?} (expected https, or empty to disable)"
                        ),
                    ));
                }
            },
        };

        let ca_pem = self.ca_location()?;
        let (client_cert_pem, client_key_pem) = self.client_identity()?;
        Ok(TlsSettings {
            ca_pem,
            client_cert_pem,
            client_key_pem,
            verify_hostname,
        })
    }

    fn ca_location(&mut self) -> Result<Option<PathBuf>, PropertiesError> {
        let ca = self.non_empty("ssl.ca.location").cloned();
        let truststore = self.non_empty("ssl.truststore.location").cloned();
        let chosen = match (ca, truststore) {
            (Some(ca), Some(store)) if ca.value != store.value => {
                return Err(PropertiesError::invalid(
                    store.line,
                    &store.key,
                    format!(
                        "conflicts with ssl.ca.location on line {}; set only one",
                        ca.line
                    ),
                ));
            }
            (Some(ca), _) => ca,
            (None, Some(store)) => {
                self.check_store_type(&store, "ssl.truststore.type")?;
                store
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(self.pem_file(&chosen)))
    }

    fn client_identity(&mut self) -> Result<(Option<PathBuf>, Option<PathBuf>), PropertiesError> {
        let cert = self.non_empty("ssl.certificate.location").cloned();
        let key = self.non_empty("ssl.key.location").cloned();
        let keystore = self.non_empty("ssl.keystore.location").cloned();
        let identity = match (cert, key, keystore) {
            (None, None, None) => return Ok((None, None)),
            (Some(cert), Some(key), None) => (self.pem_file(&cert), self.pem_file(&key)),
            (Some(_), _, Some(keystore)) | (None, Some(_), Some(keystore)) => {
                return Err(PropertiesError::invalid(
                    keystore.line,
                    &keystore.key,
                    "set either ssl.keystore.location or ssl.certificate.location with \
                     ssl.key.location, not both",
                ));
            }
            (None, None, Some(keystore)) => {
                self.check_store_type(&keystore, "ssl.keystore.type")?;
                // A PEM keystore holds the private key and the certificate chain.
                let path = self.pem_file(&keystore);
                (path.clone(), path)
            }
            (Some(cert), None, None) => {
                return Err(PropertiesError::invalid(
                    cert.line,
                    &cert.key,
                    "a client certificate needs ssl.key.location as well",
                ));
            }
            (None, Some(key), None) => {
                return Err(PropertiesError::invalid(
                    key.line,
                    &key.key,
                    "a client key needs ssl.certificate.location as well",
                ));
            }
        };
        if let Some(entry) = self.non_empty("ssl.key.password") {
            return Err(PropertiesError::invalid(
                entry.line,
                &entry.key,
                "encrypted private keys are not supported; decrypt the key \
                 (openssl pkey -in key.pem -out plain.pem) and remove ssl.key.password",
            ));
        }
        Ok((Some(identity.0), Some(identity.1)))
    }

    /// JKS is Kafka's default store type; only PEM stores can be used.
    fn check_store_type(&self, location: &Entry, type_key: &str) -> Result<(), PropertiesError> {
        match self.non_empty(type_key) {
            Some(kind) if !kind.value.eq_ignore_ascii_case("PEM") => Err(PropertiesError::invalid(
                kind.line,
                &kind.key,
                format!(
                    "{} stores are not supported, only PEM; convert the store to PEM \
                         (keytool -exportcert -rfc, openssl pkcs12) and set {type_key}=PEM",
                    kind.value
                ),
            )),
            Some(_) => Ok(()),
            None => {
                let lower = location.value.to_ascii_lowercase();
                let store = [".jks", ".p12", ".pfx", ".pkcs12"]
                    .iter()
                    .any(|ext| lower.ends_with(ext));
                if store {
                    Err(PropertiesError::invalid(
                        location.line,
                        &location.key,
                        format!(
                            "{} looks like a JKS or PKCS12 store ({type_key} is not set and \
                             Kafka's default is JKS); only PEM is supported",
                            location.value
                        ),
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    fn pem_file(&mut self, entry: &Entry) -> PathBuf {
        let path = PathBuf::from(&entry.value);
        if !self.pem_files.iter().any(|(_, _, p)| p == &path) {
            self.pem_files
                .push((entry.line, entry.key.clone(), path.clone()));
        }
        path
    }

    fn sasl(
        &mut self,
        protocol: SecurityProtocol,
        protocol_line: usize,
        protocol_key: &str,
    ) -> Result<SaslSettings, PropertiesError> {
        let mechanism_entry = self
            .non_empty("sasl.mechanism")
            .or_else(|| self.non_empty("sasl.mechanisms"));
        let Some(mechanism_entry) = mechanism_entry else {
            return Err(PropertiesError::invalid(
                protocol_line,
                protocol_key,
                format!(
                    "{} needs sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or \
                     OAUTHBEARER); Kafka's default, GSSAPI, is not supported",
                    protocol.kafka_name()
                ),
            ));
        };
        if mechanism_entry
            .value
            .trim()
            .eq_ignore_ascii_case("OAUTHBEARER")
        {
            let mechanism_entry = mechanism_entry.clone();
            return self.oauthbearer(&mechanism_entry);
        }
        let mechanism =
            SaslMechanism::from_kafka_name(&mechanism_entry.value).ok_or_else(|| {
                PropertiesError::invalid(
                    mechanism_entry.line,
                    &mechanism_entry.key,
                    format!(
                        "mechanism {} is not supported (supported: PLAIN, SCRAM-SHA-256, \
                     SCRAM-SHA-512, OAUTHBEARER)",
                        mechanism_entry.value
                    ),
                )
            })?;
        let (username, password) = if let Some(jaas) = self.non_empty("sasl.jaas.config") {
            let credentials = parse_jaas_config(&jaas.value)
                .map_err(|reason| PropertiesError::invalid(jaas.line, &jaas.key, reason))?;
            (credentials.username, credentials.password)
        } else if let Some(user) = self.non_empty("sasl.username") {
            let password = self.get("sasl.password").ok_or_else(|| {
                PropertiesError::invalid(user.line, &user.key, "sasl.password is not set")
            })?;
            (user.value.clone(), password.value.clone())
        } else {
            return Err(PropertiesError::invalid(
                protocol_line,
                protocol_key,
                format!(
                    "{} with {} needs credentials: sasl.jaas.config, or sasl.username and \
                     sasl.password",
                    protocol.kafka_name(),
                    mechanism.kafka_name()
                ),
            ));
        };
        Ok(SaslSettings {
            mechanism,
            username,
            password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(text: &str) -> (usize, String, String) {
        match parse_client_properties(text).unwrap_err() {
            PropertiesError::Invalid { line, key, reason } => (line, key, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_unicode_escape_names_line_and_key() {
        assert_eq!(
            invalid("\n\nclient.id=\\u12G4"),
            (
                3,
                "client.id".to_string(),
                "malformed \\uxxxx escape \\u12G4".to_string()
            )
        );
    }

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
    fn sasl_plaintext_plain_module() {
        let properties = parse_client_properties(
            "security.protocol=SASL_PLAINTEXT\n\
             sasl.mechanism=PLAIN\n\
             sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"alice-secret\";\n\
             ssl.truststore.location=/ignored/truststore.jks\n",
        )
        .unwrap();
        assert_eq!(properties.tls, None);
        assert_eq!(
            properties.sasl,
            Some(SaslSettings {
                mechanism: SaslMechanism::Plain,
                username: "alice".to_string(),
                password: "alice-secret".to_string(),
            })
        );
        assert!(properties.ignored_keys().is_empty());
    }

    #[test]
    fn librdkafka_style_settings() {
        let properties = parse_client_properties(
            "security.protocol=sasl_ssl\n\
             sasl.mechanisms=SCRAM-SHA-256\n\
             sasl.username=bob\n\
             sasl.password=hunter2\n\
             ssl.ca.location=/certs/ca.crt\n\
             ssl.certificate.location=/certs/client.crt\n\
             ssl.key.location=/certs/client.key\n\
             ssl.endpoint.identification.algorithm=none\n",
        )
        .unwrap();
        assert_eq!(
            properties.sasl,
            Some(SaslSettings {
                mechanism: SaslMechanism::ScramSha256,
                username: "bob".to_string(),
                password: "hunter2".to_string(),
            })
        );
        assert_eq!(
            properties.tls,
            Some(TlsSettings {
                ca_pem: Some(PathBuf::from("/certs/ca.crt")),
                client_cert_pem: Some(PathBuf::from("/certs/client.crt")),
                client_key_pem: Some(PathBuf::from("/certs/client.key")),
                verify_hostname: false,
            })
        );
        assert_eq!(
            properties.pem_files,
            vec![
                (
                    5,
                    "ssl.ca.location".to_string(),
                    PathBuf::from("/certs/ca.crt")
                ),
                (
                    6,
                    "ssl.certificate.location".to_string(),
                    PathBuf::from("/certs/client.crt")
                ),
                (
                    7,
                    "ssl.key.location".to_string(),
                    PathBuf::from("/certs/client.key")
                ),
            ]
        );
    }

    #[test]
    fn ssl_with_pem_keystore_and_empty_endpoint_algorithm() {
        let properties = parse_client_properties(
            "security.protocol=SSL\n\
             ssl.keystore.type=PEM\n\
             ssl.keystore.location=/certs/client-keystore.pem\n\
             ssl.endpoint.identification.algorithm=\n",
        )
        .unwrap();
        assert_eq!(properties.sasl, None);
        assert_eq!(
            properties.tls,
            Some(TlsSettings {
                ca_pem: None,
                client_cert_pem: Some(PathBuf::from("/certs/client-keystore.pem")),
                client_key_pem: Some(PathBuf::from("/certs/client-keystore.pem")),
                verify_hostname: false,
            })
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
    fn non_pem_stores_are_rejected() {
        assert_eq!(
            invalid(
                "security.protocol=SSL\n\
                 ssl.truststore.location=/etc/kafka/truststore.jks\n\
                 ssl.truststore.password=changeit\n"
            ),
            (
                2,
                "ssl.truststore.location".to_string(),
                "/etc/kafka/truststore.jks looks like a JKS or PKCS12 store \
                 (ssl.truststore.type is not set and Kafka's default is JKS); only PEM is supported"
                    .to_string()
            )
        );
        assert_eq!(
            invalid(
                "security.protocol=SSL\n\
                 ssl.truststore.location=/etc/kafka/truststore\n\
                 ssl.truststore.type=PKCS12\n"
            ),
            (
                3,
                "ssl.truststore.type".to_string(),
                "PKCS12 stores are not supported, only PEM; convert the store to PEM \
                 (keytool -exportcert -rfc, openssl pkcs12) and set ssl.truststore.type=PEM"
                    .to_string()
            )
        );
        let (line, key, _) = invalid(
            "security.protocol=SSL\n\
             ssl.keystore.location=/etc/kafka/client.p12\n",
        );
        assert_eq!((line, key.as_str()), (2, "ssl.keystore.location"));
    }

    #[test]
    fn inconsistent_security_settings() {
        assert_eq!(
            invalid("security.protocol=SASL_SSL\n"),
            (
                1,
                "security.protocol".to_string(),
                "SASL_SSL needs sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or \
                 OAUTHBEARER); Kafka's default, GSSAPI, is not supported"
                    .to_string()
            )
        );
        assert_eq!(
            invalid("security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"),
            (
                1,
                "security.protocol".to_string(),
                "SASL_SSL with PLAIN needs credentials: sasl.jaas.config, or sasl.username \
                 and sasl.password"
                    .to_string()
            )
        );
        assert_eq!(
            invalid("security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n"),
            (
                2,
                "sasl.mechanism".to_string(),
                "mechanism GSSAPI is not supported (supported: PLAIN, SCRAM-SHA-256, \
                 SCRAM-SHA-512, OAUTHBEARER)"
                    .to_string()
            )
        );
        assert_eq!(
            invalid("sasl.mechanism=PLAIN\nsasl.username=u\n"),
            (
                1,
                "sasl.mechanism".to_string(),
                "security.protocol is not set, so Kafka would connect in PLAINTEXT and not use \
                 this; set security.protocol to SSL, SASL_PLAINTEXT or SASL_SSL"
                    .to_string()
            )
        );
        assert_eq!(
            invalid("security.protocol=TLS\n").2,
            "unknown security protocol \"TLS\" (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)"
        );
        assert_eq!(
            invalid("security.protocol=SSL\nssl.certificate.location=/c.pem\n"),
            (
                2,
                "ssl.certificate.location".to_string(),
                "a client certificate needs ssl.key.location as well".to_string()
            )
        );
        assert_eq!(
            invalid(
                "security.protocol=SSL\nssl.certificate.location=/c.pem\n\
                 ssl.key.location=/k.pem\nssl.key.password=secret\n"
            )
            .0,
            4
        );
        assert_eq!(
            invalid(
                "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location=/ks.pem\n\
                 ssl.key.location=/k.pem\n"
            ),
            (
                3,
                "ssl.keystore.location".to_string(),
                "set either ssl.keystore.location or ssl.certificate.location with \
                 ssl.key.location, not both"
                    .to_string()
            )
        );
        assert_eq!(
            invalid("security.protocol=SSL\nssl.endpoint.identification.algorithm=ldap\n").2,
            "unknown algorithm \"ldap\" (expected https, or empty to disable)"
        );
        assert_eq!(
            invalid("request.timeout.ms=soon\n"),
            (
                1,
                "request.timeout.ms".to_string(),
                "\"soon\" is not a number of milliseconds".to_string()
            )
        );
        assert_eq!(
            invalid(
                "security.protocol=SSL\nssl.ca.location=/a.pem\nssl.truststore.location=/b.pem\n"
            )
            .2,
            "conflicts with ssl.ca.location on line 2; set only one"
        );
        assert_eq!(
            invalid("security.protocol=SSL\nssl.truststore.certificates=-----BEGIN\n").1,
            "ssl.truststore.certificates"
        );
    }

    #[test]
    fn jaas_errors_name_the_line() {
        assert_eq!(
            invalid(
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
                 sasl.jaas.config=x.PlainLoginModule required username=\"u\";\n"
            ),
            (
                3,
                "sasl.jaas.config".to_string(),
                "PlainLoginModule has no password option".to_string()
            )
        );
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
