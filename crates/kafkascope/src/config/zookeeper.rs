//! `[clusters.zookeeper]`: the members of the cluster's ZooKeeper
//! ensemble, asked their four-letter words on their client ports.

use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::zookeeper::{ZookeeperSettings, ZookeeperTarget};
use serde::Deserialize;
use toml::Spanned;

use super::positive_seconds;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZookeeperEntry {
    pub interval_seconds: Option<Spanned<u64>>,
    pub timeout_seconds: Option<Spanned<u64>>,
    /// Every member: the ensemble's verdict counts them.
    #[serde(default)]
    pub members: Vec<ZookeeperMemberEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZookeeperMemberEntry {
    pub name: Spanned<String>,
    /// `host:port` of the member's client port.
    pub address: Spanned<String>,
}

/// The settings and interval of the ZooKeeper source.
pub fn zookeeper(
    entry: &ZookeeperEntry,
    field: &str,
    cluster_interval: Duration,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(ZookeeperSettings, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    if entry.members.is_empty() {
        bail!(
            "{}: give every member of the ensemble ([[{}]] with name and address)",
            field("members"),
            field("members")
        );
    }
    let mut targets: Vec<ZookeeperTarget> = Vec::with_capacity(entry.members.len());
    for (i, member) in entry.members.iter().enumerate() {
        let within = |name: &str| field(&format!("members[{i}].{name}"));
        let name = member.name.get_ref().trim();
        if name.is_empty() {
            bail!(
                "line {}: {}: must not be empty",
                at(member.name.span()),
                within("name")
            );
        }
        if targets.iter().any(|t| t.name == name) {
            bail!(
                "line {}: {}: '{name}' is used by an earlier member",
                at(member.name.span()),
                within("name")
            );
        }
        let address = member.address.get_ref().trim();
        if let Err(reason) = check_address(address) {
            bail!(
                "line {}: {}: {reason}",
                at(member.address.span()),
                within("address")
            );
        }
        targets.push(ZookeeperTarget {
            name: name.to_string(),
            address: address.to_string(),
        });
    }
    let mut settings = ZookeeperSettings::new(targets);
    if let Some(seconds) = positive_seconds(
        entry.timeout_seconds.as_ref(),
        &field("timeout_seconds"),
        at,
    )? {
        settings.timeout = Duration::from_secs(seconds);
    }
    let interval = positive_seconds(
        entry.interval_seconds.as_ref(),
        &field("interval_seconds"),
        at,
    )?
    .map_or(cluster_interval, Duration::from_secs);
    Ok((settings, interval))
}

/// `host:port` (an IPv6 host in brackets), the port 1 to 65535.
fn check_address(address: &str) -> Result<(), String> {
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err(format!("'{address}' is not host:port"));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("'{address}' has no host"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("'{port}' is not a port")),
    }
}
