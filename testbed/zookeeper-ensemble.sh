#!/usr/bin/env bash
# The ZooKeeper ensemble test bed: N real Apache ZooKeeper members on loopback
# (a quorum of all of them), started with plain `java -cp` from jars Maven
# resolves once into the cache (testbed/zookeeper-ensemble/pom.xml).
#
#   testbed/zookeeper-ensemble.sh install                 resolve the jars (once) and print the lib dir
#   testbed/zookeeper-ensemble.sh start [options]         start every member, wait until each answers
#   testbed/zookeeper-ensemble.sh stop-member I [options] stop member I (SIGTERM, then SIGKILL)
#   testbed/zookeeper-ensemble.sh start-member I [options]  start member I again, wait until it serves
#   testbed/zookeeper-ensemble.sh stop [options]          stop every member
#   testbed/zookeeper-ensemble.sh kill [options]          SIGKILL every member at once (tests' teardown)
#   testbed/zookeeper-ensemble.sh status [options]        which members run, and their addresses
#
# Options:
#   --dir DIR         the ensemble's folder (default: $CACHE/zookeeper-ensemble)
#   --port-base N     first port (default 2180); member I (1..N) listens on
#                       N+I      client port (four-letter words)
#                       N+10+I   AdminServer port (with --admin-server)
#                       N+20+I   quorum port   N+40+I  leader election port
#                     (50 ports: tests put an ensemble between the test Kafka
#                     clusters' port ranges)
#   --members N       number of members, 1-9 (default 3)
#   --whitelist-member I CMDS   member I allows only the four-letter words CMDS
#                     (comma-separated, e.g. srvr,ruok); the others allow all (*)
#   --admin-server    every member also serves its AdminServer (Jetty, HTTP
#                     GET /commands/<name> answering JSON) on 127.0.0.1:N+10+I;
#                     off by default, as ZooKeeper runs in most tests
#   --heap SIZE       each member's -Xmx (default 128m)
#
# Only `start` needs --port-base, --members, --whitelist-member and
# --admin-server: the other commands read them from DIR/ensemble.env, which
# `start` writes for tests: ZOOKEEPER_CONNECT (host:port,...),
# ZOOKEEPER_MEMBER_I (host:port of member I), ZOOKEEPER_MEMBERS,
# ZOOKEEPER_PORT_BASE, ZOOKEEPER_VERSION, and with --admin-server
# ZOOKEEPER_ADMIN_SERVER=1 and ZOOKEEPER_ADMIN_I (http://host:port of member
# I's AdminServer).
# DIR/member-I holds zoo.cfg, data/ (myid) and logs/zookeeper.log.
#
# Environment: KAFKASCOPE_CACHE (default $HOME/.cache/kafkascope), JAVA (default java).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}"
JAVA="${JAVA:-java}"
POM="$HERE/zookeeper-ensemble/pom.xml"
ZOOKEEPER_VERSION="$(sed -n 's|.*<zookeeper.version>\(.*\)</zookeeper.version>.*|\1|p' "$POM")"
# One folder per pom, as testbed/kafka-cluster.sh keeps them.
JARS="$CACHE/zookeeper-$ZOOKEEPER_VERSION-$(sha256sum "$POM" | cut -c1-8)"
READY_TIMEOUT=90

log() { echo "zookeeper-ensemble: $*" >&2; }
die() { log "error: $*"; exit 1; }

dir="$CACHE/zookeeper-ensemble"
port_base=2180
members=3
heap=128m
whitelist_member=""
whitelist_commands=""
admin_server=""
port_base_given=""
members_given=""

parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="$2"; shift 2 ;;
      --port-base) port_base="$2"; port_base_given=1; shift 2 ;;
      --members) members="$2"; members_given=1; shift 2 ;;
      --whitelist-member) whitelist_member="$2"; whitelist_commands="$3"; shift 3 ;;
      --admin-server) admin_server=1; shift ;;
      --heap) heap="$2"; shift 2 ;;
      *) die "unknown option: $1" ;;
    esac
  done
  # An existing ensemble's own ports and size, unless given.
  if [ -f "$dir/ensemble.env" ]; then
    [ -n "$port_base_given" ] || port_base="$(sed -n 's/^ZOOKEEPER_PORT_BASE=//p' "$dir/ensemble.env")"
    [ -n "$members_given" ] || members="$(sed -n 's/^ZOOKEEPER_MEMBERS=//p' "$dir/ensemble.env")"
    [ -n "$admin_server" ] || admin_server="$(sed -n 's/^ZOOKEEPER_ADMIN_SERVER=//p' "$dir/ensemble.env")"
  fi
  [[ "$port_base" =~ ^[0-9]+$ ]] || die "--port-base must be a number, got $port_base"
  [[ "$members" =~ ^[1-9]$ ]] || die "--members must be 1-9, got $members"
  [ "$((port_base + 49))" -le 65535 ] || die "--port-base $port_base leaves no room for 50 ports"
  if [ -n "$whitelist_member" ]; then
    member_id_ok "$whitelist_member" || die "--whitelist-member needs a member 1-$members, got $whitelist_member"
    [[ "$whitelist_commands" =~ ^[a-z*]+(,[a-z*]+)*$ ]] ||
      die "--whitelist-member $whitelist_member needs commands like srvr,ruok, got '$whitelist_commands'"
  fi
}

member_id_ok() { [[ "$1" =~ ^[1-9]$ ]] && [ "$1" -le "$members" ]; }

client_port() { echo $((port_base + $1)); }
admin_port() { echo $((port_base + 10 + $1)); }
quorum_port() { echo $((port_base + 20 + $1)); }
election_port() { echo $((port_base + 40 + $1)); }

# --- install: the jars, once --------------------------------------------------

install() {
  [ -f "$JARS/.complete" ] && return
  command -v mvn >/dev/null || die "mvn not found: install Maven (and Java 17)"
  mkdir -p "$CACHE"
  exec 8>"$CACHE/zookeeper.lock"
  flock 8
  if [ ! -f "$JARS/.complete" ]; then
    log "resolving Apache ZooKeeper $ZOOKEEPER_VERSION with Maven into $JARS"
    rm -rf "$JARS"
    mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$JARS/lib" >&2
    touch "$JARS/.complete"
  fi
  flock -u 8
}

# --- configuration --------------------------------------------------------------

write_member_config() { # member id
  local i="$1" member="$dir/member-$1" whitelist="*" j
  [ "$i" = "$whitelist_member" ] && whitelist="$whitelist_commands"
  mkdir -p "$member/data" "$member/logs"
  echo "$i" >"$member/data/myid"
  {
    cat <<EOF
dataDir=$member/data
clientPort=$(client_port "$i")
clientPortAddress=127.0.0.1
tickTime=1000
initLimit=10
syncLimit=5
maxClientCnxns=0
4lw.commands.whitelist=$whitelist
EOF
    if [ -n "$admin_server" ]; then
      echo "admin.enableServer=true"
      echo "admin.serverAddress=127.0.0.1"
      echo "admin.serverPort=$(admin_port "$i")"
    else
      echo "admin.enableServer=false"
    fi
    for ((j = 1; j <= members; j++)); do
      echo "server.$j=127.0.0.1:$(quorum_port "$j"):$(election_port "$j")"
    done
  } >"$member/zoo.cfg"
}

write_ensemble_env() {
  local connect="" i
  for ((i = 1; i <= members; i++)); do
    connect+="${connect:+,}127.0.0.1:$(client_port "$i")"
  done
  {
    echo "ZOOKEEPER_VERSION=$ZOOKEEPER_VERSION"
    echo "ZOOKEEPER_MEMBERS=$members"
    echo "ZOOKEEPER_PORT_BASE=$port_base"
    echo "ZOOKEEPER_CONNECT=$connect"
    for ((i = 1; i <= members; i++)); do
      echo "ZOOKEEPER_MEMBER_$i=127.0.0.1:$(client_port "$i")"
    done
    [ -n "$whitelist_member" ] && echo "ZOOKEEPER_WHITELIST_MEMBER=$whitelist_member"
    [ -n "$whitelist_member" ] && echo "ZOOKEEPER_WHITELIST=$whitelist_commands"
    if [ -n "$admin_server" ]; then
      echo "ZOOKEEPER_ADMIN_SERVER=1"
      for ((i = 1; i <= members; i++)); do
        echo "ZOOKEEPER_ADMIN_$i=http://127.0.0.1:$(admin_port "$i")"
      done
    fi
    true
  } >"$dir/ensemble.env"
}

# --- processes --------------------------------------------------------------------

pid_in() { # pid file; prints the pid if that process runs
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

member_pid() { pid_in "$dir/member-$1/pid"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A four-letter word's answer from member $1 (empty if it does not answer).
ask() { # member id, word
  ( (exec 3<>"/dev/tcp/127.0.0.1/$(client_port "$1")" && printf '%s' "$2" >&3 && timeout 2 cat <&3) 2>/dev/null) || true
}

launch_member() { # member id
  local i="$1" member="$dir/member-$1" port ports admin=false
  member_pid "$i" >/dev/null && return
  ports=("$(client_port "$i")" "$(quorum_port "$i")" "$(election_port "$i")")
  if [ -n "$admin_server" ]; then
    ports+=("$(admin_port "$i")")
    admin=true
  fi
  for port in "${ports[@]}"; do
    port_in_use "$port" &&
      die "port $port (member $i) is already in use; stop what holds it or pick another --port-base"
  done
  [ -f "$member/zoo.cfg" ] || die "member $i has no configuration in $member: run start first"
  [ -f "$member/logs/zookeeper.log" ] && mv -f "$member/logs/zookeeper.log" "$member/logs/zookeeper.log.previous"
  : >"$member/logs/stdout.log"
  # setsid: the member outlives this script and is not hit by the caller's Ctrl-C.
  setsid "$JAVA" -Xms32m -Xmx"$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dzookeeper.log.dir="$member/logs" -Dlogback.configurationFile="$HERE/zookeeper-ensemble/logback.xml" \
    -Dzookeeper.admin.enableServer="$admin" -Dzookeeper.jmx.log4j.disable=true \
    -cp "$JARS/lib/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$member/zoo.cfg" \
    >"$member/logs/stdout.log" 2>&1 </dev/null &
  echo "$!" >"$member/pid"
}

# Ready: `srvr` names its mode (it serves: a quorum formed), or the member
# refuses `srvr` by its whitelist and answers at all; and its AdminServer
# listens, when it has one.
member_ready() { # member id
  local answer
  answer="$(ask "$1" srvr)"
  [[ "$answer" == *"Mode: "* || "$answer" == *"not in the whitelist"* ]] || return 1
  [ -z "$admin_server" ] || port_in_use "$(admin_port "$1")"
}

wait_until_ready() { # member ids
  local deadline=$((SECONDS + READY_TIMEOUT)) i
  for i in "$@"; do
    until member_ready "$i"; do
      member_pid "$i" >/dev/null || die "member $i exited during start-up; last lines of its output:
$(tail -n 30 "$dir/member-$i/logs/stdout.log" "$dir/member-$i/logs/zookeeper.log" 2>/dev/null)"
      [ "$SECONDS" -lt "$deadline" ] || die "member $i not serving within ${READY_TIMEOUT}s (see $dir/member-$i/logs)"
      sleep 0.2
    done
  done
}

start() {
  install
  mkdir -p "$dir"
  local started=() i
  for ((i = 1; i <= members; i++)); do
    write_member_config "$i"
  done
  write_ensemble_env
  for ((i = 1; i <= members; i++)); do
    member_pid "$i" >/dev/null && continue
    launch_member "$i"
    started+=("$i")
  done
  [ "${#started[@]}" -eq 0 ] && { log "already running ($dir)"; return; }
  log "starting member(s) ${started[*]} of Apache ZooKeeper $ZOOKEEPER_VERSION in $dir"
  wait_until_ready "${started[@]}"
  log "ready: $(sed -n 's/^ZOOKEEPER_CONNECT=//p' "$dir/ensemble.env")"
}

stop_member() { # member id
  local i="$1" pid waited=0
  pid="$(member_pid "$i")" || { rm -f "$dir/member-$i/pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$dir/member-$i/pid"
}

stop() {
  local i
  for ((i = 1; i <= members; i++)); do
    stop_member "$i" &
  done
  wait
  log "stopped ($dir)"
}

kill_all() {
  local i pid
  for ((i = 1; i <= members; i++)); do
    if pid="$(member_pid "$i")"; then
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$dir/member-$i/pid"
  done
}

status() {
  local i pid mode running=0
  for ((i = 1; i <= members; i++)); do
    if pid="$(member_pid "$i")"; then
      mode="$(ask "$i" srvr | sed -n 's/^Mode: //p')"
      echo "member $i: running (pid $pid), 127.0.0.1:$(client_port "$i")${admin_server:+, AdminServer 127.0.0.1:$(admin_port "$i")}${mode:+, $mode}"
      running=$((running + 1))
    else
      echo "member $i: stopped"
    fi
  done
  [ "$running" -eq "$members" ]
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  install)
    install
    echo "$JARS/lib"
    ;;
  start)
    parse_options "$@"
    start
    ;;
  stop)
    parse_options "$@"
    stop
    ;;
  kill)
    parse_options "$@"
    kill_all
    ;;
  status)
    parse_options "$@"
    status
    ;;
  stop-member | start-member)
    member_id="${1:-}"
    [ $# -gt 0 ] && shift
    parse_options "$@"
    member_id_ok "$member_id" || die "$command needs a member 1-$members, got '$member_id'"
    if [ "$command" = stop-member ]; then
      stop_member "$member_id"
    else
      install
      launch_member "$member_id"
      wait_until_ready "$member_id"
    fi
    ;;
  *) die "usage: $0 install|start|stop|kill|status|stop-member I|start-member I [--dir DIR] [--port-base N] [--members N] [--whitelist-member I CMDS] [--admin-server] [--heap SIZE]" ;;
esac
