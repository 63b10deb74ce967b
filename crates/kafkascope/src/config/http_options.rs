//! What the HTTP sources configured in their own files share: URLs checked
//! at start, TLS options resolved against the config's folder, and
//! passwords given as a literal, `env:NAME` or `file:path` (as the
//! notification secrets are).

use std::path::Path;

use kafkascope_client::TlsSettings;
use kafkascope_client::http_client::{BasicAuth, HttpUrl};
use kafkascope_notify::Secret;
use toml::Spanned;

use super::TlsEntry;

/// A URL the HTTP client can read, so that a bad one fails at start with
/// its line rather than at every poll.
pub fn http_url(
    written: &Spanned<String>,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<HttpUrl> {
    HttpUrl::parse(written.get_ref())
        .map_err(|e| anyhow::anyhow!("line {}: {field}: {e}", at(written.span())))
}

/// `tls` as the HTTP client takes it; hostnames verified by default.
pub fn tls_settings(entry: Option<&TlsEntry>, base: &Path) -> TlsSettings {
    match entry {
        Some(tls) => tls.resolved(base),
        None => TlsSettings {
            verify_hostname: true,
            ..TlsSettings::default()
        },
    }
}

/// HTTP Basic credentials from `username` and `password`; the password is
/// read now, so a missing variable or file fails at start with its line.
/// The error names where the password was looked for, never its value.
pub fn basic_auth(
    username: Option<&String>,
    password: Option<&Spanned<String>>,
    field: &dyn Fn(&str) -> String,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<BasicAuth>> {
    let Some(user) = username else {
        if let Some(password) = password {
            anyhow::bail!(
                "line {}: {}: a password needs a username",
                at(password.span()),
                field("password")
            );
        }
        return Ok(None);
    };
    let password = match password {
        Some(written) => resolve(written.get_ref(), base).map_err(|e| {
            anyhow::anyhow!("line {}: {}: {e}", at(written.span()), field("password"))
        })?,
        None => String::new(),
    };
    Ok(Some(BasicAuth {
        user: user.clone(),
        password,
    }))
}

/// The password a config value stands for; a relative `file:` path is
/// taken from the config's folder.
fn resolve(written: &str, base: &Path) -> Result<String, kafkascope_notify::secret::SecretError> {
    let written = match written.strip_prefix("file:") {
        Some(path) => format!("file:{}", base.join(path).display()),
        None => written.to_string(),
    };
    Ok(Secret::new(written).resolve()?.expose().to_string())
}
