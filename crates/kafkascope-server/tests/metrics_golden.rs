//! `/metrics` for the fixture clusters, compared byte for byte with
//! `tests/golden/metrics.prom`.
//!
//! After an intended change to the exposition, regenerate the golden file
//! with `UPDATE_GOLDEN=1 cargo test -p kafkascope-server --test metrics_golden`
//! and review the diff before committing it.
//!
//! The git revision in `kafkascope_build_info` changes with every commit,
//! so it is compared as `<revision>`.

mod common;

use std::path::PathBuf;

use axum::http::StatusCode;
use kafkascope_exposition::self_metrics::BUILD_REVISION;

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/metrics.prom")
}

#[tokio::test]
async fn metrics_match_the_golden_file() {
    let mut reply = common::get(common::fixture_state(), "/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.body = reply.body.replace(
        &format!("revision=\"{BUILD_REVISION}\""),
        "revision=\"<revision>\"",
    );
    let path = golden_path();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, &reply.body).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; create it with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if reply.body != golden {
        let first_difference = reply
            .body
            .lines()
            .zip(golden.lines())
            .position(|(a, b)| a != b)
            .map(|i| {
                format!(
                    "line {}:\n  rendered: {}\n  golden:   {}",
                    i + 1,
                    reply.body.lines().nth(i).unwrap(),
                    golden.lines().nth(i).unwrap()
                )
            })
            .unwrap_or_else(|| {
                format!(
                    "lengths differ: rendered {} lines, golden {} lines",
                    reply.body.lines().count(),
                    golden.lines().count()
                )
            });
        panic!(
            "/metrics differs from {} at {first_difference}\n(rerun with UPDATE_GOLDEN=1 if the change is intended)",
            path.display()
        );
    }
}
