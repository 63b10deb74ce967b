//! Key topic configs (DescribeConfigs), re-read only every
//! `config_refresh`: they change rarely and the answer is large.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector};
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

type Configs = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Default)]
pub struct TopicConfigsCollector {
    cache: Mutex<Option<(Instant, Configs)>>,
}

impl TopicConfigsCollector {
    fn cached(&self, cycle: &Cycle<'_>) -> Option<Configs> {
        let cache = self.cache.lock().expect("config cache lock");
        let (fetched_at, configs) = cache.as_ref()?;
        let fresh = fetched_at.elapsed() < cycle.settings.config_refresh;
        let complete = cycle
            .metadata()
            .topics
            .iter()
            .all(|t| configs.contains_key(&t.name));
        (fresh && complete).then(|| configs.clone())
    }
}

impl Collector for TopicConfigsCollector {
    fn name(&self) -> &'static str {
        "topic_configs"
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
                    *self.cache.lock().expect("config cache lock") =
                        Some((Instant::now(), answer.value.clone()));
                    cycle.topic_configs = answer.value;
                }
                Err(error) => cycle.record(self.name(), None, "", &error),
            }
            Ok(())
        })
    }
}
