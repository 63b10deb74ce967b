//! The line reading `srvr`'s and `mntr`'s answers share: each is read a
//! line at a time, a line that cannot be read is skipped and reported by
//! number while the rest still count, and a last line the connection cut
//! short is never read (its value may be cut too).

use crate::zookeeper::unreadable_lines::UnreadableLines;

/// An answer read with [`read_lines`], as a member's reading counts it.
pub trait LineByLineAnswer {
    /// Lines read into a figure: the member's samples.
    fn lines_read(&self) -> usize;
    fn unreadable(&self) -> &UnreadableLines;
}

/// What reading an answer's lines came to.
pub struct LinesRead {
    /// The lines `read_line` refused, then a last line cut short.
    pub unreadable: UnreadableLines,
    /// The number after the answer's last line (cut short or not): where a
    /// note on something the whole answer lacks goes.
    pub after_last: usize,
}

/// Hands every whole, non-blank line of `text` to `read_line` without its
/// `\r`, and keeps the reason of each one it refuses.
pub fn read_lines(text: &str, mut read_line: impl FnMut(&str) -> Result<(), String>) -> LinesRead {
    let mut unreadable = UnreadableLines::default();
    let (complete, cut) = whole_lines(text);
    for (index, line) in complete.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Err(reason) = read_line(line) {
            unreadable.add(index + 1, reason);
        }
    }
    let mut after_last = complete.lines().count() + 1;
    if cut {
        unreadable.add(after_last, "cut short (no end of line)".to_string());
        after_last += 1;
    }
    LinesRead {
        unreadable,
        after_last,
    }
}

/// The answer up to its last end of line, and whether anything came after
/// it: every line ZooKeeper writes ends with one, so a last line without it
/// was cut short and its value may be too.
fn whole_lines(text: &str) -> (&str, bool) {
    match text.rfind('\n') {
        Some(end) => (&text[..=end], end + 1 < text.len()),
        None => ("", !text.is_empty()),
    }
}

/// A `name`d value that must be a count.
pub fn count(name: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: '{}' is not a count", shorten(value)))
}

/// A bad line or value as quoted in an error: garbage can be long.
pub fn shorten(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
