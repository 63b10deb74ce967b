//! Basic auth in front of every route, when the web config names users:
//! reads need a login unless `unauthenticated_reads`; writes (silences,
//! acknowledgements) always do, and read-only users are refused them. A
//! refusal is JSON like every other API error: 401 with a
//! `WWW-Authenticate` challenge, or 403.
//!
//! bcrypt is slow on purpose (tens of milliseconds a check), and Grafana
//! or a scraper sends the same credentials with every request, so a check
//! that succeeded is remembered by a SHA-256 of the user and password, as
//! Prometheus's exporter-toolkit does; the password itself is not kept.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::web_config::BasicAuth;

/// Remembered successful checks beyond this are dropped all at once: a
/// bound, not a cache policy (a few users log in again after it).
const REMEMBERED: usize = 1_024;

#[derive(Clone)]
pub struct AuthState {
    auth: Arc<BasicAuth>,
    verified: Arc<Mutex<HashSet<[u8; 32]>>>,
}

impl AuthState {
    pub fn new(auth: Arc<BasicAuth>) -> Self {
        AuthState {
            auth,
            verified: Arc::default(),
        }
    }

    /// The user the request logs in as, if the credentials hold.
    fn user(&self, request: &Request) -> Option<String> {
        let value = request
            .headers()
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?;
        let encoded = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        let hash = self.auth.users.get(user)?;
        let key: [u8; 32] = Sha256::new()
            .chain_update(user.as_bytes())
            .chain_update([0])
            .chain_update(password.as_bytes())
            .chain_update(hash.as_bytes())
            .finalize()
            .into();
        if self.verified.lock().is_ok_and(|v| v.contains(&key)) {
            return Some(user.to_string());
        }
        if !bcrypt::verify(password, hash).unwrap_or(false) {
            return None;
        }
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= REMEMBERED {
                verified.clear();
            }
            verified.insert(key);
        }
        Some(user.to_string())
    }
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn require(State(state): State<AuthState>, request: Request, next: Next) -> Response {
    let read = is_read(request.method());
    if read && state.auth.unauthenticated_reads {
        return next.run(request).await;
    }
    // Health checks answer probes that carry no credentials.
    if read && matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let Some(user) = state.user(&request) else {
        return unauthorized();
    };
    if !read && state.auth.read_only_users.contains(&user) {
        return forbidden(&user);
    }
    next.run(request).await
}

fn unauthorized() -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        axum::Json(
            json!({"error": "authentication required: log in with a user of the web config"}),
        ),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"kafkascope\""),
    );
    response
}

fn forbidden(user: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({"error": format!("user {user:?} may read but not change anything"), "user": user})),
    )
        .into_response()
}
