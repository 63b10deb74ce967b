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
#   BENCH_PAIRS [5]                protocol floor and kafkascope's cycle, run in
#                                  turns this many times (their figures pooled)
#   BENCH_FLOOR_ROUNDS [10]        protocol-floor rounds per pair, each way
#   BENCH_PAIR_CYCLES [10]         kafkascope cycles per pair (after a first one)
#   BENCH_CYCLES [5]               cycles measured with moving consumers, and
#                                  klag-exporter cycles
#   BENCH_RUNS [5]                 /metrics fetches
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
#   BENCH_KLAG_MESSAGE [1 at full size, else 0]  1: a second klag-exporter run
#                                  with timestamp_sampling mode = "message"
#                                  (reads the record at each committed offset),
#                                  whose lag seconds are compared with kafkascope's
#   BENCH_KLAG_MESSAGE_GROUPS [10] groups that run watches (bench-group-00000
#                                  on): it reads one record per group-partition,
#                                  about ten a second against tansu, so all
#                                  20,000 would take over half an hour a cycle
#   BENCH_KLAG_MESSAGE_INTERVAL [60s]  its poll_interval (its cycle must fit
#                                  in this minus 5s)
#   BENCH_KLAG_MESSAGE_CYCLES [2]  its cycles measured after the first
#   BENCH_KLAG_FETCHES [5]         its max_concurrent_fetches (klag's default)
#   BENCH_MOVING [1 at full size, else 0]  1: after everything else, measure
#                                  kafkascope's cycles again while
#                                  bench/move_commits.py keeps groups committing
#   BENCH_MOVE_SHARE [0.1]         share of group-partitions moved per period
#   BENCH_MOVE_PERIOD [1]          seconds between the mover's commit rounds
#   BENCH_MOVE_SECONDS [60]        how long the mover can keep going (sets how
#                                  many records it produces ahead)
#   BENCH_MOVING_PAUSE_MS [1000]   pause between the moving phase's cycles
#   BENCH_HISTORY [1]              1: a second kafkascope serve run with
#                                  history (the default; the first runs with
#                                  --no-history, like klag-exporter): its RSS,
#                                  /metrics, data directory size and one
#                                  query_range of 1 h through the HTTP API
#   BENCH_HISTORY_QUERY [kafka_consumergroup_lag{consumergroup="bench-group-00001"}]
#   BENCH_HISTORY_QUERY_STEP [15]  that query_range's step, seconds
#   BENCH_SKIP_STORE [0]           1: leave out the store's own benchmark
#                                  (kafkascope-store's store_bench)
#   BENCH_STORE_TOPICS [100]       store_bench --topics (its full size, 1000,
#   BENCH_STORE_GROUPS [100]       and --groups takes about half an hour)
#   BENCH_KLAG_VERSION [0.1.29]    klag-exporter version to install
#   BENCH_KEEP [0]                 1: keep the work directory (logs, JSON)
#   KAFKASCOPE_CACHE [~/.cache/kafkascope]  where tansu and klag-exporter live
#   BENCH_BROKER [tansu]           tansu: one tansu 0.6.0 node (memory storage),
#                                  the broker of every earlier figure; kafka: a
#                                  KRaft cluster of Apache Kafka (the version of
#                                  testbed/pom.xml) from testbed/kafka-cluster.sh,
#                                  in the work directory
#   BENCH_KAFKA_NODES [3]          kafka: nodes (each broker and controller)
#   BENCH_KAFKA_PORT_BASE [41092]  kafka: --port-base (node i's PLAINTEXT port
#                                  is this + i; it takes 800 ports from here)
#   BENCH_KAFKA_HEAP [1g]          kafka: each node's -Xmx
#   BENCH_FLOOR_BIN [target/release/protocol_floor]  the protocol-floor program
#
# "Full size" means BENCH_TOPICS and BENCH_GROUPS both left unset.
# Quick run: BENCH_TOPICS=50 BENCH_GROUPS=50 BENCH_SKIP_KLAG=1 bench/run.sh
# On Apache Kafka: BENCH_BROKER=kafka bench/run.sh (there the moving phase,
# klag's message mode and the store bench are off unless asked for: the store
# bench does not touch the broker, and its figures are tansu mode's)

set -euo pipefail

# The whole script is one block, so bash reads it all before running any of
# it: editing the file during a run cannot change the run.
{

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FULL_SIZE=0
[[ -z ${BENCH_TOPICS:-} && -z ${BENCH_GROUPS:-} ]] && FULL_SIZE=1
CACHE=${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}
export BENCH_BROKER=${BENCH_BROKER:-tansu}
case $BENCH_BROKER in
    tansu) EXTRAS=$FULL_SIZE ;;
    # On Kafka the phases that only tansu mode's figures need are off by default.
    kafka) EXTRAS=0 ;;
    *) echo "BENCH_BROKER must be tansu or kafka, not $BENCH_BROKER" >&2; exit 2 ;;
esac
BENCH_KAFKA_NODES=${BENCH_KAFKA_NODES:-3}
BENCH_KAFKA_PORT_BASE=${BENCH_KAFKA_PORT_BASE:-41092}
BENCH_KAFKA_HEAP=${BENCH_KAFKA_HEAP:-1g}
export BENCH_TOPICS=${BENCH_TOPICS:-1000}
export BENCH_PARTITIONS=${BENCH_PARTITIONS:-10}
export BENCH_GROUPS=${BENCH_GROUPS:-1000}
export BENCH_GROUP_PARTITIONS=${BENCH_GROUP_PARTITIONS:-20}
export BENCH_RECORDS=${BENCH_RECORDS:-3}
BENCH_CYCLES=${BENCH_CYCLES:-5}
BENCH_PAIRS=${BENCH_PAIRS:-5}
BENCH_FLOOR_ROUNDS=${BENCH_FLOOR_ROUNDS:-10}
BENCH_PAIR_CYCLES=${BENCH_PAIR_CYCLES:-10}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_INTERVAL=${BENCH_INTERVAL:-5}
BENCH_KLAG_INTERVAL=${BENCH_KLAG_INTERVAL:-30s}
BENCH_KLAG_CONCURRENT_GROUPS=${BENCH_KLAG_CONCURRENT_GROUPS:-30}
BENCH_KLAG_NO_CACHE=${BENCH_KLAG_NO_CACHE:-0}
BENCH_SKIP_KLAG=${BENCH_SKIP_KLAG:-0}
BENCH_KLAG_VERSION=${BENCH_KLAG_VERSION:-0.1.29}
BENCH_KLAG_MESSAGE=${BENCH_KLAG_MESSAGE:-$EXTRAS}
BENCH_KLAG_MESSAGE_GROUPS=${BENCH_KLAG_MESSAGE_GROUPS:-10}
BENCH_KLAG_MESSAGE_INTERVAL=${BENCH_KLAG_MESSAGE_INTERVAL:-60s}
BENCH_KLAG_MESSAGE_CYCLES=${BENCH_KLAG_MESSAGE_CYCLES:-2}
BENCH_KLAG_FETCHES=${BENCH_KLAG_FETCHES:-5}
BENCH_MOVING=${BENCH_MOVING:-$EXTRAS}
BENCH_MOVING_PAUSE_MS=${BENCH_MOVING_PAUSE_MS:-1000}
export BENCH_MOVE_SHARE=${BENCH_MOVE_SHARE:-0.1}
export BENCH_MOVE_PERIOD=${BENCH_MOVE_PERIOD:-1}
export BENCH_MOVE_SECONDS=${BENCH_MOVE_SECONDS:-60}
BENCH_HISTORY=${BENCH_HISTORY:-1}
HISTORY_QUERY=${BENCH_HISTORY_QUERY:-'kafka_consumergroup_lag{consumergroup="bench-group-00001"}'}
HISTORY_QUERY_STEP=${BENCH_HISTORY_QUERY_STEP:-15}
BENCH_SKIP_STORE=${BENCH_SKIP_STORE:-$([[ $BENCH_BROKER == kafka ]] && echo 1 || echo 0)}
BENCH_STORE_TOPICS=${BENCH_STORE_TOPICS:-100}
BENCH_STORE_GROUPS=${BENCH_STORE_GROUPS:-100}
BENCH_KEEP=${BENCH_KEEP:-0}

TANSU_VERSION=0.6.0
TANSU_BIN=$CACHE/tansu-$TANSU_VERSION/bin/tansu
KLAG_ROOT=$CACHE/klag-exporter
KLAG_BIN=$KLAG_ROOT/bin/klag-exporter
KLAG_DEBS=(cmake libssl-dev libsasl2-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafkascope-bench.XXXXXX")
PIDS=()
KAFKA_DIR=$WORK/kafka
KAFKA_STARTED=0

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
    if [[ $KAFKA_STARTED == 1 ]]; then
        "$ROOT/testbed/kafka-cluster.sh" kill --dir "$KAFKA_DIR" || true
        # The logs stay; the partitions' data would only fill the disk.
        rm -rf "$KAFKA_DIR"/node-*/data
    fi
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

# GETs $1 once into $2.prom and writes the Unix time of the request to $2.time.
scrape() {
    date +%s.%N >"$2.time"
    curl -sS -o "$2.prom" "$1"
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
[[ $BENCH_BROKER == tansu ]] && ensure_tansu
ensure_python
[[ $BENCH_SKIP_KLAG == 1 ]] || ensure_klag
log "building kafkascope and the benchmark programs (release)"
(cd "$ROOT" && cargo build --release --quiet -p kafkascope -p kafkascope-bench)
if [[ $BENCH_SKIP_STORE != 1 ]]; then
    (cd "$ROOT" && cargo build --release --quiet -p kafkascope-store --bin store_bench)
fi
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release
FLOOR_BIN=${BENCH_FLOOR_BIN:-$BIN/protocol_floor}

# BOOTSTRAP: one broker's address, for the programs that take one
# (protocol_floor, collect_cycle: the collector finds the others in
# Metadata); BOOTSTRAP_ALL: every broker's, for serve, klag and the Python
# clients.
if [[ $BENCH_BROKER == tansu ]]; then
    TANSU_PORT=$(free_port)
    BOOTSTRAP=127.0.0.1:$TANSU_PORT
    BOOTSTRAP_ALL=$BOOTSTRAP
    log "starting tansu $TANSU_VERSION (memory storage) on $BOOTSTRAP"
    "$TANSU_BIN" broker \
        --listener-url "tcp://$BOOTSTRAP" \
        --advertised-listener-url "tcp://$BOOTSTRAP" \
        --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
    PIDS+=($!)
    wait_port "$TANSU_PORT" 30
    export BENCH_CLUSTER="tansu $TANSU_VERSION (memory storage, 1 broker)"
else
    log "starting $BENCH_KAFKA_NODES Apache Kafka nodes (heap $BENCH_KAFKA_HEAP each, ports from $BENCH_KAFKA_PORT_BASE) in $KAFKA_DIR"
    KAFKA_STARTED=1
    "$ROOT/testbed/kafka-cluster.sh" start --dir "$KAFKA_DIR" --nodes "$BENCH_KAFKA_NODES" \
        --port-base "$BENCH_KAFKA_PORT_BASE" --heap "$BENCH_KAFKA_HEAP"
    BOOTSTRAP_ALL=$(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$KAFKA_DIR/cluster.env")
    BOOTSTRAP=${BOOTSTRAP_ALL%%,*}
    KAFKA_VERSION=$(sed -n 's/^KAFKA_VERSION=//p' "$KAFKA_DIR/cluster.env")
    export BENCH_CLUSTER="Apache Kafka $KAFKA_VERSION (KRaft, $BENCH_KAFKA_NODES nodes, each broker and controller, -Xmx$BENCH_KAFKA_HEAP)"
fi

log "building the cluster: $BENCH_TOPICS topics x $BENCH_PARTITIONS partitions, $BENCH_GROUPS groups x $BENCH_GROUP_PARTITIONS partitions"
python3 "$ROOT/bench/build_cluster.py" "$BOOTSTRAP_ALL"
if [[ $BENCH_BROKER == kafka ]]; then
    # What the brokers hold once built: JVM memory and open files per node.
    for pid_file in "$KAFKA_DIR"/node-*/pid; do
        pid=$(cat "$pid_file")
        echo "$(basename "$(dirname "$pid_file")") rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") hwm_kib=$(peak_rss "$pid") fds=$(ls "/proc/$pid/fd" | wc -l) maps=$(wc -l <"/proc/$pid/maps")"
    done >"$WORK/kafka-nodes.txt"
    cat "$WORK/kafka-nodes.txt" >&2
fi

# ------------------------------------------------- floor and kafkascope's cycle
# Taken in turns, BENCH_PAIRS times: tansu's answer times drift from one
# process's connections to the next by a third, so one floor run against one
# cycle run could land either side of the target by luck. report.py pools
# the pairs' rounds and cycles; the breakdowns shown are the first pair's.
for pair in $(seq "$BENCH_PAIRS"); do
    log "pair $pair/$BENCH_PAIRS: protocol floor ($BENCH_FLOOR_ROUNDS rounds each way)"
    "$FLOOR_BIN" "$BOOTSTRAP" "$BENCH_FLOOR_ROUNDS" \
        >"$WORK/floor-$pair.json" 2>"$WORK/floor-$pair.txt"
    log "pair $pair/$BENCH_PAIRS: kafkascope collection cycle (1 + $BENCH_PAIR_CYCLES cycles)"
    "$BIN/collect_cycle" "$BOOTSTRAP" "$BENCH_PAIR_CYCLES" \
        >"$WORK/cycle-$pair.json" 2>"$WORK/cycle-$pair.txt"
done
cp "$WORK/floor-1.json" "$WORK/floor.json"
cp "$WORK/floor-1.txt" "$WORK/floor.txt"
cp "$WORK/cycle-1.json" "$WORK/cycle.json"
cp "$WORK/cycle-1.txt" "$WORK/cycle.txt"
cat "$WORK/floor.txt" "$WORK/cycle.txt" >&2

# run_serve NAME [FLAGS...]: runs kafkascope serve with FLAGS until a few
# cycles are published, times its /metrics, keeps the last answer
# (NAME-lag.prom, scraped at NAME-lag.time) and writes NAME.env. Leaves the
# process in SERVE_PID and its port in SERVE_PORT, still running, so the
# caller can measure more before stopping it.
run_serve() {
    local name=$1
    shift
    SERVE_PORT=$(free_port)
    log "kafkascope serve $* on 127.0.0.1:$SERVE_PORT, --interval $BENCH_INTERVAL"
    # Run inside the work directory, so a relative --data-dir lands there.
    (cd "$WORK" && exec "$BIN/kafkascope" serve --bootstrap-server "$BOOTSTRAP_ALL" \
        --listen "127.0.0.1:$SERVE_PORT" --interval "$BENCH_INTERVAL" --log warn "$@" \
        >"$WORK/$name.log" 2>&1) &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    wait_port "$SERVE_PORT" 30
    local deadline=$((SECONDS + 600))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/readyz") == 200 ]]; do
        ((SECONDS < deadline)) || { log "kafkascope never became ready"; exit 1; }
        sleep 0.5
    done
    SERVE_READY_AT=$(date +%s.%N)
    # A few more cycles before the first scrape, so the RSS is a steady state's.
    sleep $((BENCH_INTERVAL * 3 + 1))
    local rss_cycles rss_metrics last_cycle
    rss_cycles=$(peak_rss "$SERVE_PID")
    time_metrics "http://127.0.0.1:$SERVE_PORT/metrics" "$WORK/$name-metrics.txt"
    rss_metrics=$(peak_rss "$SERVE_PID")
    scrape "http://127.0.0.1:$SERVE_PORT/metrics" "$WORK/$name-lag"
    last_cycle=$(awk '/^kafkascope_collection_duration_seconds/ {print $2 * 1000}' "$WORK/$name-metrics.txt.body")
    {
        echo "flags=$*"
        echo "rss_cycles_kib=$rss_cycles"
        echo "rss_metrics_kib=$rss_metrics"
        echo "serve_last_cycle_ms=${last_cycle:-}"
        echo "metrics=$(awk '{printf "%s%s:%s:%s", (NR>1?",":""), $1, $2, $3}' "$WORK/$name-metrics.txt")"
    } >"$WORK/$name.env"
    log "kafkascope serve $*: peak RSS ${rss_cycles} KiB after cycles, ${rss_metrics} KiB after /metrics"
}

stop_serve() {
    kill "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null || true
}

# time_query_range NAME: GETs a query_range for 1 h of one group's
# per-partition lag from the running serve $BENCH_RUNS times; appends
# "query_ms=" (one per fetch) and "query_series=" to NAME.env.
time_query_range() {
    local name=$1
    local body=$WORK/$name-query.json times=() end
    end=$(date +%s)
    local url="http://127.0.0.1:$SERVE_PORT/api/v1/query_range"
    for _ in $(seq "$BENCH_RUNS"); do
        local timing
        timing=$(curl -sS -o "$body" -w '%{http_code} %{time_total}' -G "$url" \
            --data-urlencode "query=$HISTORY_QUERY" \
            --data-urlencode "start=$((end - 3600))" --data-urlencode "end=$end" \
            --data-urlencode "step=$HISTORY_QUERY_STEP")
        read -r code seconds <<<"$timing"
        [[ $code == 200 ]] || { log "query_range answered $code: $(head -c 300 "$body")"; return 1; }
        times+=("$(awk -v s="$seconds" 'BEGIN {printf "%.3f", s * 1000}')")
    done
    {
        echo "query_ms=$(IFS=,; echo "${times[*]}")"
        echo "query_series=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]["result"]))' "$body")"
        echo "query_step_s=$HISTORY_QUERY_STEP"
        echo "query=$HISTORY_QUERY"
    } >>"$WORK/$name.env"
}

# time_rule_evaluations NAME: what evaluating every alert rule took after
# each of BENCH_RUNS cycles (kafkascope_alert_evaluation_seconds: the wall
# time of a whole evaluation of every rule; with the
# curated rules on as by default), appended to $WORK/NAME.env.
time_rule_evaluations() {
    local name=$1 times=() last="" rules=0
    local url="http://127.0.0.1:$SERVE_PORT/api/v1/rules"
    local tries=$((BENCH_RUNS * 4))
    while ((${#times[@]} < BENCH_RUNS && tries-- > 0)); do
        local line
        line=$( (curl -sS "$url"; echo; curl -sS "http://127.0.0.1:$SERVE_PORT/metrics" |
            grep '^kafkascope_alert_evaluation_seconds ') | python3 -c '
import json, sys
groups = json.loads(sys.stdin.readline())["data"]["groups"]
seconds = float((sys.stdin.readline().split() or ["", "nan"])[1])
rules = [r for g in groups for r in g["rules"]]
print(groups[0]["lastEvaluation"] if groups else "", len(rules), "%.3f" % (1000 * seconds))')
        read -r at count ms <<<"$line"
        rules=$count
        if [[ -n $at && $at != "$last" ]]; then
            times+=("$ms")
            last=$at
        fi
        sleep 1
    done
    {
        echo "rule_eval_ms=$(IFS=,; echo "${times[*]}")"
        echo "rules=$rules"
    } >>"$WORK/$name.env"
}

# count_history_cycles NAME: the cycles the store holds, counted as changes of
# kafkascope_collection_duration_seconds over 1 s steps since serve started
# (every cycle writes it; two cycles of the very same duration count once).
count_history_cycles() {
    local name=$1 end
    end=$(date +%s)
    curl -sS -G -o "$WORK/$name-cycles.json" "http://127.0.0.1:$SERVE_PORT/api/v1/query_range" \
        --data-urlencode "query=kafkascope_collection_duration_seconds" \
        --data-urlencode "start=$((end - 3600))" --data-urlencode "end=$end" --data-urlencode "step=1"
    python3 - "$WORK/$name-cycles.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["data"]["result"]
values = [v for _, v in result[0]["values"]] if result else []
print(sum(1 for i, v in enumerate(values) if i == 0 or v != values[i - 1]))
PY
}

# Like for like with klag-exporter, which keeps no history.
run_serve serve --no-history
stop_serve

# The default: history in a data directory, and its query API.
if [[ $BENCH_HISTORY == 1 ]]; then
    run_serve serve-history --data-dir history
    time_query_range serve-history
    time_rule_evaluations serve-history
    # The size first, then the cycles at once: a cycle landing in between
    # would be counted without its bytes, which errs towards fewer bytes.
    HISTORY_BYTES=$(du -sb "$WORK/history" | cut -f1)
    HISTORY_CYCLES=$(count_history_cycles serve-history)
    HISTORY_SECONDS=$(awk -v a="$SERVE_READY_AT" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    stop_serve
    {
        echo "cycles=$HISTORY_CYCLES"
        echo "dir_bytes=$HISTORY_BYTES"
        echo "dir_bytes_after_stop=$(du -sb "$WORK/history" | cut -f1)"
        echo "seconds_since_ready=$HISTORY_SECONDS"
    } >>"$WORK/serve-history.env"
    log "kafkascope serve with history: $(tr '\n' ' ' <"$WORK/serve-history.env" | sed 's/metrics=[^ ]* //')"
fi

# ---------------------------------------------------------------- klag-exporter
# run_klag NAME MODE INTERVAL CYCLES [GROUPS]: runs klag-exporter with time
# lag in MODE ("rate" or "message"), watching every group or only the first
# GROUPS, until it has logged CYCLES cycles; times its /metrics, keeps the
# last answer (NAME-lag.prom, scraped at NAME-lag.time) and writes NAME.env
# and NAME-cycles.log.
run_klag() {
    local name=$1 mode=$2 interval=$3 cycles=$4 groups=${5:-}
    local whitelist='".*"'
    if [[ -n $groups ]]; then
        whitelist=$(python3 -c 'import sys; print(", ".join(f"\"^bench-group-{g:05d}$\"" for g in range(int(sys.argv[1]))))' "$groups")
    fi
    local port caches="" config=$WORK/$name.toml klag_log_file=$WORK/$name.log
    port=$(free_port)
    if [[ $BENCH_KLAG_NO_CACHE == 1 ]]; then
        caches=$'metadata_cache_ttl = "0s"\nconsumer_groups_cache_ttl = "0s"'
    fi
    cat >"$config" <<EOF
[exporter]
poll_interval = "$interval"
http_port = $port
http_host = "127.0.0.1"
granularity = "partition"
staleness_threshold = "1h"

[exporter.timestamp_sampling]
enabled = true
mode = "$mode"
max_concurrent_fetches = $BENCH_KLAG_FETCHES

[exporter.performance]
max_concurrent_groups = $BENCH_KLAG_CONCURRENT_GROUPS
$caches

[exporter.otel]
enabled = false

[[clusters]]
name = "bench"
bootstrap_servers = "$BOOTSTRAP_ALL"
group_whitelist = [$whitelist]
group_blacklist = []
topic_whitelist = [".*"]
topic_blacklist = []
EOF
    log "klag-exporter ($mode mode) on 127.0.0.1:$port, poll_interval $interval: waiting for $cycles cycles"
    NO_COLOR=1 "$KLAG_BIN" --config "$config" --log-level "info,klag_exporter=debug" >"$klag_log_file" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    klag_log() { sed 's/\x1b\[[0-9;]*m//g' "$klag_log_file"; }
    local deadline=$((SECONDS + 1800)) done_cycles failed
    while true; do
        done_cycles=$(klag_log | grep -c 'Collection cycle completed' || true)
        failed=$(klag_log | grep -cE 'Collection (timed out|failed)' || true)
        ((done_cycles + failed >= cycles)) && break
        kill -0 "$pid" 2>/dev/null || { log "klag-exporter exited; see its log"; klag_log | tail -20 >&2; exit 1; }
        ((SECONDS < deadline)) || { log "klag-exporter: only $done_cycles cycles in 30 minutes"; break; }
        sleep 1
    done
    local rss_cycles rss_metrics
    rss_cycles=$(peak_rss "$pid")
    time_metrics "http://127.0.0.1:$port/metrics" "$WORK/$name-metrics.txt"
    rss_metrics=$(peak_rss "$pid")
    scrape "http://127.0.0.1:$port/metrics" "$WORK/$name-lag"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    klag_log | grep -E 'Collection cycle completed|Batched collection completed|Collected offsets|Collection (timed out|failed)' \
        >"$WORK/$name-cycles.log" || true
    {
        echo "mode=$mode"
        echo "rss_cycles_kib=$rss_cycles"
        echo "rss_metrics_kib=$rss_metrics"
        echo "cycles=$(klag_log | sed -n 's/.*Collection cycle completed.*elapsed_ms=\([0-9]*\).*/\1/p' | paste -sd, -)"
        echo "failed=$(klag_log | grep -cE 'Collection (timed out|failed)' || true)"
        echo "interval=$interval"
        echo "groups=${groups:-all}"
        echo "metrics=$(awk '{printf "%s%s:%s:%s", (NR>1?",":""), $1, $2, $3}' "$WORK/$name-metrics.txt")"
    } >"$WORK/$name.env"
    log "klag-exporter ($mode mode): peak RSS ${rss_cycles} KiB after cycles, ${rss_metrics} KiB after /metrics"
}

if [[ $BENCH_SKIP_KLAG != 1 ]]; then
    run_klag klag rate "$BENCH_KLAG_INTERVAL" $((BENCH_CYCLES + 1))
    if [[ $BENCH_KLAG_MESSAGE == 1 ]]; then
        run_klag klag-message message "$BENCH_KLAG_MESSAGE_INTERVAL" $((BENCH_KLAG_MESSAGE_CYCLES + 1)) \
            "$BENCH_KLAG_MESSAGE_GROUPS"
    fi
fi

# ---------------------------------------------------------------- JMX
# Kafka only (tansu has no JMX): every node's JMX exporter page at full
# size, read by the reader on one core, and the JMX exporter source polling
# the live pages (its wall time is mostly the agents rendering them).
if [[ $BENCH_BROKER == kafka ]]; then
    JMX_URLS=$(sed -n 's/^KAFKA_JMX_EXPORTER=//p' "$KAFKA_DIR/cluster.env")
    pages=()
    i=0
    for url in ${JMX_URLS//,/ }; do
        curl -sf "$url" -o "$WORK/jmx-page-$i.txt" && pages+=("$WORK/jmx-page-$i.txt")
        i=$((i + 1))
    done
    log "JMX: reading ${#pages[@]} exporter pages, then polling $JMX_URLS"
    # A 10,000-partition broker's page takes its agent seconds to render:
    # the timeout is Prometheus's usual for such targets, not kafkascope's
    # default.
    # Beside them, 20 client agents: a producer's page captured from the
    # test bed, served 20 times by jmx_bench itself.
    if ! RUST_BACKTRACE=0 "$BIN/jmx_bench" "${pages[@]}" --urls "$JMX_URLS" --rounds 10 --timeout 30 \
        --client-page "$ROOT/crates/kafkascope-sources/tests/pages/kafka-4.3.1-producer.prom" --clients 20 \
        >"$WORK/jmx.env" 2>"$WORK/jmx.txt"; then
        echo "jmx_bench failed: $(grep -m 1 '^Error' "$WORK/jmx.txt")" >>"$WORK/jmx.txt"
    fi
    cat "$WORK/jmx.txt" >&2
fi

# ---------------------------------------------------------------- moving consumers
# Last, because the mover changes the cluster: records are produced ahead
# and a share of the groups commit anew every period.
if [[ $BENCH_MOVING == 1 ]]; then
    log "moving consumers: bench/move_commits.py (share $BENCH_MOVE_SHARE every ${BENCH_MOVE_PERIOD}s)"
    python3 "$ROOT/bench/move_commits.py" "$BOOTSTRAP_ALL" >"$WORK/mover.json" 2>"$WORK/mover.log" &
    MOVER_PID=$!
    PIDS+=("$MOVER_PID")
    deadline=$((SECONDS + 600))
    until grep -q '\] moving:' "$WORK/mover.log"; do
        kill -0 "$MOVER_PID" 2>/dev/null || { log "move_commits.py exited"; cat "$WORK/mover.log" >&2; exit 1; }
        ((SECONDS < deadline)) || { log "move_commits.py never started moving"; exit 1; }
        sleep 0.5
    done
    cat "$WORK/mover.log" >&2
    log "kafkascope collection cycle with moving consumers (1 + $BENCH_CYCLES cycles, ${BENCH_MOVING_PAUSE_MS} ms apart)"
    "$BIN/collect_cycle" "$BOOTSTRAP" "$BENCH_CYCLES" "$BENCH_MOVING_PAUSE_MS" \
        >"$WORK/cycle-moving.json" 2>"$WORK/cycle-moving.txt"
    cat "$WORK/cycle-moving.txt" >&2
    kill -TERM "$MOVER_PID"
    wait "$MOVER_PID" 2>/dev/null || true
    tail -n 1 "$WORK/mover.log" >&2
fi

# ---------------------------------------------------------------- store
# Last, so its CPU and disk use cannot touch the figures above.
if [[ $BENCH_SKIP_STORE != 1 ]]; then
    log "store bench: store_bench --topics $BENCH_STORE_TOPICS --groups $BENCH_STORE_GROUPS (7 days laid down, then the last 6 h ingested)"
    # A failure here leaves the figures above standing; the report says so.
    if ! "$BIN/store_bench" --topics "$BENCH_STORE_TOPICS" --groups "$BENCH_STORE_GROUPS" \
        --dir "$WORK/store-bench" >"$WORK/store.txt" 2>"$WORK/store.err"; then
        echo "store_bench failed: $(head -n 1 "$WORK/store.err")" >>"$WORK/store.txt"
    fi
    cat "$WORK/store.txt" >&2
fi

# ---------------------------------------------------------------- report
python3 "$ROOT/bench/report.py" "$WORK"
exit
}
