//! The Jolokia source: one bulk read per target (a POST of many `read`
//! requests with MBean patterns) from the Jolokia JVM agent on brokers,
//! controllers, clients and Connect workers, read into the same figures as
//! the JMX exporter
//! source ([`mbean_names`] names each attribute as the exporter would).
//!
//! Jolokia answers each request on its own: an MBean pattern that matches
//! nothing is a 404 for that request only (a broker has no producer
//! metrics), which is no problem; any other error of a request, which
//! Jolokia sends inside an HTTP 200 with its `error_type`, is counted and
//! reported with the target, and the rest of the answer still counts.

pub mod mbean_names;

use std::time::Instant;

use bytes::Bytes;
use futures::future::BoxFuture;
use kafkascope_client::http_client::{HttpClient, HttpRequest, excerpt};
use serde_json::Value;

use crate::jmx::{JmxSettings, JmxState, JmxTarget, Reading, empty_node, status, targets};
use crate::jmx_figures::NodeFigures;
use crate::prometheus_text::{LineError, PageSample, PageSummary};
use crate::source::{PollContext, Polled, Source, SourceKind};
use mbean_names::{MBeanName, Named, composite_samples, samples};

const PERCENTILES: [&str; 6] = [
    "50thPercentile",
    "75thPercentile",
    "95thPercentile",
    "98thPercentile",
    "99thPercentile",
    "999thPercentile",
];

/// What one bulk read asks for: an MBean (pattern) and its attributes
/// (all when empty).
fn reads() -> Vec<(&'static str, Vec<&'static str>)> {
    let timer = || {
        let mut attributes = vec!["Count"];
        attributes.extend(PERCENTILES);
        attributes
    };
    vec![
        ("kafka.server:type=BrokerTopicMetrics,*", vec!["Count"]),
        (
            "kafka.network:type=RequestMetrics,name=*,request=*",
            timer(),
        ),
        ("kafka.network:type=RequestChannel,*", vec!["Value"]),
        (
            "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent",
            vec!["Value"],
        ),
        (
            "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent",
            vec!["OneMinuteRate"],
        ),
        ("kafka.server:type=ReplicaManager,*", vec!["Value", "Count"]),
        (
            "kafka.server:type=ReplicaFetcherManager,name=MaxLag,*",
            vec!["Value"],
        ),
        (
            "kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize,*",
            vec!["Value"],
        ),
        ("kafka.controller:type=KafkaController,*", vec!["Value"]),
        ("kafka.controller:type=ControllerStats,*", vec!["Count"]),
        ("kafka.log:type=LogFlushStats,*", PERCENTILES.to_vec()),
        ("kafka.server:type=raft-metrics", vec![]),
        ("java.lang:type=Memory", vec!["HeapMemoryUsage"]),
        ("java.lang:type=Threading", vec!["ThreadCount"]),
        (
            "java.lang:type=OperatingSystem",
            vec![
                "OpenFileDescriptorCount",
                "MaxFileDescriptorCount",
                "ProcessCpuTime",
            ],
        ),
        ("java.lang:type=GarbageCollector,*", vec!["CollectionTime"]),
        ("java.lang:type=Runtime", vec!["StartTime"]),
        ("kafka.producer:type=producer-metrics,client-id=*", vec![]),
        (
            "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*",
            vec![],
        ),
        (
            "kafka.consumer:type=consumer-coordinator-metrics,client-id=*",
            vec![],
        ),
        ("kafka.consumer:type=consumer-metrics,client-id=*", vec![]),
        ("kafka.connect:type=connect-worker-metrics,*", vec![]),
        (
            "kafka.connect:type=connector-task-metrics,*",
            vec![
                "batch-size-avg",
                "batch-size-max",
                "offset-commit-failure-percentage",
                "offset-commit-avg-time-ms",
                "running-ratio",
            ],
        ),
        (
            "kafka.connect:type=connect-worker-rebalance-metrics",
            vec![],
        ),
        (
            "kafka.streams:type=stream-metrics,client-id=*",
            vec!["alive-stream-threads", "failed-stream-threads"],
        ),
        (
            "kafka.streams:type=stream-thread-metrics,thread-id=*",
            vec![],
        ),
    ]
}

/// The body of the bulk read: every request with its attributes as a list,
/// so each answer's value has the same shape.
pub fn bulk_request() -> Bytes {
    let requests: Vec<Value> = reads()
        .into_iter()
        .map(|(mbean, attributes)| {
            let mut request = serde_json::json!({"type": "read", "mbean": mbean});
            if !attributes.is_empty() {
                request["attribute"] = serde_json::json!(attributes);
            }
            request
        })
        .collect();
    Bytes::from(serde_json::to_vec(&requests).unwrap_or_default())
}

pub struct JolokiaSource {
    settings: JmxSettings,
    client: HttpClient,
    state: JmxState,
    body: Bytes,
}

impl JolokiaSource {
    pub fn new(settings: JmxSettings) -> Self {
        Self {
            state: JmxState::new(&settings),
            client: settings.http_client(),
            settings,
            body: bulk_request(),
        }
    }
}

impl Source for JolokiaSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Jolokia
    }

    fn poll<'a>(&'a mut self, context: &'a PollContext) -> BoxFuture<'a, Polled> {
        Box::pin(async move {
            let targets = targets(&self.settings, context);
            let (client, body) = (&self.client, &self.body);
            let readings =
                futures::future::join_all(targets.iter().map(|t| read_target(client, t, body)))
                    .await;
            self.state.finish(&targets, readings, context)
        })
    }
}

async fn read_target(client: &HttpClient, target: &JmxTarget, body: &Bytes) -> Reading {
    let started = Instant::now();
    let mut node = empty_node(target);
    let request = HttpRequest {
        body: Some(("application/json", body.clone())),
        basic_auth: target.basic_auth.as_ref(),
        ..HttpRequest::get(&target.url, "application/json")
    };
    let outcome = match client.send(request).await {
        Err(error) => Err(error.to_string()),
        Ok(answer) if !answer.is_success() => {
            Err(format!("HTTP {}: {}", answer.status, excerpt(&answer.body)))
        }
        Ok(answer) => match serde_json::from_slice::<Value>(&answer.body) {
            Err(error) => Err(format!("the answer is not JSON: {error}")),
            Ok(answers) => read_answers(&mut node, &answers),
        },
    };
    let status = status(target, &mut node, outcome, started, "read");
    (status, node, started)
}

/// Reads a bulk answer into `node`: one entry per request, each with its
/// own status. The summary counts samples, and errors as unreadable lines
/// (their "line" is the request's place in the bulk read).
pub fn read_answers(node: &mut NodeFigures, answers: &Value) -> Result<PageSummary, String> {
    let Some(answers) = answers.as_array() else {
        // A single error object instead of the list: the agent refused the
        // whole request (a policy, bad credentials).
        let error = answers["error"].as_str().unwrap_or("not a list of answers");
        return Err(format!("Jolokia refused the bulk read: {error}"));
    };
    let mut summary = PageSummary::default();
    for (index, answer) in answers.iter().enumerate() {
        let status = answer["status"].as_u64().unwrap_or(0);
        if status == 404 {
            continue;
        }
        if status != 200 {
            let error_type = match answer["error_type"].as_str() {
                Some(error_type) => error_type.to_string(),
                None => format!("status {status}"),
            };
            let reason = format!(
                "{}: {} ({error_type})",
                answer["request"]["mbean"].as_str().unwrap_or("?"),
                answer["error"].as_str().unwrap_or("no error message"),
            );
            if summary.errors.len() < crate::prometheus_text::MAX_LINE_ERRORS {
                summary.errors.push(LineError {
                    line: index + 1,
                    reason,
                });
            } else {
                summary.errors_not_kept += 1;
            }
            continue;
        }
        let requested = answer["request"]["mbean"].as_str().unwrap_or_default();
        for (mbean, attributes) in values_by_mbean(requested, &answer["value"]) {
            read_mbean(node, mbean, attributes, &mut summary);
        }
    }
    Ok(summary)
}

/// A pattern read answers by MBean name; a read of one MBean answers its
/// attributes directly.
fn values_by_mbean<'v>(requested: &'v str, value: &'v Value) -> Vec<(&'v str, &'v Value)> {
    if requested.contains('*') {
        value
            .as_object()
            .map(|by_name| by_name.iter().map(|(name, v)| (name.as_str(), v)).collect())
            .unwrap_or_default()
    } else {
        vec![(requested, value)]
    }
}

fn read_mbean(node: &mut NodeFigures, mbean: &str, attributes: &Value, summary: &mut PageSummary) {
    let (Some(name), Some(attributes)) = (MBeanName::parse(mbean), attributes.as_object()) else {
        return;
    };
    for (attribute, value) in attributes {
        let named: Vec<Named> = match value {
            Value::Object(parts) => composite_samples(&name, attribute, parts),
            // Strings (a raft node's state), null (an average over nothing).
            _ => match value.as_f64() {
                Some(number) => samples(&name, attribute, number),
                None => continue,
            },
        };
        for sample in named {
            let labels: Vec<(&str, std::borrow::Cow<'_, str>)> = sample
                .labels
                .iter()
                .map(|(k, v)| (*k, std::borrow::Cow::Borrowed(v.as_str())))
                .collect();
            summary.samples += 1;
            node.read_sample(&PageSample {
                name: &sample.name,
                labels: &labels,
                value: sample.value,
                timestamp_ms: None,
                family_type: crate::prometheus_text::FamilyType::Untyped,
            });
        }
    }
}

#[cfg(test)]
mod tests;
