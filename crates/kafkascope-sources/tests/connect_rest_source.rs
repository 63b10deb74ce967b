//! The Connect source on the real test bed: distributed Kafka Connect
//! workers (`ConnectDistributed`) with the FileStream connectors, read
//! through their REST API. Running connectors with exact task counts,
//! topics and sink groups; a sink whose file cannot be opened FAILED with
//! its Java trace; a connector config Connect refuses; a pause that is no
//! restart; and a Connect cluster of two workers where one is killed and
//! its tasks move to the other.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kafkascope_client::http_client::HttpUrl;
use kafkascope_sources::Source;
use kafkascope_sources::connect_rest::{
    ConnectClusterSettings, ConnectRestSettings, ConnectRestSource,
};
use kafkascope_sources::connect_rest_figures::{
    ConnectClusterFigures, ConnectState, ConnectorKind,
};
use kafkascope_sources::source::{PollContext, SourceFigures, TargetStatus};
use kafkascope_testkit::{JavaClient, KafkaCluster, connect_rest, free_loopback_ports};
use serde_json::json;

const FILE_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/// A worker starts in 10-30 s on a busy machine; a rebalance after a
/// worker's death waits for its session to time out and the delay.
const WAIT: Duration = Duration::from_secs(120);

/// A folder of the test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn wait_for_rest_api(port: u16) {
    let deadline = Instant::now() + WAIT;
    loop {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && connect_rest(port, "GET", "/connectors", None).0 == 200;
        if up {
            return;
        }
        assert!(Instant::now() < deadline, "worker on {port} never answered");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn create_connector(port: u16, name: &str, config: serde_json::Value) {
    let (status, body) = connect_rest(
        port,
        "POST",
        "/connectors",
        Some(&json!({"name": name, "config": config})),
    );
    assert_eq!(status, 201, "{body}");
}

/// A worker with its REST API on `port` and its JMX exporter on `jmx_port`.
fn worker(
    cluster: &KafkaCluster,
    name: &str,
    [port, jmx_port]: [u16; 2],
    dir: &Path,
    extra: &[(&str, &str)],
) -> JavaClient {
    cluster
        .spawn_connect_worker_with_properties(name, port, jmx_port, dir, extra)
        .unwrap()
}

fn source_of(name: &str, ports: &[u16]) -> ConnectRestSource {
    let urls = ports
        .iter()
        .map(|p| HttpUrl::parse(&format!("http://127.0.0.1:{p}")).unwrap())
        .collect();
    let mut settings = ConnectRestSettings::new(vec![ConnectClusterSettings::new(name, urls)]);
    settings.timeout = Duration::from_secs(5);
    settings.topics_every_polls = 1;
    ConnectRestSource::new(settings)
}

async fn poll(source: &mut ConnectRestSource) -> (Vec<TargetStatus>, ConnectClusterFigures) {
    let polled = source.poll(&PollContext::default()).await;
    let SourceFigures::Connect(figures) = polled.figures else {
        panic!("not Connect figures");
    };
    (polled.targets, figures.clusters.into_iter().next().unwrap())
}

/// Polls every half second until `done` holds, calling `each` on every
/// poll's figures; panics with the last figures after [`WAIT`].
async fn poll_until(
    source: &mut ConnectRestSource,
    what: &str,
    mut each: impl FnMut(&ConnectClusterFigures),
    done: impl Fn(&ConnectClusterFigures) -> bool,
) -> (Vec<TargetStatus>, ConnectClusterFigures) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (targets, figures) = poll(source).await;
        each(&figures);
        if done(&figures) {
            return (targets, figures);
        }
        assert!(
            Instant::now() < deadline,
            "{what} never came: {targets:#?}\n{figures:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn task_states(figures: &ConnectClusterFigures, connector: &str) -> Vec<ConnectState> {
    figures
        .connector(connector)
        .map(|c| c.tasks.iter().map(|t| t.state.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn running_failed_refused_and_paused_connectors_of_a_real_connect_worker() {
    let cluster = KafkaCluster::shared();
    let name = unique("kafkascope-connect-rest");
    let scratch = Scratch::new(&name);
    let topic = format!("{name}-lines");
    cluster
        .kafka_topics(&["--create", "--topic", &topic, "--partitions", "2"])
        .unwrap();
    let [port, jmx_port] = free_loopback_ports();
    let _worker = worker(cluster, &name, [port, jmx_port], &scratch.0, &[]);
    wait_for_rest_api(port);

    let input = scratch.0.join("input.txt");
    let lines: String = (0..50).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&input, lines).unwrap();
    let output = scratch.0.join("output.txt");
    create_connector(
        port,
        "files-in",
        json!({"connector.class": FILE_SOURCE, "tasks.max": "1",
               "file": input.to_str().unwrap(), "topic": topic}),
    );
    create_connector(
        port,
        "files-out",
        json!({"connector.class": FILE_SINK, "tasks.max": "2",
               "file": output.to_str().unwrap(), "topics": topic,
               "database.password": "never-shown"}),
    );
    // Its tasks cannot open their file: FAILED with the Java trace.
    create_connector(
        port,
        "files-broken",
        json!({"connector.class": FILE_SINK, "tasks.max": "1",
               "file": "/nonexistent-dir/out.txt", "topics": topic}),
    );
    // Connect validates a config before it keeps it: a class it cannot
    // find is refused at once, so no connector of that name ever exists.
    let (status, body) = connect_rest(
        port,
        "POST",
        "/connectors",
        Some(&json!({"name": "no-class",
                     "config": {"connector.class": "org.example.NoSuchConnector",
                                "tasks.max": "1"}})),
    );
    assert_eq!(status, 400, "{body}");
    let refusal: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["error_code"], 400);
    let message = refusal["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Failed to find any class that implements Connector and which name matches \
             org.example.NoSuchConnector"
        ),
        "{message}"
    );

    let mut source = source_of("files", &[port]);
    let (targets, figures) = poll_until(
        &mut source,
        "the connectors in their states with their topics",
        |_| {},
        |f| {
            task_states(f, "files-in") == [ConnectState::Running]
                && task_states(f, "files-out") == [ConnectState::Running, ConnectState::Running]
                && task_states(f, "files-broken") == [ConnectState::Failed]
                && f.connector("files-in").unwrap().topics.as_deref()
                    == Some(std::slice::from_ref(&topic))
                && f.connector("files-out").unwrap().topics.as_deref()
                    == Some(std::slice::from_ref(&topic))
        },
    )
    .await;

    let worker_id = format!("127.0.0.1:{port}");
    assert_eq!(
        figures.version.as_deref(),
        Some(cluster.env("KAFKA_VERSION"))
    );
    assert_eq!(
        figures.kafka_cluster_id.as_deref(),
        Some(cluster.env("KAFKA_CLUSTER_ID"))
    );
    let names: Vec<&str> = figures.connectors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["files-broken", "files-in", "files-out"]);

    let files_in = figures.connector("files-in").unwrap();
    assert_eq!(files_in.kind, ConnectorKind::Source);
    assert_eq!(files_in.class.as_deref(), Some(FILE_SOURCE));
    assert_eq!(files_in.state, ConnectState::Running);
    assert_eq!(files_in.worker.as_deref(), Some(worker_id.as_str()));
    assert_eq!(files_in.config_topic.as_deref(), Some(topic.as_str()));
    assert_eq!(files_in.consumer_group, None);

    let files_out = figures.connector("files-out").unwrap();
    assert_eq!(files_out.kind, ConnectorKind::Sink);
    assert_eq!(files_out.tasks_max.as_deref(), Some("2"));
    assert_eq!(files_out.config_topics.as_deref(), Some(topic.as_str()));
    assert_eq!(
        files_out.consumer_group.as_deref(),
        Some("connect-files-out")
    );
    let ids: Vec<i32> = files_out.tasks.iter().map(|t| t.id).collect();
    assert_eq!(ids, [0, 1]);

    let broken = figures.connector("files-broken").unwrap();
    assert_eq!(broken.state, ConnectState::Running);
    assert_eq!(
        broken.consumer_group.as_deref(),
        Some("connect-files-broken")
    );
    let trace = broken.tasks[0].trace.as_deref().unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file \
             '/nonexistent-dir/out.txt' for FileStreamSinkTask"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("Caused by: java.nio.file.NoSuchFileException: /nonexistent-dir/out.txt")
    );
    assert_eq!(figures.connectors_by_state[&ConnectState::Running], 3);
    assert_eq!(figures.tasks_by_state[&ConnectState::Running], 3);
    assert_eq!(figures.tasks_by_state[&ConnectState::Failed], 1);
    assert_eq!(figures.workers.len(), 1);
    let worker = &figures.workers[0];
    assert_eq!(
        (
            worker.id.as_str(),
            worker.reachable,
            worker.connectors,
            worker.tasks
        ),
        (worker_id.as_str(), Some(true), 3, 4)
    );
    assert_eq!(targets.len(), 1);
    assert_eq!(
        (
            targets[0].up,
            targets[0].samples,
            targets[0].error.as_deref()
        ),
        (true, 7, None)
    );
    let shown = serde_json::to_string(&figures).unwrap();
    assert!(!shown.contains("never-shown"));

    // A pause and a resume are no restart.
    assert_eq!(
        connect_rest(port, "PUT", "/connectors/files-in/pause", None).0,
        202
    );
    poll_until(
        &mut source,
        "files-in paused",
        |_| {},
        |f| task_states(f, "files-in") == [ConnectState::Paused],
    )
    .await;
    assert_eq!(
        connect_rest(port, "PUT", "/connectors/files-in/resume", None).0,
        202
    );
    let (_, figures) = poll_until(
        &mut source,
        "files-in resumed",
        |_| {},
        |f| task_states(f, "files-in") == [ConnectState::Running],
    )
    .await;
    let files_in = figures.connector("files-in").unwrap();
    assert_eq!((files_in.restarts, files_in.tasks[0].restarts), (0, 0));
}

#[tokio::test]
async fn a_killed_workers_tasks_move_to_the_other_worker_of_a_real_connect_cluster() {
    let cluster = KafkaCluster::shared();
    let name = unique("kafkascope-connect-pair");
    let scratch = Scratch::new(&name);
    let topic = format!("{name}-lines");
    cluster
        .kafka_topics(&["--create", "--topic", &topic, "--partitions", "2"])
        .unwrap();
    // The lost tasks wait this long for their worker before they move.
    let quick = [
        ("scheduled.rebalance.max.delay.ms", "2000"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "1000"),
    ];
    let [first, second, first_jmx, second_jmx] = free_loopback_ports();
    let ports = [first, second];
    let mut workers: Vec<Option<JavaClient>> = [[first, first_jmx], [second, second_jmx]]
        .into_iter()
        .map(|ports| Some(worker(cluster, &name, ports, &scratch.0, &quick)))
        .collect();
    for port in ports {
        wait_for_rest_api(port);
    }
    let input = scratch.0.join("input.txt");
    std::fs::write(&input, "a\nb\n").unwrap();
    create_connector(
        ports[0],
        "files-in",
        json!({"connector.class": FILE_SOURCE, "tasks.max": "1",
               "file": input.to_str().unwrap(), "topic": topic}),
    );
    create_connector(
        ports[0],
        "files-out",
        json!({"connector.class": FILE_SINK, "tasks.max": "2",
               "file": scratch.0.join("out.txt").to_str().unwrap(), "topics": topic}),
    );
    let ids = ports.map(|p| format!("127.0.0.1:{p}"));
    let mut source = source_of("pair", &ports);
    let (_, before) = poll_until(
        &mut source,
        "three tasks running, on both workers",
        |_| {},
        |f| {
            let running = f.tasks_by_state[&ConnectState::Running] == 3;
            let both = ids
                .iter()
                .all(|id| f.worker(id).is_some_and(|w| w.tasks + w.connectors > 0));
            running && both
        },
    )
    .await;
    assert_eq!(before.workers.len(), 2);

    // Kill the worker running files-in's task.
    let victim_id = before.connector("files-in").unwrap().tasks[0]
        .worker
        .clone()
        .unwrap();
    let victim = ids.iter().position(|id| *id == victim_id).unwrap();
    let survivor_id = ids[1 - victim].clone();
    // (connector, task, restarts before): the join of the second worker
    // may already have moved some.
    let victim_tasks: Vec<(String, i32, u64)> = before
        .connectors
        .iter()
        .flat_map(|c| c.tasks.iter().map(move |t| (c, t)))
        .filter(|(_, t)| t.worker.as_deref() == Some(victim_id.as_str()))
        .map(|(c, t)| (c.name.clone(), t.id, t.restarts))
        .collect();
    workers[victim].take().unwrap().kill_hard();

    // Until the rebalance, Connect's statuses still say what the dead
    // worker last wrote; its URL no longer answers.
    let mut seen_waiting = false;
    let (targets, after) = poll_until(
        &mut source,
        "every task running on the surviving worker",
        |f| {
            let waiting = f.connector("files-in").is_some_and(|c| {
                let task = &c.tasks[0];
                task.state == ConnectState::Unassigned
                    || task
                        .worker
                        .as_deref()
                        .and_then(|w| f.worker(w))
                        .is_some_and(|w| w.reachable == Some(false))
            });
            seen_waiting |= waiting;
        },
        |f| {
            f.tasks_by_state[&ConnectState::Running] == 3
                && f.connectors
                    .iter()
                    .flat_map(|c| &c.tasks)
                    .all(|t| t.worker.as_deref() == Some(survivor_id.as_str()))
        },
    )
    .await;
    assert!(
        seen_waiting,
        "no poll saw files-in's task unassigned or on the dead worker"
    );
    for (connector, task, restarts) in &victim_tasks {
        let moved = after.connector(connector).unwrap();
        let task = moved.tasks.iter().find(|t| t.id == *task).unwrap();
        assert_eq!(task.restarts, restarts + 1, "{connector} task {}", task.id);
    }
    for connector in &before.connectors {
        for task in &connector.tasks {
            let on_victim = victim_tasks
                .iter()
                .any(|(c, id, _)| *c == connector.name && *id == task.id);
            let now = after.connector(&connector.name).unwrap();
            let now = now.tasks.iter().find(|t| t.id == task.id).unwrap();
            if !on_victim {
                assert_eq!(
                    now.restarts, task.restarts,
                    "{} {}",
                    connector.name, task.id
                );
            }
        }
    }
    let workers_left: Vec<&str> = after.workers.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(workers_left, [survivor_id.as_str()]);
    assert_eq!(after.answered_by, Some(format!("http://{survivor_id}/")));
    assert!(!targets[victim].up);
    assert!(targets[1 - victim].up);
}

/// User+system CPU time of process `pid` (`self` for this one), in ms:
/// fields 14 and 15 of `/proc/<pid>/stat`, in ticks of 10 ms.
fn cpu_ms(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after_name
        .split(' ')
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) * 10.0
}

/// The pid of the JVM whose command line names `needle`.
fn pid_of(needle: &str) -> Option<String> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            (pid.chars().all(|c| c.is_ascii_digit()) && cmdline.contains(needle)).then_some(pid)
        })
}

fn env_number(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `bench/connect.sh`'s measurement: the cost of polling one worker with
/// `KAFKASCOPE_BENCH_CONNECTORS` FileStream connectors (half sources, half
/// sinks), `KAFKASCOPE_BENCH_POLLS` polls back to back per setting.
#[tokio::test]
#[ignore = "a benchmark: run by bench/connect.sh"]
async fn connect_rest_poll_cost_benchmark() {
    let connectors = env_number("KAFKASCOPE_BENCH_CONNECTORS", 50);
    let polls = env_number("KAFKASCOPE_BENCH_POLLS", 100);
    let cluster = KafkaCluster::shared();
    let name = unique("kafkascope-connect-bench");
    let scratch = Scratch::new(&name);
    let topic = format!("{name}-lines");
    cluster
        .kafka_topics(&["--create", "--topic", &topic, "--partitions", "2"])
        .unwrap();
    let [port, jmx_port] = free_loopback_ports();
    let _worker = worker(cluster, &name, [port, jmx_port], &scratch.0, &[]);
    wait_for_rest_api(port);
    let worker_pid = pid_of(&format!("{name}-{port}-worker.properties")).unwrap_or_default();
    for i in 0..connectors {
        let file = scratch.0.join(format!("file-{i}.txt"));
        let config = if i % 2 == 0 {
            std::fs::write(&file, format!("connector {i}\n")).unwrap();
            json!({"connector.class": FILE_SOURCE, "tasks.max": "1",
                   "file": file.to_str().unwrap(), "topic": topic})
        } else {
            json!({"connector.class": FILE_SINK, "tasks.max": "1",
                   "file": file.to_str().unwrap(), "topics": topic})
        };
        create_connector(port, &format!("files-{i:03}"), config);
    }
    let mut source = source_of("bench", &[port]);
    let (_, figures) = poll_until(
        &mut source,
        "every connector running with its topics",
        |_| {},
        |f| {
            f.tasks_by_state[&ConnectState::Running] == connectors
                && f.connectors
                    .iter()
                    .all(|c| c.topics.as_ref().is_some_and(|t| !t.is_empty()))
        },
    )
    .await;
    println!(
        "connectors: {} ({} tasks) on one worker, Kafka {}",
        figures.connectors.len(),
        figures.tasks_by_state[&ConnectState::Running],
        figures.version.as_deref().unwrap_or("?")
    );
    println!("polls per setting: {polls}");
    let settings = [
        ("topics every poll, one at a time", 1, 1),
        ("topics every poll, 8 at a time", 8, 1),
        ("topics every 4th poll, 8 at a time (default)", 8, 4),
    ];
    for (label, concurrency, every) in settings {
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let mut config =
            ConnectRestSettings::new(vec![ConnectClusterSettings::new("b", vec![url])]);
        config.topics_concurrency = concurrency;
        config.topics_every_polls = every;
        let mut source = ConnectRestSource::new(config);
        poll(&mut source).await;
        let mut wall = Vec::with_capacity(polls);
        let mut requests = 0;
        let (own_before, worker_before) = (cpu_ms("self"), cpu_ms(&worker_pid));
        for _ in 0..polls {
            let started = Instant::now();
            let (targets, figures) = poll(&mut source).await;
            wall.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(targets[0].up, "{targets:?}");
            requests += figures.requests;
        }
        let own = (cpu_ms("self") - own_before) / polls as f64;
        let jvm = (cpu_ms(&worker_pid) - worker_before) / polls as f64;
        wall.sort_by(f64::total_cmp);
        let mean = wall.iter().sum::<f64>() / polls as f64;
        println!(
            "{label}: wall ms per poll mean {mean:.1}, median {:.1}, p90 {:.1}, max {:.1}; \
             requests per poll {:.1}; kafkascope CPU ms per poll {own:.2}; \
             worker JVM CPU ms per poll {jvm:.1}",
            wall[polls / 2],
            wall[polls * 9 / 10],
            wall[polls - 1],
            requests as f64 / polls as f64,
        );
    }
}
