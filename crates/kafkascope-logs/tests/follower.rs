//! The follower on files in a temporary folder: appends, a line written in
//! two parts, rotation by rename, copytruncate, restarts with saved
//! positions, a file replaced while stopped, garbage and binary lines.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use kafkascope_logs::{
    BurstConfig, Detected, EventKind, FileSetConfig, KAFKA_PATTERN, Level, LogEvent, LogFollower,
    LogFollowerConfig, SkipReason,
};

/// A record that the authentication detector turns into one event naming
/// `client`.
fn auth_failure(second: u32, client: &str) -> String {
    format!(
        "[2026-12-07 02:00:{second:02},000] INFO [SocketServer listenerType=BROKER, nodeId=0] Failed authentication with {client} (channelId=1) (Authentication failed: Invalid username or password) (org.apache.kafka.common.network.Selector)\n"
    )
}

fn info(second: u32, message: &str) -> String {
    format!("[2026-12-07 02:00:{second:02},000] INFO {message} (kafka.server.BrokerServer)\n")
}

fn append(path: &Path, text: &[u8]) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text).unwrap();
}

fn config(paths: &[&Path], positions: Option<PathBuf>) -> LogFollowerConfig {
    LogFollowerConfig {
        file_sets: vec![FileSetConfig {
            node: Some(0),
            paths: paths.iter().map(|p| p.to_path_buf()).collect(),
            pattern: KAFKA_PATTERN.to_string(),
            utc_offset_seconds: 0,
        }],
        positions_file: positions,
        ..LogFollowerConfig::default()
    }
}

/// Polls until a poll reads nothing (that poll also finishes the last
/// record), returning every event.
fn drain(follower: &mut LogFollower) -> Vec<LogEvent> {
    let mut events = Vec::new();
    loop {
        let batch = follower.poll();
        events.extend(batch.events.iter().cloned());
        if batch.bytes_read() == 0 {
            return events;
        }
    }
}

fn clients(events: &[LogEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.detected {
            Detected::AuthenticationFailure { client, .. } => Some(client.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn appended_records_are_read_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(
        &path,
        (auth_failure(1, "/10.0.0.1") + &info(2, "ok")).as_bytes(),
    );
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    assert_eq!(clients(&drain(&mut follower)), ["/10.0.0.1"]);
    append(
        &path,
        (auth_failure(3, "/10.0.0.2") + &auth_failure(4, "/10.0.0.3")).as_bytes(),
    );
    let events = drain(&mut follower);
    assert_eq!(clients(&events), ["/10.0.0.2", "/10.0.0.3"]);
    assert_eq!((events[0].line, events[1].line), (3, 4));
    assert_eq!(events[0].node, Some(0));
    assert_eq!(events[0].timestamp_ms, Some(1_796_608_803_000));
    let totals = follower.totals();
    assert_eq!(totals.records, 4);
    assert_eq!(totals.records_by_level, BTreeMap::from([(Level::Info, 4)]));
    assert_eq!(
        totals.events,
        BTreeMap::from([(EventKind::AuthenticationFailure, 3)])
    );
}

#[test]
fn a_line_written_in_two_parts_waits_for_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let line = auth_failure(1, "/10.0.0.9");
    let (head, tail) = line.split_at(60);
    append(&path, head.as_bytes());
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    assert_eq!(drain(&mut follower), []);
    assert_eq!(follower.totals().lines, 0);
    append(&path, tail.as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/10.0.0.9"]);
    assert_eq!(follower.totals().lines, 1);
}

#[test]
fn a_stack_trace_stays_with_its_record_and_the_bound_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let mut text = "[2026-12-07 02:00:01,000] ERROR Error while accepting connection (kafka.network.DataPlaneAcceptor)\njava.io.IOException: Too many open files\n".to_string();
    for i in 0..250 {
        text += &format!("\tat some.Class.method(Class.java:{i})\n");
    }
    text += &info(2, "next");
    append(&path, text.as_bytes());
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    let events = drain(&mut follower);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind(), EventKind::TooManyOpenFiles);
    // 200 lines kept of 252: the first line, the exception and 198 frames.
    assert_eq!(events[0].lines.len(), 200);
    assert_eq!(events[0].lines_cut, 52);
    assert_eq!(
        events[0].lines[1],
        "java.io.IOException: Too many open files"
    );
    let totals = follower.totals();
    assert_eq!(
        (totals.records, totals.lines, totals.lines_cut),
        (2, 253, 52)
    );
}

#[test]
fn rotation_by_rename_finishes_the_old_file_then_reads_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(&path, auth_failure(1, "/a").as_bytes());
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    assert_eq!(clients(&drain(&mut follower)), ["/a"]);
    // Written just before the roll, not read yet.
    append(&path, auth_failure(2, "/b").as_bytes());
    fs::rename(&path, dir.path().join("server.log.2026-12-07-01")).unwrap();
    append(
        &path,
        (auth_failure(3, "/c") + &auth_failure(4, "/d")).as_bytes(),
    );
    let events = drain(&mut follower);
    assert_eq!(clients(&events), ["/b", "/c", "/d"]);
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 1, 2]);
    assert_eq!(follower.totals().rotations, 1);
}

#[test]
fn a_rotation_with_the_new_file_not_yet_created_is_finished_and_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(&path, auth_failure(1, "/a").as_bytes());
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    drain(&mut follower);
    append(&path, auth_failure(2, "/b").as_bytes());
    fs::rename(&path, dir.path().join("server.log.1")).unwrap();
    // The renamed file will not grow: its last record is complete.
    let batch = follower.poll();
    assert_eq!(clients(&batch.events), ["/b"]);
    assert_eq!(batch.files[0].error.as_deref(), Some("no such file"));
    assert!(drain(&mut follower).is_empty());
    append(&path, auth_failure(3, "/c").as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/c"]);
}

#[test]
fn copytruncate_is_read_again_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(
        &path,
        (auth_failure(1, "/a") + &auth_failure(2, "/b")).as_bytes(),
    );
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    assert_eq!(clients(&drain(&mut follower)), ["/a", "/b"]);
    fs::copy(&path, dir.path().join("server.log.1")).unwrap();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, auth_failure(3, "/c").as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/c"]);
    assert_eq!(follower.totals().truncations, 1);
}

#[test]
fn a_truncated_file_grown_past_the_old_position_is_noticed_by_its_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(&path, auth_failure(1, "/a").as_bytes());
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    drain(&mut follower);
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    let longer = auth_failure(2, "/b") + &auth_failure(3, "/c") + &auth_failure(4, "/d");
    append(&path, longer.as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/b", "/c", "/d"]);
    assert_eq!(follower.totals().truncations, 1);
}

#[test]
fn a_restart_with_saved_positions_reads_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let positions = dir.path().join("positions.json");
    append(
        &path,
        (auth_failure(1, "/a") + &auth_failure(2, "/b")).as_bytes(),
    );
    let mut first = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    // One poll: the last record is still being gathered when we stop.
    assert_eq!(clients(&first.poll().events), ["/a"]);
    drop(first);
    append(&path, auth_failure(3, "/c").as_bytes());
    let mut second = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    let events = drain(&mut second);
    assert_eq!(clients(&events), ["/b", "/c"]);
    assert_eq!((events[0].line, events[1].line), (2, 3));
    drop(second);
    let mut third = LogFollower::new(config(&[&path], Some(positions))).unwrap();
    assert_eq!(drain(&mut third), []);
    assert_eq!(third.totals().lines, 0);
}

#[test]
fn a_file_replaced_while_stopped_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let positions = dir.path().join("positions.json");
    append(&path, (auth_failure(1, "/a") + &info(2, "x")).as_bytes());
    let mut first = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    drain(&mut first);
    drop(first);
    fs::remove_file(&path).unwrap();
    let replacement = auth_failure(5, "/new-1") + &auth_failure(6, "/new-2") + &info(7, "y");
    append(&path, replacement.as_bytes());
    let mut second = LogFollower::new(config(&[&path], Some(positions))).unwrap();
    assert_eq!(clients(&drain(&mut second)), ["/new-1", "/new-2"]);
}

#[test]
fn a_file_rotated_while_stopped_is_finished_under_its_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let positions = dir.path().join("positions.json");
    append(&path, (auth_failure(1, "/a") + &info(2, "x")).as_bytes());
    let mut first = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    drain(&mut first);
    drop(first);
    append(&path, (auth_failure(3, "/b") + &info(4, "x")).as_bytes());
    fs::rename(&path, dir.path().join("server.log.previous")).unwrap();
    append(&path, (auth_failure(5, "/c") + &info(6, "x")).as_bytes());
    let mut second = LogFollower::new(config(&[&path], Some(positions))).unwrap();
    assert_eq!(clients(&drain(&mut second)), ["/b", "/c"]);
    assert_eq!(second.totals().rotations, 1);
}

#[test]
fn garbage_and_binary_lines_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let mut bytes = b"I> No access restrictor found, access to any MBean is allowed\n".to_vec();
    bytes.extend(auth_failure(1, "/a").as_bytes());
    bytes.extend(b"\x00\x00\x00\x00\x7fELF\x02\x01\x01\n");
    bytes.extend(b"caf\xe9 au lait\n");
    bytes.extend(b"\xff\xfe\xfd\n");
    bytes.extend(auth_failure(2, "/b").as_bytes());
    bytes.extend(b"[2026-12-07 02:00:03,000] INFO binary \x01 inside (x)\n");
    append(&path, &bytes);
    let mut follower = LogFollower::new(config(&[&path], None)).unwrap();
    assert_eq!(clients(&drain(&mut follower)), ["/a", "/b"]);
    let totals = follower.totals();
    assert_eq!(
        totals.skipped,
        BTreeMap::from([
            (SkipReason::Binary, 2),
            (SkipReason::NotUtf8, 2),
            (SkipReason::NoRecord, 1),
        ])
    );
    assert_eq!(
        totals
            .skipped_samples
            .iter()
            .map(|s| (s.line, s.reason))
            .collect::<Vec<_>>(),
        [
            (1, SkipReason::NoRecord),
            (3, SkipReason::Binary),
            (4, SkipReason::NotUtf8),
            (5, SkipReason::NotUtf8),
            (7, SkipReason::Binary),
        ]
    );
    assert_eq!((totals.lines, totals.records), (7, 2));
}

#[test]
fn a_line_longer_than_the_bound_is_skipped_without_stalling() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let mut bytes = auth_failure(1, "/a").into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', 3_000));
    bytes.push(b'\n');
    bytes.extend(auth_failure(2, "/b").as_bytes());
    append(&path, &bytes);
    let mut config = config(&[&path], None);
    config.max_line_bytes = 1_000;
    config.max_bytes_per_file_per_poll = 1_500;
    let mut follower = LogFollower::new(config).unwrap();
    assert_eq!(clients(&drain(&mut follower)), ["/a", "/b"]);
    assert_eq!(
        follower.totals().skipped,
        BTreeMap::from([(SkipReason::TooLong, 1)])
    );
}

#[test]
fn a_huge_file_does_not_starve_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("server.log");
    let small = dir.path().join("controller.log");
    let mut text = String::new();
    for i in 0..2_000 {
        text += &info(
            i % 60,
            "filler line of an ordinary size, nothing to see here",
        );
    }
    append(&big, text.as_bytes());
    append(&small, auth_failure(1, "/small").as_bytes());
    let mut config = config(&[&big, &small], None);
    config.max_bytes_per_file_per_poll = 16 * 1024;
    let mut follower = LogFollower::new(config).unwrap();
    let first = follower.poll();
    assert!(first.files[0].backlog_bytes() > 0);
    // Whole lines only, as many as the budget holds.
    let line = info(0, "filler line of an ordinary size, nothing to see here").len() as u64;
    assert_eq!(first.files[0].bytes_read, 16 * 1024 / line * line);
    assert_eq!(
        first.files[1].bytes_read,
        auth_failure(1, "/small").len() as u64
    );
    drain(&mut follower);
    assert_eq!(follower.totals().records, 2_001);
}

#[test]
fn an_error_burst_is_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let mut text = String::new();
    for second in 0..10 {
        text += &format!("[2026-12-07 02:00:{second:02},000] ERROR boom (x.Y)\n");
    }
    append(&path, text.as_bytes());
    let mut config = config(&[&path], None);
    config.burst = BurstConfig {
        errors: 5,
        window_ms: 10_000,
    };
    let mut follower = LogFollower::new(config).unwrap();
    let events = drain(&mut follower);
    assert_eq!(
        events
            .iter()
            .map(|e| e.detected.clone())
            .collect::<Vec<_>>(),
        [Detected::ErrorBurst {
            errors: 5,
            window_ms: 10_000,
            since_ms: 1_796_608_800_000
        }]
    );
    assert_eq!(events[0].line, 5);
}

#[test]
fn a_missing_file_is_down_with_its_reason_and_the_others_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let present = dir.path().join("server.log");
    append(&present, auth_failure(1, "/a").as_bytes());
    let missing = dir.path().join("kafka-request.log");
    let follower_config = config(&[&missing, &present], None);
    let mut follower = LogFollower::new(follower_config).unwrap();
    let batch = follower.poll();
    assert!(!batch.files[0].up);
    assert_eq!(batch.files[0].error.as_deref(), Some("no such file"));
    assert!(batch.files[1].up);
    assert_eq!(clients(&drain(&mut follower)), ["/a"]);
}

#[test]
fn a_garbled_positions_file_is_reported_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let positions = dir.path().join("positions.json");
    fs::write(&positions, b"{not json").unwrap();
    append(&path, auth_failure(1, "/a").as_bytes());
    let mut follower = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    let batch = follower.poll();
    assert_eq!(batch.problems.len(), 1);
    assert!(
        batch.problems[0].contains("is not valid"),
        "{:?}",
        batch.problems
    );
    assert_eq!(clients(&drain(&mut follower)), ["/a"]);
    // The next save replaced it with a good one.
    assert!(
        fs::read_to_string(&positions)
            .unwrap()
            .contains("\"version\": 1")
    );
}

#[test]
fn starting_at_the_end_reads_only_what_is_written_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    append(&path, auth_failure(1, "/old").as_bytes());
    let mut config = config(&[&path], None);
    config.start = kafkascope_logs::StartPosition::End;
    let mut follower = LogFollower::new(config).unwrap();
    assert!(drain(&mut follower).is_empty());
    append(&path, auth_failure(2, "/new").as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/new"]);
    // A file after a rotation is new: read from its start.
    fs::rename(&path, dir.path().join("server.log.1")).unwrap();
    append(&path, auth_failure(3, "/rotated").as_bytes());
    assert_eq!(clients(&drain(&mut follower)), ["/rotated"]);
}

#[test]
fn positions_are_written_only_when_they_moved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    let positions = dir.path().join("positions.json");
    append(&path, auth_failure(1, "/a").as_bytes());
    let mut follower = LogFollower::new(config(&[&path], Some(positions.clone()))).unwrap();
    drain(&mut follower);
    fs::remove_file(&positions).unwrap();
    follower.poll();
    assert!(!positions.exists(), "nothing moved, nothing written");
    append(&path, auth_failure(2, "/b").as_bytes());
    drain(&mut follower);
    assert!(positions.exists());
}
