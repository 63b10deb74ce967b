//! Records the git commit being built as `KAFKASCOPE_GIT_REVISION` for
//! `kafkascope_build_info`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Overrides the revision where the source has no `.git` (a tarball, a
/// container build context).
const REVISION_OVERRIDE: &str = "KAFKASCOPE_GIT_REVISION";

fn main() {
    println!("cargo::rerun-if-env-changed={REVISION_OVERRIDE}");
    let revision = match std::env::var(REVISION_OVERRIDE) {
        Ok(revision) if !revision.trim().is_empty() => revision.trim().to_string(),
        _ => git_revision().unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo::rustc-env={REVISION_OVERRIDE}={revision}");
}

/// `git rev-parse --short=12 HEAD`, watching only the files that change
/// when HEAD moves (HEAD itself, the branch it points to, packed refs), so
/// an unchanged checkout does not rerun this script. `None` without git or
/// outside a repository.
fn git_revision() -> Option<String> {
    let revision = git(&["rev-parse", "--short=12", "HEAD"])?;
    // In a worktree HEAD lives in the worktree's git dir, branches in the
    // common one.
    let git_dir = PathBuf::from(git(&["rev-parse", "--git-dir"])?);
    let common_dir = git(&["rev-parse", "--git-common-dir"]).map_or(git_dir.clone(), PathBuf::from);
    watch(&git_dir.join("HEAD"));
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        let branch = common_dir.join(branch);
        if branch.exists() {
            watch(&branch);
        } else if let Some(folder) = branch.parent() {
            // Only in packed-refs for now: the next commit writes the file.
            watch(folder);
        }
    }
    watch(&common_dir.join("packed-refs"));
    Some(revision)
}

fn watch(path: &Path) {
    // A missing path would make cargo rerun the script on every build.
    if path.exists() {
        println!("cargo::rerun-if-changed={}", path.display());
    }
}

/// One line of git's output. git runs in this crate's folder, as cargo
/// reads relative `rerun-if-changed` paths, so the relative paths git
/// prints can be used as they are.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let line = String::from_utf8(output.stdout).ok()?.trim().to_string();
    if line.is_empty() {
        return None;
    }
    Some(line)
}
