//! `type = "email"`: a plain-text mail listing the alerts, through an SMTP
//! relay with STARTTLS (required by default), implicit TLS or neither,
//! and authentication when a user is set. TLS is rustls, trusting the web
//! roots or a given CA bundle.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use super::resolve;
use crate::config::ConfigError;
use crate::delivery::DeliveryError;
use crate::http::timeout_ms;
use crate::model::{AlertStatus, Notification, NotifiedAlert};
use crate::secret::Secret;
use crate::text;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must be offered
    /// (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `host:port` of the SMTP relay.
    pub smarthost: String,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub tls: SmtpTls,
    pub auth_username: Option<String>,
    /// A secret: a literal, `env:NAME` or `file:/path`.
    pub auth_password: Option<Secret>,
    /// A PEM CA bundle to trust instead of the web roots.
    pub ca_file: Option<PathBuf>,
    /// The name given in EHLO (default: this host's name).
    pub hello: Option<String>,
    /// Default true.
    pub send_resolved: Option<bool>,
    /// For each SMTP command (default 10s).
    pub timeout: Option<String>,
}

/// Holds the password; its `Debug` does not.
pub struct EmailReceiver {
    host: String,
    port: u16,
    from: Mailbox,
    to: Vec<Mailbox>,
    tls: SmtpTls,
    ca_pem: Option<Vec<u8>>,
    credentials: Option<(String, Secret)>,
    hello: Option<String>,
    timeout: Duration,
    pub send_resolved: bool,
}

impl std::fmt::Debug for EmailReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailReceiver")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

impl EmailConfig {
    pub fn build(&self, field: &str) -> Result<EmailReceiver, ConfigError> {
        let (host, port) = smarthost(&self.smarthost, &format!("{field}.smarthost"))?;
        let from = mailbox(&self.from, &format!("{field}.from"))?;
        if self.to.is_empty() {
            return Err(ConfigError::new(
                format!("{field}.to"),
                "names no recipient",
            ));
        }
        let to = self
            .to
            .iter()
            .enumerate()
            .map(|(i, address)| mailbox(address, &format!("{field}.to[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EmailReceiver {
            host,
            port,
            from,
            to,
            tls: self.tls,
            ca_pem: self.ca_pem(field)?,
            credentials: self.credentials(field)?,
            hello: self.hello.clone(),
            timeout: Duration::from_millis(
                timeout_ms(&self.timeout, &format!("{field}.timeout"))? as u64
            ),
            send_resolved: self.send_resolved.unwrap_or(true),
        })
    }

    fn credentials(&self, field: &str) -> Result<Option<(String, Secret)>, ConfigError> {
        match (&self.auth_username, &self.auth_password) {
            (None, None) => Ok(None),
            (Some(user), Some(password)) => Ok(Some((
                user.clone(),
                resolve(password, &format!("{field}.auth_password"))?,
            ))),
            (Some(_), None) => Err(ConfigError::new(
                format!("{field}.auth_password"),
                "is required with auth_username",
            )),
            (None, Some(_)) => Err(ConfigError::new(
                format!("{field}.auth_username"),
                "is required with auth_password",
            )),
        }
    }

    /// The CA bundle, read now so a bad path fails at startup.
    fn ca_pem(&self, field: &str) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(path) = &self.ca_file else {
            return Ok(None);
        };
        let pem = std::fs::read(path).map_err(|e| {
            ConfigError::new(
                format!("{field}.ca_file"),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        Certificate::from_pem(&pem).map_err(|e| {
            ConfigError::new(
                format!("{field}.ca_file"),
                format!("{} is not a PEM certificate: {e}", path.display()),
            )
        })?;
        Ok(Some(pem))
    }
}

fn smarthost(text: &str, field: &str) -> Result<(String, u16), ConfigError> {
    let bad = || ConfigError::new(field, format!("{text:?} is not host:port"));
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

fn mailbox(text: &str, field: &str) -> Result<Mailbox, ConfigError> {
    text.parse()
        .map_err(|e| ConfigError::new(field, format!("{text:?} is not an address: {e}")))
}

impl EmailReceiver {
    pub async fn send(&self, notification: &Notification) -> Result<(), DeliveryError> {
        let message = self.message(notification)?;
        self.transport()?
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Smtp {
                message: e.to_string(),
                // A refusal with a 5xx code, or our own mistake, will not
                // pass by trying again; a lost connection or 4xx may.
                transient: !e.is_permanent() && !e.is_client(),
            })
    }

    pub fn message(&self, notification: &Notification) -> Result<Message, DeliveryError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject(notification))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .body(body(notification))
            .map_err(|e| DeliveryError::Message(e.to_string()))
    }

    /// A connection per mail: notifications are rare, and a pooled
    /// connection would go stale between them.
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .timeout(Some(self.timeout));
        builder = match self.tls {
            SmtpTls::Starttls => builder.tls(Tls::Required(self.tls_parameters()?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(self.tls_parameters()?)),
            SmtpTls::None => builder.tls(Tls::None),
        };
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        if let Some(hello) = &self.hello {
            builder = builder.hello_name(ClientId::Domain(hello.clone()));
        }
        Ok(builder.build())
    }

    fn tls_parameters(&self) -> Result<TlsParameters, DeliveryError> {
        let tls_error = |e: lettre::transport::smtp::Error| DeliveryError::Smtp {
            message: format!("TLS setup: {e}"),
            transient: false,
        };
        let mut builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.ca_pem {
            builder = builder.add_root_certificate(Certificate::from_pem(pem).map_err(tls_error)?);
        }
        builder.build_rustls().map_err(tls_error)
    }
}

/// `[FIRING:2] ConsumerGroupLagging (cluster prod)`: the title, and where
/// the alerts all are.
pub fn subject(notification: &Notification) -> String {
    let title = text::title(notification);
    match text::where_(&notification.common_labels()) {
        Some(place) => format!("{title} ({place})"),
        None => title,
    }
}

/// The title, a count, then a block per alert, firing ones first.
pub fn body(notification: &Notification) -> String {
    let mut out = format!(
        "{}\n\n{} firing, {} resolved.\n",
        text::title(notification),
        notification.firing().count(),
        notification.resolved().count()
    );
    for alert in &notification.alerts {
        out.push('\n');
        out.push_str(&alert_block(notification, alert));
    }
    out.push_str(&format!(
        "\n-- \nkafkascope, receiver {}, group {}\n",
        notification.receiver, notification.group_key
    ));
    out
}

fn alert_block(notification: &Notification, alert: &NotifiedAlert) -> String {
    let status = match alert.status {
        AlertStatus::Firing => "FIRING",
        AlertStatus::Resolved => "RESOLVED",
    };
    let mut lines = vec![
        format!("{status}: {}", text::headline(alert)),
        format!("  alert: {}", alert.name()),
    ];
    if let Some(place) = text::where_(&alert.labels) {
        lines.push(format!("  where: {place}"));
    }
    lines.push(format!("  when: {}", text::when(alert)));
    lines.push(format!("  value: {}", text::value(alert)));
    lines.push(format!("  labels: {}", text::label_pairs(&alert.labels)));
    for (name, value) in &alert.annotations {
        if name != "summary" {
            lines.push(format!("  {name}: {value}"));
        }
    }
    let link = notification.link(alert);
    if !link.is_empty() {
        lines.push(format!("  link: {link}"));
    }
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Labels;
    use std::collections::BTreeMap;

    fn notification() -> Notification {
        Notification {
            receiver: "team-mail".into(),
            group_key: r#"{}:{cluster="prod"}"#.into(),
            group_labels: Labels::from([("cluster".into(), "prod".into())]),
            alerts: vec![NotifiedAlert {
                labels: Labels::from([
                    ("alertname".into(), "TopicUnderReplicated".into()),
                    ("cluster".into(), "prod".into()),
                    ("topic".into(), "orders".into()),
                ]),
                annotations: BTreeMap::from([
                    (
                        "summary".into(),
                        "orders: 3 partitions under-replicated".into(),
                    ),
                    ("description".into(), "Check the brokers.".into()),
                ]),
                status: AlertStatus::Firing,
                starts_at_ms: 1_700_000_000_000,
                ends_at_ms: None,
                value: 3.0,
                fingerprint: 0,
                silenced: false,
            }],
            external_url: "https://ks.example.com".into(),
            valid_until_ms: None,
        }
    }

    #[test]
    fn subject_and_body_list_the_alerts() {
        let n = notification();
        assert_eq!(
            subject(&n),
            "[FIRING:1] TopicUnderReplicated (cluster prod, topic orders)"
        );
        assert_eq!(
            body(&n),
            "[FIRING:1] TopicUnderReplicated\n\
             \n\
             1 firing, 0 resolved.\n\
             \n\
             FIRING: orders: 3 partitions under-replicated\n\
             \x20 alert: TopicUnderReplicated\n\
             \x20 where: cluster prod, topic orders\n\
             \x20 when: since 2023-11-14T22:13:20Z\n\
             \x20 value: 3\n\
             \x20 labels: alertname=TopicUnderReplicated, cluster=prod, topic=orders\n\
             \x20 description: Check the brokers.\n\
             \x20 link: https://ks.example.com/clusters/prod/topics/orders\n\
             \n\
             -- \n\
             kafkascope, receiver team-mail, group {}:{cluster=\"prod\"}\n"
        );
    }

    fn config(extra: &str) -> Result<EmailReceiver, ConfigError> {
        let text = format!(
            "smarthost = \"smtp.example.com:587\"\nfrom = \"kafkascope@example.com\"\n{extra}"
        );
        toml::from_str::<EmailConfig>(&text)
            .unwrap()
            .build("receivers.mail")
    }

    #[test]
    fn config_errors_name_the_field() {
        for (extra, error) in [
            ("to = []", "receivers.mail.to: names no recipient"),
            (
                "to = [\"ops@example.com\", \"not an address\"]",
                "receivers.mail.to[1]: \"not an address\" is not an address: ",
            ),
            (
                "to = [\"ops@example.com\"]\nauth_username = \"ks\"",
                "receivers.mail.auth_password: is required with auth_username",
            ),
            (
                "to = [\"ops@example.com\"]\nauth_username = \"ks\"\nauth_password = \"env:KAFKASCOPE_NOTIFY_TEST_UNSET\"",
                "receivers.mail.auth_password: environment variable KAFKASCOPE_NOTIFY_TEST_UNSET is not set",
            ),
        ] {
            let got = config(extra).unwrap_err().to_string();
            assert!(got.starts_with(error), "{got}");
        }
        let text = "smarthost = \"smtp.example.com\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]";
        let got = toml::from_str::<EmailConfig>(text)
            .unwrap()
            .build("receivers.mail")
            .unwrap_err();
        assert_eq!(
            got.to_string(),
            "receivers.mail.smarthost: \"smtp.example.com\" is not host:port"
        );
    }

    #[test]
    fn the_password_stays_out_of_debug() {
        let receiver = config(
            "to = [\"ops@example.com\"]\nauth_username = \"ks\"\nauth_password = \"hunter2\"",
        )
        .unwrap();
        let printed = format!("{receiver:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("\"ks\""), "{printed}");
    }
}
