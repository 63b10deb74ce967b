//! Key topic configs (DescribeConfigs), re-read only every
//! `config_refresh`: they change rarely and the answer is large.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::Cycle;

/// The configs the snapshot keeps: what operators look at in
/// `kafka-topics.sh --describe`.
pub const WATCHED_CONFIGS: &[&str] = &[
    "cleanup.policy",
    "retention.ms",
    "retention.bytes",
    "min.insync.replicas",
    "segment.bytes",
    "max.message.bytes",
    "compression.type",
];

/// Shared between the cache, the cycle and the snapshots: a cycle served
/// from the cache copies nothing (7 configs of every topic, 14,000 strings
/// at bench size), nor does a topic take its own.
type Configs = Arc<BTreeMap<String, Arc<BTreeMap<String, String>>>>;

#[derive(Default)]
pub struct TopicConfigsCollector {
    cache: Mutex<Option<(Instant, Configs)>>,
}

impl TopicConfigsCollector {
    fn cached(&self, cycle: &Cycle<'_>) -> Option<Configs> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (fetched_at, configs) = cache.as_ref()?;
        let fresh = fetched_at.elapsed() < cycle.settings.config_refresh;
        let complete = cycle
            .metadata()
            .topics
            .iter()
            .all(|t| configs.contains_key(&t.name));
        (fresh && complete).then(|| Arc::clone(configs))
    }
}

impl Collector for TopicConfigsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::TopicConfigs
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            if let Some(configs) = self.cached(cycle) {
                cycle.topic_configs = configs;
                return Ok(());
            }
            let topics: Vec<String> = cycle
                .metadata()
                .topics
                .iter()
                .map(|t| t.name.clone())
                .collect();
            if topics.is_empty() {
                return Ok(());
            }
            match cycle
                .admin
                .describe_topic_configs(&topics, WATCHED_CONFIGS)
                .await
            {
                Ok(answer) => {
                    cycle.record_shards(self.name(), answer.errors);
                    let configs: Configs = Arc::new(
                        answer
                            .value
                            .into_iter()
                            .map(|(topic, configs)| (topic, Arc::new(configs)))
                            .collect(),
                    );
                    *self.cache.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some((Instant::now(), Arc::clone(&configs)));
                    cycle.topic_configs = configs;
                }
                Err(error) => cycle.record(self.name(), None, "", &error),
            }
            Ok(())
        })
    }
}
