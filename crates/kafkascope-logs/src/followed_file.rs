//! One open log file: its identity (device, inode, a hash of its first
//! bytes), how far it has been read, and its reading state. The handle
//! stays open so a file renamed away by rotation can still be finished.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::line_processor::FileParseState;

/// How many first bytes of a file recognise it.
pub const HEAD_BYTES: u64 = 1024;

/// What recognises a file: where it lives and how it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileIdentity {
    pub device: u64,
    pub inode: u64,
    /// How many first bytes `head_hash` covers (up to [`HEAD_BYTES`]).
    pub head_len: u64,
    pub head_hash: u64,
}

/// An open file being read.
#[derive(Debug)]
pub struct FollowedFile {
    file: File,
    pub identity: FileIdentity,
    /// Bytes read and processed (complete lines).
    pub offset: u64,
    pub parse: FileParseState,
}

impl FollowedFile {
    /// Opens `path` to be read from `offset`, after `line` lines.
    pub fn open(path: &Path, offset: u64, line: u64) -> io::Result<FollowedFile> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let mut followed = FollowedFile {
            file,
            identity: FileIdentity {
                device: metadata.dev(),
                inode: metadata.ino(),
                head_len: 0,
                head_hash: fnv1a(&[]),
            },
            offset,
            parse: FileParseState::at_line(line),
        };
        followed.refresh_head()?;
        Ok(followed)
    }

    /// The file's current size.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Whether the first bytes are still those it was recognised by (a
    /// copytruncate followed by new writes changes them).
    pub fn head_unchanged(&self) -> io::Result<bool> {
        Ok(self.head_hash(self.identity.head_len)? == Some(self.identity.head_hash))
    }

    /// Whether the first `len` bytes hash to `hash`.
    pub fn head_is(&self, len: u64, hash: u64) -> io::Result<bool> {
        Ok(self.head_hash(len)? == Some(hash))
    }

    /// Covers more of the head once the file has grown.
    pub fn refresh_head(&mut self) -> io::Result<()> {
        if self.identity.head_len < HEAD_BYTES {
            let len = self.size()?.min(HEAD_BYTES);
            if len > self.identity.head_len
                && let Some(hash) = self.head_hash(len)?
            {
                self.identity.head_len = len;
                self.identity.head_hash = hash;
            }
        }
        Ok(())
    }

    /// The hash of the first `len` bytes; `None` if the file is shorter.
    fn head_hash(&self, len: u64) -> io::Result<Option<u64>> {
        let mut head = vec![0; len as usize];
        let read = read_full_at(&self.file, &mut head, 0)?;
        Ok((read == head.len()).then(|| fnv1a(&head)))
    }

    /// Reads up to `buf.len()` bytes at the read offset; fewer at the end.
    pub fn read_at_offset(&self, buf: &mut [u8]) -> io::Result<usize> {
        read_full_at(&self.file, buf, self.offset)
    }

    /// Starts the file over (it was truncated).
    pub fn restart(&mut self) -> io::Result<()> {
        self.offset = 0;
        self.parse = FileParseState::default();
        self.identity.head_len = 0;
        self.identity.head_hash = fnv1a(&[]);
        self.refresh_head()
    }
}

fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The device and inode `path` names now.
pub fn identity_of(path: &Path) -> io::Result<(u64, u64)> {
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.dev(), metadata.ino()))
}

/// The file in `dir` with this device and inode (a rotated file's new
/// name), if any.
pub fn find_by_inode(dir: &Path, device: u64, inode: u64) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.dev() == device && m.ino() == inode)
        })
        .map(|entry| entry.path())
}

/// FNV-1a, 64 bits: stable across builds, unlike the standard hasher, so
/// a saved head hash still matches after an upgrade.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_head_covers_more_as_the_file_grows_and_notices_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.log");
        std::fs::write(&path, "abc\n").unwrap();
        let mut file = FollowedFile::open(&path, 0, 0).unwrap();
        assert_eq!(file.identity.head_len, 4);
        std::fs::write(&path, "abc\ndef\n").unwrap();
        file.refresh_head().unwrap();
        assert_eq!(file.identity.head_len, 8);
        assert!(file.head_unchanged().unwrap());
        std::fs::write(&path, "xyz\ndef\n").unwrap();
        assert!(!file.head_unchanged().unwrap());
    }
}
