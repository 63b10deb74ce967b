#!/usr/bin/env bash
# kafkascope benchmark: builds a synthetic cluster on tansu and prints, side
# by side, kafkascope's collection cycle, peak RSS and /metrics time, the
# same for klag-exporter, and the protocol floor (the bare requests).
# See bench/README.md for what each figure means.
#
# Sizes and knobs (environment variables, defaults in brackets):
#   BENCH_TOPICS [1000]            topics
#   BENCH_PARTITIONS [10]          partitions per topic
#   BENCH_GROUPS [1000]            consumer groups
#   BENCH_GROUP_PARTITIONS [20]    partitions each group commits
#   BENCH_RECORDS [3]              records produced into every partition
#   BENCH_CYCLES [5]               measured collection cycles (after a first one)
#   BENCH_RUNS [5]                 protocol-floor rounds and /metrics fetches
#   BENCH_INTERVAL [5]             kafkascope serve --interval, seconds
#   BENCH_KLAG_INTERVAL [30s]      klag-exporter poll_interval (its collection
#                                  timeout is this minus 5s, so keep it above
#                                  its cycle time)
#   BENCH_KLAG_CONCURRENT_GROUPS [30]  klag's max_concurrent_groups (its README
#                                  recommends 30 for this cluster size)
#   BENCH_KLAG_NO_CACHE [0]        1: disable klag's metadata and group-list
#                                  caches, so it re-reads them every cycle as
#                                  kafkascope does
#   BENCH_SKIP_KLAG [0]            1: leave klag-exporter out
#   BENCH_KLAG_VERSION [0.1.29]    klag-exporter version to install
#   BENCH_KEEP [0]                 1: keep the work directory (logs, JSON)
#   KAFKASCOPE_CACHE [~/.cache/kafkascope]  where tansu and klag-exporter live
#
# Quick run: BENCH_TOPICS=50 BENCH_GROUPS=50 BENCH_SKIP_KLAG=1 bench/run.sh

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}
export BENCH_TOPICS=${BENCH_TOPICS:-1000}
export BENCH_PARTITIONS=${BENCH_PARTITIONS:-10}
export BENCH_GROUPS=${BENCH_GROUPS:-1000}
export BENCH_GROUP_PARTITIONS=${BENCH_GROUP_PARTITIONS:-20}
export BENCH_RECORDS=${BENCH_RECORDS:-3}
BENCH_CYCLES=${BENCH_CYCLES:-5}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_INTERVAL=${BENCH_INTERVAL:-5}
BENCH_KLAG_INTERVAL=${BENCH_KLAG_INTERVAL:-30s}
BENCH_KLAG_CONCURRENT_GROUPS=${BENCH_KLAG_CONCURRENT_GROUPS:-30}
BENCH_KLAG_NO_CACHE=${BENCH_KLAG_NO_CACHE:-0}
BENCH_SKIP_KLAG=${BENCH_SKIP_KLAG:-0}
BENCH_KLAG_VERSION=${BENCH_KLAG_VERSION:-0.1.29}
BENCH_KEEP=${BENCH_KEEP:-0}

TANSU_VERSION=0.6.0
TANSU_BIN=$CACHE/tansu-$TANSU_VERSION/bin/tansu
KLAG_ROOT=$CACHE/klag-exporter
KLAG_BIN=$KLAG_ROOT/bin/klag-exporter
KLAG_DEBS=(cmake libssl-dev libsasl2-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafkascope-bench.XXXXXX")
PIDS=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ $BENCH_KEEP == 1 || $status != 0 ]]; then
        log "logs and JSON kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something listens on 127.0.0.1:$1, for at most $2 seconds.
wait_port() {
    local deadline=$((SECONDS + $2))
    until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || { log "nothing listens on port $1 after $2s"; return 1; }
        sleep 0.2
    done
}

# Peak resident set size (VmHWM) of process $1, in KiB.
peak_rss() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# GETs $1 $BENCH_RUNS times; writes "ms bytes series" per fetch to $2.
time_metrics() {
    local url=$1 out=$2 body=$WORK/metrics-body.txt
    : >"$out"
    for _ in $(seq "$BENCH_RUNS"); do
        local timing
        timing=$(curl -sS -o "$body" -w '%{http_code} %{time_total} %{size_download}' "$url")
        read -r code seconds bytes <<<"$timing"
        [[ $code == 200 ]] || { log "GET $url answered $code"; return 1; }
        local series
        series=$(grep -vc '^#' "$body" || true)
        awk -v s="$seconds" -v b="$bytes" -v n="$series" 'BEGIN {printf "%.3f %d %d\n", s * 1000, b, n}' >>"$out"
    done
    cp "$body" "$out.body"
}

ensure_tansu() {
    [[ -x $TANSU_BIN ]] && return
    if [[ -x $ROOT/scripts/install-test-deps.sh ]]; then
        log "tansu missing: running scripts/install-test-deps.sh"
        KAFKASCOPE_CACHE=$CACHE "$ROOT/scripts/install-test-deps.sh"
    fi
    if [[ ! -x $TANSU_BIN ]]; then
        log "tansu missing: cargo install tansu $TANSU_VERSION (takes a while)"
        cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore,libsql \
            --root "$CACHE/tansu-$TANSU_VERSION"
    fi
}

ensure_klag() {
    [[ -x $KLAG_BIN ]] && return
    local missing=()
    for deb in "${KLAG_DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed' || missing+=("$deb")
    done
    if ((${#missing[@]})); then
        log "installing Debian packages klag-exporter needs: ${missing[*]}"
        local sudo=()
        ((EUID == 0)) || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
    fi
    log "building klag-exporter $BENCH_KLAG_VERSION once into $KLAG_ROOT (takes several minutes)"
    cargo install klag-exporter --version "$BENCH_KLAG_VERSION" --locked --root "$KLAG_ROOT"
}

ensure_python() {
    python3 -c 'import confluent_kafka' 2>/dev/null && return
    log "installing the confluent-kafka Python package"
    python3 -m pip install --quiet confluent-kafka
}

# ---------------------------------------------------------------- setup
ensure_tansu
ensure_python
[[ $BENCH_SKIP_KLAG == 1 ]] || ensure_klag
log "building kafkascope and the benchmark programs (release)"
(cd "$ROOT" && cargo build --release --quiet -p kafkascope -p kafkascope-bench)
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release

TANSU_PORT=$(free_port)
BOOTSTRAP=127.0.0.1:$TANSU_PORT
log "starting tansu $TANSU_VERSION (memory storage) on $BOOTSTRAP"
"$TANSU_BIN" broker \
    --listener-url "tcp://$BOOTSTRAP" \
    --advertised-listener-url "tcp://$BOOTSTRAP" \
    --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
PIDS+=($!)
wait_port "$TANSU_PORT" 30

log "building the cluster: $BENCH_TOPICS topics x $BENCH_PARTITIONS partitions, $BENCH_GROUPS groups x $BENCH_GROUP_PARTITIONS partitions"
python3 "$ROOT/bench/build_cluster.py" "$BOOTSTRAP"

# ---------------------------------------------------------------- floor
log "protocol floor ($BENCH_RUNS rounds)"
"$BIN/protocol_floor" "$BOOTSTRAP" "$BENCH_RUNS" >"$WORK/floor.json" 2>"$WORK/floor.txt"
cat "$WORK/floor.txt" >&2

# ---------------------------------------------------------------- kafkascope
log "kafkascope collection cycle (1 + $BENCH_CYCLES cycles)"
"$BIN/collect_cycle" "$BOOTSTRAP" "$BENCH_CYCLES" >"$WORK/cycle.json" 2>"$WORK/cycle.txt"
cat "$WORK/cycle.txt" >&2

KS_PORT=$(free_port)
log "kafkascope serve on 127.0.0.1:$KS_PORT, --interval $BENCH_INTERVAL"
"$BIN/kafkascope" serve --bootstrap-server "$BOOTSTRAP" --listen "127.0.0.1:$KS_PORT" \
    --interval "$BENCH_INTERVAL" --log warn >"$WORK/serve.log" 2>&1 &
KS_PID=$!
PIDS+=("$KS_PID")
wait_port "$KS_PORT" 30
deadline=$((SECONDS + 600))
until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS_PORT/readyz") == 200 ]]; do
    ((SECONDS < deadline)) || { log "kafkascope never became ready"; exit 1; }
    sleep 0.5
done
# A few more cycles before the first scrape, so the RSS is a steady state's.
sleep $((BENCH_INTERVAL * 3 + 1))
KS_RSS_CYCLES=$(peak_rss "$KS_PID")
time_metrics "http://127.0.0.1:$KS_PORT/metrics" "$WORK/serve-metrics.txt"
KS_RSS_METRICS=$(peak_rss "$KS_PID")
KS_SERVE_CYCLE=$(awk '/^kafkascope_collection_duration_seconds/ {print $2 * 1000}' "$WORK/serve-metrics.txt.body")
kill "$KS_PID"
wait "$KS_PID" 2>/dev/null || true
{
    echo "rss_cycles_kib=$KS_RSS_CYCLES"
    echo "rss_metrics_kib=$KS_RSS_METRICS"
    echo "serve_last_cycle_ms=${KS_SERVE_CYCLE:-}"
    echo "metrics=$(awk '{printf "%s%s:%s:%s", (NR>1?",":""), $1, $2, $3}' "$WORK/serve-metrics.txt")"
} >"$WORK/serve.env"
log "kafkascope serve: peak RSS ${KS_RSS_CYCLES} KiB after cycles, ${KS_RSS_METRICS} KiB after /metrics"

# ---------------------------------------------------------------- klag-exporter
if [[ $BENCH_SKIP_KLAG != 1 ]]; then
    KLAG_PORT=$(free_port)
    caches=""
    if [[ $BENCH_KLAG_NO_CACHE == 1 ]]; then
        caches=$'metadata_cache_ttl = "0s"\nconsumer_groups_cache_ttl = "0s"'
    fi
    cat >"$WORK/klag.toml" <<EOF
[exporter]
poll_interval = "$BENCH_KLAG_INTERVAL"
http_port = $KLAG_PORT
http_host = "127.0.0.1"
granularity = "partition"
staleness_threshold = "1h"

[exporter.timestamp_sampling]
enabled = true
mode = "rate"

[exporter.performance]
max_concurrent_groups = $BENCH_KLAG_CONCURRENT_GROUPS
$caches

[exporter.otel]
enabled = false

[[clusters]]
name = "bench"
bootstrap_servers = "$BOOTSTRAP"
group_whitelist = [".*"]
group_blacklist = []
topic_whitelist = [".*"]
topic_blacklist = []
EOF
    klag_cycles=$((BENCH_CYCLES + 1))
    log "klag-exporter on 127.0.0.1:$KLAG_PORT, poll_interval $BENCH_KLAG_INTERVAL: waiting for $klag_cycles cycles"
    NO_COLOR=1 "$KLAG_BIN" --config "$WORK/klag.toml" --log-level "info,klag_exporter=debug" \
        >"$WORK/klag.log" 2>&1 &
    KLAG_PID=$!
    PIDS+=("$KLAG_PID")
    klag_log() { sed 's/\x1b\[[0-9;]*m//g' "$WORK/klag.log"; }
    deadline=$((SECONDS + 1800))
    while true; do
        done_cycles=$(klag_log | grep -c 'Collection cycle completed' || true)
        failed=$(klag_log | grep -cE 'Collection (timed out|failed)' || true)
        ((done_cycles + failed >= klag_cycles)) && break
        kill -0 "$KLAG_PID" 2>/dev/null || { log "klag-exporter exited; see its log"; klag_log | tail -20 >&2; exit 1; }
        ((SECONDS < deadline)) || { log "klag-exporter: only $done_cycles cycles in 30 minutes"; break; }
        sleep 1
    done
    KLAG_RSS_CYCLES=$(peak_rss "$KLAG_PID")
    time_metrics "http://127.0.0.1:$KLAG_PORT/metrics" "$WORK/klag-metrics.txt"
    KLAG_RSS_METRICS=$(peak_rss "$KLAG_PID")
    kill "$KLAG_PID"
    wait "$KLAG_PID" 2>/dev/null || true
    klag_log | grep -E 'Collection cycle completed|Batched collection completed|Collection (timed out|failed)' \
        >"$WORK/klag-cycles.log" || true
    {
        echo "rss_cycles_kib=$KLAG_RSS_CYCLES"
        echo "rss_metrics_kib=$KLAG_RSS_METRICS"
        echo "cycles=$(klag_log | sed -n 's/.*Collection cycle completed.*elapsed_ms=\([0-9]*\).*/\1/p' | paste -sd, -)"
        echo "failed=$(klag_log | grep -cE 'Collection (timed out|failed)' || true)"
        echo "interval=$BENCH_KLAG_INTERVAL"
        echo "metrics=$(awk '{printf "%s%s:%s:%s", (NR>1?",":""), $1, $2, $3}' "$WORK/klag-metrics.txt")"
    } >"$WORK/klag.env"
    log "klag-exporter: peak RSS ${KLAG_RSS_CYCLES} KiB after cycles, ${KLAG_RSS_METRICS} KiB after /metrics"
fi

# ---------------------------------------------------------------- report
python3 "$ROOT/bench/report.py" "$WORK"
