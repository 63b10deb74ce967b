//! No input makes the reader panic: arbitrary bytes (cut anywhere, with
//! or without line ends, mixed with real records) are read, every line is
//! counted once, and what is not text is skipped.

use std::io::Write;

use kafkascope_logs::{FileSetConfig, Layout, LogFollower, LogFollowerConfig, THREAD_PATTERN};
use proptest::prelude::*;

const REAL: &str = "[2026-12-07 02:25:28,171] INFO [Broker id=0] Leader cap-rf3-1 with topic id Some(6AqkeWznTwyTG4mnJaJtKw) starts at leader epoch 1 from offset 0 with partition epoch 1, high watermark 0, ISR [0,1], adding replicas [] and removing replicas [] . Previous leader Some(2) and previous leader epoch was 0. (state.change.logger)\n";

fn pieces() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(REAL.as_bytes().to_vec()),
            Just(b"[2026-12-07 02:25:28,171] ERROR ".to_vec()),
            Just(b"\tat a.B.c(B.java:1)\n".to_vec()),
            Just(b"\n".to_vec()),
        ],
        0..40,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn layouts_never_panic_on_arbitrary_lines(line in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Layout::kafka().parse(&line);
        let _ = Layout::compile(THREAD_PATTERN, 3_600).unwrap().parse(&line);
    }

    #[test]
    fn the_follower_counts_every_line_of_arbitrary_bytes_once(bytes in pieces()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.log");
        std::fs::File::create(&path).unwrap().write_all(&bytes).unwrap();
        let config = LogFollowerConfig {
            file_sets: vec![FileSetConfig::kafka_logs_dir(Some(0), dir.path())],
            max_bytes_per_file_per_poll: 97,
            max_line_bytes: 64,
            ..LogFollowerConfig::default()
        };
        let mut follower = LogFollower::new(config).unwrap();
        while follower.poll().bytes_read() > 0 {}
        let totals = follower.totals();
        let complete = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        // A last line without its end waits, unless it is already too long.
        prop_assert!(totals.lines == complete || totals.lines == complete + 1);
        let skipped: u64 = totals.skipped.values().sum();
        prop_assert!(totals.records + skipped <= totals.lines);
    }
}
