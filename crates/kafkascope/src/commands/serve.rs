//! `kafkascope serve`: a collection loop per cluster and the HTTP server,
//! until SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use kafkascope_collector::{ClusterCollector, CollectorSettings, Snapshots};
use kafkascope_server::AppState;
use tokio::sync::watch;

use crate::cli::ServeArgs;
use crate::commands::{bootstrap_list, client_config};
use crate::config::{self, ClusterPlan, ServePlan};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let snapshots = Arc::new(Snapshots::new(
        plan.clusters.iter().map(|c| c.settings.cluster.clone()),
    ));
    let (stop_collecting, shutdown) = watch::channel(false);
    let mut loops = Vec::new();
    for cluster in plan.clusters {
        tracing::info!(
            cluster = %cluster.settings.cluster,
            bootstrap = %cluster.bootstrap.join(","),
            interval = ?cluster.settings.interval,
            "collecting"
        );
        let collector = ClusterCollector::new(cluster.settings, cluster.bootstrap, cluster.client);
        loops.push(tokio::spawn(
            collector.run(snapshots.clone(), shutdown.clone()),
        ));
    }
    tracing::info!(listen = %plan.listen, "serving /metrics and /api/v1");
    let served = kafkascope_server::serve(plan.listen, AppState { snapshots }).await;
    let _ = stop_collecting.send(true);
    for task in loops {
        let _ = task.await;
    }
    served
}

/// From the config file, or from flags for one cluster; flags and their
/// environment variables override the file.
fn plan(args: &ServeArgs) -> anyhow::Result<ServePlan> {
    let mut plan = match (&args.config, &args.bootstrap_server) {
        (Some(path), _) => config::load(path)?,
        (None, Some(servers)) => single_cluster(args, servers)?,
        (None, None) => bail!("give --bootstrap-server for one cluster, or --config for several"),
    };
    if let Some(listen) = args.listen {
        plan.listen = listen;
    }
    if let Some(seconds) = args.interval {
        anyhow::ensure!(seconds > 0, "--interval must be at least 1 second");
        for cluster in &mut plan.clusters {
            cluster.settings.interval = Duration::from_secs(seconds);
        }
    }
    Ok(plan)
}

fn single_cluster(args: &ServeArgs, servers: &str) -> anyhow::Result<ServePlan> {
    let bootstrap = bootstrap_list(servers);
    anyhow::ensure!(!bootstrap.is_empty(), "--bootstrap-server names no broker");
    Ok(ServePlan {
        listen: config::DEFAULT_LISTEN.parse()?,
        clusters: vec![ClusterPlan {
            bootstrap,
            client: client_config(args.command_config.as_deref())?,
            settings: CollectorSettings::new(args.cluster_name.clone()),
        }],
    })
}
