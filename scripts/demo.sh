#!/usr/bin/env bash
# The demo: a local tansu broker on localhost:9092 with live traffic (5 topics
# x 4 partitions, 3 consumer groups, the slowest one visibly lagging), watched
# by `kafkascope serve` on http://127.0.0.1:9308. Ctrl-C stops everything.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BROKER_PORT=9092
LISTEN=127.0.0.1:9308
export KAFKASCOPE_PYTHON="${KAFKASCOPE_PYTHON:-python3}"

say() { echo "demo: $*" >&2; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tansu_bin="$(bash scripts/install-test-deps.sh --clients-only)"

say "building the web UI and kafkascope (release)"
# Installs what package-lock.json pins (see scripts/test.sh on `npm ci`).
(cd ui && npm install --no-save --no-audit --no-fund --silent && npm run build --silent) >&2
cargo build --release --quiet -p kafkascope

if port_in_use "$BROKER_PORT"; then
  say "error: port $BROKER_PORT is already in use; stop whatever listens there first"
  exit 1
fi

logs="$(mktemp -d -t kafkascope-demo.XXXXXX)"
children=()
cleanup() {
  trap - EXIT INT TERM
  if [ "${#children[@]}" -gt 0 ]; then
    kill "${children[@]}" 2>/dev/null || true
    wait "${children[@]}" 2>/dev/null || true
  fi
  say "stopped; logs are in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting tansu on localhost:$BROKER_PORT (in-memory storage)"
"$tansu_bin" broker \
  --cluster-id kafkascope-demo \
  --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
  --advertised-listener-url "tcp://localhost:$BROKER_PORT" \
  --storage-engine memory://tansu/ \
  >"$logs/tansu.log" 2>&1 &
children+=("$!")

for _ in $(seq 100); do
  port_in_use "$BROKER_PORT" && break
  sleep 0.1
done
port_in_use "$BROKER_PORT" || { say "error: tansu did not start, see $logs/tansu.log"; exit 1; }

say "starting traffic: 5 topics x 4 partitions, 3 consumer groups"
"$KAFKASCOPE_PYTHON" tests/clients/kafka_client.py traffic \
  --bootstrap "localhost:$BROKER_PORT" --topics 5 --partitions 4 --groups 3 \
  >"$logs/traffic.log" 2>&1 &
children+=("$!")

say "kafkascope: history kept in $logs/history, next to the logs"
say "kafkascope: the web UI at http://$LISTEN/ ; http://$LISTEN/metrics, http://$LISTEN/api/v1/clusters/default/groups,"
say "  Burrow's API at http://$LISTEN/v3/kafka/default/consumer (Ctrl-C to stop)"
say "  from another shell: kafkascope lag --bootstrap-server localhost:$BROKER_PORT --samples 5 --every 2"
# In the background so that a signal to this script interrupts `wait` at once.
cargo run --release --quiet -p kafkascope -- \
  serve --bootstrap-server "localhost:$BROKER_PORT" --listen "$LISTEN" --data-dir "$logs/history" &
children+=("$!")
wait "$!"
