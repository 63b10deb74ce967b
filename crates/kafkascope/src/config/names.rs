//! The names the entries of a list go by (clusters, Connect clusters,
//! ZooKeeper members): pages, series and alerts tell the entries apart by
//! them, so each must be given, and given once.

use anyhow::bail;
use toml::Spanned;

/// The name `written` gives, trimmed; a blank one is a mistake.
pub fn non_empty_name<'a>(
    written: &'a Spanned<String>,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<&'a str> {
    let name = written.get_ref().trim();
    if name.is_empty() {
        bail!("line {}: {field}: must not be empty", at(written.span()));
    }
    Ok(name)
}

/// The names a list's entries have taken so far.
pub struct TakenNames {
    /// What the entries are, as an error calls them ("member").
    entries: &'static str,
    taken: Vec<String>,
}

impl TakenNames {
    pub fn new(entries: &'static str) -> Self {
        TakenNames {
            entries,
            taken: Vec::new(),
        }
    }

    /// Takes `name` (read from `written`) for the next entry; a name an
    /// earlier entry took is a mistake.
    pub fn take(
        &mut self,
        name: &str,
        written: &Spanned<String>,
        field: &str,
        at: &dyn Fn(std::ops::Range<usize>) -> usize,
    ) -> anyhow::Result<()> {
        if self.taken.iter().any(|taken| taken == name) {
            bail!(
                "line {}: {field}: '{name}' is used by an earlier {}",
                at(written.span()),
                self.entries
            );
        }
        self.taken.push(name.to_string());
        Ok(())
    }
}
