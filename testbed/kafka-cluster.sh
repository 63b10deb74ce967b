#!/usr/bin/env bash
# The Apache Kafka test bed: a KRaft cluster of real Kafka nodes on loopback,
# started with plain `java -cp` from jars Maven resolves once into the cache;
# or, with `start --mode zookeeper`, a ZooKeeper-mode Kafka 3.9 cluster.
#
#   testbed/kafka-cluster.sh install             resolve the jars (once) and print the lib dir
#   testbed/kafka-cluster.sh start  [options]    format (first time) and start every node
#   testbed/kafka-cluster.sh stop   [options]    stop every node (nothing is left running)
#   testbed/kafka-cluster.sh status [options]    which nodes run, and the cluster's addresses
#   testbed/kafka-cluster.sh kill   [options]    SIGKILL every node at once (tests' teardown)
#   testbed/kafka-cluster.sh stop-node N  / start-node N   one node, for broker-down scenarios
#   testbed/kafka-cluster.sh tool MAIN-CLASS ARGS...        a Kafka tool on the cluster's jars,
#                                                          e.g. org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
#   testbed/kafka-cluster.sh tool --dir DIR MAIN-CLASS ...  the tools of the Kafka version the cluster
#                                                          in DIR runs (KAFKA_VERSION in its cluster.env)
#   testbed/kafka-cluster.sh tool --version 3.9.1 MAIN-CLASS ...   the tools of that version: the KRaft
#                                                          test bed's (testbed/pom.xml) or ZooKeeper mode's
#
# Options:
#   --mode MODE       kraft (default) or zookeeper: one ZooKeeper node and --nodes
#                     Apache Kafka 3.9 brokers (Kafka 4 has no ZooKeeper mode), from
#                     testbed/zookeeper-mode/ (its pom.xml, ports and files are described
#                     in zookeeper-mode.sh there). Only `start` needs it: the other
#                     commands read the mode from DIR/cluster.env (KAFKA_MODE=zookeeper;
#                     ZOOKEEPER_CONNECT there is ZooKeeper's host:port), and in ZooKeeper
#                     mode also --port-base and --nodes when not given.
#   --dir DIR         the cluster's folder (default: $CACHE/cluster)
#   --port-base N     first port (default 9092); node i listens on
#                       N+i      PLAINTEXT          N+300+i  SASL_SSL (same mechanisms)
#                       N+100+i  CONTROLLER         N+400+i  SSL (client certificate required)
#                       N+200+i  SASL_PLAINTEXT     N+500+i  JMX (RMI)
#                                (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER)
#                       N+600+i  Prometheus JMX exporter    N+700+i  Jolokia
#                     (ZooKeeper mode: N+i PLAINTEXT, N+100 ZooKeeper, N+600+i JMX exporter)
#   --nodes N         number of combined broker+controller nodes (default 3)
#   --heap SIZE       each node's -Xmx (default 512m)
#
# Every node is both broker and controller (a static quorum of all nodes), with
# offsets.topic.replication.factor=3, default.replication.factor=3 and
# min.insync.replicas=2. Each node writes server.log, controller.log,
# state-change.log and log-cleaner.log into DIR/node-i/logs.
#
# The cluster's folder also gets, for tests and the demo:
#   cluster.env                   shell variables: bootstrap lists per listener, ports, users
#   client-*.properties           Kafka client configs per security setup
#   tls/                          the CA, broker and client certificates (PEM)
#
# Users: PLAIN and SCRAM-SHA-256/512 user "kafkascope" with password
# "kafkascope-secret"; OAUTHBEARER takes Kafka's unsecured JWS tokens.
#
# Environment: KAFKASCOPE_CACHE (default $HOME/.cache/kafkascope), JAVA (default java).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}"
JAVA="${JAVA:-java}"
KAFKA_VERSION="$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$HERE/pom.xml")"
POM="$HERE/pom.xml"
# One folder per pom: a pom that names more jars resolves beside the old
# folder, which clusters and tools still running may be reading.
jars_dir() { echo "$CACHE/kafka-$KAFKA_VERSION-$(sha256sum "$1" | cut -c1-8)"; }
JARS="$(jars_dir "$POM")"
ZK_POM="$HERE/zookeeper-mode/pom.xml"
CLUSTER_ID="a2Fma2FzY29wZS10ZXN0IQ" # base64url of "kafkascope-test!"
USER_NAME="kafkascope"
USER_PASSWORD="kafkascope-secret"
READY_TIMEOUT=90

log() { echo "kafka-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

dir="$CACHE/cluster"
port_base=9092
nodes=3
heap=512m
mode="" # kraft or zookeeper: --mode, else DIR/cluster.env's KAFKA_MODE, else kraft
port_base_given=""
nodes_given=""

parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="$2"; shift 2 ;;
      --mode) mode="$2"; shift 2 ;;
      --port-base) port_base="$2"; port_base_given=1; shift 2 ;;
      --nodes) nodes="$2"; nodes_given=1; shift 2 ;;
      --heap) heap="$2"; shift 2 ;;
      *) die "unknown option: $1" ;;
    esac
  done
  [[ "$port_base" =~ ^[0-9]+$ ]] || die "--port-base must be a number, got $port_base"
  [[ "$nodes" =~ ^[1-9]$ ]] || die "--nodes must be 1-9, got $nodes"
  [ "$((port_base + 799))" -le 65535 ] || die "--port-base $port_base leaves no room for 800 ports"
}

# The mode's jars: Kafka 4 for KRaft, 3.9 for ZooKeeper mode. With --no-dir
# only --mode decides (install); otherwise an existing cluster.env does too.
resolve_mode() {
  local found=""
  if [ "${1:-}" != --no-dir ] && [ -f "$dir/cluster.env" ]; then
    found=kraft
    grep -qx 'KAFKA_MODE=zookeeper' "$dir/cluster.env" && found=zookeeper
  fi
  [ -n "$mode" ] && [ -n "$found" ] && [ "$mode" != "$found" ] &&
    die "$dir holds a $found-mode cluster, not a $mode-mode one"
  mode="${mode:-${found:-kraft}}"
  # An existing cluster's own ports and size, unless given: status, stop and
  # the node commands then need only --dir.
  if [ -n "$found" ]; then
    [ -n "$port_base_given" ] || port_base="$(sed -n 's/^KAFKA_PORT_BASE=//p' "$dir/cluster.env")"
    [ -n "$nodes_given" ] || nodes="$(sed -n 's/^KAFKA_NODES=//p' "$dir/cluster.env")"
  fi
  case "$mode" in
    kraft) ;;
    zookeeper)
      POM="$ZK_POM"
      KAFKA_VERSION="$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$POM")"
      JARS="$(jars_dir "$POM")"
      ;;
    *) die "--mode must be kraft or zookeeper, got $mode" ;;
  esac
}

# Ports of node $1 by listener offset $2.
port() { echo $((port_base + $2 + $1)); }

# --- install: the jars, once --------------------------------------------------

install() {
  if [ -f "$JARS/.complete" ]; then
    return
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (and Java 17)"
  mkdir -p "$CACHE"
  exec 8>"$CACHE/kafka.lock"
  flock 8
  if [ ! -f "$JARS/.complete" ]; then
    log "resolving Apache Kafka $KAFKA_VERSION, its tools, Connect and the JMX agents with Maven into $JARS"
    rm -rf "$JARS"
    local agents=jmx_prometheus_javaagent,jolokia-agent-jvm
    mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$JARS/lib" -DexcludeArtifactIds="$agents" >&2
    mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$JARS/agents" -DincludeArtifactIds="$agents" -Dmdep.stripVersion=true >&2
    touch "$JARS/.complete"
  fi
  flock -u 8
}

# --- configuration --------------------------------------------------------------

make_certificates() {
  local tls="$dir/tls"
  [ -f "$tls/client.pem" ] && return
  log "generating a CA, a broker certificate and a client certificate in $tls"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kafkascope test CA" \
      -keyout ca.key -out ca.pem 2>/dev/null
    issue() { # name, subject, extensions
      openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key.pem" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$1.ext" -out "$1.cert.pem" 2>/dev/null
      # Kafka's PEM key store wants the PKCS#8 key followed by the chain in one file.
      openssl pkcs8 -topk8 -nocrypt -in "$1.key.pem" -out "$1.pk8.pem"
      cat "$1.pk8.pem" "$1.cert.pem" >"$1.pem"
      rm -f "$1.csr" "$1.ext"
    }
    issue broker "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
    issue client "/CN=kafkascope-client" "extendedKeyUsage=clientAuth"
  )
}

jaas_for_listener() { # listener name in lower case
  local l="$1"
  cat <<EOF
listener.name.$l.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$USER_NAME="$USER_PASSWORD";
listener.name.$l.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.$l.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.$l.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="$USER_NAME";
EOF
}

write_node_config() { # node id
  local i="$1" node="$dir/node-$1" voters="" j
  for ((j = 0; j < nodes; j++)); do
    voters+="${voters:+,}$j@127.0.0.1:$(port "$j" 100)"
  done
  mkdir -p "$node/logs"
  cat >"$node/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=PLAINTEXT://127.0.0.1:$(port "$i" 0),CONTROLLER://127.0.0.1:$(port "$i" 100),SASL_PLAINTEXT://127.0.0.1:$(port "$i" 200),SASL_SSL://127.0.0.1:$(port "$i" 300),SSL://127.0.0.1:$(port "$i" 400)
advertised.listeners=PLAINTEXT://127.0.0.1:$(port "$i" 0),SASL_PLAINTEXT://127.0.0.1:$(port "$i" 200),SASL_SSL://127.0.0.1:$(port "$i" 300),SSL://127.0.0.1:$(port "$i" 400)
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
log.dirs=$node/data
num.partitions=1
default.replication.factor=$((nodes < 3 ? nodes : 3))
offsets.topic.replication.factor=$((nodes < 3 ? nodes : 3))
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$((nodes < 3 ? nodes : 3))
transaction.state.log.min.isr=$((nodes < 2 ? 1 : 2))
share.coordinator.state.topic.replication.factor=$((nodes < 3 ? nodes : 3))
share.coordinator.state.topic.min.isr=$((nodes < 2 ? 1 : 2))
min.insync.replicas=$((nodes < 2 ? 1 : 2))
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.segment.bytes=16777216
log.retention.check.interval.ms=30000
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
$(jaas_for_listener sasl_plaintext)
$(jaas_for_listener sasl_ssl)
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
listener.name.ssl.ssl.client.auth=required
EOF
  sed "s|@LOGS@|$node/logs|g" "$HERE/log4j2.xml" >"$node/log4j2.xml"
}

write_client_files() {
  local list plain="" sasl="" sasl_ssl="" ssl="" jmx="" exporter="" jolokia="" i
  for ((i = 0; i < nodes; i++)); do
    plain+="${plain:+,}127.0.0.1:$(port "$i" 0)"
    sasl+="${sasl:+,}127.0.0.1:$(port "$i" 200)"
    sasl_ssl+="${sasl_ssl:+,}127.0.0.1:$(port "$i" 300)"
    ssl+="${ssl:+,}127.0.0.1:$(port "$i" 400)"
    jmx+="${jmx:+,}127.0.0.1:$(port "$i" 500)"
    exporter+="${exporter:+,}http://127.0.0.1:$(port "$i" 600)/metrics"
    jolokia+="${jolokia:+,}http://127.0.0.1:$(port "$i" 700)/jolokia/"
  done
  cat >"$dir/cluster.env" <<EOF
KAFKA_VERSION=$KAFKA_VERSION
KAFKA_LIB=$JARS/lib
KAFKA_NODES=$nodes
KAFKA_PORT_BASE=$port_base
KAFKA_CLUSTER_ID=$CLUSTER_ID
KAFKA_BOOTSTRAP=$plain
KAFKA_SASL_PLAINTEXT_BOOTSTRAP=$sasl
KAFKA_SASL_SSL_BOOTSTRAP=$sasl_ssl
KAFKA_SSL_BOOTSTRAP=$ssl
KAFKA_JMX=$jmx
KAFKA_JMX_EXPORTER=$exporter
KAFKA_JOLOKIA=$jolokia
KAFKA_USER=$USER_NAME
KAFKA_PASSWORD=$USER_PASSWORD
KAFKA_CA=$dir/tls/ca.pem
EOF
  for mechanism in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
    local module=org.apache.kafka.common.security.plain.PlainLoginModule
    [ "$mechanism" = PLAIN ] || module=org.apache.kafka.common.security.scram.ScramLoginModule
    for protocol in SASL_PLAINTEXT SASL_SSL; do
      list="$dir/client-$(echo "$protocol-$mechanism" | tr 'A-Z_' 'a-z-').properties"
      {
        echo "security.protocol=$protocol"
        echo "sasl.mechanism=$mechanism"
        echo "sasl.jaas.config=$module required username=\"$USER_NAME\" password=\"$USER_PASSWORD\";"
        [ "$protocol" = SASL_PLAINTEXT ] || echo "ssl.truststore.location=$dir/tls/ca.pem"
        [ "$protocol" = SASL_PLAINTEXT ] || echo "ssl.truststore.type=PEM"
      } >"$list"
    done
  done
  cat >"$dir/client-ssl.properties" <<EOF
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/client.pem
EOF
}

format_storage() {
  local pids=() i
  for ((i = 0; i < nodes; i++)); do
    [ -f "$dir/node-$i/data/meta.properties" ] && continue
    "$JAVA" -Xmx256m -cp "$JARS/lib/*" -Dlog4j2.configurationFile="$dir/node-$i/log4j2.xml" \
      kafka.tools.StorageTool format --config "$dir/node-$i/server.properties" \
      --cluster-id "$CLUSTER_ID" --ignore-formatted \
      --add-scram "SCRAM-SHA-256=[name=$USER_NAME,password=$USER_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$USER_NAME,password=$USER_PASSWORD]" \
      >"$dir/node-$i/logs/format.out" 2>&1 &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "formatting storage failed: $(cat "$dir"/node-*/logs/format.out)"
  done
}

# --- processes --------------------------------------------------------------------

pid_in() { # pid file; prints the pid if that process runs
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

node_pid() { pid_in "$dir/node-$1/pid"; } # node id; prints the pid if that node runs

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_ports_free() { # node id
  local offset name
  for offset in 0 100 200 300 400 500 600 700; do
    case "$offset" in
      0) name=PLAINTEXT ;; 100) name=CONTROLLER ;; 200) name=SASL_PLAINTEXT ;;
      300) name=SASL_SSL ;; 400) name=SSL ;; 500) name=JMX ;;
      600) name="JMX exporter" ;; 700) name=Jolokia ;;
    esac
    if port_in_use "$(port "$1" "$offset")"; then
      die "port $(port "$1" "$offset") (node $1 $name) is already in use; stop what holds it or pick another --port-base"
    fi
  done
}

launch_node() { # node id
  [ "$mode" = zookeeper ] && { zk_launch_broker "$1"; return; }
  local i="$1" node="$dir/node-$1"
  node_pid "$i" >/dev/null && return
  check_ports_free "$i"
  : >"$node/logs/stdout.log"
  # setsid: the node outlives this script and is not hit by the caller's Ctrl-C.
  setsid "$JAVA" -Xms128m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$node/log4j2.xml" -Dkafka.logs.dir="$node/logs" \
    -Dcom.sun.management.jmxremote \
    -Dcom.sun.management.jmxremote.port="$(port "$i" 500)" \
    -Dcom.sun.management.jmxremote.rmi.port="$(port "$i" 500)" \
    -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1 \
    -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false \
    -javaagent:"$JARS/agents/jmx_prometheus_javaagent.jar=127.0.0.1:$(port "$i" 600):$HERE/jmx-exporter-kafka.yml" \
    -javaagent:"$JARS/agents/jolokia-agent-jvm-javaagent.jar=host=127.0.0.1,port=$(port "$i" 700)" \
    -cp "$JARS/lib/*" kafka.Kafka "$node/server.properties" \
    >"$node/logs/stdout.log" 2>&1 </dev/null &
  echo "$!" >"$node/pid"
}

wait_until_ready() { # node ids
  local deadline=$((SECONDS + READY_TIMEOUT)) i ready_line="Kafka Server started"
  [ "$mode" = zookeeper ] && ready_line="$ZK_READY_LINE"
  for i in "$@"; do
    while ! grep -qF "$ready_line" "$dir/node-$i/logs/server.log" 2>/dev/null; do
      node_pid "$i" >/dev/null || die "node $i exited during start-up; last lines of its output:
$(tail -n 30 "$dir/node-$i/logs/stdout.log" "$dir/node-$i/logs/server.log" 2>/dev/null)"
      [ "$SECONDS" -lt "$deadline" ] || die "node $i not ready within ${READY_TIMEOUT}s (see $dir/node-$i/logs)"
      sleep 0.2
    done
  done
}

start() {
  install
  command -v openssl >/dev/null || die "openssl not found"
  mkdir -p "$dir"
  local started=() i
  make_certificates
  for ((i = 0; i < nodes; i++)); do
    write_node_config "$i"
  done
  write_client_files
  format_storage
  for ((i = 0; i < nodes; i++)); do
    node_pid "$i" >/dev/null && continue
    # A restart must wait for the new server.log line, not find the old one.
    [ -f "$dir/node-$i/logs/server.log" ] && mv "$dir/node-$i/logs/server.log" "$dir/node-$i/logs/server.log.previous"
    launch_node "$i"
    started+=("$i")
  done
  [ "${#started[@]}" -eq 0 ] && { log "already running ($dir)"; return; }
  log "starting node(s) ${started[*]} of Apache Kafka $KAFKA_VERSION in $dir"
  wait_until_ready "${started[@]}"
  log "ready: bootstrap $(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$dir/cluster.env")"
}

stop_node() { # node id
  local i="$1" pid waited=0
  pid="$(node_pid "$i")" || { rm -f "$dir/node-$i/pid"; return; }
  kill -TERM "$pid" 2>/dev/null || true
  # A controlled shutdown needs a quorum; the last nodes of a stopping cluster may not get one.
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 150 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$dir/node-$i/pid"
}

stop() {
  local i
  for ((i = 0; i < nodes; i++)); do
    stop_node "$i" &
  done
  wait
  log "stopped ($dir)"
}

kill_all() {
  local i pid
  for ((i = 0; i < nodes; i++)); do
    if pid="$(node_pid "$i")"; then
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$dir/node-$i/pid"
  done
}

tool() {
  install
  local logging=(-Dlog4j2.configurationFile="$HERE/log4j2-tools.xml")
  [ "$mode" = zookeeper ] && logging=(-Dlog4j.configuration="file:$HERE/zookeeper-mode/log4j-tools.properties")
  # --jmx-exporter PORT: the client's figures on a JMX exporter page, named
  # by the client rules, as kafkascope's client tests read them.
  local agent=()
  [ -n "${jmx_exporter_port:-}" ] &&
    agent=(-javaagent:"$JARS/agents/jmx_prometheus_javaagent.jar=127.0.0.1:$jmx_exporter_port:$HERE/jmx-exporter-clients.yml")
  exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 "${agent[@]}" -cp "$JARS/lib/*" "${logging[@]}" "$@"
}

# tool's own options, before the main class: --dir DIR, --version V,
# --jmx-exporter PORT.
tool_command() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="$2"; resolve_mode; shift 2 ;;
      --jmx-exporter) jmx_exporter_port="$2"; shift 2 ;;
      --version)
        case "$2" in
          "$KAFKA_VERSION") mode=kraft ;;
          "$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$ZK_POM")") mode=zookeeper ;;
          *) die "no test-bed jars for Kafka $2 (testbed/pom.xml and testbed/zookeeper-mode/pom.xml name the versions)" ;;
        esac
        resolve_mode --no-dir
        shift 2
        ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "tool needs a main class"
  tool "$@"
}

status() {
  local i running=0 pid
  for ((i = 0; i < nodes; i++)); do
    if pid="$(node_pid "$i")"; then
      echo "node $i: running (pid $pid), PLAINTEXT 127.0.0.1:$(port "$i" 0)"
      running=$((running + 1))
    else
      echo "node $i: stopped"
    fi
  done
  [ -f "$dir/cluster.env" ] && cat "$dir/cluster.env"
  [ "$running" -eq "$nodes" ]
}

# shellcheck source=zookeeper-mode/zookeeper-mode.sh
source "$HERE/zookeeper-mode/zookeeper-mode.sh"

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  install) parse_options "$@"; resolve_mode --no-dir; install; echo "$JARS/lib" ;;
  start)
    parse_options "$@"
    resolve_mode
    if [ "$mode" = zookeeper ]; then zk_start; else start; fi
    ;;
  stop)
    parse_options "$@"
    resolve_mode
    if [ "$mode" = zookeeper ]; then zk_stop; else stop; fi
    ;;
  status)
    parse_options "$@"
    resolve_mode
    if [ "$mode" = zookeeper ]; then zk_status; else status; fi
    ;;
  kill)
    parse_options "$@"
    resolve_mode
    if [ "$mode" = zookeeper ]; then zk_kill; else kill_all; fi
    ;;
  tool) tool_command "$@" ;;
  stop-node | start-node)
    node_id="${1:-}"
    [[ "$node_id" =~ ^[0-9]$ ]] || die "$command needs a node id"
    shift
    parse_options "$@"
    resolve_mode
    if [ "$command" = stop-node ]; then
      stop_node "$node_id"
    else
      install
      if [ "$mode" = zookeeper ] && ! node_pid "$node_id" >/dev/null; then
        zk_clear_stale "$node_id"
      fi
      mv -f "$dir/node-$node_id/logs/server.log" "$dir/node-$node_id/logs/server.log.previous" 2>/dev/null || true
      launch_node "$node_id"
      wait_until_ready "$node_id"
    fi
    ;;
  *) die "usage: $0 install|start|stop|kill|status|stop-node N|start-node N [--dir DIR] [--port-base N] [--nodes N] [--heap SIZE] [--mode kraft|zookeeper] | tool [--dir DIR | --version V] [--jmx-exporter PORT] MAIN-CLASS ARGS..." ;;
esac
