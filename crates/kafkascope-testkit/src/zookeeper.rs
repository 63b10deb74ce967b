//! A real ZooKeeper ensemble for integration tests, started and stopped by
//! `testbed/zookeeper-ensemble.sh` (members on loopback, jars from Maven),
//! optionally with every member's AdminServer on.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::ports::PortBases;
use crate::testbed_script::{TestbedScript, path_str};

/// Starts, stops and kills the ensemble's members.
const ENSEMBLE_SCRIPT: TestbedScript = TestbedScript {
    name: "testbed/zookeeper-ensemble.sh",
    starts: "ensemble",
    env_file: "ensemble.env",
    // Bases 20800-30800: the ensemble's 50 ports sit at 800-849 of a
    // thousand, which the Kafka test clusters (offsets 0-799 of theirs)
    // never use.
    ports: PortBases {
        slots: 11,
        offset_in_slot: 800,
    },
};

/// A running ZooKeeper ensemble of the test's own, killed on drop (and when
/// the test process exits, should it never drop).
pub struct ZookeeperEnsemble {
    dir: TempDir,
    env: BTreeMap<String, String>,
}

impl ZookeeperEnsemble {
    /// Starts `members` members on free ports, every four-letter word
    /// allowed, and waits until each serves.
    pub fn start(members: u32) -> Result<ZookeeperEnsemble> {
        ZookeeperEnsemble::start_with(members, None, false)
    }

    /// As [`ZookeeperEnsemble::start`], every member also serving its
    /// AdminServer (HTTP, `/commands/<name>`) at
    /// [`ZookeeperEnsemble::member_admin_url`].
    pub fn start_with_admin_server(members: u32) -> Result<ZookeeperEnsemble> {
        ZookeeperEnsemble::start_with(members, None, true)
    }

    /// As [`ZookeeperEnsemble::start`], member `member` (1-based) allowing
    /// only the words `commands` (e.g. `srvr,ruok`).
    pub fn start_with_whitelist(
        members: u32,
        member: u32,
        commands: &str,
    ) -> Result<ZookeeperEnsemble> {
        ZookeeperEnsemble::start_with(members, Some((member, commands)), false)
    }

    fn start_with(
        members: u32,
        whitelist: Option<(u32, &str)>,
        admin_server: bool,
    ) -> Result<ZookeeperEnsemble> {
        let dir = tempfile::Builder::new()
            .prefix("kafkascope-zookeeper-")
            .tempdir()
            .context("creating a folder for the ZooKeeper ensemble")?;
        let members = members.to_string();
        let mut args = vec!["--members", &members];
        let whitelist_member;
        if let Some((member, commands)) = whitelist {
            whitelist_member = member.to_string();
            args.extend(["--whitelist-member", &whitelist_member, commands]);
        }
        if admin_server {
            args.push("--admin-server");
        }
        ENSEMBLE_SCRIPT.start_on_free_ports(dir.path(), &args)?;
        let ensemble = ZookeeperEnsemble {
            env: ENSEMBLE_SCRIPT.read_env(dir.path())?,
            dir,
        };
        ENSEMBLE_SCRIPT.kill_when_this_process_exits(ensemble.dir(), &[])?;
        Ok(ensemble)
    }

    /// A value from the ensemble's `ensemble.env` (e.g. `ZOOKEEPER_CONNECT`).
    pub fn env(&self, key: &str) -> &str {
        self.env.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn members(&self) -> u32 {
        self.env("ZOOKEEPER_MEMBERS").parse().unwrap_or(0)
    }

    /// `127.0.0.1:<client port>` of member `member` (1-based).
    pub fn member_address(&self, member: u32) -> String {
        self.env(&format!("ZOOKEEPER_MEMBER_{member}")).to_string()
    }

    /// `http://127.0.0.1:<AdminServer port>` of member `member` (1-based);
    /// empty unless started with [`ZookeeperEnsemble::start_with_admin_server`].
    pub fn member_admin_url(&self, member: u32) -> String {
        self.env(&format!("ZOOKEEPER_ADMIN_{member}")).to_string()
    }

    /// The ensemble's folder: `member-I/` with its `zoo.cfg` and logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops member `member` (SIGTERM, then SIGKILL if it lingers).
    pub fn stop_member(&self, member: u32) -> Result<()> {
        self.member_command("stop-member", member)
    }

    /// Starts member `member` again and waits until it serves.
    pub fn start_member(&self, member: u32) -> Result<()> {
        self.member_command("start-member", member)
    }

    /// The pid of member `member` while it runs.
    pub fn member_pid(&self, member: u32) -> Option<u32> {
        let pid = fs::read_to_string(self.dir().join(format!("member-{member}/pid"))).ok()?;
        pid.trim().parse().ok()
    }

    fn member_command(&self, command: &str, member: u32) -> Result<()> {
        ENSEMBLE_SCRIPT
            .run(&[command, &member.to_string(), "--dir", path_str(self.dir())?])
            .map(drop)
    }
}

impl Drop for ZookeeperEnsemble {
    fn drop(&mut self) {
        let _ = ENSEMBLE_SCRIPT.kill(self.dir(), &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::START_ATTEMPTS;

    #[test]
    fn port_bases_stay_in_the_test_range_beside_the_kafka_clusters_ports() {
        for attempt in 0..START_ATTEMPTS * 3 {
            let base = ENSEMBLE_SCRIPT.ports.base(attempt);
            assert!((20_800..=30_800).contains(&base), "{base}");
            assert_eq!(base % 1_000, 800);
            // The highest port: member 9's election port (its AdminServer
            // port is base + 19).
            assert!(base + 49 <= 31_799);
        }
    }
}
