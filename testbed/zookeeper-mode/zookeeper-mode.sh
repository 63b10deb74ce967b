# ZooKeeper mode of testbed/kafka-cluster.sh (sourced by it, not run alone):
# one ZooKeeper node and N Apache Kafka 3.9 brokers, for users still on
# ZooKeeper (Kafka 4 removed it; 3.9 is the last line that has it).
#
# Ports (--port-base N):
#   N+i      broker i's PLAINTEXT listener (the only listener)
#   N+100    ZooKeeper's client port (four-letter words all allowed)
#   N+600+i  broker i's Prometheus JMX exporter
#
# DIR/zookeeper holds zoo.cfg, its data and logs/zookeeper.log; DIR/node-i
# holds broker i's server.properties, data and logs (server.log,
# controller.log, state-change.log, log-cleaner.log, ...), as in KRaft mode.
# No SASL, TLS, JMX port or Jolokia here.
#
# Uses kafka-cluster.sh's variables (dir, port_base, nodes, heap, JARS, JAVA,
# HERE, KAFKA_VERSION) and helpers (log, die, port, node_pid, port_in_use).

ZK_HERE="$HERE/zookeeper-mode"
ZK_READY_LINE='] started (kafka.server.KafkaServer)'

zk_port() { port 0 100; }

zk_pid() { pid_in "$dir/zookeeper/pid"; } # prints the pid if ZooKeeper runs

# ZooKeeper answers "imok" to "ruok" once it serves clients.
zk_answers() {
  local reply
  reply="$( (exec 3<>"/dev/tcp/127.0.0.1/$(zk_port)" && printf ruok >&3 && timeout 2 cat <&3) 2>/dev/null)" || true
  [ "$reply" = imok ]
}

zk_write_config() {
  local zk="$dir/zookeeper" i node
  mkdir -p "$zk/data" "$zk/logs"
  cat >"$zk/zoo.cfg" <<EOF
dataDir=$zk/data
clientPort=$(zk_port)
clientPortAddress=127.0.0.1
tickTime=2000
initLimit=10
syncLimit=5
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
EOF
  sed "s|@LOGS@|$zk/logs|g" "$ZK_HERE/log4j-zookeeper.properties" >"$zk/log4j.properties"
  for ((i = 0; i < nodes; i++)); do
    node="$dir/node-$i"
    mkdir -p "$node/logs"
    cat >"$node/server.properties" <<EOF
broker.id=$i
zookeeper.connect=127.0.0.1:$(zk_port)
zookeeper.connection.timeout.ms=18000
listeners=PLAINTEXT://127.0.0.1:$(port "$i" 0)
advertised.listeners=PLAINTEXT://127.0.0.1:$(port "$i" 0)
log.dirs=$node/data
num.partitions=1
default.replication.factor=$((nodes < 3 ? nodes : 3))
offsets.topic.replication.factor=$((nodes < 3 ? nodes : 3))
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$((nodes < 3 ? nodes : 3))
transaction.state.log.min.isr=$((nodes < 2 ? 1 : 2))
min.insync.replicas=$((nodes < 2 ? 1 : 2))
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.segment.bytes=16777216
log.retention.check.interval.ms=30000
EOF
    sed "s|@LOGS@|$node/logs|g" "$ZK_HERE/log4j.properties" >"$node/log4j.properties"
  done
}

zk_write_client_files() {
  local plain="" exporter="" i
  for ((i = 0; i < nodes; i++)); do
    plain+="${plain:+,}127.0.0.1:$(port "$i" 0)"
    exporter+="${exporter:+,}http://127.0.0.1:$(port "$i" 600)/metrics"
  done
  cat >"$dir/cluster.env" <<EOF
KAFKA_MODE=zookeeper
KAFKA_VERSION=$KAFKA_VERSION
KAFKA_LIB=$JARS/lib
KAFKA_NODES=$nodes
KAFKA_PORT_BASE=$port_base
KAFKA_BOOTSTRAP=$plain
KAFKA_JMX_EXPORTER=$exporter
ZOOKEEPER_CONNECT=127.0.0.1:$(zk_port)
EOF
}

zk_launch_zookeeper() {
  local zk="$dir/zookeeper" deadline=$((SECONDS + READY_TIMEOUT))
  zk_pid >/dev/null && return
  port_in_use "$(zk_port)" &&
    die "port $(zk_port) (ZooKeeper) is already in use; stop what holds it or pick another --port-base"
  : >"$zk/logs/stdout.log"
  setsid "$JAVA" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$zk/log4j.properties" -Dzookeeper.admin.enableServer=false \
    -cp "$JARS/lib/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$zk/zoo.cfg" \
    >"$zk/logs/stdout.log" 2>&1 </dev/null &
  echo "$!" >"$zk/pid"
  until zk_answers; do
    zk_pid >/dev/null || die "ZooKeeper exited during start-up; last lines of its output:
$(tail -n 30 "$zk/logs/stdout.log" "$zk/logs/zookeeper.log" 2>/dev/null)"
    [ "$SECONDS" -lt "$deadline" ] || die "ZooKeeper not ready within ${READY_TIMEOUT}s (see $zk/logs)"
    sleep 0.2
  done
}

zk_launch_broker() { # broker id
  local i="$1" node="$dir/node-$1" offset
  node_pid "$i" >/dev/null && return
  for offset in 0 600; do
    port_in_use "$(port "$i" "$offset")" &&
      die "port $(port "$i" "$offset") (broker $i) is already in use; stop what holds it or pick another --port-base"
  done
  : >"$node/logs/stdout.log"
  setsid "$JAVA" -Xms128m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$node/log4j.properties" -Dkafka.logs.dir="$node/logs" \
    -javaagent:"$JARS/agents/jmx_prometheus_javaagent.jar=127.0.0.1:$(port "$i" 600):$HERE/jmx-exporter-kafka.yml" \
    -cp "$JARS/lib/*" kafka.Kafka "$node/server.properties" \
    >"$node/logs/stdout.log" 2>&1 </dev/null &
  echo "$!" >"$node/pid"
}

# A broker that was killed leaves its registration (/brokers/ids/N, and
# /controller if it was the controller) in ZooKeeper until its session
# expires (18 s), even across a ZooKeeper restart; a broker starting with
# that id before then exits ("node already exists"). The brokers about to
# start are not running, so what ZooKeeper holds for them is stale.
zk_clear_stale() { # ids of brokers about to start
  local commands="" i
  for i in "$@"; do
    commands+="delete /brokers/ids/$i"$'\n'
  done
  # None of the brokers runs: the controller named there is gone too.
  [ "$#" -eq "$nodes" ] && commands+="delete /controller"$'\n'
  printf '%squit\n' "$commands" |
    "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -cp "$JARS/lib/*" \
      -Dlog4j.configuration="file:$ZK_HERE/log4j-tools.properties" \
      org.apache.zookeeper.ZooKeeperMain -server "127.0.0.1:$(zk_port)" >/dev/null 2>&1 || true
}

zk_start() {
  install
  mkdir -p "$dir"
  local started=() i fresh=1
  # Nothing can be stale in a ZooKeeper that never ran.
  [ -d "$dir/zookeeper/data/version-2" ] && fresh=""
  zk_write_config
  zk_write_client_files
  zk_launch_zookeeper
  for ((i = 0; i < nodes; i++)); do
    node_pid "$i" >/dev/null || started+=("$i")
  done
  [ "${#started[@]}" -eq 0 ] && { log "already running ($dir)"; return; }
  [ -n "$fresh" ] || zk_clear_stale "${started[@]}"
  for i in "${started[@]}"; do
    # A restart must wait for the new server.log line, not find the old one.
    [ -f "$dir/node-$i/logs/server.log" ] && mv "$dir/node-$i/logs/server.log" "$dir/node-$i/logs/server.log.previous"
    zk_launch_broker "$i"
  done
  log "starting broker(s) ${started[*]} of Apache Kafka $KAFKA_VERSION (ZooKeeper mode, ZooKeeper 127.0.0.1:$(zk_port)) in $dir"
  wait_until_ready "${started[@]}"
  log "ready: bootstrap $(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$dir/cluster.env")"
}

# Brokers first (a controlled shutdown needs ZooKeeper), then ZooKeeper.
zk_stop() {
  local i pid
  for ((i = 0; i < nodes; i++)); do
    stop_node "$i" &
  done
  wait
  if pid="$(zk_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/zookeeper/pid"
  log "stopped ($dir)"
}

zk_kill() {
  local pid
  kill_all
  if pid="$(zk_pid)"; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$dir/zookeeper/pid"
}

zk_status() {
  local pid up=0
  if pid="$(zk_pid)"; then
    echo "zookeeper: running (pid $pid), 127.0.0.1:$(zk_port)"
    up=1
  else
    echo "zookeeper: stopped"
  fi
  status && [ "$up" -eq 1 ]
}
