#!/usr/bin/env python3
"""Real Kafka clients (confluent-kafka / librdkafka) for kafkascope tests and the demo.

Subcommands:
  create-topic    create a topic (an existing topic is not an error)
  produce         produce exactly N records to one partition, one record per batch
  produce-transactional
                  transactions of N records into every partition of a topic, each
                  ending with a commit marker; optionally one left open
  consume-commit  join a consumer group, consume exactly N records, commit, leave
  hold-member     stay a live member of a consumer group for S seconds (no commits)
  produce-loop    produce to one partition at a steady rate for S seconds
  consume-loop    a live group member for S seconds, consuming at most R records/s and
                  committing progress, the same offsets again and again, or nothing
  commit-offsets  commit given offsets for a group without joining it (rewinds, resets)
  traffic         demo traffic: producers plus consumer groups of varying speed

Every record is produced in a batch of its own (linger.ms=0,
batch.num.messages=1): the tansu test broker answers ListOffsets(latest) with
the last batch's base offset + 1, which is only the log end offset when each
batch holds one record.

Results are printed as JSON on stdout; errors go to stderr with exit status 1.
"""

import argparse
import concurrent.futures
import json
import logging
import signal
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ONE_RECORD_PER_BATCH = {"linger.ms": 0, "batch.num.messages": 1}


class ClientError(Exception):
    """A failure worth a one-line message rather than a traceback."""


def parse_config(pairs):
    config = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ClientError(f"--config expects key=value, got {pair!r}")
        config[key] = value
    return config


class OncePerMessage(logging.Filter):
    """librdkafka repeats e.g. "Connect ... failed" every few ms; keep the first."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def librdkafka_logger():
    logger = logging.getLogger("librdkafka")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("librdkafka: %(message)s"))
        logger.addHandler(handler)
        logger.addFilter(OncePerMessage())
        logger.propagate = False
    return logger


def client_config(args, **extra):
    config = {"bootstrap.servers": args.bootstrap, "logger": librdkafka_logger()}
    config.update(parse_config(args.config))
    config.update(extra)
    return config


def fail_fast_config(args, **extra):
    """Config for short-lived commands: give up once every broker is unreachable.

    confluent-kafka re-raises the error_cb exception from poll()/flush().
    """
    return client_config(args, error_cb=raise_if_all_brokers_down, **extra)


def raise_if_all_brokers_down(err):
    if err.code() == KafkaError._ALL_BROKERS_DOWN:
        raise ClientError(f"cannot reach {err.str()}")


def emit(value):
    print(json.dumps(value, sort_keys=True), flush=True)


# create-topic -----------------------------------------------------------------


def create_topic(args):
    admin = AdminClient(client_config(args))
    new_topic = NewTopic(args.topic, args.partitions, args.replication_factor)
    futures = admin.create_topics(
        [new_topic], operation_timeout=args.timeout, request_timeout=args.timeout
    )
    future = futures[args.topic]
    created = True
    try:
        future.result(timeout=args.timeout + 5)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise ClientError(f"create topic {args.topic}: {exc.args[0].str()}") from exc
        created = False
    except concurrent.futures.TimeoutError as exc:
        raise ClientError(f"create topic {args.topic}: no answer within {args.timeout}s") from exc
    emit({"topic": args.topic, "partitions": args.partitions, "created": created})


# produce ----------------------------------------------------------------------


def produce(args):
    batching = (
        {"linger.ms": 100, "compression.type": args.compression}
        if args.batched
        else ONE_RECORD_PER_BATCH
    )
    config = fail_fast_config(
        args, acks="all", **{"message.timeout.ms": int(args.timeout * 1000)}, **batching
    )
    producer = Producer(config)
    if args.batched:
        offsets = produce_batched(producer, args)
    else:
        offsets = [produce_one(producer, args, index) for index in range(args.count)]
    emit(
        {
            "topic": args.topic,
            "partition": args.partition,
            "count": len(offsets),
            "first_offset": offsets[0] if offsets else None,
            "last_offset": offsets[-1] if offsets else None,
            "offsets": offsets,
        }
    )


def produce_batched(producer, args):
    """Produce every record, then wait once: the records share batches (real
    Kafka only; tansu 0.6 miscounts the log end of multi-record batches)."""
    reports = []
    extra = {} if args.timestamp_ms is None else {"timestamp": args.timestamp_ms}
    for index in range(args.count):
        producer.produce(
            args.topic,
            key=f"{args.key_prefix}{index}",
            value=f"value-{index}",
            partition=args.partition,
            on_delivery=lambda err, msg: reports.append((err, msg)),
            **extra,
        )
        producer.poll(0)
    if producer.flush(args.timeout + 5) > 0 or len(reports) != args.count:
        raise ClientError(f"{args.count - len(reports)} records undelivered within {args.timeout}s")
    for err, msg in reports:
        if err is not None:
            raise ClientError(f"produce to {args.topic}/{args.partition}: {err.str()}")
    return sorted(msg.offset() for _, msg in reports)


def produce_one(producer, args, index):
    """Produce one record and wait for its delivery report; return its offset."""
    reports = []
    extra = {} if args.timestamp_ms is None else {"timestamp": args.timestamp_ms}
    producer.produce(
        args.topic,
        key=f"{args.key_prefix}{index}",
        value=f"value-{index}",
        partition=args.partition,
        on_delivery=lambda err, msg: reports.append((err, msg)),
        **extra,
    )
    if producer.flush(args.timeout + 5) > 0 or not reports:
        raise ClientError(f"no delivery report for record {index} within {args.timeout}s")
    err, msg = reports[0]
    if err is not None:
        raise ClientError(f"produce record {index} to {args.topic}/{args.partition}: {err.str()}")
    return msg.offset()


# produce-transactional --------------------------------------------------------


def produce_transactional(args):
    """Committed transactions of `records` records into every partition: each
    leaves a commit marker (a control record taking an offset) at the end of
    each partition, so a read_committed consumer that has read everything is
    at log end - 1. With --open-records, one more transaction writes that
    many records and stays open until the process is killed (the last stable
    offset stays behind the log end meanwhile)."""
    admin = AdminClient(client_config(args))
    metadata = admin.list_topics(args.topic, timeout=args.timeout)
    partitions = sorted(metadata.topics[args.topic].partitions)
    producer = Producer(client_config(args, **{"transactional.id": args.transactional_id}))
    producer.init_transactions(args.timeout)
    for txn in range(args.transactions):
        producer.begin_transaction()
        for partition in partitions:
            for index in range(args.records):
                producer.produce(args.topic, value=f"txn-{txn}-{index}", partition=partition)
        producer.commit_transaction(args.timeout)
    result = {
        "topic": args.topic,
        "partitions": len(partitions),
        "transactions": args.transactions,
        "records_per_partition": args.transactions * args.records,
        "markers_per_partition": args.transactions,
    }
    if not args.open_records:
        emit(result)
        return
    producer.begin_transaction()
    for partition in partitions:
        for index in range(args.open_records):
            producer.produce(args.topic, value=f"open-{index}", partition=partition)
    if producer.flush(args.timeout) > 0:
        raise ClientError("the open transaction's records were not delivered")
    emit({**result, "open_records_per_partition": args.open_records})
    print("ready", flush=True)
    stop = install_stop_handler()
    stop.wait()


# consume-commit ---------------------------------------------------------------


def consume_commit(args):
    wanted = parse_partitions(args.partitions)
    consumer = Consumer(group_consumer_config(args, fail_fast=True))
    try:
        consumer.subscribe([args.topic])
        next_offsets = consume_exactly(consumer, args, wanted)
        commit = [TopicPartition(args.topic, p, o) for p, o in sorted(next_offsets.items())]
        if commit:
            check_partition_errors("commit", consumer.commit(offsets=commit, asynchronous=False))
        committed = consumer.committed(
            [TopicPartition(args.topic, p) for p in sorted(next_offsets)], timeout=args.timeout
        )
        check_partition_errors("committed", committed)
    finally:
        consumer.close()
    reported = {tp.partition: tp.offset for tp in committed}
    if reported != next_offsets:
        raise ClientError(f"committed {next_offsets} but the broker reports {reported}")
    emit(
        {
            "group": args.group,
            "topic": args.topic,
            "consumed": args.count,
            "committed": {str(p): o for p, o in sorted(reported.items())},
        }
    )


def parse_partitions(text):
    if text is None:
        return None
    try:
        return {int(part) for part in text.split(",")}
    except ValueError as exc:
        raise ClientError(f"--partitions expects a comma separated list, got {text!r}") from exc


def group_consumer_config(args, fail_fast=False):
    make_config = fail_fast_config if fail_fast else client_config
    return make_config(
        args,
        **{
            "group.id": args.group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        },
    )


def consume_exactly(consumer, args, wanted):
    """Poll until `args.count` records of the wanted partitions arrived.

    Returns the offset to commit per partition (last consumed offset + 1).
    """
    next_offsets = {}
    consumed = 0
    deadline = time.monotonic() + args.timeout
    while consumed < args.count:
        if time.monotonic() > deadline:
            raise ClientError(
                f"consumed only {consumed} of {args.count} records from {args.topic} "
                f"within {args.timeout}s"
            )
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise ClientError(f"consume {args.topic}: {msg.error().str()}")
        if wanted is not None and msg.partition() not in wanted:
            continue
        next_offsets[msg.partition()] = msg.offset() + 1
        consumed += 1
    return next_offsets


def check_partition_errors(what, partitions):
    for tp in partitions:
        if tp.error is not None:
            raise ClientError(f"{what} {tp.topic}/{tp.partition}: {tp.error.str()}")


# hold-member ------------------------------------------------------------------


def hold_member(args):
    consumer = Consumer(group_consumer_config(args))
    announced = threading.Event()

    def on_assign(_consumer, partitions):
        if not announced.is_set():
            announced.set()
            print("ready", flush=True)

    stop = install_stop_handler()
    try:
        consumer.subscribe([args.topic], on_assign=on_assign)
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline and not stop.is_set():
            msg = consumer.poll(0.2)
            if msg is not None and msg.error():
                raise ClientError(f"consume {args.topic}: {msg.error().str()}")
    finally:
        consumer.close()
    if not announced.is_set():
        raise ClientError(f"no partition assignment for group {args.group} within {args.seconds}s")


def install_stop_handler():
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


# produce-loop / consume-loop / commit-offsets ---------------------------------


def produce_loop(args):
    """Produce `rate` records/s to one partition for `seconds`, one per batch."""
    config = fail_fast_config(
        args, acks="all", **{"message.timeout.ms": int(args.timeout * 1000)}, **ONE_RECORD_PER_BATCH
    )
    producer = Producer(config)
    stop = install_stop_handler()
    started = time.monotonic()
    produced = 0
    while not stop.is_set() and time.monotonic() - started < args.seconds:
        due = int((time.monotonic() - started) * args.rate) + 1
        while produced < due:
            produce_one(producer, args, produced)
            produced += 1
        time.sleep(min(0.05, 1.0 / args.rate))
    emit({"topic": args.topic, "partition": args.partition, "produced": produced})


def consume_loop(args):
    """Stay a live member for `seconds`; consume at most `rate` records/s.

    --commit progress: commit what was consumed every --commit-every seconds,
    and once more before leaving (so the last commit is the last position);
    --commit same: consume nothing, re-commit the group's committed offsets
    every --commit-every seconds (a stuck consumer that still commits);
    --commit none: consume without committing.
    """
    consumer = Consumer(group_consumer_config(args))
    assigned = threading.Event()
    consumer.subscribe([args.topic], on_assign=lambda _c, _p: assigned.set())
    stop = install_stop_handler()
    started = time.monotonic()
    consumed = 0
    positions = {}
    frozen = None
    last_commit = started
    try:
        while not stop.is_set() and time.monotonic() - started < args.seconds:
            msg = next_message(consumer, args, consumed, time.monotonic() - started)
            if msg is not None and not msg.error():
                positions[msg.partition()] = msg.offset() + 1
                consumed += 1
            if assigned.is_set() and time.monotonic() - last_commit >= args.commit_every:
                last_commit = time.monotonic()
                if args.commit == "progress":
                    commit_or_warn(consumer, args.topic, positions)
                elif args.commit == "same":
                    if frozen is None:
                        frozen = current_commits(consumer, args)
                    commit_or_warn(consumer, args.topic, frozen)
        if args.commit == "progress" and positions:
            commit_checked(consumer, args.topic, positions)
    finally:
        consumer.close()
    committed = positions if args.commit == "progress" else frozen
    emit(
        {
            "group": args.group,
            "consumed": consumed,
            "committed": None if committed is None else {str(p): o for p, o in committed.items()},
        }
    )


def next_message(consumer, args, consumed, elapsed):
    """The next record, or None while the rate budget is spent or nothing came.

    Over budget the consumer only waits: librdkafka's background thread keeps
    heartbeating, and not polling keeps every record for later.
    """
    if args.commit == "same":
        return poll_without_consuming(consumer)
    if consumed < elapsed * args.rate:
        return consumer.poll(0.05)
    time.sleep(0.02)
    return None


def poll_without_consuming(consumer):
    """Serve the group protocol (heartbeats, assignment) without taking records."""
    assignment = consumer.assignment()
    if assignment:
        consumer.pause(assignment)
    return consumer.poll(0.05)


def current_commits(consumer, args):
    committed = consumer.committed(consumer.assignment(), timeout=args.timeout)
    return {tp.partition: tp.offset for tp in committed if tp.offset >= 0}


def commit_or_warn(consumer, topic, positions):
    offsets = [TopicPartition(topic, p, o) for p, o in sorted(positions.items())]
    if not offsets:
        return
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
    except KafkaException as exc:
        print(f"commit failed: {exc}", file=sys.stderr)


def commit_checked(consumer, topic, positions):
    offsets = [TopicPartition(topic, p, o) for p, o in sorted(positions.items())]
    check_partition_errors("commit", consumer.commit(offsets=offsets, asynchronous=False))


# Answers a commit gets while the group's coordinator is still being set up
# (on a fresh Kafka cluster the first commit creates __consumer_offsets):
# worth asking again, as Kafka's own clients do.
COORDINATOR_NOT_READY = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
}


def commit_offsets(args):
    wanted = parse_offsets(args.offsets)
    consumer = Consumer(group_consumer_config(args, fail_fast=True))
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                commit_checked(consumer, args.topic, wanted)
                break
            except KafkaException as exc:
                if exc.args[0].code() not in COORDINATOR_NOT_READY or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        consumer.close()
    emit({"group": args.group, "topic": args.topic, "committed": {str(p): o for p, o in wanted.items()}})


def parse_offsets(text):
    try:
        pairs = (item.split("=", 1) for item in text.split(","))
        return {int(p): int(o) for p, o in pairs}
    except ValueError as exc:
        raise ClientError(f"--offsets expects partition=offset,..., got {text!r}") from exc


# traffic ----------------------------------------------------------------------


def traffic(args):
    topics = [f"demo-topic-{i}" for i in range(args.topics)]
    admin = AdminClient(client_config(args))
    for topic in topics:
        ensure_topic(admin, topic, args.partitions)
    stop = install_stop_handler()
    workers = [threading.Thread(target=produce_forever, args=(args, topics, stop))]
    for index in range(args.groups):
        rate = group_rate(args, index)
        workers.append(
            threading.Thread(target=consume_forever, args=(args, topics, index, rate, stop))
        )
    for worker in workers:
        worker.daemon = True
        worker.start()
    print(
        f"traffic: {len(topics)} topics x {args.partitions} partitions, "
        f"{args.rate} records/s per topic, {args.groups} groups",
        file=sys.stderr,
        flush=True,
    )
    while not stop.is_set() and all(w.is_alive() for w in workers):
        stop.wait(0.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)


def ensure_topic(admin, topic, partitions):
    # The broker's default replication factor: 3 on the Kafka test bed, so a
    # stopped broker shows under-replicated rather than offline partitions.
    future = admin.create_topics([NewTopic(topic, partitions)])[topic]
    try:
        future.result(timeout=30)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise ClientError(f"create topic {topic}: {exc.args[0].str()}") from exc


def group_rate(args, index):
    """Records/s group `index` may consume: group 0 keeps up, each later group
    is slower (1/2, 1/4, ... of the production rate), so its lag grows."""
    if index == 0:
        return None
    return args.rate * args.topics / (2**index)


def produce_forever(args, topics, stop):
    producer = Producer(client_config(args, **ONE_RECORD_PER_BATCH))
    interval = 1.0 / (args.rate * len(topics))
    sequence = 0
    next_send = time.monotonic()
    while not stop.is_set():
        topic = topics[sequence % len(topics)]
        producer.produce(topic, key=f"key-{sequence}", value=f"value-{sequence}")
        producer.poll(0)
        sequence += 1
        next_send += interval
        delay = next_send - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_send = time.monotonic()
    producer.flush(5)


def consume_forever(args, topics, index, rate, stop):
    config = client_config(
        args,
        **{
            "group.id": f"demo-group-{index}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        },
    )
    consumer = Consumer(config)
    consumer.subscribe(topics)
    next_commit = time.monotonic() + 1.0
    pending = False
    try:
        while not stop.is_set():
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                pending = True
                if rate is not None:
                    stop.wait(1.0 / rate)
            if pending and time.monotonic() >= next_commit:
                commit_quietly(consumer)
                pending = False
                next_commit = time.monotonic() + 1.0
    finally:
        consumer.close()


def commit_quietly(consumer):
    """Commit consumed positions; a commit racing a rebalance is retried later."""
    try:
        consumer.commit(asynchronous=False)
    except KafkaException as exc:
        print(f"traffic: commit failed: {exc.args[0].str()}", file=sys.stderr, flush=True)


# command line -----------------------------------------------------------------


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap", required=True, help="host:port of a broker")
    common.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra librdkafka property (repeatable), e.g. security.protocol=SSL",
    )
    common.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create-topic", parents=[common], help="create a topic")
    p.add_argument("--topic", required=True)
    p.add_argument("--partitions", type=int, required=True)
    p.add_argument("--replication-factor", type=int, default=1)
    p.set_defaults(run=create_topic)

    p = sub.add_parser("produce", parents=[common], help="produce N records to one partition")
    p.add_argument("--topic", required=True)
    p.add_argument("--partition", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--timestamp-ms", type=int, help="record timestamp (default: now)")
    p.add_argument("--key-prefix", default="key-")
    p.add_argument(
        "--batched",
        action="store_true",
        help="let records share batches (linger.ms=100) instead of one record per batch",
    )
    p.add_argument("--compression", default="none", help="with --batched: lz4, zstd, gzip, snappy")
    p.set_defaults(run=produce)

    p = sub.add_parser(
        "produce-transactional", parents=[common], help="records in committed transactions"
    )
    p.add_argument("--topic", required=True)
    p.add_argument("--transactional-id", required=True)
    p.add_argument("--transactions", type=int, default=3)
    p.add_argument("--records", type=int, default=5, help="per partition per transaction")
    p.add_argument(
        "--open-records",
        type=int,
        default=0,
        help="then leave a transaction of this many records per partition open until killed",
    )
    p.set_defaults(run=produce_transactional)

    p = sub.add_parser("consume-commit", parents=[common], help="consume N records, commit")
    p.add_argument("--group", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--partitions", help="only count records of these partitions, e.g. 0,2")
    p.set_defaults(run=consume_commit)

    p = sub.add_parser("hold-member", parents=[common], help="stay a live group member")
    p.add_argument("--group", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.set_defaults(run=hold_member)

    p = sub.add_parser("produce-loop", parents=[common], help="produce at a rate for S seconds")
    p.add_argument("--topic", required=True)
    p.add_argument("--partition", type=int, default=0)
    p.add_argument("--rate", type=float, required=True, help="records/s")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--timestamp-ms", type=int, help="record timestamp (default: now)")
    p.add_argument("--key-prefix", default="key-")
    p.set_defaults(run=produce_loop)

    p = sub.add_parser("consume-loop", parents=[common], help="a live member for S seconds")
    p.add_argument("--group", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--rate", type=float, default=1e9, help="at most this many records/s")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--commit", choices=["progress", "same", "none"], default="progress")
    p.add_argument("--commit-every", type=float, default=0.5, help="seconds between commits")
    p.set_defaults(run=consume_loop)

    p = sub.add_parser("commit-offsets", parents=[common], help="commit offsets without joining")
    p.add_argument("--group", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--offsets", required=True, help="partition=offset,... e.g. 0=5,1=7")
    p.set_defaults(run=commit_offsets)

    p = sub.add_parser("traffic", parents=[common], help="demo traffic until killed")
    p.add_argument("--topics", type=int, default=5)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--groups", type=int, default=3)
    p.add_argument("--rate", type=float, default=20.0, help="records/s per topic")
    p.set_defaults(run=traffic)
    return parser


def main():
    args = build_parser().parse_args()
    try:
        args.run(args)
    except (ClientError, KafkaException) as exc:
        print(f"kafka_client.py {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
