//! `kafkascope agent`: the host's figures from `/proc` and `statfs`,
//! served as node_exporter serves them, for hosts without node_exporter.
//! Behind the same web config as `serve` (TLS, basic auth) when given.

use anyhow::Context;
use kafkascope_host::{AgentOptions, agent_router, serve_agent_on};
use regex::Regex;
use tokio::net::TcpListener;

use crate::cli::AgentArgs;

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
    let router = agent_router(options);
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
