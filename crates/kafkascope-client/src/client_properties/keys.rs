//! From entries to settings: the keys kafkascope reads, which of them must
//! come together, and SASL PLAIN and SCRAM credentials. The `ssl.*` keys are
//! read in `ssl_keys.rs`, OAUTHBEARER's in `oauthbearer.rs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::syntax::Entry;
use super::{ClientProperties, PropertiesError, SecurityProtocol, parse_jaas_config};
use crate::config::{SaslMechanism, SaslSettings};

/// The settings the entries make; keys kafkascope does not read become
/// [`ClientProperties::ignored_keys`].
pub(super) fn resolve_entries(entries: &[Entry]) -> Result<ClientProperties, PropertiesError> {
    let mut settings: HashMap<&str, &Entry> = HashMap::new();
    let mut ignored_keys: Vec<String> = Vec::new();
    for entry in entries {
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
pub(super) struct Resolver<'a> {
    settings: HashMap<&'a str, &'a Entry>,
    /// PEM files named, as [`ClientProperties`] keeps them.
    pub(super) pem_files: Vec<(usize, String, PathBuf)>,
}

impl Resolver<'_> {
    pub(super) fn get(&self, key: &str) -> Option<&Entry> {
        self.settings.get(key).copied()
    }

    /// The entry, if set to something other than an empty string.
    pub(super) fn non_empty(&self, key: &str) -> Option<&Entry> {
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
    use std::path::PathBuf;

    use crate::client_properties::{PropertiesError, parse_client_properties};
    use crate::config::{SaslMechanism, SaslSettings, TlsSettings};

    fn invalid(text: &str) -> (usize, String, String) {
        match parse_client_properties(text).unwrap_err() {
            PropertiesError::Invalid { line, key, reason } => (line, key, reason),
            other => panic!("unexpected {other:?}"),
        }
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
            invalid("request.timeout.ms=soon\n"),
            (
                1,
                "request.timeout.ms".to_string(),
                "\"soon\" is not a number of milliseconds".to_string()
            )
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
}
