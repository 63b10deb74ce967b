//! A real ZooKeeper ensemble for integration tests, started and stopped by
//! `testbed/zookeeper-ensemble.sh` (members on loopback, jars from Maven).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::client::repo_root;

/// Port bases tried when the script finds a port taken.
const START_ATTEMPTS: u32 = 5;

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
        ZookeeperEnsemble::start_with(members, None)
    }

    /// As [`ZookeeperEnsemble::start`], member `member` (1-based) allowing
    /// only the words `commands` (e.g. `srvr,ruok`).
    pub fn start_with_whitelist(
        members: u32,
        member: u32,
        commands: &str,
    ) -> Result<ZookeeperEnsemble> {
        ZookeeperEnsemble::start_with(members, Some((member, commands)))
    }

    fn start_with(members: u32, whitelist: Option<(u32, &str)>) -> Result<ZookeeperEnsemble> {
        let dir = tempfile::Builder::new()
            .prefix("kafkascope-zookeeper-")
            .tempdir()
            .context("creating a folder for the ZooKeeper ensemble")?;
        let dir_arg = path_str(dir.path())?.to_string();
        let mut last_error = None;
        for attempt in 0..START_ATTEMPTS {
            let base = port_base(attempt).to_string();
            let members_arg = members.to_string();
            let mut args = vec![
                "start",
                "--dir",
                &dir_arg,
                "--port-base",
                &base,
                "--members",
                &members_arg,
            ];
            let member_arg;
            if let Some((member, commands)) = whitelist {
                member_arg = member.to_string();
                args.extend(["--whitelist-member", &member_arg, commands]);
            }
            match script(&args) {
                Ok(_) => {
                    let ensemble = ZookeeperEnsemble {
                        env: read_env(dir.path())?,
                        dir,
                    };
                    ensemble.watch_for_exit()?;
                    return Ok(ensemble);
                }
                // A port taken shows as "already in use", or as a member
                // that exited while starting with the reason in its log.
                Err(error)
                    if format!("{error:#}").contains("already in use")
                        || format!("{error:#}").contains("exited during start-up") =>
                {
                    let _ = script(&["kill", "--dir", &dir_arg]);
                    last_error = Some(error);
                }
                Err(error) => {
                    let _ = script(&["kill", "--dir", &dir_arg]);
                    return Err(error);
                }
            }
        }
        Err(last_error.expect("at least one attempt"))
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
        script(&[command, &member.to_string(), "--dir", path_str(self.dir())?]).map(drop)
    }

    /// Kills the ensemble when this process exits, even if it never drops
    /// this value.
    fn watch_for_exit(&self) -> Result<()> {
        let watcher = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             bash '{script}' kill --dir '{dir}'; rm -rf '{dir}'",
            pid = std::process::id(),
            script = script_path().display(),
            dir = self.dir().display(),
        );
        Command::new("setsid")
            .args(["bash", "-c", &watcher])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the ensemble's exit watcher")?;
        Ok(())
    }
}

impl Drop for ZookeeperEnsemble {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.path().to_str() {
            let _ = script(&["kill", "--dir", dir]);
        }
    }
}

fn read_env(dir: &Path) -> Result<BTreeMap<String, String>> {
    let env_file = dir.join("ensemble.env");
    let text =
        fs::read_to_string(&env_file).with_context(|| format!("reading {}", env_file.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect())
}

fn script_path() -> PathBuf {
    repo_root().join("testbed/zookeeper-ensemble.sh")
}

/// Runs `testbed/zookeeper-ensemble.sh` and returns its stdout; a failure
/// carries its stderr (the script's messages name the cause).
fn script(args: &[&str]) -> Result<String> {
    let output = Command::new("bash")
        .arg(script_path())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running testbed/zookeeper-ensemble.sh")?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "testbed/zookeeper-ensemble.sh {} failed ({}):\n{}\n{}",
            args.join(" "),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// A port base in the test clusters' range (20000-31799, below Linux's
/// ephemeral ports), different per process and attempt. The ensemble's 50
/// ports sit at 800-849 of a thousand, which the Kafka test clusters
/// (offsets 0-799 of theirs) never use.
fn port_base(attempt: u32) -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let slot = (std::process::id() ^ nanos).wrapping_add(attempt * 7) % 11;
    20_000 + slot * 1_000 + 800
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_bases_stay_in_the_test_range_beside_the_kafka_clusters_ports() {
        for attempt in 0..START_ATTEMPTS * 3 {
            let base = port_base(attempt);
            assert!((20_800..=30_800).contains(&base), "{base}");
            assert_eq!(base % 1_000, 800);
            // The highest port: member 9's election port.
            assert!(base + 49 <= 31_799);
        }
    }
}
