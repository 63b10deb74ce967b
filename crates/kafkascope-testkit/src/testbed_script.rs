//! The `testbed/` scripts that start, stop and kill the test clusters
//! (`kafka-cluster.sh`, `zookeeper-ensemble.sh`): both take the same
//! `start`/`kill` arguments and leave a `KEY=value` file in the cluster's
//! folder, so one type runs either.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::client::repo_root;
use crate::ports::{PortBases, START_ATTEMPTS};

pub(crate) struct TestbedScript {
    /// From the repository's root, e.g. `testbed/kafka-cluster.sh`.
    pub name: &'static str,
    /// What it starts, as errors name it (`cluster`, `ensemble`).
    pub starts: &'static str,
    /// The `KEY=value` file it writes into a started cluster's folder.
    pub env_file: &'static str,
    /// Where `start --port-base` may put what it starts.
    pub ports: PortBases,
}

impl TestbedScript {
    pub(crate) fn path(&self) -> PathBuf {
        repo_root().join(self.name)
    }

    /// Runs the script and returns its stdout; a failure carries its stderr
    /// (the script's messages name the cause).
    pub(crate) fn run(&self, args: &[&str]) -> Result<String> {
        let output = Command::new("bash")
            .arg(self.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", self.name))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "{} {} failed ({}):\n{}\n{}",
                self.name,
                args.join(" "),
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(stdout)
    }

    /// `start --dir <dir> --port-base <base> <start_args…>`, on the next
    /// port base whenever a port is taken (another test binary's cluster, or
    /// a client connection's port).
    pub(crate) fn start_on_free_ports(&self, dir: &Path, start_args: &[&str]) -> Result<()> {
        let dir_arg = path_str(dir)?;
        let mut last_error = None;
        for attempt in 0..START_ATTEMPTS {
            let base = self.ports.base(attempt).to_string();
            let args = [
                &["start", "--dir", dir_arg, "--port-base", &base],
                start_args,
            ]
            .concat();
            let Err(error) = self.run(&args) else {
                return Ok(());
            };
            // Only what started is killed; the rest never ran.
            let _ = self.kill(dir, &[]);
            if !is_port_taken(&error) {
                return Err(error);
            }
            last_error = Some(error);
        }
        Err(last_error.expect("at least one attempt"))
    }

    /// `kill --dir <dir> <kill_args…>`: kills what runs in `dir`.
    pub(crate) fn kill(&self, dir: &Path, kill_args: &[&str]) -> Result<()> {
        let args = [&["kill", "--dir", path_str(dir)?], kill_args].concat();
        self.run(&args).map(drop)
    }

    /// Kills what runs in `dir` (with `kill_args`) and removes `dir` when
    /// this process exits, even if it never drops the value that started
    /// it (a `static` is never dropped).
    pub(crate) fn kill_when_this_process_exits(
        &self,
        dir: &Path,
        kill_args: &[&str],
    ) -> Result<()> {
        let kill_args: String = kill_args.iter().map(|arg| format!(" {arg}")).collect();
        let watcher = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             bash '{script}' kill --dir '{dir}'{kill_args}; rm -rf '{dir}'",
            pid = std::process::id(),
            script = self.path().display(),
            dir = dir.display(),
        );
        Command::new("setsid")
            .args(["bash", "-c", &watcher])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting the {}'s exit watcher", self.starts))?;
        Ok(())
    }

    /// The values the script wrote into `dir`'s env file.
    pub(crate) fn read_env(&self, dir: &Path) -> Result<BTreeMap<String, String>> {
        let env_file = dir.join(self.env_file);
        let text = fs::read_to_string(&env_file)
            .with_context(|| format!("reading {}", env_file.display()))?;
        Ok(text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect())
    }
}

/// A port taken shows as "already in use", or as a node or member that
/// exited while starting with the reason further up its log.
fn is_port_taken(error: &anyhow::Error) -> bool {
    let message = format!("{error:#}");
    message.contains("already in use") || message.contains("exited during start-up")
}

/// A path as the scripts take it: their arguments are UTF-8.
pub(crate) fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
}
