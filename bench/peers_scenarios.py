#!/usr/bin/env python3
"""Helpers for bench/peers.sh that tests/clients/kafka_client.py lacks.

Subcommands:
  produce-loop    produce to every partition of several topics at a steady
                  rate for S seconds (one process instead of one per partition)
  exporter-model  print, in Prometheus text format, the kafka_* series that
                  kafka_exporter would print for the cluster right now (used
                  when kafka_exporter itself cannot be installed; see
                  bench/peers.sh)

Results are printed as JSON on stdout (exporter-model: the metrics text).
"""

import argparse
import json
import signal
import sys
import threading
import time

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec


def stop_event():
    """Set on SIGINT/SIGTERM, so loops end cleanly when peers.sh stops them."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def partition_count(admin, topic):
    metadata = admin.list_topics(topic, timeout=30)
    return len(metadata.topics[topic].partitions)


# produce-loop -------------------------------------------------------------------


def produce_loop(args):
    """`rate` records/s into each partition of each topic for `seconds`."""
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    targets = [(t, p) for t in args.topics for p in range(partition_count(admin, t))]
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "linger.ms": 5})
    stop = stop_event()
    started = time.monotonic()
    produced = 0
    failures = []
    while not stop.is_set() and time.monotonic() - started < args.seconds:
        due = int((time.monotonic() - started) * args.rate) + 1
        while produced < due:
            for topic, partition in targets:
                producer.produce(
                    topic,
                    value=f"value-{produced}",
                    partition=partition,
                    on_delivery=lambda err, _msg: err and failures.append(err.str()),
                )
            produced += 1
        producer.poll(0)
        stop.wait(min(0.1, 1.0 / args.rate))
    producer.flush(30)
    print(json.dumps({"topics": args.topics, "per_partition": produced, "failures": failures[:5]}))
    return 1 if failures else 0


# exporter-model -----------------------------------------------------------------
#
# kafka_exporter (danielqsj/kafka_exporter) computes, per scrape: kafka_brokers,
# kafka_broker_info{id,address} = 1; for every topic (internal ones too)
# kafka_topic_partitions and per partition the leader, newest ("current") and
# oldest offsets, replicas, in-sync replicas, leader_is_preferred and
# under_replicated_partition; for every group kafka_consumergroup_members and,
# for each topic where the group has at least one committed partition, per
# partition current_offset (-1 when not committed) and lag = newest - committed
# (-1 when not committed), plus current_offset_sum (the -1s included) and
# lag_sum (the -1s left out). This model asks Kafka for the same facts.


def exporter_model(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    metadata = admin.list_topics(timeout=30)
    lines = []

    def emit(name, labels, value):
        text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")

    emit("kafka_brokers", {}, len(metadata.brokers))
    for broker in metadata.brokers.values():
        emit("kafka_broker_info", {"id": broker.id, "address": f"{broker.host}:{broker.port}"}, 1)
    newest = topic_offsets(admin, metadata, OffsetSpec.latest())
    oldest = topic_offsets(admin, metadata, OffsetSpec.earliest())
    for topic, tmeta in sorted(metadata.topics.items()):
        emit("kafka_topic_partitions", {"topic": topic}, len(tmeta.partitions))
        for pid, pmeta in sorted(tmeta.partitions.items()):
            labels = {"topic": topic, "partition": pid}
            emit("kafka_topic_partition_leader", labels, pmeta.leader)
            emit("kafka_topic_partition_current_offset", labels, newest[(topic, pid)])
            emit("kafka_topic_partition_oldest_offset", labels, oldest[(topic, pid)])
            emit("kafka_topic_partition_replicas", labels, len(pmeta.replicas))
            emit("kafka_topic_partition_in_sync_replica", labels, len(pmeta.isrs))
            preferred = int(bool(pmeta.replicas) and pmeta.leader == pmeta.replicas[0])
            emit("kafka_topic_partition_leader_is_preferred", labels, preferred)
            under = int(len(pmeta.isrs) < len(pmeta.replicas))
            emit("kafka_topic_partition_under_replicated_partition", labels, under)
    for group, members in sorted(group_members(admin).items()):
        emit("kafka_consumergroup_members", {"consumergroup": group}, members)
        emit_group_offsets(admin, metadata, newest, group, emit)
    print("\n".join(lines))
    return 0


def topic_offsets(admin, metadata, spec):
    wanted = {
        TopicPartition(topic, pid): spec
        for topic, tmeta in metadata.topics.items()
        for pid in tmeta.partitions
    }
    futures = admin.list_offsets(wanted, request_timeout=30)
    return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}


def group_members(admin):
    listed = admin.list_consumer_groups(request_timeout=30).result()
    names = [g.group_id for g in listed.valid]
    if not names:
        return {}
    described = admin.describe_consumer_groups(names, request_timeout=30)
    members = {}
    for name, future in described.items():
        try:
            members[name] = len(future.result().members)
        except KafkaException as exc:
            print(f"exporter-model: describe {name}: {exc}", file=sys.stderr)
    return members


def emit_group_offsets(admin, metadata, newest, group, emit):
    """Committed offsets for every partition of every topic, as kafka_exporter
    asks for them (offset.show-all), then its per-topic filtering and sums."""
    request = ConsumerGroupTopicPartitions(
        group,
        [TopicPartition(t, p) for t, tmeta in metadata.topics.items() for p in tmeta.partitions],
    )
    future = admin.list_consumer_group_offsets([request], request_timeout=30)[group]
    by_topic = {}
    for tp in future.result().topic_partitions:
        by_topic.setdefault(tp.topic, {})[tp.partition] = tp.offset if tp.offset >= 0 else -1
    for topic, partitions in sorted(by_topic.items()):
        if all(offset == -1 for offset in partitions.values()):
            continue
        offset_sum = lag_sum = 0
        for pid, offset in sorted(partitions.items()):
            labels = {"consumergroup": group, "topic": topic, "partition": pid}
            emit("kafka_consumergroup_current_offset", labels, offset)
            lag = -1 if offset == -1 else newest[(topic, pid)] - offset
            lag_sum += 0 if offset == -1 else lag
            offset_sum += offset
            emit("kafka_consumergroup_lag", labels, lag)
        emit("kafka_consumergroup_current_offset_sum", {"consumergroup": group, "topic": topic}, offset_sum)
        emit("kafka_consumergroup_lag_sum", {"consumergroup": group, "topic": topic}, lag_sum)


# command line -------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("produce-loop")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topics", nargs="+", required=True)
    p.add_argument("--rate", type=float, required=True, help="records/s per partition")
    p.add_argument("--seconds", type=float, required=True)
    p.set_defaults(run=produce_loop)

    p = sub.add_parser("exporter-model")
    p.add_argument("--bootstrap", required=True)
    p.set_defaults(run=exporter_model)
    return parser


def main():
    args = build_parser().parse_args()
    try:
        return args.run(args)
    except KafkaException as exc:
        print(f"peers_scenarios.py {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
