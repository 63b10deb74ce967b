//! Brokers, controller, topics and partition placement (Metadata).

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector, CycleAborted};
use crate::cycle::Cycle;

pub struct ClusterMetadataCollector;

impl Collector for ClusterMetadataCollector {
    fn name(&self) -> &'static str {
        "cluster_metadata"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            match cycle.admin.metadata().await {
                Ok(mut metadata) => {
                    let filter = &cycle.settings.topics;
                    metadata.topics.retain(|t| filter.admits(&t.name));
                    cycle.metadata = Some(metadata);
                    Ok(())
                }
                Err(error) => {
                    cycle.record(self.name(), None, "", &error);
                    Err(CycleAborted(error.to_string()))
                }
            }
        })
    }
}
