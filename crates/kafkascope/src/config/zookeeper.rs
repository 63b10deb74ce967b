//! `[clusters.zookeeper]`: the members of the cluster's ZooKeeper
//! ensemble, asked their four-letter words on their client ports.

use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::zookeeper::{ZookeeperSettings, ZookeeperTarget};
use serde::Deserialize;
use toml::Spanned;

use super::names::{TakenNames, non_empty_name};
use super::source_table::{interval_seconds, timeout_seconds};

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
    let mut names = TakenNames::new("member");
    for (i, member) in entry.members.iter().enumerate() {
        let within = |name: &str| field(&format!("members[{i}].{name}"));
        let name = non_empty_name(&member.name, &within("name"), at)?;
        names.take(name, &member.name, &within("name"), at)?;
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
    if let Some(timeout) = timeout_seconds(entry.timeout_seconds.as_ref(), &field, at)? {
        settings.timeout = timeout;
    }
    let interval = interval_seconds(
        entry.interval_seconds.as_ref(),
        &field,
        cluster_interval,
        at,
    )?;
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use kafkascope_sources::zookeeper::{ZookeeperSettings, ZookeeperTarget};

    use super::super::source_table::test_config::{CLUSTER, only_source, parse_err};
    use super::super::sources::SourcePlan;

    fn zookeeper(text: &str) -> (ZookeeperSettings, Duration) {
        match only_source(text, Path::new(".")) {
            SourcePlan::Zookeeper { settings, interval } => (settings, interval),
            other => panic!("a ZooKeeper source, not {other:?}"),
        }
    }

    fn member(name: &str, address: &str) -> String {
        format!("[[clusters.zookeeper.members]]\nname = \"{name}\"\naddress = \"{address}\"\n")
    }

    #[test]
    fn every_key_is_read() {
        let text = format!(
            "{CLUSTER}[clusters.zookeeper]\ninterval_seconds = 15\ntimeout_seconds = 3\n{}{}{}",
            member(" zk-1 ", " zk1.example:2181 "),
            member("zk-2", "10.0.0.2:2181"),
            member("zk-3", "[::1]:2182"),
        );
        let (settings, interval) = zookeeper(&text);
        assert_eq!(interval, Duration::from_secs(15));
        assert_eq!(settings.timeout, Duration::from_secs(3));
        let target = |name: &str, address: &str| ZookeeperTarget {
            name: name.into(),
            address: address.into(),
        };
        assert_eq!(
            settings.targets,
            [
                target("zk-1", "zk1.example:2181"),
                target("zk-2", "10.0.0.2:2181"),
                target("zk-3", "[::1]:2182"),
            ]
        );
    }

    #[test]
    fn defaults_are_the_clusters_interval_and_ten_seconds() {
        let text = format!(
            "{CLUSTER}[clusters.zookeeper]\n{}",
            member("zk-1", "zk1:2181")
        );
        let (settings, interval) = zookeeper(&text);
        assert_eq!(interval, Duration::from_secs(20));
        assert_eq!(settings.timeout, ZookeeperSettings::DEFAULT_TIMEOUT);
        assert_eq!(
            settings.max_answer_bytes,
            ZookeeperSettings::DEFAULT_MAX_ANSWER_BYTES
        );
    }

    #[test]
    fn mistakes_name_the_field_and_the_line() {
        let table = format!("{CLUSTER}[clusters.zookeeper]\n");
        assert_eq!(
            parse_err(&table),
            "clusters[0].zookeeper.members: give every member of the ensemble \
             ([[clusters[0].zookeeper.members]] with name and address)"
        );
        let cases = [
            (
                member("zk-1", "zk1"),
                "line 8: clusters[0].zookeeper.members[0].address: 'zk1' is not host:port",
            ),
            (
                member("zk-1", "zk1:0"),
                "line 8: clusters[0].zookeeper.members[0].address: '0' is not a port",
            ),
            (
                member("zk-1", "zk1:70000"),
                "line 8: clusters[0].zookeeper.members[0].address: '70000' is not a port",
            ),
            (
                member("zk-1", ":2181"),
                "line 8: clusters[0].zookeeper.members[0].address: ':2181' has no host",
            ),
            (
                member(" ", "zk1:2181"),
                "line 7: clusters[0].zookeeper.members[0].name: must not be empty",
            ),
            (
                format!(
                    "{}{}",
                    member("zk-1", "zk1:2181"),
                    member("zk-1", "zk2:2181")
                ),
                "line 10: clusters[0].zookeeper.members[1].name: 'zk-1' is used by an earlier member",
            ),
        ];
        for (members, expected) in cases {
            assert_eq!(parse_err(&format!("{table}{members}")), expected);
        }
        let zero = format!(
            "{table}interval_seconds = 0\n{}",
            member("zk-1", "zk1:2181")
        );
        assert_eq!(
            parse_err(&zero),
            "line 6: clusters[0].zookeeper.interval_seconds: must be at least 1"
        );
    }
}
