//! Rebuilds the server when the web UI's build output (`ui/dist`) appears
//! or changes, so the embedded UI is never older than the last `npm run build`.

use std::path::Path;

fn main() {
    let dist = Path::new("../../ui/dist");
    if dist.exists() {
        println!("cargo::rerun-if-changed=../../ui/dist");
    } else {
        // Watching a missing path would rebuild on every run; watch the
        // UI's folder instead, whose contents change when dist is created.
        println!("cargo::rerun-if-changed=../../ui");
    }
}
