//! Binding and serving until a shutdown signal, over plain TCP or TLS, with
//! basic auth when the web config asks for it.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use tokio::net::TcpListener;

use crate::basic_auth::{self, AuthState};
use crate::tls_listener::TlsListener;
use crate::web_config::WebConfig;
use crate::{AppState, app, app_with, shutdown};

/// Serves [`app`] on `listen` until SIGTERM or Ctrl-C, then finishes the
/// requests in flight and returns.
pub async fn serve(listen: SocketAddr, state: AppState) -> anyhow::Result<()> {
    serve_with(listen, state, None, None).await
}

/// [`serve`] with more routes merged in (the history query API), and the
/// web config's TLS, basic auth and headers when given.
pub async fn serve_with(
    listen: SocketAddr,
    state: AppState,
    extra: Option<Router>,
    web: Option<WebConfig>,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let router = app_with(state, extra);
    match web {
        Some(web) => serve_secured(listener, router, web, shutdown::signal()).await,
        None => serve_router_on(listener, router, shutdown::signal()).await,
    }
}

/// Serves [`app`] on an already bound listener until `shutdown` completes
/// (tests bind port 0 and pass their own trigger).
pub async fn serve_on<F>(listener: TcpListener, state: AppState, shutdown: F) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_router_on(listener, app(state), shutdown).await
}

/// `router` behind the web config: its headers on every response, basic
/// auth in front of every route, TLS on the listener.
pub async fn serve_secured<F>(
    listener: TcpListener,
    router: Router,
    web: WebConfig,
    shutdown: F,
) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut router = router;
    if !web.headers.is_empty() {
        let headers = web.headers.clone();
        router = router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let headers = headers.clone();
            async move {
                let mut response = next.run(request).await;
                for (name, value) in headers {
                    response.headers_mut().insert(name, value);
                }
                response
            }
        }));
    }
    if let Some(auth) = web.auth {
        router = router.layer(middleware::from_fn_with_state(
            AuthState::new(auth),
            basic_auth::require,
        ));
    }
    match web.tls {
        Some(tls) => {
            let local = listener.local_addr().ok();
            let listener = TlsListener::new(listener, tls).context("starting TLS")?;
            tracing::info!(listen = ?local, "HTTPS server listening");
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
                .context("HTTPS server failed")?;
            tracing::info!("HTTPS server stopped");
            Ok(())
        }
        None => serve_router_on(listener, router, shutdown).await,
    }
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
