//! Kafka Connect workers as their JMX agents report them, under the names
//! the client rules give them, with `cluster` and `node` (the worker's
//! target) and, per connector and task, `connector` and `task`.

use kafkascope_sources::SourceSnapshot;
use kafkascope_sources::connect_figures::{ConnectWorkerFigures, ConnectorFigures, TaskFigures};

use crate::jmx_families::{node_label, nodes};
use crate::labels::Label;
use crate::writer::MetricsWriter;

type Read<F> = fn(&F) -> Option<f64>;

const WORKER: &[(&str, &str, Read<ConnectWorkerFigures>)] = &[
    (
        "kafka_connect_connect_worker_metrics_connector_count",
        "Connectors on the worker.",
        |w| w.connectors,
    ),
    (
        "kafka_connect_connect_worker_metrics_task_count",
        "Tasks on the worker.",
        |w| w.tasks,
    ),
    (
        "kafka_connect_connect_worker_metrics_connector_startup_failure",
        "Connector starts that failed since the worker started.",
        |w| w.connector_startup_failures,
    ),
    (
        "kafka_connect_connect_worker_metrics_task_startup_failure",
        "Task starts that failed since the worker started.",
        |w| w.task_startup_failures,
    ),
    (
        "kafka_connect_connect_worker_rebalance_metrics_rebalancing",
        "1 while the worker's group rebalances.",
        |w| w.rebalancing,
    ),
];

const CONNECTOR: &[(&str, &str, Read<ConnectorFigures>)] = &[
    (
        "kafka_connect_connect_worker_metrics_connector_running_task_count",
        "The connector's running tasks on the worker.",
        |c| c.running_tasks,
    ),
    (
        "kafka_connect_connect_worker_metrics_connector_paused_task_count",
        "The connector's paused tasks on the worker.",
        |c| c.paused_tasks,
    ),
    (
        "kafka_connect_connect_worker_metrics_connector_failed_task_count",
        "The connector's failed tasks on the worker.",
        |c| c.failed_tasks,
    ),
    (
        "kafka_connect_connect_worker_metrics_connector_unassigned_task_count",
        "The connector's unassigned tasks on the worker.",
        |c| c.unassigned_tasks,
    ),
    (
        "kafka_connect_connect_worker_metrics_connector_restarting_task_count",
        "The connector's restarting tasks on the worker.",
        |c| c.restarting_tasks,
    ),
];

const TASK: &[(&str, &str, Read<TaskFigures>)] = &[
    (
        "kafka_connect_connector_task_metrics_batch_size_avg",
        "Average records per batch the task handled.",
        |t| t.batch_size_avg,
    ),
    (
        "kafka_connect_connector_task_metrics_batch_size_max",
        "Largest batch the task handled, records.",
        |t| t.batch_size_max,
    ),
    (
        "kafka_connect_connector_task_metrics_offset_commit_failure_percentage",
        "Share of the task's offset commits that failed, percent.",
        |t| t.offset_commit_failure_percentage,
    ),
    (
        "kafka_connect_connector_task_metrics_offset_commit_avg_time_ms",
        "Average time of the task's offset commits, ms.",
        |t| t.offset_commit_avg_time_ms,
    ),
];

/// Every family this module writes, in order.
pub fn families() -> Vec<&'static str> {
    WORKER
        .iter()
        .map(|f| f.0)
        .chain(CONNECTOR.iter().map(|f| f.0))
        .chain(TASK.iter().map(|f| f.0))
        .collect()
}

pub fn write(w: &mut MetricsWriter, sources: &[&SourceSnapshot]) {
    let workers: Vec<_> = nodes(sources)
        .into_iter()
        .filter_map(|(cluster, n)| n.connect.as_ref().map(|c| (cluster, n, c)))
        .collect();
    for (name, help, read) in WORKER {
        w.gauge(name, help);
        for (cluster, n, worker) in &workers {
            if let Some(value) = read(worker) {
                let labels: [Label<'_>; 2] =
                    [("cluster", (*cluster).into()), ("node", node_label(n))];
                w.sample(&labels, value);
            }
        }
    }
    for (name, help, read) in CONNECTOR {
        w.gauge(name, help);
        for (cluster, n, worker) in &workers {
            for (connector, figures) in &worker.by_connector {
                if let Some(value) = read(figures) {
                    let labels: [Label<'_>; 3] = [
                        ("cluster", (*cluster).into()),
                        ("node", node_label(n)),
                        ("connector", connector.as_str().into()),
                    ];
                    w.sample(&labels, value);
                }
            }
        }
    }
    for (name, help, read) in TASK {
        w.gauge(name, help);
        for (cluster, n, worker) in &workers {
            for (connector, figures) in &worker.by_connector {
                for (task, task_figures) in &figures.tasks {
                    if let Some(value) = read(task_figures) {
                        let labels: [Label<'_>; 4] = [
                            ("cluster", (*cluster).into()),
                            ("node", node_label(n)),
                            ("connector", connector.as_str().into()),
                            ("task", task.as_str().into()),
                        ];
                        w.sample(&labels, value);
                    }
                }
            }
        }
    }
}
