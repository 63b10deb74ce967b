//! The keys several source tables (`[clusters.jmx_exporter]`,
//! `[clusters.connect]`...) have in common, read in one place so that each
//! means the same, and each mistake reads the same, in every table.
//! `field` names a key of the table, as the error shows it.

use std::time::Duration;

use anyhow::bail;
use toml::Spanned;

use super::positive_seconds;

/// `interval_seconds`: how often the source is read; `otherwise` (the
/// cluster's interval, for most sources) when the table does not say.
pub fn interval_seconds(
    value: Option<&Spanned<u64>>,
    field: &dyn Fn(&str) -> String,
    otherwise: Duration,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Duration> {
    let seconds = positive_seconds(value, &field("interval_seconds"), at)?;
    Ok(seconds.map_or(otherwise, Duration::from_secs))
}

/// `timeout_seconds`: how long one read may take; `None` leaves the
/// source's own default.
pub fn timeout_seconds(
    value: Option<&Spanned<u64>>,
    field: &dyn Fn(&str) -> String,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<Duration>> {
    let seconds = positive_seconds(value, &field("timeout_seconds"), at)?;
    Ok(seconds.map(Duration::from_secs))
}

/// `discover_port`: the port read on every broker's host, when given.
pub fn discover_port(
    value: Option<&Spanned<u64>>,
    field: &dyn Fn(&str) -> String,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<Option<u16>> {
    let Some(port) = value else {
        return Ok(None);
    };
    match u16::try_from(*port.get_ref()) {
        Ok(p) if p > 0 => Ok(Some(p)),
        _ => bail!(
            "line {}: {}: {} is not a port",
            at(port.span()),
            field("discover_port"),
            port.get_ref()
        ),
    }
}

/// `discover_path` as a URL's path: `metrics` is taken for `/metrics`.
pub fn discover_path(written: &str) -> String {
    if written.starts_with('/') {
        written.to_string()
    } else {
        format!("/{written}")
    }
}

/// What the source tables' tests share: a cluster to put the table under,
/// and what the config makes of it.
#[cfg(test)]
pub mod test_config {
    use std::path::Path;

    use super::super::parse;
    use super::super::sources::SourcePlan;

    /// A cluster read every 20 s: a source without its own interval takes it.
    pub const CLUSTER: &str =
        "[[clusters]]\nname = \"a\"\nbootstrap_servers = [\"k:9092\"]\ninterval_seconds = 20\n";

    /// The one source of the config's first cluster.
    pub fn only_source(text: &str, base: &Path) -> SourcePlan {
        let mut plan = parse(text, base).unwrap();
        let mut sources = std::mem::take(&mut plan.clusters[0].sources);
        assert_eq!(sources.len(), 1, "one source, not {sources:?}");
        sources.remove(0)
    }

    /// The config's error, with its causes, for a config in the current folder.
    pub fn parse_err(text: &str) -> String {
        parse_err_in(text, Path::new("."))
    }

    /// The config's error, for a config whose relative paths are in `base`.
    pub fn parse_err_in(text: &str, base: &Path) -> String {
        format!("{:#}", parse(text, base).unwrap_err())
    }
}
