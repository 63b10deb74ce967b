//! `/proc/meminfo`: every field, named and scaled as node_exporter does
//! (`Active(anon): 92 kB` is `node_memory_Active_anon_bytes` 94208).

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::{parse_u64, read_and_parse};

/// One field: its metric name part (`MemTotal_bytes`, `HugePages_Total`)
/// and its value, in bytes where the kernel gave kB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeminfoField {
    pub name: String,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meminfo {
    pub fields: Vec<MeminfoField>,
}

impl Meminfo {
    /// The value of the field named `name` (as in [`MeminfoField::name`]).
    pub fn get(&self, name: &str) -> Option<u64> {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value)
    }
}

pub fn parse_meminfo(text: &str) -> Result<Meminfo, LineError> {
    let mut meminfo = Meminfo::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        meminfo.fields.push(parse_field(line, number)?);
    }
    Ok(meminfo)
}

fn parse_field(line: &str, number: usize) -> Result<MeminfoField, LineError> {
    let (key, rest) = line
        .split_once(':')
        .ok_or_else(|| LineError::new(number, "no ':' after the field name"))?;
    let mut name: String = key
        .trim()
        .chars()
        .filter_map(|c| match c {
            '(' => Some('_'),
            ')' => None,
            c => Some(c),
        })
        .collect();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(LineError::new(
            number,
            format!("{:?} is not a field name", key.trim()),
        ));
    }
    let mut words = rest.split_whitespace();
    let value = words
        .next()
        .ok_or_else(|| LineError::new(number, format!("{name} has no value")))?;
    let mut value = parse_u64(value, number, &name)?;
    match words.next() {
        None => {}
        Some("kB") => {
            value = value.saturating_mul(1024);
            name.push_str("_bytes");
        }
        Some(unit) => {
            return Err(LineError::new(
                number,
                format!("{name}: unknown unit {unit:?}"),
            ));
        }
    }
    Ok(MeminfoField { name, value })
}

pub fn read_meminfo(proc_root: &Path) -> Result<Meminfo, HostError> {
    read_and_parse(proc_root, "meminfo", parse_meminfo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_and_scaled_as_node_exporter_does() {
        let text = "MemTotal:       24683784 kB\n\
                    MemAvailable:   21118316 kB\n\
                    Active(anon):         92 kB\n\
                    HugePages_Total:       0\n";
        let meminfo = parse_meminfo(text).unwrap();
        let fields: Vec<(&str, u64)> = meminfo
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("MemTotal_bytes", 25_276_194_816),
                ("MemAvailable_bytes", 21_625_155_584),
                ("Active_anon_bytes", 94_208),
                ("HugePages_Total", 0),
            ]
        );
        assert_eq!(meminfo.get("MemTotal_bytes"), Some(25_276_194_816));
        assert_eq!(meminfo.get("MemFree_bytes"), None);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let cases = [
            (
                "MemTotal: 1 kB\nMemFree 2 kB\n",
                2,
                "no ':' after the field name",
            ),
            ("MemTotal: lots kB\n", 1, "MemTotal: not a number: \"lots\""),
            ("MemTotal:\n", 1, "MemTotal has no value"),
            ("MemTotal: 1 MB\n", 1, "MemTotal: unknown unit \"MB\""),
            ("Mem Total: 1 kB\n", 1, "\"Mem Total\" is not a field name"),
        ];
        for (text, line, reason) in cases {
            assert_eq!(
                parse_meminfo(text).unwrap_err(),
                LineError::new(line, reason),
                "{text:?}"
            );
        }
    }
}
