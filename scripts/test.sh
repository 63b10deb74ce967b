#!/usr/bin/env bash
# Runs every check: installs the test dependencies (scripts/install-test-deps.sh),
# then rustfmt, clippy and the whole workspace's tests, including the
# integration tests against a real tansu broker and librdkafka clients.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "==> $*" >&2; }

step "installing test dependencies"
export KAFKASCOPE_PYTHON="${KAFKASCOPE_PYTHON:-python3}"
KAFKASCOPE_TANSU_BIN="$(bash scripts/install-test-deps.sh)"
KAFKASCOPE_PYTHON="$(command -v "$KAFKASCOPE_PYTHON")"
export KAFKASCOPE_TANSU_BIN KAFKASCOPE_PYTHON

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --workspace

step "all checks passed"
