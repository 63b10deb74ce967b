#!/usr/bin/env bash
# Broker log following: generates a realistic Kafka server log (Kafka's own
# layout, the line shapes of a real 4.x broker, stack traces, some lines the
# detectors fire on, a little binary garbage), then runs log_follow (release
# build, one thread) over it beside the floor of reading the same bytes:
# `wc -l` and `grep -c` (fixed string), each from a warm page cache.
#
# Prints lines/s and MB/s, the events found, CPU time and peak RSS (from
# /usr/bin/time -v and the program's own getrusage).
#
# Knobs (environment variables, defaults in brackets):
#   LOGS_BENCH_MB [1024]   size of the generated log, in MB
#   LOGS_BENCH_DIR [a new temporary folder, removed at the end]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MB="${LOGS_BENCH_MB:-1024}"
if [ -n "${LOGS_BENCH_DIR:-}" ]; then
  DIR="$LOGS_BENCH_DIR"
  mkdir -p "$DIR"
else
  DIR="$(mktemp -d -t kafkascope-logs-bench-XXXXXX)"
  trap 'rm -rf "$DIR"' EXIT
fi
LOG="$DIR/server.log"

log() { printf 'logs-bench: %s\n' "$*" >&2; }

generate() {
  python3 - "$LOG" "$MB" <<'PY'
import random
import sys

path, megabytes = sys.argv[1], int(sys.argv[2])
target = megabytes * 1_000_000
random.seed(7)
topics = [f"orders-{i}" for i in range(40)] + ["__consumer_offsets", "payments", "clicks"]

def ordinary(t, p, n):
    # The shapes of a busy 4.x broker's server.log and state-change.log.
    return random.choice([
        f"INFO [ProducerStateManager partition={t}-{p}] Wrote producer snapshot at offset {n} with 0 producer ids in 1 ms. (org.apache.kafka.storage.internals.log.ProducerStateManager)",
        f"INFO [LocalLog partition={t}-{p}, dir=/var/lib/kafka/data] Rolled new log segment at offset {n} in 2 ms. (org.apache.kafka.storage.internals.log.LocalLog)",
        f"INFO [UnifiedLog partition={t}-{p}, dir=/var/lib/kafka/data] Deleting segment LogSegment(baseOffset={n}, size=1048576, lastModifiedTime=1796609166357, largestRecordTimestamp=1796609166000) due to log retention time 604800000ms breach based on the largest record timestamp in the segment (org.apache.kafka.storage.internals.log.UnifiedLog)",
        f"INFO [GroupCoordinator 0]: Preparing to rebalance group consumers-{p} in state PreparingRebalance with old generation {n % 97} (__consumer_offsets-{p}) (reason: Adding new member consumer-1-{n} with group instance id null) (org.apache.kafka.coordinator.group.GroupMetadataManager)",
        f"INFO [ReplicaFetcher replicaId=0, leaderId=1, fetcherId=0] Truncating partition {t}-{p} with TruncationState(offset={n}, completed=true) due to local high watermark {n} (kafka.server.ReplicaFetcherThread)",
        f"INFO [Broker id=0] Transitioning {p + 1} partition(s) to local followers. (state.change.logger)",
        f"INFO [MetadataLoader id=0] maybePublishMetadata(LOG_DELTA): The loader finished catching up to the current high water mark of {n} (org.apache.kafka.image.loader.MetadataLoader)",
        f"INFO [SocketServer listenerType=BROKER, nodeId=0] Created connection 127.0.0.1:9092-10.0.{p}.{n % 250}:{n % 60000}-{n % 8} (kafka.network.Processor)",
        f"WARN [ReplicaFetcher replicaId=0, leaderId=2, fetcherId=0] Received UNKNOWN_TOPIC_OR_PARTITION from the leader for partition {t}-{p}. This error may be returned transiently when the partition is being created or deleted, but it is not expected to persist. (kafka.server.ReplicaFetcherThread)",
        f"INFO [Broker id=0] Follower {t}-{p} starts at leader epoch {n % 9} from offset {n} with partition epoch {n % 11} and high watermark {n}. Current leader is 1. Previous leader None and previous leader epoch was -1. (state.change.logger)",
        f"INFO [Broker id=0] Skipped the become-follower state change for {t}-{p} with topic id Some(6AqkeWznTwyTG4mnJaJtKw), partition registration PartitionRegistration(replicas=[1, 2, 0], directories=[ASPH3DD9afiQ-lh7MMCcAQ, hRXf4M9diaIkGGvBz7q0og, MbPOOVfk-BJmZPgyPqE-0A], isr=[1, 2, 0], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=1) and isNew=false since it is already a follower with leader epoch 0. (state.change.logger)",
    ])

def rare(t, p, n):
    # Lines the detectors fire on.
    return random.choice([
        f"INFO [Partition {t}-{p} broker=0] Shrinking ISR from 0,1,2 to 0,1. Leader: (highWatermark: {n}, endOffset: {n + 5}). Out of sync replicas: (brokerId: 2, endOffset: {n}, lastCaughtUpTimeMs: 1796609166357). (kafka.cluster.Partition)",
        f"INFO [Partition {t}-{p} broker=0] ISR updated to 0,1,2  and version updated to {n % 50} (kafka.cluster.Partition)",
        f"INFO [SocketServer listenerType=BROKER, nodeId=0] Failed authentication with /10.0.{p}.{n % 250} (channelId=127.0.0.1:9092-10.0.{p}.{n % 250}:{n % 60000}-3-0) (Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256) (org.apache.kafka.common.network.Selector)",
        f"INFO [QuorumController id=0] Replayed BrokerRegistrationChangeRecord modifying the registration for broker 2: BrokerRegistrationChangeRecord(brokerId=2, brokerEpoch={n % 1000}, fenced={random.choice([1, -1])}, inControlledShutdown=0, logDirs=[], cordonedLogDirs=null) (org.apache.kafka.controller.ClusterControlManager)",
    ])

STACK = [
    "java.io.IOException: Connection to 2 was disconnected before the response was read",
    "\tat org.apache.kafka.clients.NetworkClientUtils.sendAndReceive(NetworkClientUtils.java:101)",
    "\tat kafka.server.BrokerBlockingSender.sendRequest(BrokerBlockingSender.scala:114)",
    "\tat kafka.server.RemoteLeaderEndPoint.fetch(RemoteLeaderEndPoint.scala:79)",
    "\tat kafka.server.AbstractFetcherThread.processFetchRequest(AbstractFetcherThread.scala:316)",
    "\tat kafka.server.AbstractFetcherThread.$anonfun$maybeFetch$3(AbstractFetcherThread.scala:130)",
    "\tat kafka.server.AbstractFetcherThread.maybeFetch(AbstractFetcherThread.scala:129)",
    "\tat kafka.server.AbstractFetcherThread.doWork(AbstractFetcherThread.scala:112)",
    "\tat org.apache.kafka.server.util.ShutdownableThread.run(ShutdownableThread.java:136)",
]

with open(path, "w", encoding="utf-8", newline="\n") as out:
    written, n, millis = 0, 0, 1_796_600_000_000
    while written < target:
        block = []
        for _ in range(20_000):
            n += 1
            millis += random.randint(0, 3)
            seconds, ms = divmod(millis, 1000)
            minute, second = divmod(seconds % 3600, 60)
            hour = (seconds // 3600) % 24
            stamp = f"[2026-12-07 {hour:02}:{minute:02}:{second:02},{ms:03}]"
            t, p = random.choice(topics), random.randint(0, 49)
            roll = random.random()
            if roll < 0.002:
                block.append(f"{stamp} {rare(t, p, n)}")
            elif roll < 0.012:
                block.append(f"{stamp} ERROR [ReplicaFetcher replicaId=0, leaderId=2, fetcherId=0] Error in response for fetch request (type=FetchRequest, replicaId=0, maxWait=500, minBytes=1, maxBytes=10485760) (kafka.server.ReplicaFetcherThread)")
                block.extend(STACK)
            else:
                block.append(f"{stamp} {ordinary(t, p, n)}")
        if n % 1_000_000 < 20_000:
            block.append("\x00\x00\x00\x00\x00 garbage from a crashed write")
        text = "\n".join(block) + "\n"
        out.write(text)
        written += len(text.encode())
PY
}

timed() {
  # timed NAME COMMAND...: runs COMMAND under /usr/bin/time -v, leaving its
  # stdout, wall seconds and peak RSS (MB) in $DIR/NAME.{out,wall,rss}.
  local name="$1" time_out="$DIR/$1.time"
  shift
  /usr/bin/time -v "$@" 2>"$time_out" >"$DIR/$name.out" || { cat "$time_out" >&2; return 1; }
  sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$time_out" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }' >"$DIR/$name.wall"
  awk '/Maximum resident set size/ { printf "%.1f\n", $6 / 1024 }' "$time_out" >"$DIR/$name.rss"
}

log "building log_follow (release)"
(cd "$ROOT" && cargo build --release -q -p kafkascope-bench --bin log_follow)
BIN="$ROOT/target/release/log_follow"

log "generating a ${MB} MB log in $DIR"
generate
BYTES="$(stat -c %s "$LOG")"
cat "$LOG" >/dev/null # a warm page cache for every reader below

echo "file: $(awk -v b="$BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }'), generated by bench/logs.sh"
echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), shared; page cache warm"
echo

timed wc wc -l "$LOG"
timed grep grep -c -F 'Failed authentication with' "$LOG"
timed follow "$BIN" "$LOG" --node 0
LINES="$(awk '{ print $1 }' "$DIR/wc.out")"
GREP="$(cat "$DIR/grep.out")"
FOLLOW="$(cat "$DIR/follow.out")"
WC_WALL="$(cat "$DIR/wc.wall")" WC_RSS="$(cat "$DIR/wc.rss")"
GREP_WALL="$(cat "$DIR/grep.wall")" GREP_RSS="$(cat "$DIR/grep.rss")"
FOLLOW_WALL="$(cat "$DIR/follow.wall")" FOLLOW_RSS="$(cat "$DIR/follow.rss")"
value() { sed -n "s/^$1=//p" <<<"$FOLLOW"; }

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
mbs() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "-" }'; }

printf '%-34s %10s %14s %10s %12s\n' "reader" "wall s" "lines/s" "MB/s" "peak RSS MB"
printf '%-34s %10s %14s %10s %12s\n' "wc -l (floor: count newlines)" "$WC_WALL" "$(rate "$LINES" "$WC_WALL")" "$(mbs "$WC_WALL")" "$WC_RSS"
printf '%-34s %10s %14s %10s %12s\n' "grep -c -F (floor: one needle)" "$GREP_WALL" "$(rate "$LINES" "$GREP_WALL")" "$(mbs "$GREP_WALL")" "$GREP_RSS"
printf '%-34s %10s %14s %10s %12s\n' "log_follow (parse + detect)" "$FOLLOW_WALL" "$(rate "$LINES" "$FOLLOW_WALL")" "$(mbs "$FOLLOW_WALL")" "$FOLLOW_RSS"
echo
echo "log_follow, its own figures (one thread):"
echo "  lines $(value lines), records $(value records), lines skipped $(value skipped_lines), continuation lines cut $(value lines_cut)"
echo "  wall $(value wall_seconds) s, CPU $(value cpu_seconds) s: $(value lines_per_second) lines/s, $(value lines_per_cpu_second) lines per CPU second, $(value mb_per_second) MB/s; peak RSS $(value peak_rss_mb) MB"
echo "  events $(value events): $(sed -n 's/^events_\(.*\)=\(.*\)/\1 \2/p' <<<"$FOLLOW" | paste -sd ',' | sed 's/,/, /g')"
echo "  grep -c counted $GREP authentication failure lines"
echo "target: >= 500000 lines/s on one core for parse + detect; peak RSS < 50 MB whatever the file size"
