//! Binding and serving until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::{AppState, app, app_with, shutdown};

/// Serves [`app`] on `listen` until SIGTERM or Ctrl-C, then finishes the
/// requests in flight and returns.
pub async fn serve(listen: SocketAddr, state: AppState) -> anyhow::Result<()> {
    serve_with(listen, state, None).await
}

/// [`serve`] with more routes merged in (the history query API).
pub async fn serve_with(
    listen: SocketAddr,
    state: AppState,
    extra: Option<Router>,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    serve_router_on(listener, app_with(state, extra), shutdown::signal()).await
}

/// Serves [`app`] on an already bound listener until `shutdown` completes
/// (tests bind port 0 and pass their own trigger).
pub async fn serve_on<F>(listener: TcpListener, state: AppState, shutdown: F) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_router_on(listener, app(state), shutdown).await
}

async fn serve_router_on<F>(
    listener: TcpListener,
    router: Router,
    shutdown: F,
) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let local = listener.local_addr().ok();
    tracing::info!(listen = ?local, "HTTP server listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("HTTP server failed")?;
    tracing::info!("HTTP server stopped");
    Ok(())
}
