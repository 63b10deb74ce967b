//! Lines that cannot be log text: binary data and bytes that are not UTF-8.
//! They are skipped and counted, never parsed.

use serde::Serialize;

/// Why a line was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A NUL or another control character log4j never writes.
    Binary,
    NotUtf8,
    /// Longer than the line bound: cut off and skipped up to its end.
    TooLong,
    /// Text before any record of the file started (the middle of a stack
    /// trace when following starts, a JVM agent's banner on stdout).
    NoRecord,
}

impl SkipReason {
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::NotUtf8 => "not_utf8",
            SkipReason::TooLong => "too_long",
            SkipReason::NoRecord => "no_record",
        }
    }
}

/// The line as text, or why it is not log text. Tabs, form feeds and the
/// escape of terminal colours are text; other control bytes are binary.
pub fn check_line(line: &[u8]) -> Result<&str, SkipReason> {
    // No early exit: the fold vectorises, and almost every line is clean.
    let control = line.iter().fold(false, |seen, &b| {
        seen | (b < 0x20 && b != b'\t' && b != 0x0c && b != 0x1b) | (b == 0x7f)
    });
    if control {
        return Err(SkipReason::Binary);
    }
    std::str::from_utf8(line).map_err(|_| SkipReason::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_and_binary_or_bad_utf8_is_named() {
        assert_eq!(
            check_line(b"\tat Foo.bar(Foo.java:1)"),
            Ok("\tat Foo.bar(Foo.java:1)")
        );
        assert_eq!(check_line("café ✓".as_bytes()), Ok("café ✓"));
        assert_eq!(check_line(b"abc\0def"), Err(SkipReason::Binary));
        assert_eq!(check_line(b"\x01\x02\x03"), Err(SkipReason::Binary));
        assert_eq!(check_line(b"caf\xe9"), Err(SkipReason::NotUtf8));
        assert_eq!(check_line(b"\xff\xfe"), Err(SkipReason::NotUtf8));
    }
}
