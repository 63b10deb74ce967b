//! Reading one file under the configured `/proc` root, bounded, and
//! handing its text to a parser whose line errors then name the file.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::host_error::{HostError, LineError};

/// No `/proc` file this crate reads comes near this; a fixture tree or a
/// broken procfs that does is refused rather than read into memory.
pub const MAX_PROC_FILE_BYTES: u64 = 16 << 20;

/// The text of `root/relative`, at most [`MAX_PROC_FILE_BYTES`].
pub fn read_proc_file(root: &Path, relative: &str) -> Result<(PathBuf, String), HostError> {
    let path = root.join(relative);
    let read_error = |source| HostError::Read {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::open(&path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_PROC_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_PROC_FILE_BYTES {
        return Err(HostError::TooLarge {
            path,
            limit: MAX_PROC_FILE_BYTES,
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((path, text)),
        Err(_) => Err(HostError::NotText { path }),
    }
}

/// Reads `root/relative` and parses it with `parse`.
pub fn read_and_parse<T>(
    root: &Path,
    relative: &str,
    parse: impl FnOnce(&str) -> Result<T, LineError>,
) -> Result<T, HostError> {
    let (path, text) = read_proc_file(root, relative)?;
    parse(&text).map_err(|error| HostError::at(path, error))
}

/// `field` of line `line` as an unsigned number; `what` names the field in
/// the error.
pub fn parse_u64(field: &str, line: usize, what: &str) -> Result<u64, LineError> {
    field
        .parse::<u64>()
        .map_err(|_| LineError::new(line, format!("{what}: not a number: {field:?}")))
}
