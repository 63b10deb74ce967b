//! Prometheus durations (`30s`, `5m`, `1h30m`, `500ms`), as rule files and
//! the config write them, read to and written from milliseconds.

use std::fmt::Write;

/// The units Prometheus accepts, largest first, in milliseconds.
const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Reads a duration; `0` alone is zero. Units must come largest first, each
/// once, as Prometheus requires.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    if text == "0" {
        return Ok(0);
    }
    let bad = || format!("{text:?} is not a duration (like 30s, 5m or 1h30m)");
    if text.is_empty() {
        return Err(bad());
    }
    let mut rest = text;
    let mut total: i64 = 0;
    let mut last_unit = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (index, (unit, ms)) = UNITS
            .iter()
            .enumerate()
            // `ms` before `m`: the longer unit wins where both fit.
            .filter(|(_, (unit, _))| rest.starts_with(unit))
            .max_by_key(|(_, (unit, _))| unit.len())
            .ok_or_else(bad)?;
        if last_unit.is_some_and(|last| index <= last) {
            return Err(bad());
        }
        last_unit = Some(index);
        rest = &rest[unit.len()..];
        total = number
            .checked_mul(*ms)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// Writes a duration the way Prometheus does (`1h30m`, `0s`).
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in UNITS {
        if rest >= size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_prometheus_reads_them() {
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("30s"), Ok(30_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("1m500ms"), Ok(60_500));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
    }

    #[test]
    fn malformed_durations_are_refused_with_the_text() {
        for text in [
            "",
            "5",
            "m",
            "5x",
            "30m1h",
            "1m1m",
            "-5m",
            "99999999999999999999y",
        ] {
            let error = parse_duration(text).unwrap_err();
            assert!(
                error.starts_with(&format!("{text:?} is not a duration")),
                "{error}"
            );
        }
    }

    #[test]
    fn durations_write_back_in_prometheus_form() {
        for (ms, text) in [
            (0, "0s"),
            (300_000, "5m"),
            (5_400_000, "1h30m"),
            (60_500, "1m500ms"),
        ] {
            assert_eq!(format_duration(ms), text);
            assert_eq!(parse_duration(text), Ok(ms));
        }
    }
}
