//! `/proc/net/dev`: traffic and error counters per network device.

use std::path::Path;

use crate::host_error::{HostError, LineError};
use crate::proc_file::{parse_u64, read_and_parse};

/// The sixteen columns, named as node_exporter names its families
/// (`node_network_<name>_total`).
pub const NET_DEV_COLUMNS: [&str; 16] = [
    "receive_bytes",
    "receive_packets",
    "receive_errs",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errs",
    "transmit_drop",
    "transmit_fifo",
    "transmit_colls",
    "transmit_carrier",
    "transmit_compressed",
];

/// Index of a column in [`NET_DEV_COLUMNS`].
pub mod column {
    pub const RECEIVE_BYTES: usize = 0;
    pub const RECEIVE_ERRS: usize = 2;
    pub const RECEIVE_DROP: usize = 3;
    pub const TRANSMIT_BYTES: usize = 8;
    pub const TRANSMIT_ERRS: usize = 10;
    pub const TRANSMIT_DROP: usize = 11;
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetDevice {
    pub device: String,
    /// In [`NET_DEV_COLUMNS`] order.
    pub counters: [u64; 16],
}

/// The two header lines are skipped; every other line is `name: counters`
/// (large counters may touch the colon).
pub fn parse_net_dev(text: &str) -> Result<Vec<NetDevice>, LineError> {
    let mut devices = Vec::new();
    for (index, line) in text.lines().enumerate().skip(2) {
        if line.trim().is_empty() {
            continue;
        }
        devices.push(parse_device_line(line, index + 1)?);
    }
    Ok(devices)
}

fn parse_device_line(line: &str, number: usize) -> Result<NetDevice, LineError> {
    let (name, rest) = line
        .split_once(':')
        .ok_or_else(|| LineError::new(number, "no ':' after the device name"))?;
    let device = name.trim();
    if device.is_empty() {
        return Err(LineError::new(number, "no device name"));
    }
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.len() != NET_DEV_COLUMNS.len() {
        return Err(LineError::new(
            number,
            format!("{device}: {} counters, 16 expected", fields.len()),
        ));
    }
    let mut counters = [0u64; 16];
    for (i, field) in fields.iter().enumerate() {
        counters[i] = parse_u64(field, number, &format!("{device} {}", NET_DEV_COLUMNS[i]))?;
    }
    Ok(NetDevice {
        device: device.to_string(),
        counters,
    })
}

pub fn read_net_dev(proc_root: &Path) -> Result<Vec<NetDevice>, HostError> {
    read_and_parse(proc_root, "net/dev", parse_net_dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET_DEV: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 37319908954 17854738    0    0    0     0          0         0 37319908954 17854738    0    0    0     0       0          0
  eth0:1901021557   70427    3    4    0     0          0         0  5953874   52180    5    6    0     0       0          0
";

    #[test]
    fn every_device_and_counter_is_read() {
        let devices = parse_net_dev(NET_DEV).unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0].device, "lo");
        assert_eq!(devices[0].counters[column::RECEIVE_BYTES], 37_319_908_954);
        assert_eq!(
            devices[1],
            NetDevice {
                device: "eth0".into(),
                counters: [
                    1901021557, 70427, 3, 4, 0, 0, 0, 0, 5953874, 52180, 5, 6, 0, 0, 0, 0
                ],
            }
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let head = "h1\nh2\n";
        assert_eq!(
            parse_net_dev(&format!("{head}eth0 1 2\n")).unwrap_err(),
            LineError::new(3, "no ':' after the device name")
        );
        assert_eq!(
            parse_net_dev(&format!("{head}eth0: 1 2\n")).unwrap_err(),
            LineError::new(3, "eth0: 2 counters, 16 expected")
        );
        assert_eq!(
            parse_net_dev(&format!(
                "{head}eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -1\n"
            ))
            .unwrap_err(),
            LineError::new(3, "eth0 transmit_compressed: not a number: \"-1\"")
        );
    }
}
