//! `kafkascope serve`: a collection loop per cluster and the HTTP server,
//! until SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use kafkascope_collector::{ClusterCollector, CollectorSettings, Snapshots};
use kafkascope_server::AppState;
use kafkascope_sources::connect_rest::ConnectRestSource;
use kafkascope_sources::jmx_exporter::JmxExporterSource;
use kafkascope_sources::jolokia::JolokiaSource;
use kafkascope_sources::node_exporter::NodeExporterSource;
use kafkascope_sources::source_loop::SourceLoop;
use kafkascope_sources::zookeeper::ZookeeperSource;
use kafkascope_sources::{SourceKind, SourceSnapshots};
use tokio::sync::watch;

use kafkascope_alerts::PublishedAlerts;

use crate::alerting::{self, AlertEngine};
use crate::cli::ServeArgs;
use crate::commands::{bootstrap_list, client_config, jmx_once};
use crate::config::{self, ClusterPlan, ServePlan, SourcePlan};
use crate::history::{History, HistoryFeed, Recorded, StoreSource};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    // Read before anything starts: asked for protection, never serve without it.
    let web = args
        .web_config_file
        .as_deref()
        .map(kafkascope_server::web_config::load)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    let snapshots = Arc::new(Snapshots::new(
        plan.clusters.iter().map(|c| c.settings.cluster.clone()),
    ));
    let sources = Arc::new(SourceSnapshots::new(plan.clusters.iter().flat_map(|c| {
        c.sources
            .iter()
            .map(|s| (c.settings.cluster.clone(), kind_of(s)))
    })));
    let history = match &plan.history {
        Some(settings) => {
            tracing::info!(dir = %settings.dir.display(), retention_days = settings.retention_days, "keeping history");
            Some(History::open(settings)?)
        }
        None => None,
    };
    let alerts = Arc::new(PublishedAlerts::default());
    let mut silences = None;
    let mut notifier = None;
    let alert_engine = match (&plan.alerts, &plan.history) {
        (Some(rules), Some(settings)) => {
            tracing::info!(
                rules = rules.rules.len(),
                "evaluating alert rules after each cycle"
            );
            let shared = alerting::open_silences(&settings.dir);
            silences = Some(shared.clone());
            let mut engine =
                AlertEngine::open(rules.clone(), &settings.dir, alerts.clone(), shared);
            if let Some(notify) = &rules.notify {
                let started = alerting::start_notifier(notify.clone(), &settings.dir);
                notifier = Some((started.clone(), settings.dir.clone()));
                engine = engine.with_notify(alerting::Notify {
                    notifier: started,
                    interval_ms: evaluation_interval_ms(&plan),
                    data_dir: settings.dir.clone(),
                    saved: Vec::new(),
                });
            }
            Some(engine)
        }
        (Some(_), None) => {
            tracing::warn!(
                "alert rules are evaluated over the history: with history off, none are"
            );
            None
        }
        (None, _) => None,
    };
    let (history_feed, history_writer) = match &history {
        Some(history) => {
            let after_cycle = alert_engine.map(AlertEngine::into_after_cycle);
            let (feed, writer) = history.spawn_writer(after_cycle)?;
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
        let name = cluster.settings.cluster.clone();
        let mut collector =
            ClusterCollector::new(cluster.settings, cluster.bootstrap, cluster.client)
                .with_after_cycle(crate::malloc_arenas::release_free_memory);
        if let Some(feed) = history_feed.clone() {
            collector = collector
                .with_listener(Box::new(move |s| feed.offer(Recorded::Cluster(s.clone()))));
        }
        loops.push(tokio::spawn(
            collector.run(snapshots.clone(), shutdown.clone()),
        ));
        for source in cluster.sources {
            let source_loop = source_loop(&name, source, history_feed.clone());
            tracing::info!(cluster = %name, source = %source_loop.source.kind(), interval = ?source_loop.interval, "polling");
            loops.push(tokio::spawn(source_loop.run(
                snapshots.clone(),
                sources.clone(),
                shutdown.clone(),
            )));
        }
    }
    // The loops hold the only other senders: the writer ends after them.
    drop(history_feed);
    tracing::info!(listen = %plan.listen, "serving the UI, /metrics, /api/v1 and /v3");
    let query_api =
        history.map(|history| kafkascope_query::router(Arc::new(StoreSource::new(history))));
    let mut state = AppState::new(snapshots)
        .with_sources(sources)
        .with_alerts(alerts);
    if let Some(silences) = silences {
        state = state.with_silences(silences);
    }
    if let Some((notifier, _)) = &notifier {
        state = state.with_notifier(notifier.clone());
    }
    let served = kafkascope_server::serve_with(plan.listen, state, query_api, web).await;
    let _ = stop_collecting.send(true);
    for task in loops {
        let _ = task.await;
    }
    if let Some(writer) = history_writer {
        // Seals the open interval so a clean stop loses nothing.
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }
    if let Some((notifier, dir)) = notifier {
        // The engine's copy went with the writer: this is the last one.
        if let Err(error) = alerting::save_delivery_state(&notifier, &dir) {
            tracing::warn!("notifications: {error:#}");
        }
        if let Ok(notifier) = Arc::try_unwrap(notifier) {
            notifier.stop().await;
        }
    }
    served
}

/// Rules are evaluated after every cycle of any cluster: the shortest
/// interval is how often.
fn evaluation_interval_ms(plan: &ServePlan) -> i64 {
    plan.clusters
        .iter()
        .map(|c| c.settings.interval.as_millis() as i64)
        .min()
        .unwrap_or(10_000)
}

fn kind_of(source: &SourcePlan) -> SourceKind {
    match source {
        SourcePlan::JmxExporter { .. } => SourceKind::JmxExporter,
        SourcePlan::Jolokia { .. } => SourceKind::Jolokia,
        SourcePlan::ConnectRest { .. } => SourceKind::ConnectRest,
        SourcePlan::Zookeeper { .. } => SourceKind::Zookeeper,
        SourcePlan::NodeExporter { .. } => SourceKind::NodeExporter,
        SourcePlan::BrokerLogs { .. } => SourceKind::BrokerLogs,
    }
}

/// The loop of one of `cluster`'s sources, feeding the history if kept.
fn source_loop(cluster: &str, plan: SourcePlan, history: Option<HistoryFeed>) -> SourceLoop {
    let mut source_loop = match plan {
        SourcePlan::JmxExporter { settings, interval } => SourceLoop::new(
            cluster.to_string(),
            Box::new(JmxExporterSource::new(settings)),
            interval,
        ),
        SourcePlan::Jolokia { settings, interval } => SourceLoop::new(
            cluster.to_string(),
            Box::new(JolokiaSource::new(settings)),
            interval,
        ),
        SourcePlan::ConnectRest { settings, interval } => SourceLoop::new(
            cluster.to_string(),
            Box::new(ConnectRestSource::new(settings)),
            interval,
        ),
        SourcePlan::Zookeeper { settings, interval } => SourceLoop::new(
            cluster.to_string(),
            Box::new(ZookeeperSource::new(settings)),
            interval,
        ),
        SourcePlan::NodeExporter { settings, interval } => SourceLoop::new(
            cluster.to_string(),
            Box::new(NodeExporterSource::new(settings)),
            interval,
        ),
        SourcePlan::BrokerLogs { plan, interval } => {
            SourceLoop::new(cluster.to_string(), plan.into_source(cluster), interval)
        }
    };
    if let Some(feed) = history {
        source_loop =
            source_loop.with_listener(Box::new(move |s| feed.offer(Recorded::Source(s.clone()))));
    }
    source_loop
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
    let data_dir = plan.history.as_ref().map(|h| h.dir.clone());
    let data_dir = data_dir.or(args.data_dir.clone());
    config::broker_logs::place_state(&mut plan.clusters, data_dir.as_deref());
    if let Some(alerts) = plan.alerts.as_mut() {
        alerts.apply_flags(&args.rule_file, args.no_default_rules)?;
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
    let mut settings = CollectorSettings::new(args.cluster_name.clone());
    // The sources poll on the cluster's interval, --interval included.
    if let Some(seconds) = args.interval.filter(|s| *s > 0) {
        settings.interval = Duration::from_secs(seconds);
    }
    let mut sources = Vec::new();
    if !args.jmx_exporter.is_empty() {
        sources.push(SourcePlan::JmxExporter {
            settings: jmx_once::settings(&args.jmx_exporter)?,
            interval: settings.interval,
        });
    }
    if !args.jolokia.is_empty() {
        sources.push(SourcePlan::Jolokia {
            settings: jmx_once::settings(&args.jolokia)?,
            interval: settings.interval,
        });
    }
    Ok(ServePlan {
        listen: config::DEFAULT_LISTEN.parse()?,
        clusters: vec![ClusterPlan {
            bootstrap,
            client: client_config(args.command_config.as_deref())?,
            settings,
            sources,
        }],
        history: config::default_history(),
        alerts: config::default_alerts(),
    })
}
