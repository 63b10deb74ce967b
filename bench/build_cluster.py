#!/usr/bin/env python3
"""Builds the synthetic cluster the benchmark measures.

Creates BENCH_TOPICS topics of BENCH_PARTITIONS partitions each, produces
BENCH_RECORDS records into every partition, and commits offsets for
BENCH_GROUPS consumer groups, each on BENCH_GROUP_PARTITIONS partitions.

Usage: build_cluster.py BOOTSTRAP   (sizes come from the environment)

Notes:
- On tansu (BENCH_BROKER unset or "tansu") records are produced one per
  batch (linger.ms=0, batch.num.messages=1): tansu 0.6.0 answers
  ListOffsets(latest) correctly only for single-record batches. On Apache
  Kafka (BENCH_BROKER=kafka) a partition's records share a batch
  (linger.ms), which makes building much faster.
- Topics get replication factor 1 on either broker; on Kafka the controller
  places their partitions over the brokers.
- Groups commit with Consumer.commit(offsets=..., asynchronous=False) and
  never subscribe, so they exist with committed offsets and no members
  (state Empty), like consumers that are between runs.
- Work is spread over a few processes: librdkafka does I/O on its own
  threads, but the Python side of producing one record per batch is the
  bottleneck.
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


TOPICS = env_int("BENCH_TOPICS", 1000)
PARTITIONS = env_int("BENCH_PARTITIONS", 10)
GROUPS = env_int("BENCH_GROUPS", 1000)
GROUP_PARTITIONS = env_int("BENCH_GROUP_PARTITIONS", 20)
RECORDS = env_int("BENCH_RECORDS", 3)
WORKERS = env_int("BENCH_BUILD_WORKERS", 4)
BROKER = os.environ.get("BENCH_BROKER", "").strip() or "tansu"
TOPIC_BATCH = 100


def topic_name(i):
    return f"bench-topic-{i:05d}"


def group_name(i):
    return f"bench-group-{i:05d}"


def log(message):
    print(f"[build_cluster] {message}", file=sys.stderr, flush=True)


def create_topics(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = set(admin.list_topics(timeout=30).topics)
    wanted = [topic_name(i) for i in range(TOPICS) if topic_name(i) not in existing]
    for start in range(0, len(wanted), TOPIC_BATCH):
        batch = [
            NewTopic(name, num_partitions=PARTITIONS, replication_factor=1)
            for name in wanted[start : start + TOPIC_BATCH]
        ]
        futures = admin.create_topics(batch, operation_timeout=60, request_timeout=60)
        for name, future in futures.items():
            try:
                future.result()
            except KafkaException as e:
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise
    return len(wanted)


def wait_for_leaders(bootstrap, timeout=300):
    """Waits until Metadata names a leader for every partition of every
    bench topic: Kafka answers CreateTopics before its brokers have the new
    partitions. (librdkafka's producers still log "not found in cache"
    warnings for a while as their own metadata catches up; they retry, and
    every record is checked for delivery.)"""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    while True:
        topics = admin.list_topics(timeout=30).topics
        missing = sum(
            PARTITIONS
            if topic_name(i) not in topics
            else sum(
                1
                for p in topics[topic_name(i)].partitions.values()
                if p.leader < 0 or p.error is not None
            )
            + PARTITIONS - len(topics[topic_name(i)].partitions)
            for i in range(TOPICS)
        )
        if not missing:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{missing} partitions still without a leader after {timeout}s")
        time.sleep(1)


def produce_range(args):
    """Produces `records` records into every partition of topics
    first..last: one record per batch on tansu, batched on Kafka."""
    bootstrap, first, last, records = args
    config = {
        "bootstrap.servers": bootstrap,
        "compression.type": "none",
        "acks": 1,
        "enable.idempotence": False,
        "queue.buffering.max.messages": 200000,
        "max.in.flight.requests.per.connection": 1000,
    }
    if BROKER == "tansu":
        config.update({"linger.ms": 0, "batch.num.messages": 1})
    else:
        config.update({"linger.ms": 50})
    producer = Producer(config)
    failures = []

    def on_delivery(err, _msg):
        if err is not None:
            failures.append(str(err))

    sent = 0
    for t in range(first, last):
        name = topic_name(t)
        for p in range(PARTITIONS):
            for r in range(records):
                while True:
                    try:
                        producer.produce(
                            name, value=b"x" * 16, key=str(r).encode(), partition=p,
                            on_delivery=on_delivery,
                        )
                        break
                    except BufferError:
                        producer.poll(0.05)
                sent += 1
        producer.poll(0)
    remaining = producer.flush(120)
    if remaining or failures:
        raise RuntimeError(
            f"topics {first}..{last}: {remaining} undelivered, {len(failures)} failed"
            + (f" (first: {failures[0]})" if failures else "")
        )
    return sent


def group_partitions(g):
    """The GROUP_PARTITIONS partitions group g commits: consecutive
    partitions starting at a group-dependent topic, so every topic is
    covered by some group when GROUPS * GROUP_PARTITIONS >= the total."""
    total = TOPICS * PARTITIONS
    start = (g * GROUP_PARTITIONS) % total
    count = min(GROUP_PARTITIONS, total)
    return [
        ((start + k) % total // PARTITIONS, (start + k) % total % PARTITIONS)
        for k in range(count)
    ]


def initial_offset(g, t, p):
    """Where group g first commits on partition p of topic t: somewhere
    inside the log, so the lag is 1..RECORDS."""
    return (g + t + p) % max(RECORDS, 1)


def commit_range(args):
    bootstrap, first, last = args
    committed = 0
    for g in range(first, last):
        consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": group_name(g),
                "enable.auto.commit": False,
            }
        )
        offsets = [
            TopicPartition(topic_name(t), p, initial_offset(g, t, p))
            for t, p in group_partitions(g)
        ]
        for attempt in range(5):
            try:
                consumer.commit(offsets=offsets, asynchronous=False)
                break
            except KafkaException:
                if attempt == 4:
                    raise
                time.sleep(0.5)
        consumer.close()
        committed += 1
    return committed


def ranges(count, parts):
    parts = max(1, min(parts, count))
    step = (count + parts - 1) // parts
    return [(i, min(i + step, count)) for i in range(0, count, step)]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build_cluster.py BOOTSTRAP")
    bootstrap = sys.argv[1]
    log(
        f"{BROKER}: {TOPICS} topics x {PARTITIONS} partitions, {RECORDS} records each; "
        f"{GROUPS} groups x {GROUP_PARTITIONS} partitions; {WORKERS} workers"
    )

    started = time.monotonic()
    created = create_topics(bootstrap)
    log(f"created {created} topics in {time.monotonic() - started:.1f}s")
    if BROKER != "tansu":
        started = time.monotonic()
        wait_for_leaders(bootstrap)
        log(f"every partition had a leader after {time.monotonic() - started:.1f}s more")

    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        started = time.monotonic()
        jobs = [(bootstrap, a, b, RECORDS) for a, b in ranges(TOPICS, WORKERS * 4)]
        sent = sum(pool.map(produce_range, jobs))
        log(f"produced {sent} records in {time.monotonic() - started:.1f}s")

        started = time.monotonic()
        jobs = [(bootstrap, a, b) for a, b in ranges(GROUPS, WORKERS * 4)]
        groups = sum(pool.map(commit_range, jobs))
        log(f"committed offsets for {groups} groups in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
