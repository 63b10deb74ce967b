//! Bytes on disk per broker and per partition (DescribeLogDirs), where the
//! brokers offer it.

use futures::future::BoxFuture;

use crate::collector::{CollectResult, Collector, CollectorId};
use crate::cycle::{Cycle, started};

pub struct LogDirsCollector;

impl Collector for LogDirsCollector {
    fn id(&self) -> CollectorId {
        CollectorId::LogDirs
    }

    fn collect<'a>(&'a self, cycle: &'a mut Cycle<'_>) -> BoxFuture<'a, CollectResult> {
        Box::pin(async move {
            // Started beside the group reads; read now if it was not or
            // its task was lost.
            let dirs = match started(cycle.early_log_dirs.take()).await {
                Some(dirs) => dirs,
                None => cycle.admin.describe_log_dirs().await,
            };
            cycle.record_shards(self.name(), dirs.errors);
            if !dirs.value.is_empty() {
                cycle.log_dirs = Some(dirs.value);
            }
            Ok(())
        })
    }
}
