//! Running `tests/clients/kafka_client.py` (confluent-kafka / librdkafka).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn python() -> String {
    std::env::var("KAFKASCOPE_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn client_command(args: &[&str]) -> Command {
    let mut command = Command::new(python());
    command
        .arg(repo_root().join("tests/clients/kafka_client.py"))
        .args(args)
        .stdin(Stdio::null());
    command
}

/// Runs `kafka_client.py` with `args` (the subcommand first, e.g.
/// `["produce", "--bootstrap", &bootstrap, "--topic", "t", ...]`) and returns
/// its stdout. A non-zero exit is an error that includes stdout and stderr.
pub fn kafka_client(args: &[&str]) -> Result<String> {
    let output = client_command(args).output().with_context(|| {
        format!(
            "running kafka_client.py with {} (KAFKASCOPE_PYTHON)",
            python()
        )
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "kafka_client.py {} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// Starts `kafka_client.py` with `args` in the background, stdout piped and
/// stderr inherited; used for `hold-member`. The caller owns the child: kill
/// and wait for it (or let `hold-member --seconds` run out).
pub fn spawn_kafka_client(args: &[&str]) -> Result<Child> {
    client_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| {
            format!(
                "starting kafka_client.py with {} (KAFKASCOPE_PYTHON)",
                python()
            )
        })
}

/// Waits until a child from [`spawn_kafka_client`] prints the line `ready`
/// (for `hold-member`: the member received its partition assignment).
///
/// Takes the child's stdout; fails if the child exits or `timeout` passes first.
pub fn wait_for_ready(child: &mut Child, timeout: Duration) -> Result<()> {
    let stdout = child
        .stdout
        .take()
        .context("kafka_client.py stdout is not piped (or was already taken)")?;
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        // The receiver may be gone after a timeout; nothing is left to tell then.
        let _ = sender.send(read_until_ready(stdout));
    });
    match receiver.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            let status = child.wait().ok();
            Err(error.context(format!("kafka_client.py exited: {status:?}")))
        }
        Err(_) => bail!("kafka_client.py did not print \"ready\" within {timeout:?}"),
    }
}

fn read_until_ready(stdout: ChildStdout) -> Result<()> {
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading kafka_client.py stdout")?;
        if line.trim() == "ready" {
            return Ok(());
        }
        seen.push(line);
    }
    bail!("stdout closed before \"ready\"; it printed: {seen:?}")
}
