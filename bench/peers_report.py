#!/usr/bin/env python3
"""The report of bench/peers.sh, from its work directory.

Per scenario, a table of lag per group-partition: the truth
(kafka-consumer-groups --describe), kafkascope and each peer, '*' where a
tool disagrees with the truth; then the statuses; then the drop-in check of
kafkascope's /metrics against kafka_exporter's, and the Burrow API shape
check.

    python3 bench/peers_report.py WORK_DIR
"""

import json
import os
import re
import sys

SCENARIOS = [
    ("steady", "a member consuming at the producer's pace, committing every 0.5 s",
     "lag 0, OK"),
    ("stopped", "read what was there, committed and left; the producer went on",
     "lag > 0 and grew; Burrow STOP (partition) / ERR (group)"),
    ("stalled", "read what was there, committed, then a live member that never commits",
     "lag > 0 and grew; a member is there but no commit: STOP or STALL"),
    ("rewound", "read everything, then offsets committed back (0=5, 1=10) 10 s before the producers stopped",
     "lag 25 / 20; REWIND while the rewind is in the window"),
    ("idle", "caught up on a topic nothing is produced to; member alive, committing",
     "lag 0, OK (no false STOP)"),
    ("transactional", "3 transactions x 5 records per partition; read_committed member read all",
     "truth (kafka-consumer-groups) lag 1 = the commit marker; real lag 0, OK"),
    ("kip848", "group.protocol=consumer: read what was there, then re-commits the same offsets while data arrives",
     "lag > 0 and grew; Burrow STALL (committing, not moving)"),
]

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
IGNORED_PREFIXES = ("go_", "process_", "promhttp_", "kafka_exporter_build_info")
# Series whose values move on their own between two reads a second apart.
MOVING_TOPICS = ("__consumer_offsets", "__transaction_state")


# --------------------------------------------------------------------- inputs


class Work:
    def __init__(self, path):
        self.path = path

    def read(self, name):
        path = os.path.join(self.path, "read", name)
        if not os.path.exists(path):
            return None
        with open(path, errors="replace") as f:
            return f.read()

    def json(self, name):
        """(HTTP status, parsed body or None)."""
        body, code = self.read(name), self.read(name + ".code")
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return (code or "").strip(), parsed

    def prom(self, name):
        text = self.read(name)
        return parse_prom(text) if text is not None else None

    def peers(self):
        statuses = {}
        with open(os.path.join(self.path, "peers.tsv")) as f:
            for line in f:
                name, _, status = line.rstrip("\n").partition("\t")
                statuses[name] = status
        return statuses


def parse_prom(text):
    """[(name, labels dict, value)] of a Prometheus text answer."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        out.append((match.group(1), dict(LABEL.findall(match.group(2) or "")), value))
    return out


def parse_truth(text):
    """{(group, topic, partition): (current, log_end, lag)} from
    kafka-consumer-groups --describe; '-' (no commit) becomes None."""
    rows = {}
    if not text:
        return rows
    header = None
    for line in text.splitlines():
        cols = line.split()
        if cols[:3] == ["GROUP", "TOPIC", "PARTITION"]:
            header = cols
            continue
        if header is None or len(cols) < 6 or not cols[2].isdigit():
            continue
        row = dict(zip(header, cols))

        def num(key):
            value = row.get(key, "-")
            return int(value) if value.lstrip("-").isdigit() else None

        rows[(row["GROUP"], row["TOPIC"], int(row["PARTITION"]))] = (
            num("CURRENT-OFFSET"), num("LOG-END-OFFSET"), num("LAG"))
    return rows


# --------------------------------------------------------------- tool columns


def series_lags(samples, name, group_label, topic_label, partition_label):
    lags = {}
    for metric, labels, value in samples or []:
        if metric == name and group_label in labels:
            key = (labels[group_label], labels[topic_label], int(labels[partition_label]))
            lags[key] = value
    return lags


def klag_lag_name(samples):
    """klag-exporter's per-partition lag series (its name is looked up, so a
    rename between versions shows as 'no series' rather than a crash)."""
    names = {m for m, labels, _ in samples or [] if "partition" in labels and "group" in labels}
    for preferred in ("kafka_consumergroup_group_lag",):
        if preferred in names:
            return preferred
    lagged = sorted(n for n in names if n.endswith("_lag"))
    return lagged[0] if lagged else None


def kafkascope_group(work, scenario):
    """(group status, {(topic, partition): (lag, status)}) from the JSON API."""
    code, body = work.json(f"kafkascope-group-{scenario}.json")
    if not isinstance(body, dict) or code != "200":
        reason = body.get("error") if isinstance(body, dict) else f"HTTP {code}"
        return f"n/a ({reason})", {}
    partitions = {}
    for row in body.get("offsets") or []:
        partitions[(row.get("topic"), row.get("partition"))] = (row.get("lag"), row.get("status"))
    return body.get("status"), partitions


def burrow_group(work, prefix, scenario):
    """(group status with complete, {(topic, partition): (current_lag, status)})."""
    code, body = work.json(f"{prefix}-lag-{scenario}")
    if not isinstance(body, dict):
        return None, {}
    status = body.get("status") or {}
    partitions = {}
    for part in status.get("partitions") or []:
        partitions[(part.get("topic"), part.get("partition"))] = (part.get("current_lag"), part.get("status"))
    text = f"{status.get('status')} (complete {status.get('complete')}, HTTP {code})"
    return text, partitions


# --------------------------------------------------------------------- tables


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def mark(value, truth, markers):
    """'' when the tool agrees with the truth; 'm' when it is the truth less
    the transaction markers (the real lag of a read_committed consumer); '*'
    otherwise."""
    if value is None and truth is None:
        return ""
    if value is None or truth is None:
        return "*"
    if float(value) == float(truth):
        return ""
    if markers and float(value) == float(truth) - markers:
        return "m"
    return "*"


def render(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
        if index == 0:
            lines.append("  " + "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def scenario_tables(work, peers, out):
    truth = parse_truth(work.read("truth-before.txt"))
    truth_after = parse_truth(work.read("truth-after.txt"))
    ks_prom = work.prom("kafkascope.prom")
    ks_metric_lags = series_lags(ks_prom, "kafka_consumergroup_lag", "consumergroup", "topic", "partition")
    klag_prom = work.prom("klag.prom")
    klag_name = klag_lag_name(klag_prom)
    klag_lags = series_lags(klag_prom, klag_name, "group", "topic", "partition") if klag_name else {}
    ke_prom = work.prom("kafka_exporter.prom")
    ke_lags = series_lags(ke_prom, "kafka_consumergroup_lag", "consumergroup", "topic", "partition")
    km_prom = work.prom("kminion.prom")
    km_lags = series_lags(km_prom, "kminion_kafka_consumer_group_topic_partition_lag",
                          "group_id", "topic_name", "partition_id")
    txn = json.loads(work.read("transactional.json") or "{}")

    def column(peer, values, present):
        """A peer's value, or its n/a reason when it is not running."""
        status = peers.get(peer, "n/a (not run)")
        if status.startswith("n/a") or not present:
            return lambda key: (None, "n/a" if status.startswith("n/a") else "no answer")
        return lambda key: (values.get(key), None)

    columns = [
        ("kafka_exporter", column("kafka_exporter", ke_lags, ke_prom is not None)),
        ("KMinion", column("KMinion", km_lags, km_prom is not None)),
        ("klag", column("klag", klag_lags, klag_prom is not None and klag_name is not None)),
    ]
    burrow_running = not peers.get("Burrow", "n/a").startswith("n/a")

    for scenario, what, expected in SCENARIOS:
        group = topic = f"peers-{scenario}"
        markers = txn.get("markers_per_partition", 0) // txn.get("transactions", 1) if scenario == "transactional" else 0
        ks_status, ks_parts = kafkascope_group(work, scenario)
        b_status, b_parts = burrow_group(work, "burrow-v3", scenario) if burrow_running else (None, {})
        kv_status, _ = burrow_group(work, "kafkascope-v3", scenario)
        out.append(f"\n=== {scenario}: {what}")
        out.append(f"    expected: {expected}")
        header = ["topic", "partition", "truth lag (cur/end)", "kafkascope lag (status)",
                  "kafka_exporter", "Burrow lag (status)", "KMinion", "klag"]
        rows = [header]
        keys = sorted(k for k in truth if k[0] == group) or [(group, topic, 0), (group, topic, 1)]
        for key in keys:
            _, t, p = key
            cur, end, lag = truth.get(key, (None, None, None))
            moved = "" if truth_after.get(key) == truth.get(key) else " (moved)"
            row = [t, p, f"{fmt(lag)} ({fmt(cur)}/{fmt(end)}){moved}"]
            ks_lag, ks_pstatus = ks_parts.get((t, p), (None, None))
            metric_lag = ks_metric_lags.get(key)
            note = "" if metric_lag is None or ks_lag is None or metric_lag == ks_lag else f" [/metrics {fmt(metric_lag)}]"
            row.append(f"{fmt(ks_lag)}{mark(ks_lag, lag, markers)} ({ks_pstatus}){note}")
            row.append(cell(columns[0][1](key), lag, markers))
            if burrow_running:
                b_lag, b_pstatus = b_parts.get((t, p), (None, None))
                row.append(f"{fmt(b_lag)}{mark(b_lag, lag, markers)} ({b_pstatus or '-'})")
            else:
                row.append("n/a")
            row.append(cell(columns[1][1](key), lag, markers))
            row.append(cell(columns[2][1](key), lag, markers))
            rows.append(row)
        out.append(render(rows))
        out.append(f"    group status: kafkascope {ks_status}; kafkascope /v3 {kv_status}; "
                   f"Burrow {b_status if burrow_running else 'n/a'}")
        if scenario == "transactional" and markers:
            out.append(f"    note: each partition ends with a transaction commit marker ({markers} offset);"
                       " kafka-consumer-groups counts it as lag, 'm' marks a tool that reports the real lag"
                       " (truth - marker = 0)")


def cell(answer, truth, markers):
    value, reason = answer
    if reason:
        return reason
    return f"{fmt(value)}{mark(value, truth, markers)}"


def short(text, limit=40):
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------- drop-in check


def dropin_check(work, peers, out):
    real = work.prom("kafka_exporter.prom")
    if real is not None and not peers.get("kafka_exporter", "n/a").startswith("n/a"):
        reference, source = real, "kafka_exporter's /metrics"
    else:
        reference = work.prom("kafka_exporter-model.prom")
        source = ("a model of kafka_exporter's output (bench/peers_scenarios.py exporter-model: its "
                  "series, labels and value rules, computed from Kafka's answers), because "
                  f"kafka_exporter is {peers.get('kafka_exporter', 'n/a')}")
    ours = work.prom("kafkascope.prom")
    out.append("\n=== drop-in check: kafkascope /metrics vs " + source)
    if not reference or ours is None:
        out.append("    n/a: no reference or no kafkascope /metrics")
        return
    # kafkascope labels every series with `cluster`; kafka_exporter does so
    # only when run with --kafka.labels cluster=NAME. Series are matched both
    # exactly and with kafkascope's `cluster` label left out.
    exact, loose = {}, {}
    for name, labels, value in ours:
        exact.setdefault(name, {})[frozenset(labels.items())] = value
        rest = {k: v for k, v in labels.items() if k != "cluster"}
        loose.setdefault(name, {})[frozenset(rest.items())] = value
    names = sorted({n for n, _, _ in reference if not n.startswith(IGNORED_PREFIXES)})
    rows = [["series name", "reference", "same labels", "same labels but `cluster`", "same value", "unmatched"]]
    details, unmatched_all = [], []
    for name in names:
        refs = [(l, v) for n, l, v in reference if n == name]
        same_exact = same_loose = same_value = 0
        unmatched = []
        for labels, value in refs:
            key = frozenset(labels.items())
            same_exact += key in exact.get(name, {})
            if key not in loose.get(name, {}):
                unmatched.append(labels)
                continue
            same_loose += 1
            mine = loose[name][key]
            if mine == value:
                same_value += 1
            else:
                moving = labels.get("topic") in MOVING_TOPICS
                details.append(f"    {name}{dict(sorted(labels.items()))}: reference {fmt(value)}, "
                               f"kafkascope {fmt(mine)}{' (internal topic, written continuously)' if moving else ''}")
        rows.append([name, len(refs), same_exact, same_loose, same_value, len(unmatched)])
        unmatched_all += [f"    {name}{dict(sorted(l.items()))}" for l in unmatched]
    out.append(render(rows))
    missing = [n for n in names if n not in exact]
    out.append(f"    names missing from kafkascope: {', '.join(missing) if missing else 'none'}")
    extra = sorted({k for n, l, _ in ours if n in names for k in l} - {k for n, l, _ in reference for k in l})
    out.append(f"    labels kafkascope adds to these series: {', '.join(extra) if extra else 'none'}")
    if unmatched_all:
        out.append("    reference series kafkascope does not have (even without `cluster`):")
        out.extend(unmatched_all[:20])
        if len(unmatched_all) > 20:
            out.append(f"    ... and {len(unmatched_all) - 20} more")
    if details:
        out.append("    value differences (same series):")
        out.extend(details[:40])
        if len(details) > 40:
            out.append(f"    ... and {len(details) - 40} more")


# ------------------------------------------------------------- Burrow check


def shape(value):
    """The JSON shape: dicts by key, lists by the merged shape of their items,
    scalars by type name."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged = None
        for item in value:
            merged = merge(merged, shape(item))
        return [merged] if merged is not None else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def merge(a, b):
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: merge(a.get(k), b.get(k)) for k in {**a, **b}}
    return a if a == b else f"{a}|{b}" if not isinstance(a, (dict, list)) and not isinstance(b, (dict, list)) else a


def compare_shapes(theirs, ours, path, diffs):
    """Appends to diffs every key, type or emptiness that differs."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in sorted(set(theirs) | set(ours)):
            if key not in ours:
                diffs.append(f"{path}.{key}: only in Burrow ({theirs[key]})")
            elif key not in theirs:
                diffs.append(f"{path}.{key}: only in kafkascope ({ours[key]})")
            else:
                compare_shapes(theirs[key], ours[key], f"{path}.{key}", diffs)
    elif isinstance(theirs, list) and isinstance(ours, list):
        if theirs and ours:
            compare_shapes(theirs[0], ours[0], path + "[]", diffs)
        elif theirs or ours:
            diffs.append(f"{path}: Burrow {'[...]' if theirs else '[]'}, kafkascope {'[...]' if ours else '[]'}"
                         " (one side empty: items not compared)")
    elif theirs != ours:
        diffs.append(f"{path}: Burrow {short(str(theirs), 60)}, kafkascope {short(str(ours), 60)}")


def merge_all(values):
    merged = None
    for v in values:
        merged = merge(merged, v)
    return merged


def burrow_check(work, peers, out):
    out.append("\n=== Burrow API check: the same requests to Burrow and kafkascope, JSON shapes compared")
    status = peers.get("Burrow", "n/a")
    if status.startswith("n/a"):
        out.append(f"    Burrow is {status}: nothing to compare against")
        return
    out.append(f"    Burrow: {status}")
    requests = ["clusters", "cluster", "topics", "topic-steady", "consumers"]
    requests += [f"{kind}-{s}" for s, _, _ in SCENARIOS for kind in ("lag", "status")]
    for name in requests:
        b_code, b_body = work.json(f"burrow-v3-{name}")
        k_code, k_body = work.json(f"kafkascope-v3-{name}")
        diffs = []
        if b_code != k_code:
            diffs.append(f"HTTP status: Burrow {b_code}, kafkascope {k_code}")
        if b_body is None or k_body is None:
            diffs.append(f"body: Burrow {'JSON' if b_body is not None else 'not JSON'}, "
                         f"kafkascope {'JSON' if k_body is not None else 'not JSON'}")
        else:
            compare_shapes(shape(b_body), shape(k_body), "", diffs)
        out.append(f"  {name}: {'same shape' if not diffs else ''}")
        out.extend(f"      {d}" for d in diffs[:25])
    out.append("\n  statuses side by side (group status, complete):")
    rows = [["group", "Burrow /lag", "kafkascope /v3 /lag", "kafkascope /api/v1"]]
    for scenario, _, _ in SCENARIOS:
        b, _ = burrow_group(work, "burrow-v3", scenario)
        k, _ = burrow_group(work, "kafkascope-v3", scenario)
        api, _ = kafkascope_group(work, scenario)
        rows.append([f"peers-{scenario}", b, k, api])
    out.append(render(rows))
    warnings = work.read("burrow-warnings.log") or ""
    reasons = {}
    for line in warnings.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        key = (entry.get("msg"), entry.get("reason"), entry.get("version"), entry.get("sarama_error"))
        reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        out.append("\n  Burrow's own warnings and errors (count, message):")
        for (msg, reason, version, err), count in sorted(reasons.items(), key=lambda kv: -kv[1])[:8]:
            extra = ", ".join(f"{k} {v}" for k, v in (("reason", reason), ("version", version), ("error", err)) if v is not None)
            out.append(f"    {count:5d}  {msg}{' (' + extra + ')' if extra else ''}")


# ---------------------------------------------------------------------- main


def main():
    work = Work(sys.argv[1])
    peers = work.peers()
    out = ["kafkascope and its peers on Apache Kafka (bench/peers.sh)", ""]
    out.append("tools:")
    for name, status in peers.items():
        out.append(f"  {name:15s} {status}")
    out.append("\nLag per group-partition after the producers stopped and every tool had at least two cycles;")
    out.append("truth = kafka-consumer-groups --describe (lag, current offset / log end offset), read just before")
    out.append("the tools ('(moved)' if a second describe right after differed). '*' = differs from the truth;")
    out.append("'m' = the truth less transaction markers (the real lag of a read_committed consumer).")
    out.append("n/a = the tool is not running here; why is in the list above.")
    scenario_tables(work, peers, out)
    dropin_check(work, peers, out)
    burrow_check(work, peers, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
