use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::*;
use crate::broker_logs::event_store::EventFilter;
use kafkascope_logs::FileSetConfig;

const SERVER_LOG: &str = "[2026-12-07 02:06:06,357] INFO starting (kafka.server.KafkaServer)\n\
[2026-12-07 02:06:07,001] ERROR [ReplicaFetcher] failed (kafka.server.ReplicaFetcherThread)\n\
java.lang.OutOfMemoryError: Java heap space\n\
\tat kafka.log.LogSegment.read(LogSegment.scala:1)\n\
[2026-12-07 02:06:08,000] WARN slow (kafka.server.KafkaServer)\n";

fn append(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

fn settings(logs: &Path, state: &Path) -> BrokerLogsSettings {
    let mut set = FileSetConfig::kafka_logs_dir(Some(1), logs);
    set.paths = vec![
        logs.join("server.log"),
        logs.join("garbage.log"),
        logs.join("missing.log"),
    ];
    let mut settings = BrokerLogsSettings::new(LogFollowerConfig {
        file_sets: vec![set],
        positions_file: Some(state.join("positions.json")),
        ..LogFollowerConfig::default()
    });
    settings.state_dir = Some(state.to_path_buf());
    settings
}

async fn poll(source: &mut BrokerLogsSource) -> Polled {
    source.poll(&PollContext::default()).await
}

fn figures(polled: &Polled) -> &BrokerLogFigures {
    match &polled.figures {
        SourceFigures::BrokerLogs(figures) => figures,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn files_are_counted_once_across_restarts_and_a_missing_file_is_a_down_target() {
    let logs = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let server = logs.path().join("server.log");
    let garbage = logs.path().join("garbage.log");
    append(&server, SERVER_LOG.as_bytes());
    append(&garbage, b"\x00\x01 binary\n\xff\xfe not text\n");

    let mut source = BrokerLogsSource::new(settings(logs.path(), state.path()));
    let polled = poll(&mut source).await;
    let up: Vec<(&str, bool, Option<&str>)> = polled
        .targets
        .iter()
        .map(|t| {
            (
                t.target.rsplit('/').next().unwrap(),
                t.up,
                t.error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        up,
        vec![
            ("server.log", true, None),
            ("garbage.log", true, None),
            ("missing.log", false, Some("no such file")),
        ]
    );
    assert!(
        polled
            .targets
            .iter()
            .all(|t| t.role == LOG_FILE_ROLE && t.broker == Some(1))
    );
    let totals = &figures(&polled).totals;
    let server_totals = &totals.files[&server.display().to_string()];
    // The WARN record is still gathered: complete once nothing follows it.
    assert_eq!(
        server_totals.lines_by_level,
        BTreeMap::from([("ERROR".into(), 1), ("INFO".into(), 1)])
    );
    let garbage_totals = &totals.files[&garbage.display().to_string()];
    assert_eq!(
        garbage_totals.skipped_by_reason,
        BTreeMap::from([("binary".into(), 1), ("not_utf8".into(), 1)])
    );
    assert_eq!(totals.events["1"]["out_of_memory"], 1);
    assert_eq!(totals.events["1"]["isr_shrink"], 0);
    assert_eq!(totals.events["1"].len(), 16, "every kind from zero");
    let polled = poll(&mut source).await;
    let totals = figures(&polled).totals.clone();
    assert_eq!(
        totals.files[&server.display().to_string()].lines_by_level["WARN"],
        1
    );
    let all = EventFilter {
        limit: 100,
        ..EventFilter::default()
    };
    let events = figures(&polled).events.query(&all);
    assert_eq!(events.total, 1);
    assert_eq!(events.events[0].kind, "out_of_memory");
    assert_eq!(events.events[0].fields["detail"], "Java heap space");
    drop(source);

    let mut again = BrokerLogsSource::new(settings(logs.path(), state.path()));
    let polled = poll(&mut again).await;
    assert_eq!(figures(&polled).totals, totals, "nothing read twice");
    assert_eq!(figures(&polled).events.query(&all), events);
    assert_eq!(polled.targets.len(), 3, "no trouble with the kept state");
}

#[tokio::test]
async fn a_layout_the_follower_refuses_is_told_every_poll() {
    let logs = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut settings = settings(logs.path(), state.path());
    settings.follower.file_sets[0].pattern = "%X".to_string();
    let mut source = BrokerLogsSource::new(settings);
    for _ in 0..2 {
        let polled = poll(&mut source).await;
        assert_eq!(polled.targets.len(), 1);
        let error = polled.targets[0].error.as_deref().unwrap();
        assert!(error.starts_with("layout of file set 0: "), "{error}");
    }
}
