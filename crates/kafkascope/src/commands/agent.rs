//! `kafkascope agent`: the host's figures from `/proc` and `statfs`,
//! served as node_exporter serves them, for hosts without node_exporter.
//! Behind the same web config as `serve` (TLS, basic auth) when given.
//! With `--broker-logs`, it also follows this broker's log files and
//! serves their events at `/broker-logs` for `serve` to poll.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use kafkascope_host::{
    AgentOptions, BrokerLogsPager, agent_router, broker_logs_router, serve_agent_on,
};
use kafkascope_sources::broker_logs::agent_feed::{AgentFeed, DEFAULT_AGENT_RING};
use kafkascope_sources::broker_logs::{FileSetConfig, KAFKA_PATTERN, Layout, LogFollowerConfig};
use regex::Regex;
use tokio::net::TcpListener;

use crate::cli::AgentArgs;
use crate::config::broker_logs::{files_of, utc_offset_seconds};

pub async fn run(args: AgentArgs) -> anyhow::Result<()> {
    let options = options(&args)?;
    // Read before binding: asked for protection, never serve without it.
    let web = args
        .web_config_file
        .as_deref()
        .map(kafkascope_server::web_config::load)
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let mut router = agent_router(options);
    if let Some(feed) = broker_logs_feed(&args)? {
        follow(
            feed.clone(),
            Duration::from_secs(args.broker_logs_interval.max(1)),
        );
        router = router.merge(broker_logs_router(pager(feed)));
    }
    let shutdown = kafkascope_server::shutdown::signal();
    match web {
        Some(web) => kafkascope_server::serve_secured(listener, router, web, shutdown).await,
        None => Ok(serve_agent_on(listener, router, shutdown).await?),
    }
}

/// The agent's options from the flags; a bad pattern names its flag.
fn options(args: &AgentArgs) -> anyhow::Result<AgentOptions> {
    let defaults = AgentOptions::default();
    let pattern = |text: &Option<String>, flag: &str, default: Regex| match text {
        None => Ok(default),
        Some(text) => Regex::new(text).with_context(|| format!("--{flag}: not a valid pattern")),
    };
    let net_devices_exclude = match args.netdev_device_exclude.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            Regex::new(text).context("--collector.netdev.device-exclude: not a valid pattern")?,
        ),
    };
    Ok(AgentOptions {
        proc_root: args.proc_root.clone(),
        root_fs: args.root_fs.clone(),
        mount_points_exclude: pattern(
            &args.mount_points_exclude,
            "collector.filesystem.mount-points-exclude",
            defaults.mount_points_exclude,
        )?,
        fs_types_exclude: pattern(
            &args.fs_types_exclude,
            "collector.filesystem.fs-types-exclude",
            defaults.fs_types_exclude,
        )?,
        disk_devices_exclude: pattern(
            &args.diskstats_device_exclude,
            "collector.diskstats.device-exclude",
            defaults.disk_devices_exclude,
        )?,
        net_devices_exclude,
        max_requests: args.max_requests,
        ..defaults
    })
}

type SharedFeed = Arc<Mutex<AgentFeed>>;

/// The follower of `--broker-logs`, or none without it; a bad offset,
/// layout or state folder names its flag.
fn broker_logs_feed(args: &AgentArgs) -> anyhow::Result<Option<SharedFeed>> {
    let Some(broker) = args.broker_id else {
        return Ok(None);
    };
    let utc_offset = match args.utc_offset.as_deref() {
        Some(text) => utc_offset_seconds(text).with_context(|| {
            format!("--utc-offset: '{text}' is not an offset like +01:00, -05:30 or Z")
        })?,
        None => 0,
    };
    let pattern = args
        .layout
        .clone()
        .unwrap_or_else(|| KAFKA_PATTERN.to_string());
    Layout::compile(&pattern, utc_offset).map_err(|e| anyhow::anyhow!("--layout: {e}"))?;
    let state = &args.broker_logs_state;
    std::fs::create_dir_all(state)
        .with_context(|| format!("--broker-logs-state: cannot create {}", state.display()))?;
    let config = LogFollowerConfig {
        file_sets: vec![FileSetConfig {
            node: Some(broker),
            paths: args.broker_logs.iter().flat_map(|p| files_of(p)).collect(),
            pattern,
            utc_offset_seconds: utc_offset,
        }],
        positions_file: Some(state.join("positions.json")),
        ..LogFollowerConfig::default()
    };
    let feed = AgentFeed::with_state(broker, config, DEFAULT_AGENT_RING, state);
    Ok(Some(Arc::new(Mutex::new(feed))))
}

/// Reads the files every `interval` on a blocking thread (file reads block).
fn follow(feed: SharedFeed, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let feed = feed.clone();
            let polled = tokio::task::spawn_blocking(move || {
                feed.lock().unwrap_or_else(|e| e.into_inner()).poll();
            })
            .await;
            if let Err(error) = polled {
                tracing::error!(%error, "reading the broker logs failed");
            }
        }
    });
}

/// The pages of `/broker-logs`, made from the feed.
fn pager(feed: SharedFeed) -> BrokerLogsPager {
    Arc::new(move |after, limit| {
        let page = feed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .page(after, limit);
        serde_json::to_string(&page)
            .unwrap_or_else(|e| format!("{{\"error\":\"the page could not be written: {e}\"}}"))
    })
}
