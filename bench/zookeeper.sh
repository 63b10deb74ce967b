#!/usr/bin/env bash
# ZooKeeper source benchmark: the cost of one poll of a real 3-member
# ensemble (ruok, srvr and mntr to every member at once, read into figures
# with the ensemble's verdict), on both sides: kafkascope's wall and CPU time
# per poll, and the CPU time the members' JVMs spend answering.
#
#   bench/zookeeper.sh                      200 polls of a fresh 3-member ensemble
#   BENCH_ZK_POLLS=1000 bench/zookeeper.sh  more polls
#   BENCH_ZK_VIA=admin bench/zookeeper.sh   through the members' AdminServers
#                                           (ruok, server_stats, monitor over HTTP)
#
# Knobs (environment variables, defaults in brackets):
#   BENCH_ZK_POLLS [200]        polls measured (after one warm-up poll)
#   BENCH_ZK_MEMBERS [3]        ensemble members
#   BENCH_ZK_PORT_BASE [23800]  the ensemble's ports (testbed/zookeeper-ensemble.sh)
#   BENCH_ZK_PROFILE [release]  cargo profile of the poller (release or dev)
#   BENCH_ZK_VIA [words]        words: four-letter words; admin: AdminServer
#
# The poller is the ignored test `zookeeper_poll_cost_benchmark` in
# crates/kafkascope-sources/tests/zookeeper_ensemble.rs. Results of the last
# run worth keeping go in bench/results/zookeeper.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
POLLS="${BENCH_ZK_POLLS:-200}"
MEMBERS="${BENCH_ZK_MEMBERS:-3}"
PORT_BASE="${BENCH_ZK_PORT_BASE:-23800}"
PROFILE="${BENCH_ZK_PROFILE:-release}"
VIA="${BENCH_ZK_VIA:-words}"
ENSEMBLE="$ROOT/testbed/zookeeper-ensemble.sh"

log() { echo "bench/zookeeper: $*" >&2; }

dir="$(mktemp -d -t kafkascope-bench-zookeeper.XXXXXX)"
cleanup() {
  bash "$ENSEMBLE" kill --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# The JVMs' user+system CPU ticks (1/100 s) together.
members_cpu_ticks() {
  local total=0 i pid fields
  for ((i = 1; i <= MEMBERS; i++)); do
    pid="$(cat "$dir/member-$i/pid")"
    # Fields after the command name's ')': utime and stime are the 12th and 13th.
    fields="$(sed 's/.*) //' "/proc/$pid/stat")"
    total=$((total + $(echo "$fields" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

profile_flag=()
[ "$PROFILE" = release ] && profile_flag=(--release)
log "building the poller ($PROFILE)"
(cd "$ROOT" && cargo test "${profile_flag[@]}" -p kafkascope-sources --test zookeeper_ensemble --no-run) >&2

log "starting a $MEMBERS-member ensemble on ports from $PORT_BASE"
case "$VIA" in
  words)
    bash "$ENSEMBLE" start --dir "$dir" --port-base "$PORT_BASE" --members "$MEMBERS" >&2
    connect="$(sed -n 's/^ZOOKEEPER_CONNECT=//p' "$dir/ensemble.env")"
    ;;
  admin)
    bash "$ENSEMBLE" start --dir "$dir" --port-base "$PORT_BASE" --members "$MEMBERS" --admin-server >&2
    connect="$(sed -n 's/^ZOOKEEPER_ADMIN_[0-9]*=//p' "$dir/ensemble.env" | paste -sd,)"
    ;;
  *) log "BENCH_ZK_VIA is words or admin, not $VIA"; exit 2 ;;
esac
version="$(sed -n 's/^ZOOKEEPER_VERSION=//p' "$dir/ensemble.env")"
# Let the members finish starting (JIT, first snapshot) before measuring.
sleep 5

before="$(members_cpu_ticks)"
output="$(cd "$ROOT" && KAFKASCOPE_BENCH_ZOOKEEPER="$connect" KAFKASCOPE_BENCH_POLLS="$POLLS" \
  cargo test "${profile_flag[@]}" -q -p kafkascope-sources --test zookeeper_ensemble -- \
  --ignored --exact zookeeper_poll_cost_benchmark --nocapture 2>&1)"
after="$(members_cpu_ticks)"

echo "ZooKeeper source poll cost ($(date -u +%Y-%m-%d), $(nproc) cores, ZooKeeper $version, poller built $PROFILE, via $VIA)"
echo "$output" | grep -E '^(members|polls|samples per poll|wall ms per poll|kafkascope CPU)' ||
  { echo "$output" >&2; exit 1; }
# Includes the warm-up poll: one more than measured.
awk -v ticks="$((after - before))" -v polls="$((POLLS + 1))" -v members="$MEMBERS" 'BEGIN {
  printf "ZooKeeper CPU ms per poll (all %d members, user+system): %.3f\n", members, ticks * 10 / polls
}'
