//! `kafkascope serve --config` with a broken file exits non-zero with a
//! message naming the file, the line and the field, before touching Kafka.

use std::process::Command;

fn serve_with_config(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kafkascope.toml");
    std::fs::write(&path, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(["serve", "--config"])
        .arg(&path)
        .env_remove("KAFKASCOPE_BOOTSTRAP_SERVER")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (
        output.status.code().unwrap_or(-1),
        stderr.replace(&*path.to_string_lossy(), "CONFIG"),
    )
}

#[test]
fn bad_regex_is_reported_with_field_and_line() {
    let (code, stderr) = serve_with_config(
        "[[clusters]]\nname = \"prod\"\nbootstrap_servers = [\"127.0.0.1:1\"]\ntopics = { exclude = \"[\" }\n",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error: in CONFIG: line 4: clusters[0].topics.exclude: invalid regex"),
        "{stderr}"
    );
}

#[test]
fn toml_syntax_error_is_reported_with_line() {
    let (code, stderr) = serve_with_config("[[clusters]\nname = \"prod\"\n");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error: in CONFIG: TOML parse error at line 1"),
        "{stderr}"
    );
}

#[test]
fn missing_file_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(["serve", "--config", "/nonexistent/kafkascope.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reading /nonexistent/kafkascope.toml"),
        "{stderr}"
    );
}

#[test]
fn missing_client_properties_file_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args([
            "topics",
            "--bootstrap-server",
            "127.0.0.1:1",
            "--command-config",
            "/nonexistent/client.properties",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/client.properties"),
        "{stderr}"
    );
}

#[test]
fn a_bad_web_config_stops_serve_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.yml");
    std::fs::write(&path, "basic_auth_users:\n  alice: hunter2\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(["serve", "--bootstrap-server", "127.0.0.1:1", "--no-history"])
        .arg("--web.config.file")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "error: web config {}: basic_auth_users.alice: not a bcrypt hash",
            path.display()
        )),
        "{stderr}"
    );
}
