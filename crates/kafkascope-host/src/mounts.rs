//! The mount table (`/proc/1/mounts`, as node_exporter reads it, so the
//! agent sees the host's mounts from inside a container sharing its PID
//! namespace; `/proc/self/mounts` where that is not readable).

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::read_and_parse;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub mountpoint: String,
    pub fstype: String,
    /// `ro` among the mount options.
    pub read_only: bool,
}

pub fn parse_mounts(text: &str) -> Result<Vec<Mount>, LineError> {
    let mut mounts = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let [device, mountpoint, fstype, options, ..] = fields.as_slice() else {
            return Err(LineError::new(
                index + 1,
                format!("{} fields, at least 4 expected", fields.len()),
            ));
        };
        mounts.push(Mount {
            device: unescape(device),
            mountpoint: unescape(mountpoint),
            fstype: (*fstype).to_string(),
            read_only: options.split(',').any(|o| o == "ro"),
        });
    }
    Ok(mounts)
}

/// The kernel writes space, tab, newline and backslash in paths as octal
/// escapes (`\040`); anything else after a backslash is kept as it is.
fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_string();
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|d| {
            bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)) && d[0] <= b'3'
        });
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn read_mounts(proc_root: &Path) -> Result<Vec<Mount>, HostError> {
    match read_and_parse(proc_root, "1/mounts", parse_mounts) {
        Err(HostError::Read { .. }) => read_and_parse(proc_root, "self/mounts", parse_mounts),
        read => read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_are_read_with_escapes_decoded() {
        let text = "/dev/vda / ext4 rw,relatime,discard 0 0\n\
                    proc /proc proc rw,relatime 0 0\n\
                    /dev/sdb1 /data/kafka\\040logs xfs ro,noatime 0 0\n\
                    odd /a\\x\\9 tmpfs rw 0 0\n";
        let mounts = parse_mounts(text).unwrap();
        let seen: Vec<(&str, &str, &str, bool)> = mounts
            .iter()
            .map(|m| {
                let (d, p, t) = (m.device.as_str(), m.mountpoint.as_str(), m.fstype.as_str());
                (d, p, t, m.read_only)
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("/dev/vda", "/", "ext4", false),
                ("proc", "/proc", "proc", false),
                ("/dev/sdb1", "/data/kafka logs", "xfs", true),
                ("odd", "/a\\x\\9", "tmpfs", false),
            ]
        );
    }

    #[test]
    fn a_short_line_is_an_error() {
        assert_eq!(
            parse_mounts("/dev/vda / ext4 rw 0 0\n/dev/vdb /b\n").unwrap_err(),
            LineError::new(2, "2 fields, at least 4 expected")
        );
    }
}
