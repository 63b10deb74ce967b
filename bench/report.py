#!/usr/bin/env python3
"""Prints the benchmark table from the files bench/run.sh left in WORKDIR:
floor.json (protocol_floor), cycle.json (collect_cycle), serve.env and
serve-lag.prom (kafkascope serve), unless klag-exporter was skipped klag.env
(rate mode) and, when run, klag-message.env and klag-message-lag.prom
(message mode), and with moving consumers cycle-moving.json and mover.json.

Usage: report.py WORKDIR
"""

import json
import os
import statistics
import sys

import lag_seconds_compare
from report_consumer_health import print_lag_seconds, print_requests
from report_history import history_figures, print_history, print_store

# The targets from the issue. Misses are reported, never fatal.
CYCLE_VS_FLOOR = 1.25
FASTER_THAN_KLAG = 5.0
RSS_LIMIT_MB = 50.0
METRICS_LIMIT_MS = 50.0
JMX_SAMPLES_PER_SECOND = 1_000_000
JMX_CPU_LIMIT_MS = 50


# Display order: a cycle's collectors and the floor's requests as they run.
COLLECTORS = ["cluster_metadata", "consumer_groups", "committed_offsets", "log_offsets",
              "record_timestamps", "log_dirs", "topic_configs"]
STEPS = ["metadata", "list_groups", "describe_groups", "offset_fetch", "list_offsets_latest",
         "list_offsets_committed", "list_offsets_earliest"]


def ordered(keys, order):
    """`keys` in `order`, then any others alphabetically."""
    return [k for k in order if k in keys] + sorted(k for k in keys if k not in order)


def read_env(path):
    if not os.path.exists(path):
        return None
    values = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            values[key] = value
    return values


def fetches(spec):
    """'ms:bytes:series,...' -> list of (ms, bytes, series)."""
    out = []
    for item in filter(None, spec.split(",")):
        ms, size, series = item.split(":")
        out.append((float(ms), int(size), int(series)))
    return out


def klag_phases(path):
    """Median of each `*_ms` field of klag-exporter's 'Batched collection
    completed' debug lines, leaving out the first cycle."""
    if not os.path.exists(path):
        return {}
    samples = {}
    with open(path) as f:
        lines = [l for l in f if "Batched collection completed" in l][1:]
    for line in lines:
        for field in line.split():
            key, _, value = field.partition("=")
            if key.endswith("_ms") and key != "elapsed_ms" and value.isdigit():
                samples.setdefault(key, []).append(int(value))
    return {k: statistics.median(v) for k, v in samples.items()}


def read_json(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read().strip()
    return json.loads(text) if text else None


def klag_figures(env):
    """klag-exporter's figures from NAME.env; every value None when absent.
    The first cycle is kept apart; median and max are over the others."""
    out = dict.fromkeys(["first", "median", "max", "rest", "count", "rss_cycles", "rss_metrics",
                         "metrics_ms", "metrics_max", "size_kb", "samples"])
    if not env:
        return out
    cycles = [float(x) for x in filter(None, env["cycles"].split(","))]
    if cycles:
        out["first"] = cycles[0]
    rest = cycles[1:]
    out["rest"], out["count"] = rest, len(rest)
    if rest:
        out["median"], out["max"] = statistics.median(rest), max(rest)
    got = fetches(env["metrics"])
    if got:
        out["metrics_ms"] = statistics.median(f[0] for f in got)
        out["metrics_max"] = max(f[0] for f in got)
        out["size_kb"], out["samples"] = got[-1][1] / 1000, got[-1][2]
    out["rss_cycles"] = mb(int(env["rss_cycles_kib"]))
    out["rss_metrics"] = mb(int(env["rss_metrics_kib"]))
    return out


def klag_note(env, figures):
    if not env:
        return "skipped"
    note = f"poll_interval {env['interval']}, {figures['count']} cycles after the first"
    if env.get("groups", "all") != "all":
        note += f", watching the first {env['groups']} groups only"
    if int(env.get("failed") or 0):
        note += f", {env['failed']} failed or timed out"
    return note


def print_table(headers, rows):
    """Rows of strings under headers, the first column left-aligned."""
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join([r[0].ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]))


def mb(kib):
    """KiB (as /proc reports) to MB (10^6 bytes)."""
    return kib * 1024 / 1e6 if kib is not None else None


def fmt(value, unit="", digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok):
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def pooled_pairs(work, floor, cycle):
    """Pools the rounds and cycles of every floor-N.json / cycle-N.json pair
    into `floor` and `cycle` (the first pair's, whose breakdowns stay as
    they are): each mode's totals and the cycle times, medians and maxima
    recomputed. Returns the per-pair (ordered floor, cycle) medians."""
    pairs = []
    n = 1
    while os.path.exists(os.path.join(work, f"floor-{n}.json")):
        f, c = (read_json(os.path.join(work, f"{kind}-{n}.json")) for kind in ("floor", "cycle"))
        if f is None or c is None:
            break
        pairs.append((f, c))
        n += 1
    if len(pairs) < 2:
        return []
    for mode in ("sequential", "pipelined", "parallel_connections", "ordered",
                 "ordered_with_log_dirs"):
        if not floor.get(mode) or any(not f.get(mode) for f, _ in pairs):
            continue
        totals = [t for f, _ in pairs for t in f[mode]["totals_ms"]]
        floor[mode]["totals_ms"] = totals
        floor[mode]["total_median_ms"] = statistics.median(totals)
        floor[mode]["total_max_ms"] = max(totals)
    cycles = [t for _, c in pairs for t in c["cycles_ms"]]
    cycle["cycles_ms"] = cycles
    cycle["cycle_median_ms"] = statistics.median(cycles)
    cycle["cycle_max_ms"] = max(cycles)
    return [(floor_for_target(f)[0], c["cycle_median_ms"]) for f, c in pairs]


def floor_for_target(floor):
    """The floor round a cycle is held to, and how it was taken: the ordered
    round with DescribeLogDirs where the brokers offer it (the same answers
    a cycle gets, the brokers doing the same work), else the ordered round,
    else (older files) the fastest of the rest."""
    if floor.get("ordered_with_log_dirs"):
        return (floor["ordered_with_log_dirs"]["total_median_ms"],
                "ordered, 7 connections, with DescribeLogDirs as a cycle sends it")
    if floor.get("ordered"):
        return floor["ordered"]["total_median_ms"], "ordered, 7 connections"
    best = min((floor[m]["total_median_ms"], m)
               for m in ("sequential", "pipelined", "parallel_connections"))
    return best[0], f"{best[1]}, the fastest"


def print_jmx(work):
    """The JMX reader's throughput and the source's live poll, if measured."""
    path = os.path.join(work, "jmx.env")
    if not os.path.exists(path):
        return None
    jmx = {k: float(v) for k, v in read_env(path).items()}
    print()
    if "jmx_parse_samples_per_second" not in jmx:
        print("JMX: not measured (" + open(os.path.join(work, "jmx.txt")).read().strip() + ")")
        return None
    print(f"JMX exporter pages of {int(jmx['jmx_pages'])} nodes at this size: "
          f"{jmx['jmx_page_bytes'] / 1e6:.2f} MB, {int(jmx['jmx_page_samples']):,} samples")
    rows = [
        ["read (one core), samples/s", f"{jmx['jmx_parse_samples_per_second']:,.0f}"],
        ["read (one core), MB/s", f"{jmx['jmx_parse_mb_per_second']:.1f}"],
    ]
    if "jmx_poll_wall_ms" in jmx:
        down = int(jmx.get("jmx_poll_rounds_with_a_target_down", 0))
        rows += [
            [f"polls with a page down (timeout {jmx.get('jmx_poll_timeout_s', 0):g} s)", str(down)],
            [f"poll of {int(jmx['jmx_poll_targets'])} pages ({int(jmx.get('jmx_poll_client_targets', 0))} of clients), median (ms)", fmt(jmx["jmx_poll_wall_ms"])],
            [f"poll of {int(jmx['jmx_poll_targets'])} pages, max (ms)", fmt(jmx["jmx_poll_wall_max_ms"])],
            ["kafkascope CPU per poll (ms)", fmt(jmx["jmx_poll_cpu_ms"])],
        ]
    print_table(["JMX", "kafkascope"], rows)
    print("the poll runs beside the Kafka cycle, never in it; its wall time is mostly the agents "
          "rendering their pages")
    return jmx


def main():
    work = sys.argv[1]
    with open(os.path.join(work, "floor.json")) as f:
        floor = json.load(f)
    with open(os.path.join(work, "cycle.json")) as f:
        cycle = json.load(f)
    pairs = pooled_pairs(work, floor, cycle)
    serve = read_env(os.path.join(work, "serve.env"))
    serve_history = read_env(os.path.join(work, "serve-history.env"))
    klag = read_env(os.path.join(work, "klag.env"))
    klag_message = read_env(os.path.join(work, "klag-message.env"))

    sizes = {k: os.environ.get(k, "?") for k in (
        "BENCH_TOPICS", "BENCH_PARTITIONS", "BENCH_GROUPS", "BENCH_GROUP_PARTITIONS", "BENCH_RECORDS")}
    cov = floor["coverage"]
    snap = cycle["snapshot"]
    print()
    print("kafkascope benchmark")
    cluster = os.environ.get("BENCH_CLUSTER") or "tansu 0.6.0 (memory storage, 1 broker)"
    print(
        f"cluster: {cluster}, {sizes['BENCH_TOPICS']} topics x "
        f"{sizes['BENCH_PARTITIONS']} partitions x {sizes['BENCH_RECORDS']} records, "
        f"{sizes['BENCH_GROUPS']} groups x {sizes['BENCH_GROUP_PARTITIONS']} committed partitions"
    )
    print(
        f"seen by the floor: {floor.get('brokers', 1)} broker(s), {cov['topics']} topics, "
        f"{cov['partitions']} partitions, "
        f"{cov['groups']} groups, {cov['committed_partitions']} committed offsets, "
        f"{cov['error_codes']} error codes"
        + (f", {cov['foreign_leaders']} partitions led by another broker"
           if cov.get("foreign_leaders") else "")
    )
    print(
        f"seen by kafkascope: {snap['brokers']} broker(s), {snap['topics']} topics, "
        f"{snap['partitions']} partitions, "
        f"{snap['groups']} groups, {snap['group_partition_offsets']} group offsets, "
        f"{snap['errors']} errors; brokers do not offer: {', '.join(snap['unsupported_apis']) or 'none'}"
    )
    if os.environ.get("BENCH_FLOOR_BIN"):
        print(f"protocol floor program: {os.environ['BENCH_FLOOR_BIN']} (BENCH_FLOOR_BIN)")
    # protocol_floor sends everything to the one broker it is given unless it
    # says how many brokers it covered ("brokers" in its JSON): on a cluster
    # of several, that broker lists only the groups it coordinates and
    # answers NOT_LEADER for the partitions it does not lead, so its rounds
    # are no floor for a cycle over the whole cluster.
    floor_brokers = floor.get("brokers", 1)
    floor_whole = (snap["brokers"] or 1) <= floor_brokers
    if not floor_whole:
        print(
            f"WARNING: the protocol floor sent every request to one broker of {snap['brokers']}: "
            f"it saw {cov['groups']} of {snap['groups']} groups and "
            f"{cov.get('foreign_leaders', '?')} of its {cov['partitions']} partitions are led "
            "elsewhere (answered with an error code), so it is no floor for the whole cluster; "
            "the cycle-vs-floor target is n/a (see bench/README.md)"
        )

    # ---- figures
    seq = floor["sequential"]
    pipe = floor["pipelined"]
    par = floor["parallel_connections"]
    # Older floor.json files have no ordered round.
    ordr = floor.get("ordered")
    ordr_dirs = floor.get("ordered_with_log_dirs")
    ks_fetches = fetches(serve["metrics"]) if serve else []
    ks_metrics_ms = statistics.median(f[0] for f in ks_fetches) if ks_fetches else None
    ks_metrics_max = max(f[0] for f in ks_fetches) if ks_fetches else None
    ks_rss_cycles = mb(int(serve["rss_cycles_kib"])) if serve else None
    ks_rss_metrics = mb(int(serve["rss_metrics_kib"])) if serve else None

    kl = klag_figures(klag)
    # kafkascope serve with history: the same figures as klag's from its env.
    ksh = klag_figures(serve_history and {**serve_history, "cycles": ""})
    history = history_figures(serve_history, ks_fetches[-1][2] if ks_fetches else None)
    klm = klag_figures(klag_message)
    klag_median = kl["median"]
    moving = read_json(os.path.join(work, "cycle-moving.json"))

    rows = [
        ("cycle, median (ms)", fmt(cycle["cycle_median_ms"]), fmt(kl["median"]),
         fmt(klm["median"]),
         f"{fmt(seq['total_median_ms'])} seq / {fmt(pipe['total_median_ms'])} pipe / "
         f"{fmt(par['total_median_ms'])} 7 conns"
         + (f" / {fmt(ordr['total_median_ms'])} ordered" if ordr else "")
         + (f" / {fmt(ordr_dirs['total_median_ms'])} ordered+dirs" if ordr_dirs else "")),
        ("cycle, max (ms)", fmt(cycle["cycle_max_ms"]), fmt(kl["max"]), fmt(klm["max"]),
         f"{fmt(seq['total_max_ms'])} seq / {fmt(pipe['total_max_ms'])} pipe / "
         f"{fmt(par['total_max_ms'])} 7 conns"
         + (f" / {fmt(ordr['total_max_ms'])} ordered" if ordr else "")
         + (f" / {fmt(ordr_dirs['total_max_ms'])} ordered+dirs" if ordr_dirs else "")),
        ("first cycle (ms)", fmt(cycle["first_cycle_ms"]), fmt(kl["first"]), fmt(klm["first"]), "-"),
        ("moving consumers: cycle, median (ms)",
         fmt(moving["cycle_median_ms"]) if moving else "n/a", "-", "-", "-"),
        ("moving consumers: cycle, max (ms)",
         fmt(moving["cycle_max_ms"]) if moving else "n/a", "-", "-", "-"),
        ("peak RSS after cycles (MB)", fmt(ks_rss_cycles), fmt(kl["rss_cycles"]),
         fmt(klm["rss_cycles"]), "-"),
        ("peak RSS after /metrics (MB)", fmt(ks_rss_metrics), fmt(kl["rss_metrics"]),
         fmt(klm["rss_metrics"]), "-"),
        ("GET /metrics, median (ms)", fmt(ks_metrics_ms), fmt(kl["metrics_ms"]),
         fmt(klm["metrics_ms"]), "-"),
        ("GET /metrics, max (ms)", fmt(ks_metrics_max), fmt(kl["metrics_max"]),
         fmt(klm["metrics_max"]), "-"),
        ("/metrics size (KB)", fmt(ks_fetches[-1][1] / 1000 if ks_fetches else None),
         fmt(kl["size_kb"]), fmt(klm["size_kb"]), "-"),
        ("/metrics samples", fmt(ks_fetches[-1][2] if ks_fetches else None, digits=0),
         fmt(kl["samples"], digits=0), fmt(klm["samples"], digits=0), "-"),
    ]
    # The serve run with history goes next to the --no-history one, for the
    # rows it measures; the cycle rows are collect_cycle's, shared by both.
    history_rows = {
        "peak RSS after cycles (MB)": fmt(ksh["rss_cycles"]),
        "peak RSS after /metrics (MB)": fmt(ksh["rss_metrics"]),
        "GET /metrics, median (ms)": fmt(ksh["metrics_ms"]),
        "GET /metrics, max (ms)": fmt(ksh["metrics_max"]),
        "/metrics size (KB)": fmt(ksh["size_kb"]),
        "/metrics samples": fmt(ksh["samples"], digits=0),
        "bytes per sample in the data dir": fmt(history and history["bytes_per_sample"], digits=2),
        "query_range 1 h of one group, median (ms)": fmt(history and history["query_median_ms"]),
        "alert rules evaluated per cycle, median (ms)": fmt(history and history["rule_eval_median_ms"]),
        "alert rules evaluated per cycle, max (ms)": fmt(history and history["rule_eval_max_ms"]),
    }
    rows += [("bytes per sample in the data dir", "-", "-", "-", "-"),
             ("query_range 1 h of one group, median (ms)", "-", "-", "-", "-"),
             ("alert rules evaluated per cycle, median (ms)", "-", "-", "-", "-"),
             ("alert rules evaluated per cycle, max (ms)", "-", "-", "-", "-")]
    rows = [(r[0], r[1], history_rows.get(r[0], "-" if serve_history else "n/a"), *r[2:]) for r in rows]
    headers = ("", "kafkascope", "kafkascope +history", "klag (rate)", "klag (message)",
               "protocol floor")
    print_table(headers, rows)
    print("kafkascope: serve --no-history (klag-exporter keeps no history either); "
          "+history: serve with its default history store in a data directory")
    print(f"klag-exporter, rate mode: {klag_note(klag, kl)}")
    print(f"klag-exporter, message mode: {klag_note(klag_message, klm)}")
    if moving:
        print(f"moving consumers: kafkascope cycles {moving['pause_ms']} ms apart while "
              "bench/move_commits.py commits (see below)")
    phases = klag_phases(os.path.join(work, "klag-cycles.log"))
    if phases:
        print("klag-exporter phases, median ms over cycles after the first (its own log): "
              + ", ".join(f"{k.removesuffix('_ms')} {v:,.0f}" for k, v in phases.items()))
    if os.environ.get("BENCH_BROKER") == "kafka":
        print("kafka_exporter, KMinion: n/a (not installable here: the Go module proxy "
              "refuses their modules)")
    nodes_file = os.path.join(work, "kafka-nodes.txt")
    if os.path.exists(nodes_file):
        with open(nodes_file) as f:
            nodes = [dict(kv.split("=", 1) for kv in line.split()[1:]) | {"node": line.split()[0]}
                     for line in f if line.strip()]
        print("Kafka nodes once the cluster was built: " + "; ".join(
            f"{n['node']} RSS {fmt(mb(int(n['rss_kib'])))} MB, {n['fds']} open files, "
            f"{n['maps']} memory maps" for n in nodes))
    if serve and serve.get("serve_last_cycle_ms"):
        print(f"kafkascope serve's own last cycle (from /metrics): {fmt(float(serve['serve_last_cycle_ms']))} ms")

    # ---- breakdowns
    print()
    print("kafkascope cycle by collector (median ms)     protocol floor by request (median ms)")
    left = [(name, cycle["collectors"][name]["median_ms"]) for name in ordered(cycle["collectors"], COLLECTORS)]
    left.append(("assembly and the rest", cycle["outside_collectors_median_ms"]))
    right = [(name, seq["steps_median_ms"][name], pipe["steps_median_ms"][name],
              par["steps_median_ms"][name], ordr["steps_median_ms"][name] if ordr else float("nan"))
             for name in ordered(seq["steps_median_ms"], STEPS)]
    right_lines = [f"{'request':<24}{'seq':>9}{'pipe*':>9}{'7conn*':>9}{'ordered*':>10}"] + [
        f"{n:<24}{s:>9.1f}{p:>9.1f}{c:>9.1f}{o:>10.1f}" for n, s, p, c, o in right]
    left_lines = [""] + [f"{n:<26}{v:>9.1f}" for n, v in left]
    for i in range(max(len(left_lines), len(right_lines))):
        l = left_lines[i] if i < len(left_lines) else ""
        r = right_lines[i] if i < len(right_lines) else ""
        print(f"{l:<45}{r}")
    print("* from the start of the round until that answer; all seven sent at once, "
          "pipelined on one connection or on seven connections; ordered: seven connections, "
          "each request sent as soon as what it needs has answered, the log end after OffsetFetch")
    if floor.get("describe_log_dirs_median_ms") is not None:
        print(f"DescribeLogDirs alone (in kafkascope's cycle and the ordered+dirs round): "
              f"{floor['describe_log_dirs_median_ms']:.1f} ms")

    print_requests(cycle, moving, read_json(os.path.join(work, "mover.json")))
    print_lag_seconds(lag_seconds_compare.compare(work), cycle, ks_rss_metrics, klm)
    print_history(history, serve_history and serve_history.get("query"))
    print_store(os.path.join(work, "store.txt"))
    jmx = print_jmx(work)

    # ---- targets
    ks = cycle["cycle_median_ms"]
    # The cycle is held to the fastest way the same requests can go in the
    # order lag needs (log end after the commits): the "ordered" round, with
    # DescribeLogDirs beside it where the brokers offer it. All
    # seven at once is faster but reads the log end before the commits, which
    # no correct collector may; its ratio is shown beside, for the record.
    unordered_best, unordered_how = min((seq["total_median_ms"], "sequential"),
                                        (pipe["total_median_ms"], "pipelined"),
                                        (par["total_median_ms"], "7 connections"))
    floor_best, floor_how = floor_for_target(floor)
    targets = [
        (f"cycle <= {CYCLE_VS_FLOOR}x protocol floor ({floor_how})",
         f"{ks:,.1f} ms vs {CYCLE_VS_FLOOR * floor_best:,.1f} ms ({ks / floor_best:.2f}x)",
         verdict(ks <= CYCLE_VS_FLOOR * floor_best) if floor_whole
         else "n/a (floor of one broker)"),
        *([(f"  for the record: vs the ordered round without DescribeLogDirs",
             f"{ks:,.1f} ms vs {ordr['total_median_ms']:,.1f} ms "
             f"({ks / ordr['total_median_ms']:.2f}x)", "-")] if ordr and ordr_dirs else []),
        (f"  for the record: vs all seven at once ({unordered_how})",
         f"{ks:,.1f} ms vs {unordered_best:,.1f} ms ({ks / unordered_best:.2f}x)", "-"),
        (f">= {FASTER_THAN_KLAG:g}x faster than klag-exporter",
         f"{klag_median / ks:.1f}x ({klag_median:,.0f} vs {ks:,.1f} ms)" if klag_median else "n/a",
         verdict(klag_median / ks >= FASTER_THAN_KLAG if klag_median else None)),
        (f"peak RSS <= {RSS_LIMIT_MB:g} MB",
         f"{fmt(ks_rss_metrics)} MB after /metrics",
         verdict(ks_rss_metrics <= RSS_LIMIT_MB if ks_rss_metrics is not None else None)),
        (f"/metrics <= {METRICS_LIMIT_MS:g} ms",
         f"{fmt(ks_metrics_ms)} ms median, {fmt(ks_metrics_max)} ms max",
         verdict(ks_metrics_ms <= METRICS_LIMIT_MS if ks_metrics_ms is not None else None)),
        *([(f"JMX pages read >= {JMX_SAMPLES_PER_SECOND / 1e6:g} M samples/s on one core",
            f"{jmx['jmx_parse_samples_per_second'] / 1e6:.2f} M samples/s",
            verdict(jmx["jmx_parse_samples_per_second"] >= JMX_SAMPLES_PER_SECOND))]
          if jmx and "jmx_parse_samples_per_second" in jmx else []),
        *([(f"JMX adds <= {JMX_CPU_LIMIT_MS:g} ms of kafkascope's time per poll",
            f"{fmt(jmx['jmx_poll_cpu_ms'])} ms CPU for {int(jmx['jmx_poll_targets'])} pages",
            verdict(jmx["jmx_poll_cpu_ms"] <= JMX_CPU_LIMIT_MS))]
          if jmx and "jmx_poll_cpu_ms" in jmx else []),
    ]
    print()
    if pairs:
        print(f"floor and cycle taken in turns, {len(pairs)} pairs, pooled: "
              f"{len(floor['ordered']['totals_ms']) if ordr else '?'} floor rounds, "
              f"{len(cycle['cycles_ms'])} cycles; per pair, floor held to / cycle median (ms): "
              + ", ".join(f"{fmt(fl)} / {fmt(cy)}" for fl, cy in pairs)
              + "; breakdowns above are the first pair's")
    widths = [max(len(t[i]) for t in targets) for i in range(3)]
    print(f"{'target'.ljust(widths[0])}  {'kafkascope'.ljust(widths[1])}  result")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  ------")
    for t in targets:
        print(f"{t[0].ljust(widths[0])}  {t[1].ljust(widths[1])}  {t[2]}")
    print("MB = 10^6 bytes; RSS = VmHWM (peak resident set) of the serving process.")


if __name__ == "__main__":
    main()
