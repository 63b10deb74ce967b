#!/usr/bin/env bash
# Runs every check: installs the test dependencies (scripts/install-test-deps.sh),
# builds the web UI (embedded by the server crate), then rustfmt, clippy and
# the whole workspace's tests, including the integration tests against a real
# 3-node Apache Kafka cluster (testbed/kafka-cluster.sh, started once here
# and shared by the test binaries; tests that stop brokers start their own)
# and a real tansu broker, driven by real librdkafka clients, and the UI's
# browser tests (Chromium driving `kafkascope serve` on Apache Kafka, and on
# tansu for the scale suite; screenshots in test-artifacts/ui/).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "==> $*" >&2; }

# Incremental caches only pay off across edits; a clean run would just write
# them (gigabytes across the workspace's test binaries).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
step "free disk space where the build goes: $(df -h . | awk 'NR==2 {print $4}')"

step "installing test dependencies"
export KAFKASCOPE_PYTHON="${KAFKASCOPE_PYTHON:-python3}"
KAFKASCOPE_TANSU_BIN="$(bash scripts/install-test-deps.sh)"
KAFKASCOPE_PYTHON="$(command -v "$KAFKASCOPE_PYTHON")"
export KAFKASCOPE_TANSU_BIN KAFKASCOPE_PYTHON

step "building the web UI (ui/)"
# `npm install --no-save` installs exactly what package-lock.json pins, like
# `npm ci`, but tolerates a lock without every platform's optional native
# binaries (rollup's), which not every registry mirror serves.
(cd ui && npm install --no-save --no-audit --no-fund && npm run build)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "starting the shared Apache Kafka test cluster"
KAFKASCOPE_KAFKA_CLUSTER="$(mktemp -d "${TMPDIR:-/tmp}/kafkascope-kafka.XXXXXX")"
export KAFKASCOPE_KAFKA_CLUSTER
stop_cluster() {
  bash testbed/kafka-cluster.sh kill --dir "$KAFKASCOPE_KAFKA_CLUSTER" || true
  rm -rf "$KAFKASCOPE_KAFKA_CLUSTER"
}
trap stop_cluster EXIT
start_cluster() {
  local base
  for base in 19092 21092 23092 25092; do
    if bash testbed/kafka-cluster.sh start --dir "$KAFKASCOPE_KAFKA_CLUSTER" --port-base "$base"; then
      return
    fi
    bash testbed/kafka-cluster.sh kill --dir "$KAFKASCOPE_KAFKA_CLUSTER"
  done
  echo "could not start the Kafka test cluster (see the messages above)" >&2
  exit 1
}
start_cluster

step "cargo test"
cargo test --workspace --no-fail-fast

step "browser tests of the web UI"
cargo build --quiet -p kafkascope
KAFKASCOPE_BIN="$PWD/target/debug/kafkascope" node --test ui/tests/

step "all checks passed"
