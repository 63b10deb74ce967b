#!/usr/bin/env python3
"""Prints the benchmark table from the files bench/run.sh left in WORKDIR:
floor.json (protocol_floor), cycle.json (collect_cycle), serve.env
(kafkascope serve) and, unless klag-exporter was skipped, klag.env.

Usage: report.py WORKDIR
"""

import json
import os
import statistics
import sys

# The targets from the issue. Misses are reported, never fatal.
CYCLE_VS_FLOOR = 1.25
FASTER_THAN_KLAG = 5.0
RSS_LIMIT_MB = 50.0
METRICS_LIMIT_MS = 50.0


# Display order: a cycle's collectors and the floor's requests as they run.
COLLECTORS = ["cluster_metadata", "consumer_groups", "committed_offsets", "log_offsets",
              "log_dirs", "topic_configs"]
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


def main():
    work = sys.argv[1]
    with open(os.path.join(work, "floor.json")) as f:
        floor = json.load(f)
    with open(os.path.join(work, "cycle.json")) as f:
        cycle = json.load(f)
    serve = read_env(os.path.join(work, "serve.env"))
    klag = read_env(os.path.join(work, "klag.env"))

    sizes = {k: os.environ.get(k, "?") for k in (
        "BENCH_TOPICS", "BENCH_PARTITIONS", "BENCH_GROUPS", "BENCH_GROUP_PARTITIONS", "BENCH_RECORDS")}
    cov = floor["coverage"]
    snap = cycle["snapshot"]
    print()
    print("kafkascope benchmark")
    print(
        f"cluster: tansu 0.6.0 (memory storage, 1 broker), {sizes['BENCH_TOPICS']} topics x "
        f"{sizes['BENCH_PARTITIONS']} partitions x {sizes['BENCH_RECORDS']} records, "
        f"{sizes['BENCH_GROUPS']} groups x {sizes['BENCH_GROUP_PARTITIONS']} committed partitions"
    )
    print(
        f"seen by the floor: {cov['topics']} topics, {cov['partitions']} partitions, "
        f"{cov['groups']} groups, {cov['committed_partitions']} committed offsets, "
        f"{cov['error_codes']} error codes"
    )
    print(
        f"seen by kafkascope: {snap['topics']} topics, {snap['partitions']} partitions, "
        f"{snap['groups']} groups, {snap['group_partition_offsets']} group offsets, "
        f"{snap['errors']} errors; brokers do not offer: {', '.join(snap['unsupported_apis']) or 'none'}"
    )

    # ---- figures
    seq = floor["sequential"]
    pipe = floor["pipelined"]
    par = floor["parallel_connections"]
    ks_fetches = fetches(serve["metrics"]) if serve else []
    ks_metrics_ms = statistics.median(f[0] for f in ks_fetches) if ks_fetches else None
    ks_metrics_max = max(f[0] for f in ks_fetches) if ks_fetches else None
    ks_rss_cycles = mb(int(serve["rss_cycles_kib"])) if serve else None
    ks_rss_metrics = mb(int(serve["rss_metrics_kib"])) if serve else None

    klag_cycles = []
    klag_first = None
    klag_metrics_ms = klag_metrics_max = klag_rss_cycles = klag_rss_metrics = None
    klag_fetches = []
    if klag:
        all_cycles = [float(x) for x in filter(None, klag["cycles"].split(","))]
        if all_cycles:
            klag_first, klag_cycles = all_cycles[0], all_cycles[1:]
        klag_fetches = fetches(klag["metrics"])
        if klag_fetches:
            klag_metrics_ms = statistics.median(f[0] for f in klag_fetches)
            klag_metrics_max = max(f[0] for f in klag_fetches)
        klag_rss_cycles = mb(int(klag["rss_cycles_kib"]))
        klag_rss_metrics = mb(int(klag["rss_metrics_kib"]))
    klag_median = statistics.median(klag_cycles) if klag_cycles else None
    klag_max = max(klag_cycles) if klag_cycles else None

    rows = [
        ("cycle, median (ms)", fmt(cycle["cycle_median_ms"]), fmt(klag_median),
         f"{fmt(seq['total_median_ms'])} seq / {fmt(pipe['total_median_ms'])} pipe / "
         f"{fmt(par['total_median_ms'])} 7 conns"),
        ("cycle, max (ms)", fmt(cycle["cycle_max_ms"]), fmt(klag_max),
         f"{fmt(seq['total_max_ms'])} seq / {fmt(pipe['total_max_ms'])} pipe / "
         f"{fmt(par['total_max_ms'])} 7 conns"),
        ("first cycle (ms)", fmt(cycle["first_cycle_ms"]), fmt(klag_first), "-"),
        ("peak RSS after cycles (MB)", fmt(ks_rss_cycles), fmt(klag_rss_cycles), "-"),
        ("peak RSS after /metrics (MB)", fmt(ks_rss_metrics), fmt(klag_rss_metrics), "-"),
        ("GET /metrics, median (ms)", fmt(ks_metrics_ms), fmt(klag_metrics_ms), "-"),
        ("GET /metrics, max (ms)", fmt(ks_metrics_max), fmt(klag_metrics_max), "-"),
        ("/metrics size (KB)", fmt(ks_fetches[-1][1] / 1000 if ks_fetches else None),
         fmt(klag_fetches[-1][1] / 1000 if klag_fetches else None), "-"),
        ("/metrics samples", fmt(ks_fetches[-1][2] if ks_fetches else None, digits=0),
         fmt(klag_fetches[-1][2] if klag_fetches else None, digits=0), "-"),
    ]
    klag_note = ""
    if klag:
        klag_note = f" (poll_interval {klag['interval']}, {len(klag_cycles)} cycles after the first"
        if int(klag.get("failed") or 0):
            klag_note += f", {klag['failed']} failed or timed out"
        klag_note += ")"
    elif not klag:
        klag_note = " (skipped)"
    headers = ("", "kafkascope", "klag-exporter", "protocol floor")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(4)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join([r[0].ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]))
    if klag_note:
        print(f"klag-exporter{klag_note}")
    phases = klag_phases(os.path.join(work, "klag-cycles.log"))
    if phases:
        print("klag-exporter phases, median ms over cycles after the first (its own log): "
              + ", ".join(f"{k.removesuffix('_ms')} {v:,.0f}" for k, v in phases.items()))
    if serve and serve.get("serve_last_cycle_ms"):
        print(f"kafkascope serve's own last cycle (from /metrics): {fmt(float(serve['serve_last_cycle_ms']))} ms")

    # ---- breakdowns
    print()
    print("kafkascope cycle by collector (median ms)     protocol floor by request (median ms)")
    left = [(name, cycle["collectors"][name]["median_ms"]) for name in ordered(cycle["collectors"], COLLECTORS)]
    left.append(("assembly and the rest", cycle["outside_collectors_median_ms"]))
    right = [(name, seq["steps_median_ms"][name], pipe["steps_median_ms"][name],
              par["steps_median_ms"][name])
             for name in ordered(seq["steps_median_ms"], STEPS)]
    right_lines = [f"{'request':<24}{'seq':>9}{'pipe*':>9}{'7conn*':>9}"] + [
        f"{n:<24}{s:>9.1f}{p:>9.1f}{c:>9.1f}" for n, s, p, c in right]
    left_lines = [""] + [f"{n:<26}{v:>9.1f}" for n, v in left]
    for i in range(max(len(left_lines), len(right_lines))):
        l = left_lines[i] if i < len(left_lines) else ""
        r = right_lines[i] if i < len(right_lines) else ""
        print(f"{l:<45}{r}")
    print("* from the start of the round until that answer; all seven sent at once, "
          "pipelined on one connection or on seven connections")
    if floor.get("describe_log_dirs_median_ms") is not None:
        print(f"DescribeLogDirs (in kafkascope's cycle, not in the floor): "
              f"{floor['describe_log_dirs_median_ms']:.1f} ms")

    # ---- targets
    ks = cycle["cycle_median_ms"]
    # The fastest way the bare requests went is the floor the cycle is held to.
    floor_best, floor_how = min((seq["total_median_ms"], "sequential"),
                                (pipe["total_median_ms"], "pipelined"),
                                (par["total_median_ms"], "7 connections"))
    targets = [
        (f"cycle <= {CYCLE_VS_FLOOR}x protocol floor ({floor_how}, the fastest)",
         f"{ks:,.1f} ms vs {CYCLE_VS_FLOOR * floor_best:,.1f} ms ({ks / floor_best:.2f}x)",
         verdict(ks <= CYCLE_VS_FLOOR * floor_best)),
        (f">= {FASTER_THAN_KLAG:g}x faster than klag-exporter",
         f"{klag_median / ks:.1f}x ({klag_median:,.0f} vs {ks:,.1f} ms)" if klag_median else "n/a",
         verdict(klag_median / ks >= FASTER_THAN_KLAG if klag_median else None)),
        (f"peak RSS <= {RSS_LIMIT_MB:g} MB",
         f"{fmt(ks_rss_metrics)} MB after /metrics",
         verdict(ks_rss_metrics <= RSS_LIMIT_MB if ks_rss_metrics is not None else None)),
        (f"/metrics <= {METRICS_LIMIT_MS:g} ms",
         f"{fmt(ks_metrics_ms)} ms median, {fmt(ks_metrics_max)} ms max",
         verdict(ks_metrics_ms <= METRICS_LIMIT_MS if ks_metrics_ms is not None else None)),
    ]
    print()
    widths = [max(len(t[i]) for t in targets) for i in range(3)]
    print(f"{'target'.ljust(widths[0])}  {'kafkascope'.ljust(widths[1])}  result")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  ------")
    for t in targets:
        print(f"{t[0].ljust(widths[0])}  {t[1].ljust(widths[1])}  {t[2]}")
    print("MB = 10^6 bytes; RSS = VmHWM (peak resident set) of the serving process.")


if __name__ == "__main__":
    main()
