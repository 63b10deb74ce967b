#!/usr/bin/env bash
# kafkascope next to its peers on a real Apache Kafka cluster: scripted
# consumer scenarios, then, per scenario, one table of the ground truth
# (kafka-consumer-groups --describe), kafkascope and each peer's lag per
# group-partition (and statuses), disagreements marked; then a drop-in check
# of /metrics against kafka_exporter and a shape check of the /v3 API
# against Burrow. The report also goes to bench/results/peers-latest.txt.
#
# Peers (installed here once, cached under $KAFKASCOPE_CACHE/peers; a peer
# that cannot be installed or started gets "n/a (reason)" in its column):
#   kafka_exporter  go install github.com/danielqsj/kafka_exporter@v1.9.0
#   Burrow          go install github.com/linkedin/Burrow@v1.9.5, else Debian's
#                   burrow package (unpacked into the cache, not installed);
#                   Burrow needs ZooKeeper, resolved with Maven into the cache
#   KMinion         go install github.com/cloudhut/kminion/v2@latest
#   klag-exporter   cargo install klag-exporter (the same --root as bench/run.sh)
# Where kafka_exporter is missing, the drop-in check compares kafkascope with
# a model of kafka_exporter's output computed from Kafka's answers
# (bench/peers_scenarios.py exporter-model), and says so.
#
# Knobs (environment variables, defaults in brackets):
#   PEERS_PORT_BASE [39092]     Kafka's first port (node i: +i; see testbed/)
#   PEERS_RUN_SECONDS [60]      how long producers and consumers run
#   PEERS_SETTLE_SECONDS [25]   quiet time after the producers stop, before
#                               everything is read (>= two cycles of each tool)
#   PEERS_INTERVAL [5]          kafkascope's --interval, seconds
#   PEERS_KLAG_INTERVAL [10]    klag-exporter's poll_interval, seconds (> 5)
#   PEERS_SKIP_KLAG [0]         1: leave klag-exporter out (no build)
#   BENCH_KLAG_VERSION [0.1.29] as in bench/run.sh (shared cache)
#   PEERS_KEEP [0]              1: keep the work directory
#   KAFKASCOPE_BIN [target/release/kafkascope, built when missing]
#   KAFKASCOPE_CACHE [~/.cache/kafkascope]
set -euo pipefail

# One block, so that editing the file during a run cannot change the run.
{

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}
PEERS=$CACHE/peers
PORT_BASE=${PEERS_PORT_BASE:-39092}
RUN_SECONDS=${PEERS_RUN_SECONDS:-60}
SETTLE_SECONDS=${PEERS_SETTLE_SECONDS:-25}
INTERVAL=${PEERS_INTERVAL:-5}
KLAG_INTERVAL=${PEERS_KLAG_INTERVAL:-10}
SKIP_KLAG=${PEERS_SKIP_KLAG:-0}
KLAG_VERSION=${BENCH_KLAG_VERSION:-0.1.29}
KLAG_ROOT=$CACHE/klag-exporter
KEEP=${PEERS_KEEP:-0}
KAFKASCOPE_BIN=${KAFKASCOPE_BIN:-$ROOT/target/release/kafkascope}
RESULT=$ROOT/bench/results/peers-latest.txt
CLUSTER_NAME=peers # the same name in kafkascope and Burrow, so /v3 paths match
CLIENT="python3 $ROOT/tests/clients/kafka_client.py"
HELPER="python3 $ROOT/bench/peers_scenarios.py"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafkascope-peers.XXXXXX")
mkdir -p "$WORK/logs" "$WORK/read"
PIDS=()
CLUSTER_STARTED=0

log() { printf '[peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if ((CLUSTER_STARTED)); then
        bash "$ROOT/testbed/kafka-cluster.sh" stop --dir "$WORK/cluster" --port-base "$PORT_BASE" 2>/dev/null || true
    fi
    if [[ $KEEP == 1 || $status != 0 ]]; then
        log "logs kept in $WORK"
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

# Waits until GET $1 answers (any status), for at most $2 seconds.
wait_http() {
    local deadline=$((SECONDS + $2))
    until curl -s -o /dev/null "$1"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# Starts the command "$@" (a program, not a shell function, so that the pid
# is the program's own and cleanup can stop it) in the background with its
# output in logs/$NAME.log; remembers its pid for cleanup, and leaves it in
# LAST_PID.
spawn() {
    local name=$1
    shift
    "$@" >"$WORK/logs/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# Peer outcomes, for the report: one "name<TAB>status" line each.
peer_status() { printf '%s\t%s\n' "$1" "$2" >>"$WORK/peers.tsv"; }

# ------------------------------------------------------------------ installs

# go_install NAME MODULE VERSION [FALLBACK]: the binary into $PEERS/bin, or
# the nearest version once if the module proxy refuses the first. Prints the
# version that resolved; fails (with the reason in $WORK/logs) otherwise.
go_install() {
    local name=$1 module=$2 version=$3 fallback=${4:-} v
    if [[ -x $PEERS/bin/$name && -f $PEERS/bin/$name.version ]]; then
        cat "$PEERS/bin/$name.version"
        return
    fi
    command -v go >/dev/null || { echo "go not found" >"$WORK/logs/install-$name.log"; return 1; }
    mkdir -p "$PEERS/bin"
    for v in $version $fallback; do
        log "go install $module@$v"
        if GOBIN=$PEERS/bin go install "$module@$v" >>"$WORK/logs/install-$name.log" 2>&1; then
            echo "$v" >"$PEERS/bin/$name.version"
            echo "$v"
            return
        fi
    done
    return 1
}

# The first line of a failed install's log that says why.
install_reason() {
    grep -m1 -oE '(403 Forbidden|not available|not found|unknown revision[^ ]*|error[^:]*)' \
        "$WORK/logs/install-$1.log" 2>/dev/null | head -1 || echo "failed"
}

install_kafka_exporter() {
    local v
    if v=$(go_install kafka_exporter github.com/danielqsj/kafka_exporter v1.9.0 v1.8.0); then
        KAFKA_EXPORTER_BIN=$PEERS/bin/kafka_exporter
        peer_status kafka_exporter "installed $v"
    else
        peer_status kafka_exporter "n/a (go install v1.9.0, then v1.8.0: module proxy answered $(install_reason kafka_exporter))"
    fi
}

install_kminion() {
    local v
    if v=$(go_install kminion github.com/cloudhut/kminion/v2 latest v2.2.13); then
        KMINION_BIN=$PEERS/bin/kminion
        peer_status KMinion "installed $v"
    else
        peer_status KMinion "n/a (go install latest, then v2.2.13: module proxy answered $(install_reason kminion))"
    fi
}

# Burrow: from the Go module proxy, else Debian's package, unpacked into the
# cache (apt-get download + dpkg-deb -x: nothing is installed system-wide).
install_burrow() {
    local v deb_dir=$PEERS/burrow-debian
    if v=$(go_install Burrow github.com/linkedin/Burrow v1.9.5 v1.9.4); then
        BURROW_BIN=$PEERS/bin/Burrow
        BURROW_VERSION=$v
    else
        local reason
        reason=$(install_reason Burrow)
        if [[ ! -x $deb_dir/usr/bin/Burrow ]]; then
            log "Burrow: module proxy refused it ($reason); unpacking Debian's burrow package instead"
            mkdir -p "$deb_dir"
            (cd "$WORK" && apt-get download burrow >>"$WORK/logs/install-Burrow.log" 2>&1 &&
                dpkg-deb -x "$WORK"/burrow_*.deb "$deb_dir" &&
                dpkg-deb -f "$WORK"/burrow_*.deb Version >"$deb_dir/version") || true
        fi
        if [[ ! -x $deb_dir/usr/bin/Burrow ]]; then
            peer_status Burrow "n/a (go install: $reason; Debian package: not available)"
            return
        fi
        BURROW_BIN=$deb_dir/usr/bin/Burrow
        BURROW_VERSION="$(cat "$deb_dir/version") (Debian package; go install v1.9.5 and v1.9.4: $reason)"
    fi
    install_zookeeper || { peer_status Burrow "n/a (Burrow $BURROW_VERSION needs ZooKeeper, which could not be resolved)"; BURROW_BIN=; return; }
    peer_status Burrow "installed $BURROW_VERSION"
}

# ZooKeeper for Burrow's coordinator (Burrow will not start without one):
# the jars from Maven Central into the cache, run with plain java -cp.
ZOOKEEPER_VERSION=3.9.5
install_zookeeper() {
    local dir=$PEERS/zookeeper-$ZOOKEEPER_VERSION
    [[ -f $dir/.complete ]] && return
    log "resolving ZooKeeper $ZOOKEEPER_VERSION with Maven into $dir (for Burrow)"
    mkdir -p "$dir"
    # metrics-core and snappy-java are optional in ZooKeeper's POM but its
    # server will not start without them.
    cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafkascope.bench</groupId>
  <artifactId>peers-zookeeper</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>$ZOOKEEPER_VERSION</version></dependency>
    <dependency><groupId>io.dropwizard.metrics</groupId><artifactId>metrics-core</artifactId><version>4.1.12.1</version></dependency>
    <dependency><groupId>org.xerial.snappy</groupId><artifactId>snappy-java</artifactId><version>1.1.10.7</version></dependency>
  </dependencies>
</project>
EOF
    mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" \
        >>"$WORK/logs/install-zookeeper.log" 2>&1 || return 1
    touch "$dir/.complete"
}

# klag-exporter: exactly bench/run.sh's install (same version and --root), so
# both scripts share one build.
install_klag() {
    if [[ $SKIP_KLAG == 1 ]]; then
        peer_status klag "n/a (PEERS_SKIP_KLAG=1)"
        return
    fi
    if [[ ! -x $KLAG_ROOT/bin/klag-exporter ]]; then
        local missing=() deb
        for deb in cmake libssl-dev libsasl2-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev; do
            dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed' || missing+=("$deb")
        done
        if ((${#missing[@]})); then
            log "installing Debian packages klag-exporter needs: ${missing[*]}"
            local sudo=()
            ((EUID == 0)) || sudo=(sudo)
            "${sudo[@]}" apt-get update -qq
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
        fi
        log "building klag-exporter $KLAG_VERSION once into $KLAG_ROOT (several minutes)"
        if ! cargo install klag-exporter --version "$KLAG_VERSION" --locked --root "$KLAG_ROOT" \
            >"$WORK/logs/install-klag.log" 2>&1; then
            peer_status klag "n/a (cargo install klag-exporter $KLAG_VERSION failed)"
            return
        fi
    fi
    KLAG_BIN=$KLAG_ROOT/bin/klag-exporter
    peer_status klag "installed $KLAG_VERSION"
}

ensure_kafkascope() {
    if [[ ! -x $KAFKASCOPE_BIN ]]; then
        log "building kafkascope (release; takes minutes)"
        (cd "$ROOT" && cargo build --release --quiet -p kafkascope)
    fi
    peer_status kafkascope "$("$KAFKASCOPE_BIN" --version 2>/dev/null || echo "$KAFKASCOPE_BIN")"
}

ensure_python() {
    python3 -c 'import confluent_kafka' 2>/dev/null && return
    log "installing the confluent-kafka Python package"
    python3 -m pip install --quiet confluent-kafka
}

# ------------------------------------------------------------------ cluster

# Kafka's own tools, quiet: a log4j2 config that logs WARN to stderr.
write_log4j() {
    cat >"$WORK/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="%p %c{1}: %m%n"/></Console></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
EOF
}

kafka_tool() {
    java -Xmx256m -Dlog4j2.configurationFile="$WORK/log4j2.xml" -cp "$KAFKA_LIB/*" "$@"
}

start_cluster() {
    log "starting a 3-node Apache Kafka cluster in $WORK/cluster, ports from $PORT_BASE"
    CLUSTER_STARTED=1
    bash "$ROOT/testbed/kafka-cluster.sh" start --dir "$WORK/cluster" --port-base "$PORT_BASE" \
        >"$WORK/logs/cluster.log" 2>&1 || { cat "$WORK/logs/cluster.log" >&2; exit 1; }
    # shellcheck disable=SC1091
    source "$WORK/cluster/cluster.env"
    BOOTSTRAP=$KAFKA_BOOTSTRAP
}

# ------------------------------------------------------------------ scenarios
# Each scenario has its own topic and group, both named peers-<scenario>,
# two partitions, replication factor 3.
SCENARIOS=(steady stopped stalled rewound idle transactional kip848)
PRELOAD=30 # records per partition before anything consumes

client() { $CLIENT "$1" --bootstrap "$BOOTSTRAP" "${@:2}"; }

# Topics, first records and the commits that come before the peers start.
setup_scenarios() {
    local s p
    for s in "${SCENARIOS[@]}"; do
        client create-topic --topic "peers-$s" --partitions 2 --replication-factor 3 >/dev/null
    done
    for s in steady stopped stalled rewound idle kip848; do
        for p in 0 1; do
            client produce --topic "peers-$s" --partition "$p" --count "$PRELOAD" >/dev/null
        done
    done
    # transactional: 3 transactions of 5 records per partition, so each
    # partition ends with a commit marker (log end = last record + 2).
    client produce-transactional --topic peers-transactional \
        --transactional-id peers-transactional --transactions 3 --records 5 \
        >"$WORK/transactional.json" 2>>"$WORK/logs/setup.log"
    # Every group but steady, idle and transactional (whose members read on
    # their own later) reads what is there now and commits it, so both
    # partitions have a committed offset. stopped then stays away, stalled
    # and kip848 come back as members; kip848 with the KIP-848 protocol.
    local g
    for g in stopped stalled rewound; do
        client consume-commit --group "peers-$g" --topic "peers-$g" --count $((2 * PRELOAD)) \
            >/dev/null 2>>"$WORK/logs/setup.log"
    done
    client consume-commit --group peers-kip848 --topic peers-kip848 --count $((2 * PRELOAD)) \
        --config group.protocol=consumer >/dev/null 2>>"$WORK/logs/setup.log"
}

# The live part: producers and members, for RUN_SECONDS (members stay until
# the end, so their groups are Stable when everything is read).
start_actors() {
    local stay=$((RUN_SECONDS + SETTLE_SECONDS + 120))
    spawn producer $HELPER produce-loop --bootstrap "$BOOTSTRAP" --rate 2 --seconds "$RUN_SECONDS" \
        --topics peers-steady peers-stopped peers-stalled peers-kip848
    # steady: keeps up, commits its progress every half second.
    spawn steady $CLIENT consume-loop --bootstrap "$BOOTSTRAP" --group peers-steady --topic peers-steady --seconds "$stay"
    # stalled: alive (heartbeats, assignment) but never commits again.
    spawn stalled $CLIENT hold-member --bootstrap "$BOOTSTRAP" --group peers-stalled --topic peers-stalled --seconds "$stay"
    # idle: caught up on a topic nothing is produced to, committing as it goes.
    spawn idle $CLIENT consume-loop --bootstrap "$BOOTSTRAP" --group peers-idle --topic peers-idle --seconds "$stay"
    # transactional: a read_committed consumer that reads everything.
    spawn transactional $CLIENT consume-loop --bootstrap "$BOOTSTRAP" --group peers-transactional --topic peers-transactional \
        --seconds "$stay" --config isolation.level=read_committed
    # kip848: a KIP-848 member that re-commits the same offsets while data
    # arrives (Burrow's STALL: committing, not moving).
    spawn kip848 $CLIENT consume-loop --bootstrap "$BOOTSTRAP" --group peers-kip848 --topic peers-kip848 --seconds "$stay" \
        --commit same --config group.protocol=consumer
}

# rewound: move the committed offsets back (the group has no members).
rewind() {
    client commit-offsets --group peers-rewound --topic peers-rewound --offsets 0=5,1=10 \
        >/dev/null 2>>"$WORK/logs/setup.log"
}

# ------------------------------------------------------------------ peers

start_kafkascope() {
    KAFKASCOPE_PORT=$(free_port)
    spawn kafkascope "$KAFKASCOPE_BIN" serve --bootstrap-server "$BOOTSTRAP" --cluster-name "$CLUSTER_NAME" \
        --listen "127.0.0.1:$KAFKASCOPE_PORT" --interval "$INTERVAL" --no-history
    wait_http "http://127.0.0.1:$KAFKASCOPE_PORT/healthz" 30 || log "kafkascope does not answer; see its log"
}

start_kafka_exporter() {
    [[ -n ${KAFKA_EXPORTER_BIN:-} ]] || return 0
    KAFKA_EXPORTER_PORT=$(free_port)
    local servers=() b
    for b in ${BOOTSTRAP//,/ }; do servers+=("--kafka.server=$b"); done
    # Kafka 4 no longer answers the oldest request versions, which sarama
    # picks for kafka_exporter's default --kafka.version (2.0.0).
    spawn kafka_exporter "$KAFKA_EXPORTER_BIN" "${servers[@]}" --kafka.version=3.9.0 \
        --web.listen-address="127.0.0.1:$KAFKA_EXPORTER_PORT"
}

start_kminion() {
    [[ -n ${KMINION_BIN:-} ]] || return 0
    KMINION_PORT=$(free_port)
    cat >"$WORK/kminion.yaml" <<EOF
kafka:
  brokers: [$BOOTSTRAP]
minion:
  consumerGroups:
    enabled: true
    scrapeMode: adminApi
    granularity: partition
exporter:
  host: 127.0.0.1
  port: $KMINION_PORT
EOF
    spawn kminion env CONFIG_FILEPATH="$WORK/kminion.yaml" "$KMINION_BIN"
}

start_burrow() {
    [[ -n ${BURROW_BIN:-} ]] || return 0
    local zk_port dir=$WORK/burrow
    zk_port=$(free_port)
    BURROW_PORT=$(free_port)
    mkdir -p "$dir/zk-data"
    printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n' \
        "$dir/zk-data" "$zk_port" >"$dir/zoo.cfg"
    spawn zookeeper java -Xmx128m -cp "$PEERS/zookeeper-$ZOOKEEPER_VERSION/lib/*" \
        org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg"
    local servers
    servers=$(sed 's/[^,]*/"&"/g' <<<"$BOOTSTRAP")
    # kafka-version: the newest this Burrow build's sarama knows ("2.1.0" for
    # Debian's 1.2.1); offset-refresh at kafkascope's interval.
    cat >"$dir/burrow.toml" <<EOF
[general]
pidfile="$dir/burrow.pid"
[logging]
level="info"
[zookeeper]
servers=["127.0.0.1:$zk_port"]
timeout=6
root-path="/burrow-peers"
[client-profile.peers]
client-id="burrow-peers"
kafka-version="${BURROW_KAFKA_VERSION:-2.1.0}"
[cluster.$CLUSTER_NAME]
class-name="kafka"
servers=[$servers]
client-profile="peers"
topic-refresh=10
offset-refresh=$INTERVAL
[consumer.$CLUSTER_NAME]
class-name="kafka"
cluster="$CLUSTER_NAME"
servers=[$servers]
client-profile="peers"
offsets-topic="__consumer_offsets"
start-latest=false
[httpserver.default]
address="127.0.0.1:$BURROW_PORT"
[storage.default]
class-name="inmemory"
workers=4
intervals=10
min-distance=1
[evaluator.default]
class-name="caching"
expire-cache=5
EOF
    sleep 3 # ZooKeeper's start; Burrow gives up at once without it
    spawn burrow bash -c "cd '$dir' && exec '$BURROW_BIN' -config-dir ."
    wait_http "http://127.0.0.1:$BURROW_PORT/burrow/admin" 30 || log "Burrow does not answer; see its log"
}

start_klag() {
    [[ -n ${KLAG_BIN:-} ]] || return 0
    KLAG_PORT=$(free_port)
    cat >"$WORK/klag.toml" <<EOF
[exporter]
poll_interval = "${KLAG_INTERVAL}s"
http_port = $KLAG_PORT
http_host = "127.0.0.1"
granularity = "partition"

[exporter.timestamp_sampling]
enabled = false

[exporter.otel]
enabled = false

[[clusters]]
name = "$CLUSTER_NAME"
bootstrap_servers = "$BOOTSTRAP"
group_whitelist = [".*"]
group_blacklist = []
topic_whitelist = [".*"]
topic_blacklist = []
EOF
    spawn klag env NO_COLOR=1 "$KLAG_BIN" --config "$WORK/klag.toml"
}

# ------------------------------------------------------------------ reading

# get NAME URL: the body into read/NAME and the HTTP status into read/NAME.code.
get() {
    curl -s -o "$WORK/read/$1" -w '%{http_code}' "$2" >"$WORK/read/$1.code" || echo 000 >"$WORK/read/$1.code"
}

# The Burrow API requests, sent to both Burrow and kafkascope.
burrow_requests() {
    local base=$1 prefix=$2 s
    get "$prefix-clusters" "$base/v3/kafka"
    get "$prefix-cluster" "$base/v3/kafka/$CLUSTER_NAME"
    get "$prefix-topics" "$base/v3/kafka/$CLUSTER_NAME/topic"
    get "$prefix-topic-steady" "$base/v3/kafka/$CLUSTER_NAME/topic/peers-steady"
    get "$prefix-consumers" "$base/v3/kafka/$CLUSTER_NAME/consumer"
    for s in "${SCENARIOS[@]}"; do
        get "$prefix-lag-$s" "$base/v3/kafka/$CLUSTER_NAME/consumer/peers-$s/lag"
        get "$prefix-status-$s" "$base/v3/kafka/$CLUSTER_NAME/consumer/peers-$s/status"
    done
}

describe_groups() {
    kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "$BOOTSTRAP" --describe --all-groups >"$WORK/read/$1" 2>&1 || true
}

# Everything at once, as close together as it goes: the truth before and
# after (so a change in between shows), every tool's answers in between.
read_everything() {
    date +%s >"$WORK/read/at"
    describe_groups truth-before.txt
    local s
    get kafkascope.prom "http://127.0.0.1:$KAFKASCOPE_PORT/metrics"
    for s in "${SCENARIOS[@]}"; do
        get "kafkascope-group-$s.json" "http://127.0.0.1:$KAFKASCOPE_PORT/api/v1/clusters/$CLUSTER_NAME/groups/peers-$s"
    done
    burrow_requests "http://127.0.0.1:$KAFKASCOPE_PORT" kafkascope-v3
    [[ -n ${BURROW_PORT:-} ]] && burrow_requests "http://127.0.0.1:$BURROW_PORT" burrow-v3
    [[ -n ${KLAG_PORT:-} ]] && get klag.prom "http://127.0.0.1:$KLAG_PORT/metrics"
    [[ -n ${KAFKA_EXPORTER_PORT:-} ]] && get kafka_exporter.prom "http://127.0.0.1:$KAFKA_EXPORTER_PORT/metrics"
    [[ -n ${KMINION_PORT:-} ]] && get kminion.prom "http://127.0.0.1:$KMINION_PORT/metrics"
    $HELPER exporter-model --bootstrap "$BOOTSTRAP" >"$WORK/read/kafka_exporter-model.prom" 2>"$WORK/logs/exporter-model.log" || true
    describe_groups truth-after.txt
}

# Peers that were installed but died or never answered: say so in the table.
check_alive() {
    local name=$1 pid=$2
    kill -0 "$pid" 2>/dev/null && return
    peer_status "$name" "n/a (exited: $(grep -m1 -iE 'panic|error|fatal' "$WORK/logs/$3.log" | cut -c1-160))"
}

# ------------------------------------------------------------------ main
: >"$WORK/peers.tsv"
ensure_python
write_log4j
ensure_kafkascope
install_kafka_exporter
install_burrow
install_kminion
install_klag

start_cluster
log "setting up the scenarios: ${SCENARIOS[*]}"
setup_scenarios

# The peers start after the first commits: Burrow cannot start before
# __consumer_offsets exists.
start_kafkascope
start_burrow
BURROW_PID=${LAST_PID:-}
start_kafka_exporter
start_kminion
start_klag

log "running producers and consumers for ${RUN_SECONDS}s"
start_actors
# The rewind late in the run, so that the offsets before it are still in a
# 10-sample window (kafkascope's and Burrow's default) when everything is read.
sleep $((RUN_SECONDS - 10))
log "rewinding peers-rewound"
rewind
sleep 10
log "producers stopped; ${SETTLE_SECONDS}s for every tool to see the final state"
sleep "$SETTLE_SECONDS"

log "reading the truth and every tool"
read_everything
[[ -n ${BURROW_PID:-} && -n ${BURROW_BIN:-} ]] && check_alive Burrow "$BURROW_PID" burrow
cp "$WORK/transactional.json" "$WORK/read/"
grep -hE '"level":"(warn|error)"' "$WORK/logs/burrow.log" 2>/dev/null | head -400 >"$WORK/read/burrow-warnings.log" || true

mkdir -p "$(dirname "$RESULT")"
python3 "$ROOT/bench/peers_report.py" "$WORK" | tee "$RESULT"
log "report written to $RESULT"
exit
}
