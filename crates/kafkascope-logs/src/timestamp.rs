//! The `%d{...}` part of a layout: a date pattern compiled once and read
//! from fixed positions, without allocating.

use crate::error::LayoutError;

/// One piece of a compiled date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DatePart {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millis,
    Literal(u8),
}

impl DatePart {
    fn width(&self) -> usize {
        match self {
            DatePart::Year => 4,
            DatePart::Millis => 3,
            DatePart::Literal(_) => 1,
            _ => 2,
        }
    }
}

/// A compiled date pattern such as `yyyy-MM-dd HH:mm:ss,SSS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    parts: Vec<DatePart>,
    width: usize,
}

/// log4j's `%d` without a pattern, which Kafka's layout uses.
pub const DEFAULT_DATE_PATTERN: &str = "yyyy-MM-dd HH:mm:ss,SSS";

impl DateFormat {
    /// Compiles a Java date pattern, or one of log4j's named ones
    /// (`DEFAULT`, `ISO8601`, `ISO8601_BASIC`... the ones of fixed width).
    pub fn compile(pattern: &str) -> Result<DateFormat, LayoutError> {
        let pattern = match pattern {
            "" | "DEFAULT" => DEFAULT_DATE_PATTERN,
            "ISO8601" => "yyyy-MM-dd'T'HH:mm:ss,SSS",
            "ISO8601_PERIOD" => "yyyy-MM-dd'T'HH:mm:ss.SSS",
            "DEFAULT_PERIOD" => "yyyy-MM-dd HH:mm:ss.SSS",
            "ABSOLUTE" => {
                return Err(LayoutError::UnsupportedDate(
                    "ABSOLUTE has no date: records could not be placed in time".into(),
                ));
            }
            other => other,
        };
        let parts = compile_parts(pattern)?;
        let width = parts.iter().map(DatePart::width).sum();
        Ok(DateFormat { parts, width })
    }

    /// How many bytes a date of this format takes.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Milliseconds since the epoch of the date at the start of `text`,
    /// read as local time `utc_offset_seconds` east of UTC; `None` if the
    /// text is not such a date.
    pub fn parse(&self, text: &[u8], utc_offset_seconds: i32) -> Option<i64> {
        if text.len() < self.width {
            return None;
        }
        let mut fields = [1970i64, 1, 1, 0, 0, 0, 0];
        let mut at = 0;
        for part in &self.parts {
            let width = part.width();
            let piece = &text[at..at + width];
            match part {
                DatePart::Literal(byte) => {
                    if piece[0] != *byte {
                        return None;
                    }
                }
                _ => fields[field_index(part)] = digits(piece)?,
            }
            at += width;
        }
        let [year, month, day, hour, minute, second, millis] = fields;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
            return None;
        }
        if second > 60 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
        Some((seconds - i64::from(utc_offset_seconds)) * 1_000 + millis)
    }
}

fn field_index(part: &DatePart) -> usize {
    match part {
        DatePart::Year => 0,
        DatePart::Month => 1,
        DatePart::Day => 2,
        DatePart::Hour => 3,
        DatePart::Minute => 4,
        DatePart::Second => 5,
        DatePart::Millis | DatePart::Literal(_) => 6,
    }
}

fn compile_parts(pattern: &str) -> Result<Vec<DatePart>, LayoutError> {
    let bytes = pattern.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let letter = bytes[i];
        let run = bytes[i..].iter().take_while(|&&b| b == letter).count();
        if letter == b'\'' {
            // A quoted literal: 'T'.
            let end = bytes[i + 1..]
                .iter()
                .position(|&b| b == b'\'')
                .ok_or_else(|| {
                    LayoutError::UnsupportedDate(format!("unclosed quote in {pattern}"))
                })?;
            parts.extend(
                bytes[i + 1..i + 1 + end]
                    .iter()
                    .map(|&b| DatePart::Literal(b)),
            );
            i += end + 2;
            continue;
        }
        let part = match (letter, run) {
            (b'y', 4) => DatePart::Year,
            (b'M', 2) => DatePart::Month,
            (b'd', 2) => DatePart::Day,
            (b'H', 2) => DatePart::Hour,
            (b'm', 2) => DatePart::Minute,
            (b's', 2) => DatePart::Second,
            (b'S', 3) => DatePart::Millis,
            (b, _) if b.is_ascii_alphabetic() => {
                return Err(LayoutError::UnsupportedDate(format!(
                    "`{}` in {pattern} (supported: yyyy MM dd HH mm ss SSS and literals)",
                    &pattern[i..i + run]
                )));
            }
            (b, _) => {
                parts.extend(std::iter::repeat_n(DatePart::Literal(b), run));
                i += run;
                continue;
            }
        };
        parts.push(part);
        i += run;
    }
    Ok(parts)
}

fn digits(piece: &[u8]) -> Option<i64> {
    piece.iter().try_fold(0i64, |value, &b| {
        b.is_ascii_digit().then(|| value * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// well-known algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kafkas_default_date_as_utc() {
        let format = DateFormat::compile(DEFAULT_DATE_PATTERN).unwrap();
        // date -u -d '2026-12-07 02:06:06.357' +%s%3N
        assert_eq!(
            format.parse(b"2026-12-07 02:06:06,357] INFO", 0),
            Some(1_796_609_166_357)
        );
        assert_eq!(format.width(), 23);
    }

    #[test]
    fn a_configured_offset_turns_local_time_into_utc() {
        let format = DateFormat::compile(DEFAULT_DATE_PATTERN).unwrap();
        // 03:06:06 at UTC+01:00 is 02:06:06 UTC.
        assert_eq!(
            format.parse(b"2026-12-07 03:06:06,357", 3_600),
            Some(1_796_609_166_357)
        );
    }

    #[test]
    fn reads_iso8601_and_custom_patterns() {
        let iso = DateFormat::compile("ISO8601").unwrap();
        assert_eq!(
            iso.parse(b"2024-02-29T23:59:59,001", 0),
            Some(1_709_251_199_001)
        );
        let custom = DateFormat::compile("dd/MM/yyyy HH:mm:ss.SSS").unwrap();
        assert_eq!(
            custom.parse(b"29/02/2024 23:59:59.001", 0),
            Some(1_709_251_199_001)
        );
    }

    #[test]
    fn refuses_text_that_is_not_a_date() {
        let format = DateFormat::compile(DEFAULT_DATE_PATTERN).unwrap();
        assert_eq!(format.parse(b"\tat org.apache.kafka.Foo", 0), None);
        assert_eq!(format.parse(b"2026-13-07 02:06:06,357", 0), None);
        assert_eq!(format.parse(b"2026-12-07", 0), None);
    }

    #[test]
    fn refuses_date_letters_it_cannot_read() {
        assert!(DateFormat::compile("EEE, dd MMM yyyy").is_err());
        assert!(DateFormat::compile("ABSOLUTE").is_err());
    }
}
