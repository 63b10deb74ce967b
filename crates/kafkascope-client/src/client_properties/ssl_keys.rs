//! The `ssl.*` keys: what to trust (`ssl.ca.location`,
//! `ssl.truststore.*`), the client's certificate and key
//! (`ssl.certificate.location` and `ssl.key.location`, or a PEM
//! `ssl.keystore.location`) and hostname verification. Stores must be PEM;
//! JKS and PKCS12 are refused, saying how to convert them.

use std::path::PathBuf;

use super::PropertiesError;
use super::keys::Resolver;
use super::syntax::Entry;
use crate::config::TlsSettings;

impl Resolver<'_> {
    pub(super) fn tls(&mut self) -> Result<TlsSettings, PropertiesError> {
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

    /// The entry's path, noted for [`super::load_client_properties`] to check.
    pub(super) fn pem_file(&mut self, entry: &Entry) -> PathBuf {
        let path = PathBuf::from(&entry.value);
        if !self.pem_files.iter().any(|(_, _, p)| p == &path) {
            self.pem_files
                .push((entry.line, entry.key.clone(), path.clone()));
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::client_properties::{PropertiesError, parse_client_properties};
    use crate::config::TlsSettings;

    fn invalid(text: &str) -> (usize, String, String) {
        match parse_client_properties(text).unwrap_err() {
            PropertiesError::Invalid { line, key, reason } => (line, key, reason),
            other => panic!("unexpected {other:?}"),
        }
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
    fn inconsistent_ssl_settings() {
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
}
