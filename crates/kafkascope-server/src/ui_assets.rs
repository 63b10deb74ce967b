//! The web UI: the single-page app in `ui/`, built by Vite into `ui/dist`
//! and embedded in the binary, served for every GET that no other route
//! takes.
//!
//! The app routes in the browser (`/clusters/default/topics?sort=...`), so
//! any page path answers with `index.html`; files Vite emitted answer as
//! themselves. Paths under the API prefixes keep their JSON 404, and a
//! missing hashed asset is a 404 rather than `index.html`, so a stale page
//! fails loudly instead of parsing HTML as JavaScript.
//!
//! When the binary was built before the UI (`ui/dist` absent), every page
//! path answers with a short page saying how to build it; the APIs work
//! either way.

use axum::extract::OriginalUri;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::Embed;

use crate::api_error::ApiError;

#[derive(Embed)]
// Relative to this crate's Cargo.toml; build.rs rebuilds when it changes.
#[folder = "../../ui/dist/"]
#[allow_missing = true]
struct UiDist;

/// Paths that belong to the server's own endpoints: never the app.
const SERVER_PREFIXES: &[&str] = &["/api", "/v3", "/metrics", "/burrow", "/healthz", "/readyz"];

/// What a path that no route took is answered with.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A file of the built app, by its path inside `ui/dist`.
    File(&'a str),
    /// The app's `index.html`: a page the app routes itself.
    App,
    /// A JSON 404.
    NotFound,
}

/// Decides what `path` gets; `exists` says whether the built app has a file.
pub fn target<'a>(path: &'a str, exists: impl Fn(&str) -> bool) -> Target<'a> {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if SERVER_PREFIXES.iter().any(|prefix| under(prefix)) {
        return Target::NotFound;
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty() && exists(file) {
        return Target::File(file);
    }
    if under("/assets") {
        return Target::NotFound;
    }
    Target::App
}

/// Whether this binary carries the built app.
pub fn is_built() -> bool {
    UiDist::get("index.html").is_some()
}

/// The router's fallback: the app for GET and HEAD, else a JSON 404.
///
/// Reads the original URI: nested routers (`/api/v1`) hand their fallback
/// the path with their prefix stripped.
pub async fn fallback(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let path = uri.path();
    if method != Method::GET && method != Method::HEAD {
        return ApiError::NoRoute(path.to_string()).into_response();
    }
    match target(path, |file| UiDist::get(file).is_some()) {
        Target::File(file) => file_response(file),
        Target::App => app_page(),
        Target::NotFound => ApiError::NoRoute(path.to_string()).into_response(),
    }
}

fn file_response(file: &str) -> Response {
    let Some(content) = UiDist::get(file) else {
        return ApiError::NoRoute(format!("/{file}")).into_response();
    };
    // Vite puts a content hash in every name under assets/: cache them for good.
    let cache = if file.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (StatusCode::OK, content.data.into_owned()).into_response();
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(&content_type(content.metadata.mimetype())) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The file's media type; Vite writes UTF-8, so text says so.
fn content_type(mime: &str) -> String {
    if mime.starts_with("text/") || mime == "application/javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

fn app_page() -> Response {
    if is_built() {
        file_response("index.html")
    } else {
        Html(NOT_BUILT_PAGE).into_response()
    }
}

const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kafkascope</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>kafkascope</h1>
<p>This kafkascope binary was built without its web UI.</p>
<p>Build the UI, then kafkascope again:</p>
<pre>(cd ui &amp;&amp; npm install --no-save &amp;&amp; npm run build)
cargo build --release -p kafkascope</pre>
<p>(<code>scripts/demo.sh</code> and <code>scripts/test.sh</code> do both.)
The APIs work without it: <a href="/api/v1/clusters">/api/v1/clusters</a>,
<a href="/metrics">/metrics</a>.</p>
</body></html>
"#;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use kafkascope_collector::Snapshots;
    use tower::ServiceExt;

    use super::*;
    use crate::{AppState, app};

    async fn request(method: Method, path: &str) -> (StatusCode, String, String) {
        let state = AppState::new(Arc::new(Snapshots::new(["default".to_string()])));
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let response = app(state).oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[test]
    fn the_app_is_embedded_whenever_it_was_built() {
        let dist =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist/index.html");
        assert_eq!(is_built(), dist.exists());
    }

    #[tokio::test]
    async fn a_page_path_answers_with_the_app_or_how_to_build_it() {
        let (status, content_type, body) = request(Method::GET, "/clusters/default/topics").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/html; charset=utf-8");
        if is_built() {
            assert!(body.contains(r#"<div id="app">"#), "{body}");
        } else {
            assert_eq!(body, NOT_BUILT_PAGE);
        }
    }

    #[tokio::test]
    async fn api_paths_and_other_methods_keep_the_json_404() {
        for (method, path) in [
            (Method::GET, "/api/v1/nothing/here"),
            (Method::GET, "/metrics/extra"),
            (Method::GET, "/healthz/extra"),
            (Method::POST, "/clusters/default"),
        ] {
            let (status, content_type, body) = request(method.clone(), path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(content_type, "application/json", "{method} {path}");
            let expected =
                serde_json::json!({"error": format!("no such endpoint: {path}"), "path": path});
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&body).unwrap(),
                expected
            );
        }
    }

    fn built(file: &str) -> bool {
        matches!(
            file,
            "index.html" | "favicon.svg" | "assets/index-abc123.js"
        )
    }

    #[test]
    fn page_paths_get_the_app_and_built_files_themselves() {
        assert_eq!(target("/", built), Target::App);
        assert_eq!(target("/clusters/default/topics", built), Target::App);
        assert_eq!(target("/clusters/a.b/topics/t.1", built), Target::App);
        assert_eq!(target("/favicon.svg", built), Target::File("favicon.svg"));
        assert_eq!(
            target("/assets/index-abc123.js", built),
            Target::File("assets/index-abc123.js")
        );
    }

    #[test]
    fn server_paths_and_missing_assets_stay_404() {
        for path in [
            "/api",
            "/api/v1/nothing",
            "/v3/kafka/x/y/z",
            "/metrics/extra",
            "/burrow/other",
            "/assets/index-old.js",
        ] {
            assert_eq!(target(path, built), Target::NotFound, "{path}");
        }
        // Only whole path segments count as the server's prefixes.
        assert_eq!(target("/apiary", built), Target::App);
        assert_eq!(target("/metricsboard", built), Target::App);
    }
}
