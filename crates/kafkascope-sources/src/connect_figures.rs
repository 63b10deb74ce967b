//! What a Kafka Connect worker reports of itself through JMX: its
//! connectors and tasks, each connector's tasks by state, each task's batch
//! sizes and offset commits, and whether the worker is rebalancing. Read
//! from the series the client rules produce for `kafka.connect`
//! (`kafka_connect_<metrics group>_<metric>`, with `connector` and `task`
//! labels; as in `testbed/jmx-exporter-clients.yml`).
//!
//! Connector and task states as words (`running`, `failed`) are strings in
//! JMX, which the exporter does not write: the counts by state are what
//! tells a failed task here (the REST API's states come with Connect's own
//! source later).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::prometheus_text::PageSample;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectWorkerFigures {
    pub connectors: Option<f64>,
    pub tasks: Option<f64>,
    pub connector_startup_failures: Option<f64>,
    pub task_startup_failures: Option<f64>,
    /// 1 while the worker's group rebalances.
    pub rebalancing: Option<f64>,
    pub completed_rebalances: Option<f64>,
    pub by_connector: BTreeMap<String, ConnectorFigures>,
}

/// One connector's tasks on this worker, by state, and each task's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectorFigures {
    pub running_tasks: Option<f64>,
    pub paused_tasks: Option<f64>,
    pub failed_tasks: Option<f64>,
    pub unassigned_tasks: Option<f64>,
    pub restarting_tasks: Option<f64>,
    pub destroyed_tasks: Option<f64>,
    pub total_tasks: Option<f64>,
    /// By task number.
    pub tasks: BTreeMap<String, TaskFigures>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TaskFigures {
    pub batch_size_avg: Option<f64>,
    pub batch_size_max: Option<f64>,
    /// Share of offset commits that failed, 0 to 100.
    pub offset_commit_failure_percentage: Option<f64>,
    pub offset_commit_avg_time_ms: Option<f64>,
    /// Share of time running (rather than paused), 0 to 1.
    pub running_ratio: Option<f64>,
}

/// Reads one `kafka_connect_*` sample into `worker` (created when the
/// first one comes). Returns whether it was used.
pub fn read_connect_sample(
    worker: &mut Option<ConnectWorkerFigures>,
    sample: &PageSample<'_, '_>,
) -> bool {
    let Some(rest) = sample.name.strip_prefix("kafka_connect_") else {
        return false;
    };
    let figures = worker.get_or_insert_with(Default::default);
    let slot = match (sample.label("connector"), sample.label("task")) {
        (Some(connector), Some(task)) => {
            let task = figures
                .by_connector
                .entry(connector.to_string())
                .or_default()
                .tasks
                .entry(task.to_string())
                .or_default();
            task_slot(task, rest)
        }
        (Some(connector), None) => {
            let connector = figures
                .by_connector
                .entry(connector.to_string())
                .or_default();
            connector_slot(connector, rest)
        }
        _ => worker_slot(figures, rest),
    };
    match slot {
        Some(slot) => {
            *slot = Some(sample.value);
            true
        }
        None => false,
    }
}

fn worker_slot<'w>(w: &'w mut ConnectWorkerFigures, metric: &str) -> Option<&'w mut Option<f64>> {
    Some(match metric {
        "connect_worker_metrics_connector_count" => &mut w.connectors,
        "connect_worker_metrics_task_count" => &mut w.tasks,
        "connect_worker_metrics_connector_startup_failure" => &mut w.connector_startup_failures,
        "connect_worker_metrics_task_startup_failure" => &mut w.task_startup_failures,
        "connect_worker_rebalance_metrics_rebalancing" => &mut w.rebalancing,
        "connect_worker_rebalance_metrics_completed_rebalances" => &mut w.completed_rebalances,
        _ => return None,
    })
}

fn connector_slot<'c>(c: &'c mut ConnectorFigures, metric: &str) -> Option<&'c mut Option<f64>> {
    Some(
        match metric.strip_prefix("connect_worker_metrics_connector_")? {
            "running_task_count" => &mut c.running_tasks,
            "paused_task_count" => &mut c.paused_tasks,
            "failed_task_count" => &mut c.failed_tasks,
            "unassigned_task_count" => &mut c.unassigned_tasks,
            "restarting_task_count" => &mut c.restarting_tasks,
            "destroyed_task_count" => &mut c.destroyed_tasks,
            "total_task_count" => &mut c.total_tasks,
            _ => return None,
        },
    )
}

fn task_slot<'t>(t: &'t mut TaskFigures, metric: &str) -> Option<&'t mut Option<f64>> {
    Some(match metric.strip_prefix("connector_task_metrics_")? {
        "batch_size_avg" => &mut t.batch_size_avg,
        "batch_size_max" => &mut t.batch_size_max,
        "offset_commit_failure_percentage" => &mut t.offset_commit_failure_percentage,
        "offset_commit_avg_time_ms" => &mut t.offset_commit_avg_time_ms,
        "running_ratio" => &mut t.running_ratio,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus_text::{PageFormat, parse_page};

    #[test]
    fn a_connect_workers_page_reads_into_counts_by_state_and_task_figures() {
        let page = "\
kafka_connect_connect_worker_metrics_connector_count 2.0
kafka_connect_connect_worker_metrics_task_count 3.0
kafka_connect_connect_worker_metrics_task_startup_failure 1.0
kafka_connect_connect_worker_metrics_connector_running_task_count{connector=\"files-in\",} 2.0
kafka_connect_connect_worker_metrics_connector_failed_task_count{connector=\"files-out\",} 1.0
kafka_connect_connector_task_metrics_batch_size_avg{connector=\"files-in\",task=\"0\",} 12.5
kafka_connect_connector_task_metrics_offset_commit_failure_percentage{connector=\"files-in\",task=\"0\",} 0.0
kafka_connect_connect_worker_rebalance_metrics_rebalancing 0.0
kafka_connect_connector_metrics_unknown{connector=\"files-in\",} 1.0
";
        let mut worker = None;
        let mut used = 0;
        parse_page(page, PageFormat::Prometheus, |s| {
            used += usize::from(read_connect_sample(&mut worker, s));
        });
        assert_eq!(used, 8);
        let worker = worker.unwrap();
        assert_eq!((worker.connectors, worker.tasks), (Some(2.0), Some(3.0)));
        assert_eq!(worker.task_startup_failures, Some(1.0));
        assert_eq!(worker.rebalancing, Some(0.0));
        assert_eq!(worker.by_connector["files-in"].running_tasks, Some(2.0));
        assert_eq!(worker.by_connector["files-out"].failed_tasks, Some(1.0));
        let task = &worker.by_connector["files-in"].tasks["0"];
        assert_eq!(task.batch_size_avg, Some(12.5));
        assert_eq!(task.offset_commit_failure_percentage, Some(0.0));
    }
}
