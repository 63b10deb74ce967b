//! Plain aligned text tables, like `kafka-consumer-groups.sh` prints.

/// Renders `rows` under `headers`, each column as wide as its widest cell.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let header_cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_cells).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join(" ").trim_end());
        out.push('\n');
    }
    out
}

/// `-` for a missing value, as Kafka's tools print it.
pub fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A duration as operators read it: `0s`, `4.2s`, `3m 05s`, `2h 07m`, `3d 04h`.
pub fn human_seconds(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".to_string();
    }
    if seconds < 60.0 {
        let rounded = (seconds * 10.0).round() / 10.0;
        return if rounded.fract() == 0.0 {
            format!("{rounded:.0}s")
        } else {
            format!("{rounded:.1}s")
        };
    }
    let whole = seconds.round() as u64;
    let (days, hours, minutes, secs) = (
        whole / 86_400,
        whole % 86_400 / 3600,
        whole % 3600 / 60,
        whole % 60,
    );
    match (days, hours) {
        (0, 0) => format!("{minutes}m {secs:02}s"),
        (0, _) => format!("{hours}h {minutes:02}m"),
        _ => format!("{days}d {hours:02}h"),
    }
}

/// `1,2,3`, as Kafka's tools print replica lists.
pub fn id_list(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_seconds_picks_two_units() {
        let cases = [
            (0.0, "0s"),
            (4.24, "4.2s"),
            (59.94, "59.9s"),
            (185.0, "3m 05s"),
            (7620.0, "2h 07m"),
            (273_600.0, "3d 04h"),
            (-1.0, "-"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_seconds(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn pads_columns_to_widest_cell() {
        let out = render(
            &["GROUP", "LAG"],
            &[
                vec!["g1".into(), "3".into()],
                vec!["payments".into(), "-".into()],
            ],
        );
        assert_eq!(out, "GROUP    LAG\ng1       3\npayments -\n");
    }

    #[test]
    fn formats_missing_and_lists() {
        assert_eq!(or_dash(None::<i64>), "-");
        assert_eq!(or_dash(Some(7)), "7");
        assert_eq!(id_list(&[1, 2, 3]), "1,2,3");
    }
}
