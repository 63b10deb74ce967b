//! Size and free space of every mounted filesystem node_exporter would
//! report: the mount table less excluded mount points and pseudo
//! filesystems, each asked with `statfs` on a thread of its own so that
//! one hung mount (a dead NFS server) cannot hold the page up.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::agent_options::AgentOptions;
use crate::host_error::HostError;
use crate::mounts::{Mount, read_mounts};

/// What `statfs` said of a filesystem, in bytes and inodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilesystemSpace {
    pub size_bytes: u64,
    pub free_bytes: u64,
    /// Free to unprivileged users (less the root reserve).
    pub avail_bytes: u64,
    pub files: u64,
    pub files_free: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesystemStats {
    pub mount: Mount,
    /// `None` when `statfs` failed or did not return in time.
    pub space: Option<FilesystemSpace>,
}

/// Mount points whose `statfs` has not returned yet; they are not asked
/// again until it does.
#[derive(Debug, Clone, Default)]
pub struct StuckMounts(Arc<Mutex<HashSet<String>>>);

impl StuckMounts {
    fn contains(&self, mountpoint: &str) -> bool {
        self.0.lock().is_ok_and(|s| s.contains(mountpoint))
    }

    fn insert(&self, mountpoint: &str) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(mountpoint.to_string());
        }
    }

    fn remove(&self, mountpoint: &str) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(mountpoint);
        }
    }
}

/// The mounts to report, each (device, mount point, type) once, named as
/// on the host.
pub fn reported_mounts(mounts: Vec<Mount>, options: &AgentOptions) -> Vec<Mount> {
    let mut seen = HashSet::new();
    mounts
        .into_iter()
        .map(|mut m| {
            m.mountpoint = without_root(&options.root_fs, &m.mountpoint);
            m
        })
        .filter(|m| !options.mount_points_exclude.is_match(&m.mountpoint))
        .filter(|m| !options.fs_types_exclude.is_match(&m.fstype))
        .filter(|m| seen.insert((m.device.clone(), m.mountpoint.clone(), m.fstype.clone())))
        .collect()
}

pub fn read_filesystems(
    options: &AgentOptions,
    stuck: &StuckMounts,
) -> Result<Vec<FilesystemStats>, HostError> {
    let mounts = reported_mounts(read_mounts(&options.proc_root)?, options);
    Ok(stat_all(
        mounts,
        &options.root_fs,
        options.statfs_timeout,
        stuck,
    ))
}

/// A mount point as the host names it: a container that mounts the host's
/// root at `/host` lists its mounts as `/host/data`, the host's own table
/// (`/proc/1/mounts` when sharing its PID namespace) as `/data`.
fn without_root(root_fs: &Path, mountpoint: &str) -> String {
    if root_fs == Path::new("/") {
        return mountpoint.to_string();
    }
    match Path::new(mountpoint).strip_prefix(root_fs) {
        Ok(rest) => format!("/{}", rest.display()),
        Err(_) => mountpoint.to_string(),
    }
}

/// Where `mountpoint` (as the host names it) is seen from here.
fn seen_at(root_fs: &Path, mountpoint: &str) -> PathBuf {
    root_fs.join(mountpoint.trim_start_matches('/'))
}

/// Asks every mount at once and waits for all of them until `timeout`.
fn stat_all(
    mounts: Vec<Mount>,
    root_fs: &Path,
    timeout: Duration,
    stuck: &StuckMounts,
) -> Vec<FilesystemStats> {
    let (sender, answers) = mpsc::channel();
    let mut asked = 0;
    for (index, mount) in mounts.iter().enumerate() {
        if stuck.contains(&mount.mountpoint) {
            tracing::debug!(mountpoint = %mount.mountpoint, "statfs still hung; not asked again");
            continue;
        }
        stuck.insert(&mount.mountpoint);
        let (sender, mountpoint) = (sender.clone(), mount.mountpoint.clone());
        let path = seen_at(root_fs, &mountpoint);
        let unstuck = stuck.clone();
        let spawned = std::thread::Builder::new()
            .name("statfs".into())
            .spawn(move || {
                let space = statfs(&path);
                unstuck.remove(&mountpoint);
                let _ = sender.send((index, space));
            });
        match spawned {
            Ok(_) => asked += 1,
            Err(error) => {
                stuck.remove(&mount.mountpoint);
                tracing::warn!(%error, "no thread for statfs");
            }
        }
    }
    let mut spaces: Vec<Option<FilesystemSpace>> = vec![None; mounts.len()];
    let deadline = Instant::now() + timeout;
    for _ in 0..asked {
        let left = deadline.saturating_duration_since(Instant::now());
        match answers.recv_timeout(left) {
            Ok((index, space)) => spaces[index] = space,
            Err(_) => break,
        }
    }
    mounts
        .into_iter()
        .zip(spaces)
        .map(|(mount, space)| FilesystemStats { mount, space })
        .collect()
}

/// `statfs(2)`, multiplied out by the block size as node_exporter does.
fn statfs(path: &Path) -> Option<FilesystemSpace> {
    match rustix::fs::statfs(path) {
        Ok(s) => {
            let block = u64::try_from(s.f_bsize).unwrap_or(0);
            Some(FilesystemSpace {
                size_bytes: s.f_blocks.saturating_mul(block),
                free_bytes: s.f_bfree.saturating_mul(block),
                avail_bytes: s.f_bavail.saturating_mul(block),
                files: s.f_files,
                files_free: s.f_ffree,
            })
        }
        Err(error) => {
            tracing::debug!(path = %path.display(), %error, "statfs failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(device: &str, mountpoint: &str, fstype: &str) -> Mount {
        Mount {
            device: device.into(),
            mountpoint: mountpoint.into(),
            fstype: fstype.into(),
            read_only: false,
        }
    }

    #[test]
    fn pseudo_filesystems_and_system_trees_are_left_out_as_node_exporter_does() {
        let mounts = vec![
            mount("/dev/vda", "/", "ext4"),
            mount("proc", "/proc", "proc"),
            mount("tmpfs", "/dev/shm", "tmpfs"),
            mount("cgroup2", "/sys/fs/cgroup/unified", "cgroup2"),
            mount("tmpfs", "/run", "tmpfs"),
            mount("tmpfs", "/run/credentials/x.service", "tmpfs"),
            mount("overlay", "/var/lib/docker/overlay2/abc/merged", "overlay"),
            mount("/dev/sdb1", "/mnt/kafka", "xfs"),
            mount("/dev/sdb1", "/mnt/kafka", "xfs"),
            mount("nsfs", "/run/netns/a", "nsfs"),
            mount("/dev/loop3", "/snap/core/1", "squashfs"),
        ];
        let kept: Vec<String> = reported_mounts(mounts, &AgentOptions::default())
            .into_iter()
            .map(|m| m.mountpoint)
            .collect();
        assert_eq!(kept, vec!["/", "/run", "/mnt/kafka"]);
    }

    #[test]
    fn a_missing_mount_point_is_a_device_error_and_the_others_are_read() {
        let mounts = vec![
            mount("none", "/this/path/does/not/exist", "ext4"),
            mount("/dev/root", "/", "ext4"),
        ];
        let stats = stat_all(
            mounts,
            Path::new("/"),
            Duration::from_secs(5),
            &StuckMounts::default(),
        );
        assert_eq!(stats[0].space, None);
        let root = stats[1].space.expect("/ answers statfs");
        assert!(root.size_bytes > 0 && root.avail_bytes <= root.free_bytes);
    }

    #[test]
    fn under_a_root_fs_mounts_are_named_as_on_the_host_and_asked_under_it() {
        let host = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(host.path().join("data/kafka")).unwrap();
        let root = host.path().display().to_string();
        let options = AgentOptions {
            root_fs: host.path().to_path_buf(),
            ..AgentOptions::default()
        };
        // The container's own table names the host's mounts under the root;
        // the host's table (PID 1's) names them as they are.
        let mounts = vec![
            mount("/dev/sdb1", &format!("{root}/data/kafka"), "xfs"),
            mount("/dev/sdc1", "/data", "xfs"),
            mount("/dev/sdb1", &format!("{root}/proc"), "proc"),
        ];
        let kept = reported_mounts(mounts, &options);
        let names: Vec<&str> = kept.iter().map(|m| m.mountpoint.as_str()).collect();
        assert_eq!(names, vec!["/data/kafka", "/data"]);
        let stats = stat_all(
            kept,
            &options.root_fs,
            Duration::from_secs(5),
            &StuckMounts::default(),
        );
        let expected = statfs(host.path()).expect("the temporary folder answers statfs");
        for stat in &stats {
            let space = stat.space.expect("asked under the root");
            // The folders are on the temporary folder's filesystem.
            assert_eq!(
                (space.size_bytes, space.files),
                (expected.size_bytes, expected.files),
                "{}",
                stat.mount.mountpoint
            );
        }
        assert_eq!(without_root(Path::new("/host"), "/host"), "/");
        assert_eq!(without_root(Path::new("/host"), "/hostile"), "/hostile");
        assert_eq!(seen_at(Path::new("/host"), "/"), Path::new("/host"));
    }

    #[test]
    fn a_stuck_mount_is_not_asked_again() {
        let stuck = StuckMounts::default();
        stuck.insert("/");
        let stats = stat_all(
            vec![mount("/dev/root", "/", "ext4")],
            Path::new("/"),
            Duration::ZERO,
            &stuck,
        );
        assert_eq!(stats[0].space, None);
        assert!(stuck.contains("/"));
    }
}
