//! `kafkascope connect`: one read of Kafka Connect clusters through their
//! workers' REST API (the configured ones, or workers given on the command
//! line), each connector with its type, state, worker and tasks; failed
//! connectors and tasks first, with the first line of their trace.

use std::path::Path;

use anyhow::Context;
use kafkascope_client::http_client::{BasicAuth, HttpUrl};
use kafkascope_sources::connect_rest::{
    ConnectClusterSettings, ConnectRestSettings, ConnectRestSource,
};
use kafkascope_sources::connect_rest_figures::{
    ConnectClusterFigures, ConnectState, ConnectorFigures,
};
use kafkascope_sources::source::{PollContext, Source, SourceFigures, TargetStatus};

use crate::cli::{ConnectArgs, OutputFormat};
use crate::commands::{print_json, print_out};
use crate::config::{self, SourcePlan};
use crate::table::{or_dash, render};

/// The name of the Connect cluster given by `--connect-url`.
const COMMAND_LINE_CLUSTER: &str = "connect";

pub async fn run(args: ConnectArgs) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    let mut source = ConnectRestSource::new(settings);
    let polled = source.poll(&PollContext::default()).await;
    let SourceFigures::Connect(figures) = polled.figures else {
        anyhow::bail!("the Connect source answered with no Connect figures");
    };
    if figures.clusters.iter().all(|c| !c.up()) {
        anyhow::bail!(
            "no Connect cluster could be read: {}",
            problems(&figures.clusters, &polled.targets).join("; ")
        );
    }
    if args.output == OutputFormat::Json {
        return print_json(&figures.clusters);
    }
    let rows = rows(&figures.clusters);
    let headers = [
        "CONNECT",
        "CONNECTOR",
        "TYPE",
        "STATE",
        "WORKER",
        "TASKS",
        "FAILURE",
    ];
    let mut text = render(&headers, &rows);
    for problem in problems(&figures.clusters, &polled.targets) {
        text.push_str(&format!("\n{problem}"));
    }
    print_out(&text)
}

/// The Connect clusters of `--config`, or the one of `--connect-url`.
fn settings(args: &ConnectArgs) -> anyhow::Result<ConnectRestSettings> {
    if let Some(path) = &args.config {
        return configured(path);
    }
    anyhow::ensure!(
        !args.connect_url.is_empty(),
        "give --config or the workers with --connect-url"
    );
    let urls = args
        .connect_url
        .iter()
        .map(|url| HttpUrl::parse(url).with_context(|| format!("--connect-url {url}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut cluster = ConnectClusterSettings::new(COMMAND_LINE_CLUSTER, urls);
    cluster.basic_auth = basic_auth(args)?;
    Ok(ConnectRestSettings::new(vec![cluster]))
}

fn basic_auth(args: &ConnectArgs) -> anyhow::Result<Option<BasicAuth>> {
    let Some(user) = &args.username else {
        anyhow::ensure!(
            args.password_file.is_none(),
            "--password-file needs --username"
        );
        return Ok(None);
    };
    let password = match &args.password_file {
        // The error names the file, never what it holds.
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading --password-file {}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_string(),
        None => String::new(),
    };
    Ok(Some(BasicAuth {
        user: user.clone(),
        password,
    }))
}

/// Every `[clusters.connect]` of the config, as one source.
fn configured(path: &Path) -> anyhow::Result<ConnectRestSettings> {
    let plan = config::load(path)?;
    let mut connect: Option<ConnectRestSettings> = None;
    for source in plan.clusters.into_iter().flat_map(|c| c.sources) {
        if let SourcePlan::ConnectRest { settings, .. } = source {
            match &mut connect {
                Some(all) => all.clusters.extend(settings.clusters),
                None => connect = Some(settings),
            }
        }
    }
    connect.with_context(|| format!("{} configures no [clusters.connect]", path.display()))
}

/// One row per connector, those with a failure first.
fn rows(clusters: &[ConnectClusterFigures]) -> Vec<Vec<String>> {
    let mut connectors: Vec<(&str, &ConnectorFigures)> = clusters
        .iter()
        .flat_map(|c| c.connectors.iter().map(move |k| (c.name.as_str(), k)))
        .collect();
    connectors.sort_by_key(|(cluster, c)| (failure(c).is_none(), *cluster, c.name.as_str()));
    connectors
        .iter()
        .map(|(cluster, c)| {
            let running = c
                .tasks
                .iter()
                .filter(|t| t.state == ConnectState::Running)
                .count();
            vec![
                cluster.to_string(),
                c.name.clone(),
                c.kind.as_str().to_string(),
                c.state.as_str().to_string(),
                or_dash(c.worker.as_deref()),
                format!("{running}/{}", c.tasks.len()),
                or_dash(failure(c)),
            ]
        })
        .collect()
}

/// The connector's own failure, else its first failed task's, as the
/// first line of the trace (the exception and its message).
fn failure(connector: &ConnectorFigures) -> Option<String> {
    let first_line = |trace: Option<&String>| {
        trace
            .and_then(|t| t.lines().next())
            .unwrap_or("no trace")
            .to_string()
    };
    if connector.state == ConnectState::Failed {
        return Some(first_line(connector.trace.as_ref()));
    }
    connector
        .tasks
        .iter()
        .find(|t| t.state == ConnectState::Failed)
        .map(|t| format!("task {}: {}", t.id, first_line(t.trace.as_ref())))
}

/// What could not be read: workers that did not answer, and clusters'
/// own problems.
fn problems(clusters: &[ConnectClusterFigures], targets: &[TargetStatus]) -> Vec<String> {
    let workers = targets
        .iter()
        .filter_map(|t| Some(format!("{}: {}", t.target, t.error.as_ref()?)));
    let own = clusters
        .iter()
        .flat_map(|c| c.problems.iter().map(move |p| format!("{}: {p}", c.name)));
    workers.chain(own).collect()
}
