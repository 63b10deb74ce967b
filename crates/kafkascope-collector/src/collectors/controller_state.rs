//! What only the controllers know, both asked at once: the KRaft metadata quorum (DescribeQuorum), whose leader is the
//! active controller Metadata does not name in KRaft, and the partition
//! reassignments in progress (ListPartitionReassignments, from the
//! controller Metadata names, as ZooKeeper clusters require). Clusters that
//! offer neither (ZooKeeper mode lacks DescribeQuorum, tansu both) have
//! them noted as unsupported.

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::{Cycle, started};

pub struct ControllerStateCollector;

impl Collector for ControllerStateCollector {
    fn id(&self) -> CollectorId {
        CollectorId::ControllerState
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            // Started right after Metadata; asked now if it was not or its
            // task was lost.
            let (quorum, reassignments) = match started(cycle.early_controller.take()).await {
                Some(answers) => (answers.quorum, answers.reassignments),
                None => {
                    let controller = cycle.metadata().controller_id;
                    futures::join!(
                        cycle.admin.describe_quorum(),
                        cycle.admin.list_reassignments(controller)
                    )
                }
            };
            match quorum {
                Ok(quorum) => cycle.quorum = Some(quorum),
                Err(error) => cycle.record(self.name(), None, "", &error),
            }
            match reassignments {
                Ok(moving) => cycle.reassignments = Some(moving),
                Err(error) => cycle.record(self.name(), None, "", &error),
            }
            Ok(())
        })
    }
}
