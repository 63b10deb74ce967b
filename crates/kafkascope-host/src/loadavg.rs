//! `/proc/loadavg`: the 1, 5 and 15 minute load averages.

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::read_and_parse;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

pub fn parse_loadavg(text: &str) -> Result<LoadAverage, LineError> {
    let mut fields = text.split_whitespace();
    let mut next = |what: &str| -> Result<f64, LineError> {
        let field = fields
            .next()
            .ok_or_else(|| LineError::new(1, format!("no {what} load average")))?;
        match field.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
            _ => Err(LineError::new(
                1,
                format!("{what} load average: not a number: {field:?}"),
            )),
        }
    };
    Ok(LoadAverage {
        one: next("1m")?,
        five: next("5m")?,
        fifteen: next("15m")?,
    })
}

pub fn read_loadavg(proc_root: &Path) -> Result<LoadAverage, HostError> {
    read_and_parse(proc_root, "loadavg", parse_loadavg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_averages_are_read() {
        assert_eq!(
            parse_loadavg("6.30 3.28 3.62 10/610 8843\n").unwrap(),
            LoadAverage {
                one: 6.30,
                five: 3.28,
                fifteen: 3.62
            }
        );
    }

    #[test]
    fn missing_or_bad_averages_are_named() {
        assert_eq!(
            parse_loadavg("0.5 0.4\n").unwrap_err(),
            LineError::new(1, "no 15m load average")
        );
        assert_eq!(
            parse_loadavg("0.5 NaN 1\n").unwrap_err(),
            LineError::new(1, "5m load average: not a number: \"NaN\"")
        );
    }
}
