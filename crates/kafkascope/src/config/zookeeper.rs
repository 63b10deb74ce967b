//! `[clusters.zookeeper]`: the members of the cluster's ZooKeeper
//! ensemble, each asked its four-letter words on its client port
//! (`address`) or read through its AdminServer (`admin_url`, with the
//! credentials and TLS options of the other HTTP sources).

use std::path::Path;
use std::time::Duration;

use anyhow::bail;
use kafkascope_sources::zookeeper::{
    AdminServerTarget, MemberEndpoint, ZookeeperSettings, ZookeeperTarget,
};
use serde::Deserialize;
use toml::Spanned;

use super::TlsEntry;
use super::http_options::{basic_auth, http_url, tls_settings};
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
    /// `host:port` of the member's client port: the four-letter words.
    pub address: Option<Spanned<String>>,
    /// The member's AdminServer (`http://host:8080`, or https), instead.
    pub admin_url: Option<Spanned<String>>,
    /// For the AdminServer only, as the other HTTP sources take them.
    pub username: Option<Spanned<String>>,
    /// A literal, `env:NAME` or `file:path`.
    pub password: Option<Spanned<String>>,
    pub tls: Option<Spanned<TlsEntry>>,
}

/// The settings and interval of the ZooKeeper source.
pub fn zookeeper(
    entry: &ZookeeperEntry,
    field: &str,
    cluster_interval: Duration,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<(ZookeeperSettings, Duration)> {
    let field = |name: &str| format!("{field}.{name}");
    if entry.members.is_empty() {
        bail!(
            "{}: give every member of the ensemble ([[{}]] with name and address or admin_url)",
            field("members"),
            field("members")
        );
    }
    let mut targets: Vec<ZookeeperTarget> = Vec::with_capacity(entry.members.len());
    let mut names = TakenNames::new("member");
    for (i, member) in entry.members.iter().enumerate() {
        let member_field = field(&format!("members[{i}]"));
        let within = |name: &str| format!("{member_field}.{name}");
        let name = non_empty_name(&member.name, &within("name"), at)?;
        names.take(name, &member.name, &within("name"), at)?;
        targets.push(ZookeeperTarget {
            name: name.to_string(),
            endpoint: endpoint(member, &member_field, base, at)?,
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

/// The member's `address` or its `admin_url`: exactly one, and the HTTP
/// options only with the URL (`member_field` names the member's table).
fn endpoint(
    member: &ZookeeperMemberEntry,
    member_field: &str,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> anyhow::Result<MemberEndpoint> {
    let field = |name: &str| format!("{member_field}.{name}");
    let Some(url) = &member.admin_url else {
        let Some(written) = &member.address else {
            bail!(
                "line {}: {member_field}: give address (host:port of the client port, for the \
                 four-letter words) or admin_url (the AdminServer's URL)",
                at(member.name.span()),
            );
        };
        let http_only = [
            ("username", member.username.as_ref().map(Spanned::span)),
            ("password", member.password.as_ref().map(Spanned::span)),
            ("tls", member.tls.as_ref().map(Spanned::span)),
        ];
        if let Some((key, Some(span))) = http_only.into_iter().find(|(_, span)| span.is_some()) {
            bail!(
                "line {}: {}: only for a member read through admin_url",
                at(span),
                field(key)
            );
        }
        let address = written.get_ref().trim();
        if let Err(reason) = check_address(address) {
            bail!(
                "line {}: {}: {reason}",
                at(written.span()),
                field("address")
            );
        }
        return Ok(MemberEndpoint::ClientPort(address.to_string()));
    };
    if member.address.is_some() {
        bail!(
            "line {}: {}: give address (four-letter words) or admin_url (AdminServer), not both",
            at(url.span()),
            field("admin_url")
        );
    }
    let trimmed = Spanned::new(url.span(), url.get_ref().trim().to_string());
    let mut target = AdminServerTarget::new(http_url(&trimmed, &field("admin_url"), at)?);
    let username = member.username.as_ref().map(|u| u.get_ref().clone());
    target.basic_auth = basic_auth(
        username.as_ref(),
        member.password.as_ref(),
        &field,
        base,
        at,
    )?;
    target.tls = tls_settings(member.tls.as_ref().map(Spanned::get_ref), base);
    Ok(MemberEndpoint::AdminServer(Box::new(target)))
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

    use kafkascope_sources::zookeeper::{
        AdminServerTarget, MemberEndpoint, ZookeeperSettings, ZookeeperTarget,
    };

    use super::super::source_table::test_config::{CLUSTER, only_source, parse_err};
    use super::super::sources::SourcePlan;

    fn zookeeper(text: &str) -> (ZookeeperSettings, Duration) {
        zookeeper_in(text, Path::new("."))
    }

    fn zookeeper_in(text: &str, base: &Path) -> (ZookeeperSettings, Duration) {
        match only_source(text, base) {
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
        assert_eq!(
            settings.targets,
            [
                ZookeeperTarget::client_port("zk-1", "zk1.example:2181"),
                ZookeeperTarget::client_port("zk-2", "10.0.0.2:2181"),
                ZookeeperTarget::client_port("zk-3", "[::1]:2182"),
            ]
        );
    }

    fn admin_server(target: &ZookeeperTarget) -> &AdminServerTarget {
        match &target.endpoint {
            MemberEndpoint::AdminServer(admin) => admin,
            other => panic!("an AdminServer, not {other:?}"),
        }
    }

    #[test]
    fn members_read_through_their_admin_server_take_the_http_sources_options() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("zk.pw"), "from-file\n").unwrap();
        let text = format!(
            "{CLUSTER}[clusters.zookeeper]\n{}\
             [[clusters.zookeeper.members]]\nname = \"zk-2\"\n\
             admin_url = \" https://zk2.example:8443/zk-2 \"\nusername = \"ops\"\n\
             password = \"file:zk.pw\"\n\
             tls = {{ ca_pem = \"ca.pem\", verify_hostname = false }}\n\
             [[clusters.zookeeper.members]]\nname = \"zk-3\"\nadmin_url = \"http://zk3:8080\"\n",
            member("zk-1", "zk1:2181"),
        );
        let (settings, _) = zookeeper_in(&text, dir.path());
        assert_eq!(
            settings.targets[0],
            ZookeeperTarget::client_port("zk-1", "zk1:2181")
        );
        let zk2 = admin_server(&settings.targets[1]);
        assert_eq!(settings.targets[1].name, "zk-2");
        assert_eq!(zk2.url.to_string(), "https://zk2.example:8443/zk-2");
        let auth = zk2.basic_auth.as_ref().unwrap();
        assert_eq!(
            (auth.user.as_str(), auth.password.as_str()),
            ("ops", "from-file")
        );
        assert_eq!(zk2.tls.ca_pem, Some(dir.path().join("ca.pem")));
        assert!(!zk2.tls.verify_hostname);
        let zk3 = admin_server(&settings.targets[2]);
        assert_eq!(settings.targets[2].address(), "http://zk3:8080/");
        assert_eq!(zk3.basic_auth, None);
        assert!(zk3.tls.verify_hostname);
        assert_eq!(zk3.tls.ca_pem, None);
    }

    #[test]
    fn a_member_gives_exactly_one_of_address_and_admin_url_and_http_options_only_with_the_url() {
        let table = format!("{CLUSTER}[clusters.zookeeper]\n[[clusters.zookeeper.members]]\n");
        let cases = [
            (
                "name = \"zk-1\"\n",
                "line 7: clusters[0].zookeeper.members[0]: give address (host:port of the client \
                 port, for the four-letter words) or admin_url (the AdminServer's URL)",
            ),
            (
                "name = \"zk-1\"\naddress = \"zk1:2181\"\nadmin_url = \"http://zk1:8080\"\n",
                "line 9: clusters[0].zookeeper.members[0].admin_url: give address (four-letter \
                 words) or admin_url (AdminServer), not both",
            ),
            (
                "name = \"zk-1\"\nadmin_url = \"zk1:8080\"\n",
                "line 8: clusters[0].zookeeper.members[0].admin_url: not a valid URL: the URL must \
                 start with http:// or https://",
            ),
            (
                "name = \"zk-1\"\naddress = \"zk1:2181\"\nusername = \"ops\"\n",
                "line 9: clusters[0].zookeeper.members[0].username: only for a member read \
                 through admin_url",
            ),
            (
                "name = \"zk-1\"\naddress = \"zk1:2181\"\ntls = { verify_hostname = false }\n",
                "line 9: clusters[0].zookeeper.members[0].tls: only for a member read through \
                 admin_url",
            ),
            (
                "name = \"zk-1\"\nadmin_url = \"http://zk1:8080\"\npassword = \"pw\"\n",
                "line 9: clusters[0].zookeeper.members[0].password: a password needs a username",
            ),
            (
                "name = \"zk-1\"\nadmin_url = \"http://zk1:8080\"\nusername = \"ops\"\n\
                 password = \"env:KAFKASCOPE_TEST_UNSET_ZK_PASSWORD\"\n",
                "line 10: clusters[0].zookeeper.members[0].password: environment variable \
                 KAFKASCOPE_TEST_UNSET_ZK_PASSWORD is not set",
            ),
        ];
        for (member, expected) in cases {
            assert_eq!(parse_err(&format!("{table}{member}")), expected, "{member}");
        }
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
             ([[clusters[0].zookeeper.members]] with name and address or admin_url)"
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
