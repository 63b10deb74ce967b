//! OAUTHBEARER's token source, from the keys Kafka's Java clients use:
//!
//! - `sasl.oauthbearer.token.endpoint.url=https://…`: OAuth 2 client
//!   credentials. The client comes from
//!   `sasl.oauthbearer.client.credentials.client.id` and `.client.secret`
//!   (Kafka 4.1+), else `clientId` and `clientSecret` in `sasl.jaas.config`
//!   (Kafka 3.1+), else librdkafka's `sasl.oauthbearer.client.id` and
//!   `.client.secret`; the scope from `sasl.oauthbearer.scope` or the JAAS
//!   option `scope`; the endpoint's CA from the JAAS option
//!   `ssl.truststore.location` (PEM; default: the web PKI roots); timeouts
//!   from `sasl.login.connect.timeout.ms` and `sasl.login.read.timeout.ms`.
//! - `sasl.oauthbearer.token.endpoint.url=file:/path`: a token file, read at
//!   every authentication (Kafka's `FileJwtRetriever`).
//! - neither: an unsecured JWS built from the `unsecuredLogin*` options of
//!   `OAuthBearerLoginModule` in `sasl.jaas.config`, as Kafka's default
//!   login callback handler does.
//!
//! `sasl.login.callback.handler.class` and
//! `sasl.oauthbearer.jwt.retriever.class` may name Kafka's own classes for
//! these; any other class is Java code kafkascope cannot run, and is refused.

use std::path::PathBuf;
use std::time::Duration;

use super::PropertiesError;
use super::jaas::{JaasModule, parse_jaas_module};
use super::keys::Resolver;
use super::syntax::Entry;
use crate::config::{SaslMechanism, SaslSettings};
use crate::security::sasl::oauthbearer::{
    ClientCredentials, OAuthBearerTokens, TokenSource, UnsecuredLogin,
};

const LOGIN_MODULE: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginHandler {
    /// `OAuthBearerLoginCallbackHandler`: tokens from the endpoint URL.
    Secured,
    /// `OAuthBearerUnsecuredLoginCallbackHandler`, Kafka's default.
    Unsecured,
}

fn invalid(entry: &Entry, reason: impl Into<String>) -> PropertiesError {
    PropertiesError::invalid(entry.line, &entry.key, reason)
}

fn simple_name(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

impl Resolver<'_> {
    /// The SASL settings for `sasl.mechanism=OAUTHBEARER` (on `mechanism`).
    pub(super) fn oauthbearer(
        &mut self,
        mechanism: &Entry,
    ) -> Result<SaslSettings, PropertiesError> {
        let jaas = self.oauthbearer_jaas()?;
        let handler = self.login_handler()?;
        let retriever = self
            .non_empty("sasl.oauthbearer.jwt.retriever.class")
            .cloned();
        let url = self
            .non_empty("sasl.oauthbearer.token.endpoint.url")
            .cloned();
        // librdkafka's switch between its unsecured builder and OIDC.
        if let Some(method) = self.non_empty("sasl.oauthbearer.method") {
            match method.value.to_ascii_lowercase().as_str() {
                "default" => {}
                "oidc" if url.is_some() => {}
                "oidc" => {
                    return Err(invalid(
                        method,
                        "oidc needs sasl.oauthbearer.token.endpoint.url",
                    ));
                }
                other => {
                    return Err(invalid(
                        method,
                        format!("unknown method {other:?} (expected default or oidc)"),
                    ));
                }
            }
        }
        let retriever_allows = |allowed: &[&str]| match &retriever {
            Some(entry) if !allowed.contains(&simple_name(&entry.value)) => Err(invalid(
                entry,
                format!(
                    "{} is not supported with this token source; kafkascope knows \
                     DefaultJwtRetriever, ClientCredentialsJwtRetriever (https:// token \
                     endpoint) and FileJwtRetriever (file: token endpoint URL)",
                    entry.value
                ),
            )),
            _ => Ok(()),
        };

        let source = match &url {
            Some(url) => {
                if let Some((entry, LoginHandler::Unsecured)) = &handler {
                    return Err(invalid(
                        entry,
                        format!(
                            "the unsecured login handler conflicts with \
                             sasl.oauthbearer.token.endpoint.url on line {}",
                            url.line
                        ),
                    ));
                }
                if let Some(path) = file_url_path(&url.value) {
                    retriever_allows(&["DefaultJwtRetriever", "FileJwtRetriever"])?;
                    TokenSource::File(path)
                } else if url.value.starts_with("https://") || url.value.starts_with("http://") {
                    retriever_allows(&["DefaultJwtRetriever", "ClientCredentialsJwtRetriever"])?;
                    TokenSource::ClientCredentials(self.client_credentials(url, jaas.as_ref())?)
                } else {
                    return Err(invalid(
                        url,
                        "expected an https:// (or http://) token endpoint, or a file: URL \
                         naming a token file",
                    ));
                }
            }
            None => {
                if let Some((entry, LoginHandler::Secured)) = &handler {
                    return Err(invalid(
                        entry,
                        "the secured login handler needs sasl.oauthbearer.token.endpoint.url",
                    ));
                }
                retriever_allows(&[])?;
                let Some((entry, module)) = &jaas else {
                    return Err(invalid(
                        mechanism,
                        format!(
                            "OAUTHBEARER needs a token source: sasl.oauthbearer.token.endpoint.url \
                             (https://… for client credentials, file:… for a token file), or \
                             sasl.jaas.config={LOGIN_MODULE} required \
                             unsecuredLoginStringClaim_sub=\"…\"; for an unsecured token"
                        ),
                    ));
                };
                if module.option("clientId").is_some() {
                    return Err(invalid(
                        entry,
                        "clientId needs sasl.oauthbearer.token.endpoint.url",
                    ));
                }
                TokenSource::Unsecured(unsecured_login(module).map_err(|r| invalid(entry, r))?)
            }
        };
        let username = match &source {
            TokenSource::Unsecured(login) => login.principal().unwrap_or_default().to_string(),
            TokenSource::ClientCredentials(credentials) => credentials.client_id.clone(),
            TokenSource::File(_) => String::new(),
        };
        Ok(SaslSettings {
            mechanism: SaslMechanism::OAuthBearer(OAuthBearerTokens::new(source)),
            username,
            password: String::new(),
        })
    }

    /// `sasl.jaas.config`, which for OAUTHBEARER must name
    /// `OAuthBearerLoginModule`; it may be absent when the endpoint URL and
    /// the `sasl.oauthbearer.*` keys say everything.
    fn oauthbearer_jaas(&self) -> Result<Option<(Entry, JaasModule)>, PropertiesError> {
        let Some(entry) = self.non_empty("sasl.jaas.config") else {
            return Ok(None);
        };
        let module = parse_jaas_module(&entry.value).map_err(|r| invalid(entry, r))?;
        if module.simple_name() != "OAuthBearerLoginModule" {
            return Err(invalid(
                entry,
                format!(
                    "sasl.mechanism=OAUTHBEARER needs {LOGIN_MODULE}, not {}",
                    module.login_module
                ),
            ));
        }
        if let Some((name, _)) = module.options.iter().find(|(name, _)| {
            name.starts_with("unsecuredLoginExtension_") || name.starts_with("extension_")
        }) {
            return Err(invalid(
                entry,
                format!("SASL extensions ({name}) are not supported"),
            ));
        }
        Ok(Some((entry.clone(), module)))
    }

    fn login_handler(&self) -> Result<Option<(Entry, LoginHandler)>, PropertiesError> {
        let Some(entry) = self.non_empty("sasl.login.callback.handler.class") else {
            return Ok(None);
        };
        let handler = match simple_name(&entry.value) {
            "OAuthBearerLoginCallbackHandler" => LoginHandler::Secured,
            "OAuthBearerUnsecuredLoginCallbackHandler" => LoginHandler::Unsecured,
            _ => {
                return Err(invalid(
                    entry,
                    format!(
                        "{} is not supported: kafkascope gets tokens itself, from a token \
                         endpoint or file (OAuthBearerLoginCallbackHandler with \
                         sasl.oauthbearer.token.endpoint.url) or as unsecured tokens \
                         (no handler)",
                        entry.value
                    ),
                ));
            }
        };
        Ok(Some((entry.clone(), handler)))
    }

    fn client_credentials(
        &mut self,
        url: &Entry,
        jaas: Option<&(Entry, JaasModule)>,
    ) -> Result<ClientCredentials, PropertiesError> {
        let jaas_option = |name: &str| {
            jaas.and_then(|(_, module)| module.option(name))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let setting = |keys: &[&str], jaas_name: &str| {
            keys.iter()
                .find_map(|key| self.non_empty(key).map(|e| e.value.clone()))
                .or_else(|| jaas_option(jaas_name))
        };
        let client_id = setting(
            &[
                "sasl.oauthbearer.client.credentials.client.id",
                "sasl.oauthbearer.client.id",
            ],
            "clientId",
        )
        .ok_or_else(|| {
            invalid(
                url,
                "a token endpoint needs a client: set \
                 sasl.oauthbearer.client.credentials.client.id and \
                 sasl.oauthbearer.client.credentials.client.secret (or clientId and \
                 clientSecret in sasl.jaas.config)",
            )
        })?;
        let client_secret = setting(
            &[
                "sasl.oauthbearer.client.credentials.client.secret",
                "sasl.oauthbearer.client.secret",
            ],
            "clientSecret",
        )
        .ok_or_else(|| {
            invalid(
                url,
                "a token endpoint needs the client's secret: set \
                 sasl.oauthbearer.client.credentials.client.secret (or clientSecret in \
                 sasl.jaas.config)",
            )
        })?;
        let scope = setting(&["sasl.oauthbearer.scope"], "scope");
        let ca_pem = match jaas
            .and_then(|(entry, module)| Some((entry, module.option("ssl.truststore.location")?)))
        {
            Some((entry, location)) if !location.is_empty() => {
                let location_entry = Entry {
                    line: entry.line,
                    key: entry.key.clone(),
                    value: location.to_string(),
                };
                Some(self.pem_file(&location_entry))
            }
            _ => None,
        };
        let mut credentials = ClientCredentials::new(&url.value, &client_id, &client_secret);
        credentials.scope = scope;
        credentials.ca_pem = ca_pem;
        if let Some(timeout) = self.milliseconds("sasl.login.connect.timeout.ms")? {
            credentials.connect_timeout = timeout;
        }
        if let Some(timeout) = self.milliseconds("sasl.login.read.timeout.ms")? {
            credentials.read_timeout = timeout;
        }
        Ok(credentials)
    }

    fn milliseconds(&self, key: &str) -> Result<Option<Duration>, PropertiesError> {
        let Some(entry) = self.non_empty(key) else {
            return Ok(None);
        };
        match entry.value.parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
            _ => Err(invalid(
                entry,
                format!("{:?} is not a positive number of milliseconds", entry.value),
            )),
        }
    }
}

/// The path of a `file:` URL (`file:/p`, `file:///p`, `file://localhost/p`).
fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file:")?;
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let slash = authority_and_path.find('/')?;
            let host = &authority_and_path[..slash];
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return None;
            }
            &authority_and_path[slash..]
        }
        None => rest,
    };
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Kafka's `OAuthBearerUnsecuredLoginCallbackHandler` options.
fn unsecured_login(module: &JaasModule) -> Result<UnsecuredLogin, String> {
    let mut login = UnsecuredLogin {
        principal_claim_name: module
            .option("unsecuredLoginPrincipalClaimName")
            .filter(|n| !n.is_empty())
            .unwrap_or("sub")
            .to_string(),
        lifetime: UnsecuredLogin::DEFAULT_LIFETIME,
        string_claims: Vec::new(),
        number_claims: Vec::new(),
        list_claims: Vec::new(),
    };
    if let Some(seconds) = module.option("unsecuredLoginLifetimeSeconds") {
        let seconds: u64 = seconds.trim().parse().map_err(|_| {
            format!("unsecuredLoginLifetimeSeconds={seconds:?} is not a number of seconds")
        })?;
        login.lifetime = Duration::from_secs(seconds);
    }
    for (name, value) in &module.options {
        if let Some(claim) = name.strip_prefix("unsecuredLoginStringClaim_") {
            login.string_claims.push((claim.to_string(), value.clone()));
        } else if let Some(claim) = name.strip_prefix("unsecuredLoginNumberClaim_") {
            login.number_claims.push((claim.to_string(), value.clone()));
        } else if let Some(claim) = name.strip_prefix("unsecuredLoginListClaim_") {
            // The first character is the delimiter of the rest.
            let mut chars = value.chars();
            let items = match chars.next() {
                Some(delimiter) => chars
                    .as_str()
                    .split(delimiter)
                    .filter(|item| !item.is_empty())
                    .map(String::from)
                    .collect(),
                None => Vec::new(),
            };
            login.list_claims.push((claim.to_string(), items));
        }
    }
    login.validate()?;
    Ok(login)
}

#[cfg(test)]
mod tests {
    use crate::client_properties::{PropertiesError, parse_client_properties};
    use crate::config::SaslMechanism;
    use crate::security::sasl::oauthbearer::{ClientCredentials, TokenSource, UnsecuredLogin};
    use std::time::Duration;

    fn source(text: &str) -> (TokenSource, String) {
        let sasl = parse_client_properties(text)
            .unwrap_or_else(|e| panic!("{e}"))
            .sasl
            .expect("SASL settings");
        match sasl.mechanism {
            SaslMechanism::OAuthBearer(tokens) => (tokens.source().clone(), sasl.username),
            other => panic!("expected OAUTHBEARER, got {other:?}"),
        }
    }

    fn invalid(text: &str) -> (usize, String, String) {
        match parse_client_properties(text).unwrap_err() {
            PropertiesError::Invalid { line, key, reason } => (line, key, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    const HEAD: &str = "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n";

    #[test]
    fn unsecured_login_module_options() {
        let (source, username) = source(&format!(
            "{HEAD}sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule \
             required unsecuredLoginStringClaim_sub=\"monitor\" unsecuredLoginLifetimeSeconds=\"120\" \
             unsecuredLoginNumberClaim_level=\"2\" unsecuredLoginListClaim_scope=\"|read|describe\" \
             unsecuredLoginScopeClaimName=\"scope\";\n"
        ));
        assert_eq!(
            source,
            TokenSource::Unsecured(UnsecuredLogin {
                principal_claim_name: "sub".into(),
                lifetime: Duration::from_secs(120),
                string_claims: vec![("sub".into(), "monitor".into())],
                number_claims: vec![("level".into(), "2".into())],
                list_claims: vec![("scope".into(), vec!["read".into(), "describe".into()])],
            })
        );
        assert_eq!(username, "monitor");
    }

    #[test]
    fn file_token_endpoint_urls() {
        for url in [
            "file:/run/token",
            "file:///run/token",
            "file://localhost/run/token",
        ] {
            let (source, _) = source(&format!(
                "{HEAD}sasl.oauthbearer.token.endpoint.url={url}\n\
                 sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n\
                 sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;\n"
            ));
            assert_eq!(source, TokenSource::File("/run/token".into()), "{url}");
        }
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.oauthbearer.token.endpoint.url=file://idp/run/token\n"
            ))
            .1,
            "sasl.oauthbearer.token.endpoint.url"
        );
    }

    #[test]
    fn client_credentials_with_kafka_4_1_keys() {
        let (source, username) = source(&format!(
            "{HEAD}sasl.oauthbearer.token.endpoint.url=https://idp.example.com/oauth2/token\n\
             sasl.oauthbearer.jwt.retriever.class=org.apache.kafka.common.security.oauthbearer.ClientCredentialsJwtRetriever\n\
             sasl.oauthbearer.client.credentials.client.id=kafkascope\n\
             sasl.oauthbearer.client.credentials.client.secret=s3cret\n\
             sasl.oauthbearer.scope=kafka\n\
             sasl.login.connect.timeout.ms=2500\n\
             sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;\n"
        ));
        let mut expected = ClientCredentials::new(
            "https://idp.example.com/oauth2/token",
            "kafkascope",
            "s3cret",
        );
        expected.scope = Some("kafka".into());
        expected.connect_timeout = Duration::from_millis(2500);
        assert_eq!(source, TokenSource::ClientCredentials(expected));
        assert_eq!(username, "kafkascope");
    }

    #[test]
    fn client_credentials_with_older_jaas_options() {
        let (source, _) = source(&format!(
            "{HEAD}sasl.oauthbearer.token.endpoint.url=https://idp/token\n\
             sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler\n\
             sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required \
             clientId=\"svc\" clientSecret=\"pw\" scope=\"a b\" ssl.truststore.location=\"/etc/idp-ca.pem\";\n"
        ));
        let mut expected = ClientCredentials::new("https://idp/token", "svc", "pw");
        expected.scope = Some("a b".into());
        expected.ca_pem = Some("/etc/idp-ca.pem".into());
        assert_eq!(source, TokenSource::ClientCredentials(expected));
    }

    #[test]
    fn debug_output_keeps_secrets_out() {
        let properties = parse_client_properties(&format!(
            "{HEAD}sasl.oauthbearer.token.endpoint.url=https://idp/token\n\
             sasl.oauthbearer.client.credentials.client.id=svc\n\
             sasl.oauthbearer.client.credentials.client.secret=do-not-print\n"
        ))
        .unwrap();
        let debug = format!("{properties:?}");
        assert!(!debug.contains("do-not-print"), "{debug}");
        assert!(debug.contains("https://idp/token"), "{debug}");
    }

    #[test]
    fn oauthbearer_mistakes_are_named() {
        assert_eq!(
            invalid(HEAD),
            (
                2,
                "sasl.mechanism".into(),
                "OAUTHBEARER needs a token source: sasl.oauthbearer.token.endpoint.url \
                 (https://… for client credentials, file:… for a token file), or \
                 sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule \
                 required unsecuredLoginStringClaim_sub=\"…\"; for an unsecured token"
                    .into()
            )
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;\n"
            ))
            .2,
            "the unsecured token needs unsecuredLoginStringClaim_sub=\"<principal>\""
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \
                 required username=\"u\" password=\"p\";\n"
            ))
            .2,
            "sasl.mechanism=OAUTHBEARER needs \
             org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule, not \
             org.apache.kafka.common.security.plain.PlainLoginModule"
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.oauthbearer.token.endpoint.url=https://idp/token\n\
                 sasl.oauthbearer.client.credentials.client.id=svc\n"
            )),
            (
                3,
                "sasl.oauthbearer.token.endpoint.url".into(),
                "a token endpoint needs the client's secret: set \
                 sasl.oauthbearer.client.credentials.client.secret (or clientSecret in \
                 sasl.jaas.config)"
                    .into()
            )
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.login.callback.handler.class=com.example.MyHandler\n"
            ))
            .1,
            "sasl.login.callback.handler.class"
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.oauthbearer.token.endpoint.url=https://idp/token\n\
                 sasl.oauthbearer.jwt.retriever.class=org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever\n"
            ))
            .1,
            "sasl.oauthbearer.jwt.retriever.class"
        );
        assert_eq!(
            invalid(&format!(
                "{HEAD}sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule \
                 required unsecuredLoginStringClaim_sub=\"s\" unsecuredLoginExtension_traceId=\"1\";\n"
            ))
            .2,
            "SASL extensions (unsecuredLoginExtension_traceId) are not supported"
        );
        assert_eq!(
            invalid(&format!("{HEAD}sasl.oauthbearer.method=oidc\n")),
            (
                3,
                "sasl.oauthbearer.method".into(),
                "oidc needs sasl.oauthbearer.token.endpoint.url".into()
            )
        );
        assert_eq!(
            invalid("sasl.oauthbearer.token.endpoint.url=file:/t\n").2,
            "security.protocol is not set, so Kafka would connect in PLAINTEXT and not use \
             this; set security.protocol to SSL, SASL_PLAINTEXT or SASL_SSL"
        );
    }
}
