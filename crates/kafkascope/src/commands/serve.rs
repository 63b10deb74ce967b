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
use crate::history::{History, StoreSource};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let snapshots = Arc::new(Snapshots::new(
        plan.clusters.iter().map(|c| c.settings.cluster.clone()),
    ));
    let history = match &plan.history {
        Some(settings) => {
            tracing::info!(dir = %settings.dir.display(), retention_days = settings.retention_days, "keeping history");
            Some(History::open(settings)?)
        }
        None => None,
    };
    let (history_feed, history_writer) = match &history {
        Some(history) => {
            let (feed, writer) = history.spawn_writer()?;
            (Some(feed), Some(writer))
        }
        None => (None, None),
    };
    let (stop_collecting, shutdown) = watch::channel(false);
    let mut loops = Vec::new();
    for cluster in plan.clusters {
        tracing::info!(
            cluster = %cluster.settings.cluster,
            bootstrap = %cluster.bootstrap.join(","),
            interval = ?cluster.settings.interval,
            "collecting"
        );
        let mut collector =
            ClusterCollector::new(cluster.settings, cluster.bootstrap, cluster.client)
                .with_after_cycle(crate::malloc_arenas::release_free_memory);
        if let Some(feed) = &history_feed {
            collector = collector.with_listener(feed.clone());
        }
        loops.push(tokio::spawn(
            collector.run(snapshots.clone(), shutdown.clone()),
        ));
    }
    // The loops hold the only other senders: the writer ends after them.
    drop(history_feed);
    tracing::info!(listen = %plan.listen, "serving the UI, /metrics, /api/v1 and /v3");
    let query_api =
        history.map(|history| kafkascope_query::router(Arc::new(StoreSource::new(history))));
    let served =
        kafkascope_server::serve_with(plan.listen, AppState::new(snapshots), query_api).await;
    let _ = stop_collecting.send(true);
    for task in loops {
        let _ = task.await;
    }
    if let Some(writer) = history_writer {
        // Seals the open interval so a clean stop loses nothing.
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
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
    if args.no_history {
        plan.history = None;
    } else if let (Some(dir), Some(history)) = (&args.data_dir, plan.history.as_mut()) {
        history.dir = dir.clone();
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
        history: config::default_history(),
    })
}
