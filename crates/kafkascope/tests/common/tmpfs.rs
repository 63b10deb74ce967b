//! A tmpfs of a known size for the disk tests: a filesystem the test can
//! fill to a threshold. Mounting needs root, which CI has.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A tmpfs mounted for a test, unmounted when dropped.
pub struct TmpfsMount(PathBuf);

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A `size` tmpfs (`8m`) on `dir`, or `None` (after saying why) where this
/// user may not mount, outside CI only.
pub fn mount_tmpfs(dir: &Path, size: &str) -> Option<TmpfsMount> {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot mount a tmpfs (CI runs as root)"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
        return None;
    }
    Some(TmpfsMount(dir.to_path_buf()))
}
