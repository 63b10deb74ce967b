#!/usr/bin/env python3
"""Keeps consumer groups moving on the benchmark's cluster, so a collector's
record timestamp cache misses every cycle as it would with live consumers.

First produces records ahead into every partition (as build_cluster.py
does: one record per batch on tansu, batched on Kafka), so that the moved
offsets stay below the log end and keep lagging; then, every
BENCH_MOVE_PERIOD seconds, commits offset+1 on every partition of a rotating
slice of the groups holding BENCH_MOVE_SHARE of the group-partitions (slice
k is the groups g with g % slices == k), until it is sent SIGTERM or has
moved for BENCH_MOVE_SECONDS. Prints "moving" on
stderr once the records are in, and one JSON summary on stdout at the end.

Commits go through AdminClient.alter_consumer_group_offsets (one group per
call, all calls of a slice in flight at once): the groups have no members,
so the broker takes a plain OffsetCommit for them.

Usage: move_commits.py BOOTSTRAP   (sizes come from the environment, as for
build_cluster.py)
"""

import json
import math
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402

import build_cluster as cluster  # noqa: E402

SHARE = float(os.environ.get("BENCH_MOVE_SHARE") or 0.1)
PERIOD = float(os.environ.get("BENCH_MOVE_PERIOD") or 1.0)
SECONDS = float(os.environ.get("BENCH_MOVE_SECONDS") or 60)


def log(message):
    print(f"[move_commits] {message}", file=sys.stderr, flush=True)


class Mover:
    def __init__(self, bootstrap):
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.slices = max(1, round(1 / SHARE)) if SHARE > 0 else 1
        self.offsets = {
            g: {(t, p): cluster.initial_offset(g, t, p) for t, p in cluster.group_partitions(g)}
            for g in range(cluster.GROUPS)
        }
        self.ticks = self.commits = self.failures = self.late = 0
        self.first_failure = None

    def commit_slice(self, k):
        """Commits offset+1 for every partition of slice k's groups."""
        moved = {}
        for g in range(k % self.slices, cluster.GROUPS, self.slices):
            partitions = self.offsets[g]
            new = {tp: offset + 1 for tp, offset in partitions.items()}
            request = ConsumerGroupTopicPartitions(
                cluster.group_name(g),
                [TopicPartition(cluster.topic_name(t), p, o) for (t, p), o in new.items()],
            )
            future = self.admin.alter_consumer_group_offsets([request], request_timeout=30)
            moved[g] = (new, next(iter(future.values())))
        for g, (new, future) in moved.items():
            try:
                future.result()
                self.offsets[g] = new
                self.commits += len(new)
            except KafkaException as e:
                self.failures += 1
                self.first_failure = self.first_failure or str(e)


def produce_ahead(bootstrap, records):
    jobs = [
        (bootstrap, a, b, records)
        for a, b in cluster.ranges(cluster.TOPICS, cluster.WORKERS * 4)
    ]
    with ProcessPoolExecutor(max_workers=cluster.WORKERS) as pool:
        return sum(pool.map(cluster.produce_range, jobs))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: move_commits.py BOOTSTRAP")
    bootstrap = sys.argv[1]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))

    mover = Mover(bootstrap)
    max_ticks = max(1, math.ceil(SECONDS / PERIOD))
    # Each group is moved once per round of slices; one record more keeps
    # the last moved offset below the log end.
    ahead = math.ceil(max_ticks / mover.slices) + 1
    started = time.monotonic()
    sent = produce_ahead(bootstrap, ahead)
    log(f"produced {sent} records ({ahead} per partition) in {time.monotonic() - started:.1f}s")
    log(f"moving: every {PERIOD}s, 1/{mover.slices} of the groups commit offset+1 on all their partitions")

    started = time.monotonic()
    while not stop and mover.ticks < max_ticks:
        tick_started = time.monotonic()
        mover.commit_slice(mover.ticks)
        mover.ticks += 1
        spent = time.monotonic() - tick_started
        if spent > PERIOD:
            mover.late += 1
        deadline = started + mover.ticks * PERIOD
        while not stop and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
    elapsed = time.monotonic() - started
    if not stop:
        log(f"stopped after {mover.ticks} rounds: the records produced ahead are used up")
    summary = {
        "share": SHARE,
        "period_s": PERIOD,
        "slices": mover.slices,
        "records_ahead": ahead,
        "ticks": mover.ticks,
        "late_ticks": mover.late,
        "group_partition_commits": mover.commits,
        "commits_per_second": mover.commits / elapsed if elapsed > 0 else 0.0,
        "failed_groups": mover.failures,
        "first_failure": mover.first_failure,
        "elapsed_s": elapsed,
    }
    log(json.dumps(summary))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
