//! The KRaft metadata quorum (DescribeQuorum): its leader is the active
//! controller, which Metadata does not name in KRaft. Clusters without
//! KRaft (ZooKeeper mode, tansu) do not offer the API: noted as unsupported.

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector};
use crate::cycle::Cycle;

pub struct MetadataQuorumCollector;

impl Collector for MetadataQuorumCollector {
    fn name(&self) -> &'static str {
        "metadata_quorum"
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            match cycle.admin.describe_quorum().await {
                Ok(quorum) => cycle.quorum = Some(quorum),
                Err(error) => cycle.record(self.name(), None, "", &error),
            }
            Ok(())
        })
    }
}
