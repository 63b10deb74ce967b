//! The agent's HTTP side: `GET /metrics` (the host as node_exporter would
//! show it) and `GET /healthz`, with a bound on the scrapes answered at
//! once.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::agent_options::AgentOptions;
use crate::filesystem_stats::StuckMounts;
use crate::host_reading::read_host;
use crate::node_page::{CONTENT_TYPE, render_page};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the agent's HTTP server failed: {0}")]
    Serve(std::io::Error),
}

#[derive(Clone)]
struct AgentState {
    options: Arc<AgentOptions>,
    stuck: StuckMounts,
    scrapes: Arc<Semaphore>,
}

/// The agent's routes, bound to nothing (tests call it with `oneshot`;
/// the binary puts its web config in front of it).
pub fn agent_router(options: AgentOptions) -> Router {
    let state = AgentState {
        scrapes: Arc::new(Semaphore::new(options.max_requests.max(1))),
        options: Arc::new(options),
        stuck: StuckMounts::default(),
    };
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(state)
}

/// Serves the agent on `listen` until Ctrl-C or SIGTERM.
pub async fn serve_agent(listen: SocketAddr, options: AgentOptions) -> Result<(), AgentError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| AgentError::Bind {
            addr: listen,
            source,
        })?;
    serve_agent_on(listener, agent_router(options), shutdown_signal()).await
}

/// Serves `router` on a bound listener until `shutdown` completes.
pub async fn serve_agent_on(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AgentError> {
    tracing::info!(listen = ?listener.local_addr().ok(), "agent listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(AgentError::Serve)
}

async fn metrics(State(state): State<AgentState>) -> Response {
    // As node_exporter's --web.max-requests: a scraper piling requests on
    // a slow host is told at once rather than queued.
    let Ok(_permit) = state.scrapes.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many scrapes at once\n",
        )
            .into_response();
    };
    let rendered = tokio::task::spawn_blocking(move || {
        let reading = read_host(&state.options, &state.stuck);
        for (collector, error) in reading.collector_errors() {
            tracing::warn!(collector, %error, "collector failed");
        }
        render_page(&reading)
    })
    .await;
    match rendered {
        Ok(page) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], page).into_response(),
        Err(error) => {
            tracing::error!(%error, "reading the host failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "reading the host failed\n",
            )
                .into_response()
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
