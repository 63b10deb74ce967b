//! `/proc/sys/fs/file-nr`: file handles allocated, and the system's maximum.

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::{parse_u64, read_and_parse};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileHandles {
    pub allocated: u64,
    pub maximum: u64,
}

/// `allocated unused maximum`; the middle one has been 0 since Linux 2.6.
pub fn parse_file_nr(text: &str) -> Result<FileHandles, LineError> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [allocated, _unused, maximum] = fields.as_slice() else {
        return Err(LineError::new(
            1,
            format!("{} numbers, 3 expected", fields.len()),
        ));
    };
    Ok(FileHandles {
        allocated: parse_u64(allocated, 1, "allocated")?,
        maximum: parse_u64(maximum, 1, "maximum")?,
    })
}

pub fn read_file_nr(proc_root: &Path) -> Result<FileHandles, HostError> {
    read_and_parse(proc_root, "sys/fs/file-nr", parse_file_nr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocated_and_maximum_are_read() {
        assert_eq!(
            parse_file_nr("1785\t0\t2466246\n").unwrap(),
            FileHandles {
                allocated: 1785,
                maximum: 2_466_246
            }
        );
    }

    #[test]
    fn a_short_or_bad_line_is_an_error() {
        assert_eq!(
            parse_file_nr("1785 0\n").unwrap_err(),
            LineError::new(1, "2 numbers, 3 expected")
        );
        assert_eq!(
            parse_file_nr("1785 0 -1\n").unwrap_err(),
            LineError::new(1, "maximum: not a number: \"-1\"")
        );
    }
}
