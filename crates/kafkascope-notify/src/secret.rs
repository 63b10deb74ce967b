//! Secrets in the config (webhook URLs, which carry their token, and the
//! SMTP password): written as a literal, `env:NAME` or `file:/path`, and
//! kept in a [`Secret`] whose `Debug` prints `<secret>`, so no log line,
//! error or panic shows one.

use std::path::PathBuf;

use serde::Deserialize;

/// A value that is never printed. As read from the config it holds what
/// was written (`env:NAME` too); [`Secret::resolve`] gives the value itself.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<secret>")
    }
}

/// Why a secret could not be read. Names where it was looked for, never
/// what it holds.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    #[error("environment variable {0} is not valid UTF-8")]
    EnvNotUnicode(String),
    #[error("cannot read {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("is empty")]
    Empty,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value this config entry stands for: the environment variable
    /// after `env:`, the file after `file:` (without its final line break,
    /// which editors add), or the text itself.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        let value = if let Some(name) = self.0.strip_prefix("env:") {
            std::env::var(name).map_err(|e| match e {
                std::env::VarError::NotPresent => SecretError::EnvMissing(name.to_string()),
                std::env::VarError::NotUnicode(_) => SecretError::EnvNotUnicode(name.to_string()),
            })?
        } else if let Some(path) = self.0.strip_prefix("file:") {
            let text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
                path: PathBuf::from(path),
                source,
            })?;
            text.strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text)
                .to_string()
        } else {
            self.0.clone()
        };
        if value.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Secret(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "<secret>");
        assert_eq!(format!("{:?}", Some(secret)), "Some(<secret>)");
    }

    #[test]
    fn a_literal_resolves_to_itself() {
        assert_eq!(Secret::new("s3cr3t").resolve().unwrap().expose(), "s3cr3t");
    }

    #[test]
    fn a_file_secret_is_read_without_its_final_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("password");
        std::fs::write(&path, "from-a-file\r\n").unwrap();
        let secret = Secret::new(format!("file:{}", path.display()));
        assert_eq!(secret.resolve().unwrap().expose(), "from-a-file");
    }

    #[test]
    fn an_env_secret_is_read_from_the_variable() {
        // PATH is set in every test environment; no variable is changed
        // here, which would race with the other tests' threads.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(Secret::new("env:PATH").resolve().unwrap().expose(), path);
    }

    #[test]
    fn errors_name_the_source_and_not_the_value() {
        let missing = Secret::new("env:KAFKASCOPE_NOTIFY_TEST_UNSET").resolve();
        assert_eq!(
            missing.unwrap_err().to_string(),
            "environment variable KAFKASCOPE_NOTIFY_TEST_UNSET is not set"
        );
        let error = Secret::new("file:/nonexistent/kafkascope/secret")
            .resolve()
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("cannot read /nonexistent/kafkascope/secret: "),
            "{error}"
        );
        assert_eq!(
            Secret::new("").resolve().unwrap_err().to_string(),
            "is empty"
        );
    }
}
