#!/usr/bin/env bash
# The demo: a real 3-node Apache Kafka cluster (KRaft, testbed/kafka-cluster.sh;
# bootstrap localhost:9092,9093,9094) with live traffic — 5 topics x 4
# partitions, 3 classic consumer groups (the slowest visibly lagging) and a
# KIP-848 group (group.protocol=consumer) falling behind — watched by
# `kafkascope serve` on http://127.0.0.1:9308. Ctrl-C stops everything.
#
# Usage: scripts/demo.sh [--scenario broker-down]
#   --scenario broker-down   after a minute, stop node 2 (under-replicated and
#                            offline partitions, a new quorum leader if it led);
#                            a minute later start it again
#
# The first run resolves Apache Kafka from Maven Central into the cache
# (about a minute); later runs start in about 20 seconds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT_BASE=9092
LISTEN=127.0.0.1:9308
export KAFKASCOPE_PYTHON="${KAFKASCOPE_PYTHON:-python3}"

say() { echo "demo: $*" >&2; }

scenario=""
case "${1:-}" in
  "") ;;
  --scenario)
    scenario="${2:-}"
    [ "$scenario" = broker-down ] || { say "error: unknown scenario '${scenario}' (known: broker-down)"; exit 2; }
    ;;
  *) say "error: unknown argument $1 (usage: $0 [--scenario broker-down])"; exit 2 ;;
esac

say "step 1/5: test dependencies (Java, Maven, Kafka's jars, the Python client)"
bash scripts/install-test-deps.sh --clients-only >/dev/null

say "step 2/5: building the web UI and kafkascope (release)"
# Installs what package-lock.json pins (see scripts/test.sh on `npm ci`).
(cd ui && npm install --no-save --no-audit --no-fund --silent && npm run build --silent) >&2
cargo build --release --quiet -p kafkascope

logs="$(mktemp -d -t kafkascope-demo.XXXXXX)"
cluster="$logs/cluster"
children=()
cleanup() {
  trap - EXIT INT TERM
  if [ "${#children[@]}" -gt 0 ]; then
    kill "${children[@]}" 2>/dev/null || true
    wait "${children[@]}" 2>/dev/null || true
  fi
  bash testbed/kafka-cluster.sh stop --dir "$cluster" --port-base "$PORT_BASE" 2>/dev/null || true
  say "stopped; logs (the brokers' server.log, controller.log, state-change.log...) are in $logs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "step 3/5: starting Apache Kafka, 3 KRaft nodes on localhost:$PORT_BASE-$((PORT_BASE + 2))"
bash testbed/kafka-cluster.sh start --dir "$cluster" --port-base "$PORT_BASE"
bootstrap="$(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$cluster/cluster.env")"

say "step 4/5: traffic: 5 topics x 4 partitions, 3 classic groups, a KIP-848 group"
"$KAFKASCOPE_PYTHON" tests/clients/kafka_client.py traffic \
  --bootstrap "$bootstrap" --topics 5 --partitions 4 --groups 3 \
  >"$logs/traffic.log" 2>&1 &
children+=("$!")
(
  # The topics exist once the traffic's producer has made them.
  sleep 5
  exec "$KAFKASCOPE_PYTHON" tests/clients/kafka_client.py consume-loop \
    --bootstrap "$bootstrap" --group demo-kip848 --topic demo-topic-0 \
    --rate 5 --seconds 1000000 --config group.protocol=consumer
) >"$logs/kip848.log" 2>&1 &
children+=("$!")

# A Java producer (Kafka's own perf test) with the JMX exporter agent, so
# the brokers page shows each broker's own figures and the Clients page a
# producer, read through the agents beside the Kafka protocol.
jmx_port=$((PORT_BASE + 800))
(
  sleep 5
  exec bash testbed/kafka-cluster.sh tool --jmx-exporter "$jmx_port" \
    org.apache.kafka.tools.ProducerPerformance --topic demo-topic-1 --num-records 1000000000 \
    --throughput 20 --record-size 200 --producer-props "bootstrap.servers=$bootstrap" client.id=demo-producer
) >"$logs/java-producer.log" 2>&1 &
children+=("$!")
# Node i of the test bed is broker i, its exporter pages in port order.
jmx_pages="$(sed -n 's/^KAFKA_JMX_EXPORTER=//p' "$cluster/cluster.env" | tr ',' '\n' | awk '{ printf "%s%d=%s", (NR > 1 ? "," : ""), NR - 1, $0 }')"

if [ "$scenario" = broker-down ]; then
  (
    # A signal ends the waits at once (a foreground sleep would hold it back).
    trap 'exit 0' TERM INT
    sleep 60 & wait "$!"
    echo "demo: scenario broker-down: stopping node 2" >&2
    bash testbed/kafka-cluster.sh stop-node 2 --dir "$cluster" --port-base "$PORT_BASE"
    sleep 60 & wait "$!"
    echo "demo: scenario broker-down: starting node 2 again" >&2
    bash testbed/kafka-cluster.sh start-node 2 --dir "$cluster" --port-base "$PORT_BASE"
  ) &
  children+=("$!")
  say "scenario broker-down: node 2 stops in a minute and comes back a minute later"
fi

say "step 5/5: kafkascope, history in $logs/history"
say "  the web UI at http://$LISTEN/ ; http://$LISTEN/metrics, http://$LISTEN/api/v1/clusters/default/groups,"
say "  Burrow's API at http://$LISTEN/v3/kafka/default/consumer, the JMX figures at"
say "  http://$LISTEN/api/v1/clusters/default/jmx and the Java producer at http://$LISTEN/clusters/default/clients (Ctrl-C to stop)"
say "  from another shell: target/release/kafkascope lag --bootstrap-server $bootstrap --samples 5 --every 2"
# In the background so that a signal to this script interrupts `wait` at once.
target/release/kafkascope serve --bootstrap-server "$bootstrap" --listen "$LISTEN" \
  --data-dir "$logs/history" --jmx-exporter "$jmx_pages,http://127.0.0.1:$jmx_port/metrics" &
children+=("$!")
wait "$!"
