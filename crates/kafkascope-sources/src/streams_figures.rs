//! What a Kafka Streams application reports of itself through JMX: per
//! Streams client its alive and failed stream threads, per stream thread
//! how fast it processes, polls and commits and how long those take. Read
//! from the series the client rules produce for `kafka.streams`
//! (`kafka_streams_stream_metrics_*{client_id}` and
//! `kafka_streams_stream_thread_metrics_*{thread_id}`, as in
//! `testbed/jmx-exporter-clients.yml`; `*-total` reads without `_total`).
//!
//! The application's own producers and consumers are read as clients
//! ([`crate::client_figures`]): their liveness verdicts cover a thread that
//! stopped polling. A Streams client's state (`RUNNING`, `ERROR`) is a
//! string in JMX, which the exporter does not write: failed threads are
//! what tells a broken application here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::prometheus_text::PageSample;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamsFigures {
    /// By Streams client id (the application id and a process UUID).
    pub clients: BTreeMap<String, StreamsClientFigures>,
    /// By stream thread id (`<client id>-StreamThread-<n>`).
    pub threads: BTreeMap<String, StreamThreadFigures>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamsClientFigures {
    pub alive_threads: Option<f64>,
    pub failed_threads: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamThreadFigures {
    pub process_rate: Option<f64>,
    /// Records processed since the thread started, across its tasks (a
    /// record read again from a repartition topic counts again).
    pub processed: Option<f64>,
    pub process_latency_avg_ms: Option<f64>,
    pub process_latency_max_ms: Option<f64>,
    pub poll_rate: Option<f64>,
    pub polls: Option<f64>,
    pub poll_latency_avg_ms: Option<f64>,
    pub commit_rate: Option<f64>,
    pub commits: Option<f64>,
    pub commit_latency_avg_ms: Option<f64>,
    pub commit_latency_max_ms: Option<f64>,
    pub punctuate_rate: Option<f64>,
    /// Share of the thread's time spent processing, 0 to 1.
    pub process_ratio: Option<f64>,
    /// Share of the thread's time spent in poll, 0 to 1.
    pub poll_ratio: Option<f64>,
    /// Tasks created and closed since the thread started.
    pub tasks_created: Option<f64>,
    pub tasks_closed: Option<f64>,
    /// Time blocked on Kafka (sends, commits, polls), seconds.
    pub blocked_seconds: Option<f64>,
}

/// Reads one `kafka_streams_*` sample into `streams` (created when the first
/// one comes). Returns whether it was used.
pub fn read_streams_sample(
    streams: &mut Option<StreamsFigures>,
    sample: &PageSample<'_, '_>,
) -> bool {
    let Some(rest) = sample.name.strip_prefix("kafka_streams_") else {
        return false;
    };
    if sample.labels.len() != 1 {
        return false;
    }
    let slot = if let Some(metric) = rest.strip_prefix("stream_metrics_") {
        let Some(client_id) = sample.label("client_id") else {
            return false;
        };
        let figures = streams.get_or_insert_with(Default::default);
        client_slot(
            figures.clients.entry(client_id.to_string()).or_default(),
            metric,
        )
    } else if let Some(metric) = rest.strip_prefix("stream_thread_metrics_") {
        let Some(thread_id) = sample.label("thread_id") else {
            return false;
        };
        let figures = streams.get_or_insert_with(Default::default);
        let thread = figures.threads.entry(thread_id.to_string()).or_default();
        if metric == "blocked_time_ns" {
            thread.blocked_seconds = Some(sample.value / 1e9);
            return true;
        }
        thread_slot(thread, metric)
    } else {
        None
    };
    match slot {
        Some(slot) => {
            *slot = Some(sample.value);
            true
        }
        None => false,
    }
}

fn client_slot<'c>(c: &'c mut StreamsClientFigures, metric: &str) -> Option<&'c mut Option<f64>> {
    Some(match metric {
        "alive_stream_threads" => &mut c.alive_threads,
        "failed_stream_threads" => &mut c.failed_threads,
        _ => return None,
    })
}

fn thread_slot<'t>(t: &'t mut StreamThreadFigures, metric: &str) -> Option<&'t mut Option<f64>> {
    Some(match metric {
        "process_rate" => &mut t.process_rate,
        "process" => &mut t.processed,
        "process_latency_avg" => &mut t.process_latency_avg_ms,
        "process_latency_max" => &mut t.process_latency_max_ms,
        "poll_rate" => &mut t.poll_rate,
        "poll" => &mut t.polls,
        "poll_latency_avg" => &mut t.poll_latency_avg_ms,
        "commit_rate" => &mut t.commit_rate,
        "commit" => &mut t.commits,
        "commit_latency_avg" => &mut t.commit_latency_avg_ms,
        "commit_latency_max" => &mut t.commit_latency_max_ms,
        "punctuate_rate" => &mut t.punctuate_rate,
        "process_ratio" => &mut t.process_ratio,
        "poll_ratio" => &mut t.poll_ratio,
        // The exporter takes `task-created-total` for an OpenMetrics
        // counter's `_created` series and names it `..._task`; Jolokia's
        // reader names it as written.
        "task" | "task_created" => &mut t.tasks_created,
        "task_closed" => &mut t.tasks_closed,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus_text::{PageFormat, parse_page};

    const THREAD: &str = "app-1-StreamThread-1";

    #[test]
    fn a_streams_applications_page_reads_into_clients_and_threads() {
        let page = "\
kafka_streams_stream_metrics_alive_stream_threads{client_id=\"app-1\",} 2.0
kafka_streams_stream_metrics_failed_stream_threads{client_id=\"app-1\",} 1.0
kafka_streams_stream_thread_metrics_process{thread_id=\"app-1-StreamThread-1\",} 300.0
kafka_streams_stream_thread_metrics_process_rate{thread_id=\"app-1-StreamThread-1\",} 12.5
kafka_streams_stream_thread_metrics_commit_latency_avg{thread_id=\"app-1-StreamThread-1\",} 4.0
kafka_streams_stream_thread_metrics_blocked_time_ns{thread_id=\"app-1-StreamThread-1\",} 1.5E9
kafka_streams_stream_thread_metrics_task{thread_id=\"app-1-StreamThread-1\",} 4.0
kafka_streams_stream_state_updater_metrics_idle_ratio{thread_id=\"app-1-StateUpdater-1\",} 0.0
kafka_streams_stream_thread_metrics_process{thread_id=\"t\",task_id=\"0_1\",} 3.0
kafka_consumer_consumer_metrics_poll_idle_ratio_avg{client_id=\"app-1-StreamThread-1-consumer\",} 0.5
";
        let mut streams = None;
        let mut used = 0;
        parse_page(page, PageFormat::Prometheus, |s| {
            used += usize::from(read_streams_sample(&mut streams, s));
        });
        assert_eq!(used, 7);
        let streams = streams.unwrap();
        let client = &streams.clients["app-1"];
        assert_eq!(
            (client.alive_threads, client.failed_threads),
            (Some(2.0), Some(1.0))
        );
        assert_eq!(streams.threads.len(), 1);
        let thread = &streams.threads[THREAD];
        assert_eq!(thread.processed, Some(300.0));
        assert_eq!(thread.process_rate, Some(12.5));
        assert_eq!(thread.commit_latency_avg_ms, Some(4.0));
        assert_eq!(thread.blocked_seconds, Some(1.5));
        assert_eq!(thread.tasks_created, Some(4.0));
        assert_eq!(thread.polls, None);
    }

    #[test]
    fn a_page_without_streams_series_leaves_no_streams_figures() {
        let mut streams = None;
        parse_page(
            "kafka_producer_producer_metrics_record_send_rate{client_id=\"p\",} 1.0\n",
            PageFormat::Prometheus,
            |s| {
                read_streams_sample(&mut streams, s);
            },
        );
        assert_eq!(streams, None);
    }
}
