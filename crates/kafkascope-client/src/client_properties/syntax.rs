//! Java's `.properties` syntax, as `java.util.Properties.load` reads it:
//! `key=value`, `key: value` or `key value`; `#` and `!` comment lines;
//! backslash line continuations; `\t`, `\n`, `\uXXXX` and `\\` escapes.

use super::PropertiesError;

/// One `key=value` entry and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// Splits the text into logical lines and `key`/`value` pairs, following
/// `java.util.Properties.load`, then trims values as Kafka does.
pub(super) fn parse_entries(text: &str) -> Result<Vec<Entry>, PropertiesError> {
    let natural: Vec<&str> = split_natural_lines(text);
    let mut entries = Vec::new();
    let mut index = 0;
    while index < natural.len() {
        let start_line = index + 1;
        let first = natural[index].trim_start_matches(is_properties_whitespace);
        index += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines: a line ending in an odd number of backslashes.
        let mut logical = String::from(first);
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match natural.get(index) {
                Some(next) => {
                    logical.push_str(next.trim_start_matches(is_properties_whitespace));
                    index += 1;
                }
                None => break,
            }
        }
        let (raw_key, raw_value) = split_key_value(&logical);
        let key = unescape(raw_key)
            .map_err(|reason| PropertiesError::invalid(start_line, raw_key, reason))?;
        let value = unescape(raw_value)
            .map_err(|reason| PropertiesError::invalid(start_line, &key, reason))?;
        entries.push(Entry {
            line: start_line,
            key,
            value: value.trim().to_string(),
        });
    }
    Ok(entries)
}

fn split_natural_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(end) => {
                lines.push(&rest[..end]);
                let skip = if rest[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = &rest[end + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

fn is_properties_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

fn ends_with_odd_backslashes(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The key ends at the first unescaped `=`, `:` or whitespace; one `=` or
/// `:` (with whitespace around it) separates it from the value.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => {
                return (
                    &line[..i],
                    line[i + 1..].trim_start_matches(is_properties_whitespace),
                );
            }
            c if is_properties_whitespace(c) => {
                key_end = i;
                break;
            }
            _ => {}
        }
    }
    let rest = line[key_end..].trim_start_matches(is_properties_whitespace);
    let rest = rest
        .strip_prefix(['=', ':'])
        .map(|r| r.trim_start_matches(is_properties_whitespace))
        .unwrap_or(rest);
    (&line[..key_end], rest)
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .ok_or_else(|| format!("malformed \\uxxxx escape \\u{hex}"))?;
                // Surrogate pairs (\uD83D\uDE00) are joined when both halves come.
                if (0xD800..0xDC00).contains(&code) {
                    let rest = chars.as_str();
                    let low = rest
                        .strip_prefix("\\u")
                        .and_then(|r| r.get(..4))
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .filter(|l| (0xDC00..0xE000).contains(l));
                    if let Some(low) = low {
                        chars = rest[6..].chars();
                        let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        out.push(char::from_u32(combined).unwrap_or('\u{FFFD}'));
                        continue;
                    }
                }
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            // A trailing lone backslash (continuation at end of file) is dropped.
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(usize, String, String)> {
        parse_entries(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.line, e.key, e.value))
            .collect()
    }

    fn e(line: usize, key: &str, value: &str) -> (usize, String, String) {
        (line, key.to_string(), value.to_string())
    }

    #[test]
    fn java_properties_syntax() {
        let text = "# comment\n\
                    ! also a comment\n\
                    \n\
                    a=1\n\
                    \x20  b : 2  \n\
                    c 3\n\
                    d\n\
                    e=x=y\n\
                    f\\=g=h\n\
                    tab\\tkey=\\u0041\\\\z\n\
                    long=one, \\\n\
                    \x20     two, \\\n\
                    \x20     three\n\
                    colon:=v\n";
        assert_eq!(
            entries(text),
            vec![
                e(4, "a", "1"),
                e(5, "b", "2"),
                e(6, "c", "3"),
                e(7, "d", ""),
                e(8, "e", "x=y"),
                e(9, "f=g", "h"),
                e(10, "tab\tkey", "A\\z"),
                e(11, "long", "one, two, three"),
                e(14, "colon", "=v"),
            ]
        );
    }

    #[test]
    fn line_endings_and_escaped_backslash_before_newline() {
        assert_eq!(
            entries("a=1\r\nb=c:\\\\\r\nd=2\re=\\u00e9\\uD83D\\uDE00"),
            vec![
                e(1, "a", "1"),
                e(2, "b", "c:\\"),
                e(3, "d", "2"),
                e(4, "e", "é😀"),
            ]
        );
        // A comment line does not continue, even with a trailing backslash.
        assert_eq!(entries("# x \\\na=1"), vec![e(2, "a", "1")]);
        // A continued line may start with '#'.
        assert_eq!(entries("a=1\\\n  #2"), vec![e(1, "a", "1#2")]);
    }

    #[test]
    fn malformed_unicode_escape_names_line_and_key() {
        match parse_entries("\n\nclient.id=\\u12G4").unwrap_err() {
            PropertiesError::Invalid { line, key, reason } => assert_eq!(
                (line, key.as_str(), reason.as_str()),
                (3, "client.id", "malformed \\uxxxx escape \\u12G4")
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}
