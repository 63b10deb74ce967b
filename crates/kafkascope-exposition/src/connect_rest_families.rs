//! Kafka Connect clusters as their REST API describes them: every
//! connector's and task's state as a state set (1 for the current state, 0
//! for the others, under the names Confluent's and strimzi's dashboards
//! use), counts by state, workers, restarts seen across polls, the topics
//! each connector used, and each sink's consumer group, which joins the
//! group's lag: `kafka_consumergroup_lag * on(cluster, consumergroup)
//! group_left(connector) kafkascope_connect_sink_consumer_group`.

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::connect_rest_figures::{
    ConnectClusterFigures, ConnectState, ConnectorFigures,
};

use crate::labels::Label;
use crate::writer::{MetricType, MetricsWriter};

pub const CONNECTOR_STATUS: &str = "kafka_connect_connector_status";
pub const TASK_STATUS: &str = "kafka_connect_connector_task_status";
pub const CONNECTOR_TASKS: &str = "kafka_connect_connector_tasks";
pub const CONNECTORS: &str = "kafkascope_connect_connectors";
pub const TASKS: &str = "kafkascope_connect_tasks";
pub const WORKER_UP: &str = "kafkascope_connect_worker_up";
pub const WORKER_TASKS: &str = "kafkascope_connect_worker_tasks";
pub const CONNECTOR_RESTARTS: &str = "kafkascope_connect_connector_restarts";
pub const TASK_RESTARTS: &str = "kafkascope_connect_task_restarts";
pub const CONNECTOR_TOPIC: &str = "kafkascope_connect_connector_topic";
pub const SINK_CONSUMER_GROUP: &str = "kafkascope_connect_sink_consumer_group";
pub const INFO: &str = "kafkascope_connect_info";

/// Every family this module writes, in order (counters without `_total`).
pub const FAMILIES: &[&str] = &[
    CONNECTOR_STATUS,
    TASK_STATUS,
    CONNECTOR_TASKS,
    CONNECTORS,
    TASKS,
    WORKER_UP,
    WORKER_TASKS,
    CONNECTOR_RESTARTS,
    TASK_RESTARTS,
    CONNECTOR_TOPIC,
    SINK_CONSUMER_GROUP,
    INFO,
];

type Clusters<'a> = Vec<(&'a str, &'a ConnectClusterFigures)>;

fn connect_clusters<'a>(sources: &'a [&'a SourceSnapshot]) -> Clusters<'a> {
    sources
        .iter()
        .filter_map(|s| s.connect_rest().map(|f| (s.cluster.as_str(), f)))
        .flat_map(|(cluster, f)| f.clusters.iter().map(move |c| (cluster, c)))
        .collect()
}

fn connectors<'a>(
    clusters: &'a Clusters<'a>,
) -> impl Iterator<Item = (&'a str, &'a ConnectClusterFigures, &'a ConnectorFigures)> {
    clusters
        .iter()
        .flat_map(|(cluster, c)| c.connectors.iter().map(move |k| (*cluster, *c, k)))
}

fn connector_labels<'a>(
    cluster: &'a str,
    c: &'a ConnectClusterFigures,
    k: &'a ConnectorFigures,
) -> [Label<'a>; 3] {
    [
        ("cluster", cluster.into()),
        ("connect_cluster", c.name.as_str().into()),
        ("connector", k.name.as_str().into()),
    ]
}

/// Every known state, and `current` where it is one a later Kafka added.
fn states(current: &ConnectState) -> impl Iterator<Item = &ConnectState> {
    let other = matches!(current, ConnectState::Other(_)).then_some(current);
    ConnectState::KNOWN.iter().chain(other)
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let clusters = connect_clusters(sources);
    write_states(w, &clusters);
    write_counts(w, &clusters);
    write_workers(w, &clusters);
    write_restarts(w, &clusters);
    write_joins(w, &clusters);
}

fn write_states(w: &mut MetricsWriter, clusters: &Clusters<'_>) {
    w.gauge(
        CONNECTOR_STATUS,
        "1 for the connector's current state (RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED, RESTARTING), 0 for the others.",
    );
    for (cluster, c, k) in connectors(clusters) {
        let [cl, cc, kn] = connector_labels(cluster, c, k);
        for state in states(&k.state) {
            let labels: [Label<'_>; 7] = [
                cl,
                cc,
                kn,
                ("type", k.kind.as_str().into()),
                ("class", k.class.as_deref().unwrap_or("").into()),
                ("state", state.as_str().into()),
                ("worker", k.worker.as_deref().unwrap_or("").into()),
            ];
            w.sample(&labels, *state == k.state);
        }
    }
    w.gauge(
        TASK_STATUS,
        "1 for the task's current state, 0 for the others.",
    );
    for (cluster, c, k) in connectors(clusters) {
        for task in &k.tasks {
            let [cl, cc, kn] = connector_labels(cluster, c, k);
            for state in states(&task.state) {
                let labels: [Label<'_>; 6] = [
                    cl,
                    cc,
                    kn,
                    ("task", task.id.into()),
                    ("state", state.as_str().into()),
                    ("worker", task.worker.as_deref().unwrap_or("").into()),
                ];
                w.sample(&labels, *state == task.state);
            }
        }
    }
    w.gauge(CONNECTOR_TASKS, "Tasks the connector has.");
    for (cluster, c, k) in connectors(clusters) {
        w.sample(&connector_labels(cluster, c, k), k.tasks.len() as i64);
    }
}

fn write_counts(w: &mut MetricsWriter, clusters: &Clusters<'_>) {
    let by_state = [
        (
            CONNECTORS,
            "Connectors of the Connect cluster in each state.",
            (|c| &c.connectors_by_state) as fn(&ConnectClusterFigures) -> &_,
        ),
        (TASKS, "Tasks of the Connect cluster in each state.", |c| {
            &c.tasks_by_state
        }),
    ];
    for (name, help, counts) in by_state {
        w.gauge(name, help);
        for (cluster, c) in clusters.iter().filter(|(_, c)| c.up()) {
            for (state, count) in counts(c) {
                let labels: [Label<'_>; 3] = [
                    ("cluster", (*cluster).into()),
                    ("connect_cluster", c.name.as_str().into()),
                    ("state", state.as_str().into()),
                ];
                w.sample(&labels, *count as i64);
            }
        }
    }
}

fn write_workers(w: &mut MetricsWriter, clusters: &Clusters<'_>) {
    let workers = || {
        clusters
            .iter()
            .flat_map(|(cluster, c)| c.workers.iter().map(move |k| (*cluster, *c, k)))
    };
    w.gauge(
        WORKER_UP,
        "1 when the worker's configured REST URL answered in the last poll, else 0 (workers no configured URL names are left out).",
    );
    for (cluster, c, worker) in workers() {
        if let Some(reachable) = worker.reachable {
            let labels: [Label<'_>; 3] = [
                ("cluster", cluster.into()),
                ("connect_cluster", c.name.as_str().into()),
                ("worker", worker.id.as_str().into()),
            ];
            w.sample(&labels, reachable);
        }
    }
    w.gauge(
        WORKER_TASKS,
        "Tasks the connectors' statuses place on the worker.",
    );
    for (cluster, c, worker) in workers() {
        let labels: [Label<'_>; 3] = [
            ("cluster", cluster.into()),
            ("connect_cluster", c.name.as_str().into()),
            ("worker", worker.id.as_str().into()),
        ];
        w.sample(&labels, worker.tasks as i64);
    }
}

fn write_restarts(w: &mut MetricsWriter, clusters: &Clusters<'_>) {
    w.family(
        CONNECTOR_RESTARTS,
        MetricType::Counter,
        "Restarts of the connector seen across polls since kafkascope started watching it.",
    );
    for (cluster, c, k) in connectors(clusters) {
        w.sample(&connector_labels(cluster, c, k), k.restarts as i64);
    }
    w.family(
        TASK_RESTARTS,
        MetricType::Counter,
        "Restarts of the task seen across polls since kafkascope started watching it.",
    );
    for (cluster, c, k) in connectors(clusters) {
        for task in &k.tasks {
            let [cl, cc, kn] = connector_labels(cluster, c, k);
            let labels: [Label<'_>; 4] = [cl, cc, kn, ("task", task.id.into())];
            w.sample(&labels, task.restarts as i64);
        }
    }
}

fn write_joins(w: &mut MetricsWriter, clusters: &Clusters<'_>) {
    w.gauge(
        CONNECTOR_TOPIC,
        "1 for each topic the connector used (GET /connectors/{name}/topics).",
    );
    for (cluster, c, k) in connectors(clusters) {
        for topic in k.topics.iter().flatten() {
            let [cl, cc, kn] = connector_labels(cluster, c, k);
            let labels: [Label<'_>; 4] = [cl, cc, kn, ("topic", topic.as_str().into())];
            w.sample(&labels, 1);
        }
    }
    w.gauge(
        SINK_CONSUMER_GROUP,
        "1 for a sink connector's consumer group: join the group's lag with * on(cluster, consumergroup) group_left(connector).",
    );
    for (cluster, c, k) in connectors(clusters) {
        if let Some(group) = &k.consumer_group {
            let [cl, cc, kn] = connector_labels(cluster, c, k);
            let labels: [Label<'_>; 4] = [cl, cc, kn, ("consumergroup", group.as_str().into())];
            w.sample(&labels, 1);
        }
    }
    w.gauge(
        INFO,
        "1 for each Connect cluster that answered, with the answering worker's version, commit and Kafka cluster id.",
    );
    for (cluster, c) in clusters.iter().filter(|(_, c)| c.up()) {
        let labels: [Label<'_>; 5] = [
            ("cluster", (*cluster).into()),
            ("connect_cluster", c.name.as_str().into()),
            ("version", c.version.as_deref().unwrap_or("").into()),
            ("commit", c.commit.as_deref().unwrap_or("").into()),
            (
                "kafka_cluster_id",
                c.kafka_cluster_id.as_deref().unwrap_or("").into(),
            ),
        ];
        w.sample(&labels, 1);
    }
}
