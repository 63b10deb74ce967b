//! Where a test cluster's ports go. Test binaries run at once, each
//! starting clusters of its own, so every start picks its ports afresh and
//! tries other ones when some are taken.

use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

/// Port bases tried when the script finds a port taken.
pub(crate) const START_ATTEMPTS: u32 = 5;

/// Port bases in the test clusters' range: a thousand-port slot from 20000
/// on, below 32768, where Linux starts handing out ephemeral ports to
/// outgoing connections (a node once failed to bind a port some client
/// connection had been given).
pub(crate) struct PortBases {
    /// How many slots, from 20000 on, bases are picked from.
    pub slots: u32,
    /// Where in its slot a base sits, so that kinds of cluster sharing
    /// slots use different ports.
    pub offset_in_slot: u32,
}

impl PortBases {
    /// A base different per process and attempt, so test binaries running
    /// at once rarely pick the same ports.
    pub(crate) fn base(&self, attempt: u32) -> u32 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let slot = (std::process::id() ^ nanos).wrapping_add(attempt * 7) % self.slots;
        20_000 + slot * 1_000 + self.offset_in_slot
    }
}

/// `N` loopback ports free now, all different, for processes a test starts
/// (a Connect worker's REST API and its JMX exporter): each is held until
/// the last is picked, as two picks one after the other may be handed the
/// same port (a run saw a worker's REST port answered by its own exporter).
pub fn free_loopback_ports<const N: usize>() -> [u16; N] {
    let held: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port"))
        .collect();
    std::array::from_fn(|i| held[i].local_addr().expect("a bound port").port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_picked_together_are_all_different() {
        let ports: [u16; 8] = free_loopback_ports();
        let distinct: std::collections::BTreeSet<u16> = ports.into_iter().collect();
        assert_eq!(distinct.len(), 8, "{ports:?}");
    }
}
