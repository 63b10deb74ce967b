#!/usr/bin/env bash
# Connect source benchmark: the cost of one poll of a real Kafka Connect
# worker (ConnectDistributed) running 50 FileStream connectors (half
# sources, half sinks), on both sides: kafkascope's wall and CPU time and
# requests per poll, and the CPU time the worker's JVM spends answering.
# Three settings: every connector's topics read every poll one at a time
# (what a naive poller does: a round trip per connector), every poll 8 at a
# time, and the default (8 at a time, every 4th poll and for new
# connectors).
#
#   bench/connect.sh                                100 polls per setting
#   BENCH_CONNECT_CONNECTORS=200 bench/connect.sh   more connectors
#
# Knobs (environment variables, defaults in brackets):
#   BENCH_CONNECT_CONNECTORS [50]   FileStream connectors on the worker
#   BENCH_CONNECT_POLLS [100]       polls measured per setting (after a warm-up)
#   BENCH_CONNECT_PORT_BASE [26092] the Kafka cluster's ports (testbed/kafka-cluster.sh)
#   BENCH_CONNECT_PROFILE [release] cargo profile of the poller (release or dev)
#   KAFKASCOPE_KAFKA_CLUSTER        a running test-bed cluster's folder to use
#                                   instead of starting one
#
# The poller is the ignored test `connect_rest_poll_cost_benchmark` in
# crates/kafkascope-sources/tests/connect_rest_source.rs. The report also
# goes to bench/results/connect.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
CONNECTORS="${BENCH_CONNECT_CONNECTORS:-50}"
POLLS="${BENCH_CONNECT_POLLS:-100}"
PORT_BASE="${BENCH_CONNECT_PORT_BASE:-26092}"
PROFILE="${BENCH_CONNECT_PROFILE:-release}"
CLUSTER_SCRIPT="$ROOT/testbed/kafka-cluster.sh"
RESULT="$HERE/results/connect.txt"

log() { echo "bench/connect: $*" >&2; }

dir=""
cleanup() {
  if [ -n "$dir" ]; then
    bash "$CLUSTER_SCRIPT" kill --dir "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
}
trap cleanup EXIT

profile_flag=()
[ "$PROFILE" = release ] && profile_flag=(--release)
log "building the poller ($PROFILE)"
(cd "$ROOT" && cargo test "${profile_flag[@]}" -p kafkascope-sources --test connect_rest_source --no-run) >&2

cluster="${KAFKASCOPE_KAFKA_CLUSTER:-}"
if [ -z "$cluster" ]; then
  dir="$(mktemp -d -t kafkascope-bench-connect.XXXXXX)"
  log "starting a Kafka cluster on ports from $PORT_BASE"
  bash "$CLUSTER_SCRIPT" start --dir "$dir" --port-base "$PORT_BASE" >&2
  cluster="$dir"
fi

# Other work on the machine shows in the wall times: the load is reported.
load="$(cut -d' ' -f1-3 /proc/loadavg)"
output="$(cd "$ROOT" && KAFKASCOPE_KAFKA_CLUSTER="$cluster" \
  KAFKASCOPE_BENCH_CONNECTORS="$CONNECTORS" KAFKASCOPE_BENCH_POLLS="$POLLS" \
  cargo test "${profile_flag[@]}" -q -p kafkascope-sources --test connect_rest_source -- \
  --ignored --exact connect_rest_poll_cost_benchmark --nocapture 2>&1)"

{
  echo "Connect source poll cost ($(date -u +%Y-%m-%d), $(nproc) cores, load average $load at the start, poller built $PROFILE)"
  echo "$output" | grep -E '^(connectors|polls per setting|topics every)' ||
    { echo "$output" >&2; exit 1; }
} | tee "$RESULT"
