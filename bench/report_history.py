"""The history part of the benchmark report (used by report.py): kafkascope
serve with its history store next to the --no-history run, and the store's
own benchmark (kafkascope-store's store_bench) against its targets.
"""

import os
import re
import statistics

# The store's targets from the issue; misses are reported, never fatal.
STORE_INGEST_MIN = 1_000_000
STORE_BYTES_PER_SAMPLE_MAX = 1.5
STORE_QUERY_MAX_MS = 20.0

# store_bench prints each figure as "<figure>  <value>   target <target>".
STORE_ROW = re.compile(r"^(?P<figure>\S.*?)\s{2,}(?P<value>[\d.]+)\s+target (?P<target>.*)$")


def fmt(value, unit="", digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok):
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def table(headers, rows):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join([str(r[0]).ljust(widths[0])]
                        + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]))


def history_figures(env, samples_per_cycle):
    """Figures of the serve run with history from serve-history.env; None
    when that run was skipped. Bytes per sample: the data directory over
    the samples written, a cycle's samples being those on /metrics."""
    if not env:
        return None
    cycles = int(env.get("cycles") or 0)
    written = cycles * samples_per_cycle if samples_per_cycle else 0
    queries = [float(x) for x in filter(None, env.get("query_ms", "").split(","))]
    evals = [float(x) for x in filter(None, env.get("rule_eval_ms", "").split(","))]
    dir_bytes = int(env["dir_bytes"])
    return {
        "cycles": cycles,
        "seconds": float(env.get("seconds_since_ready") or 0),
        "samples_written": written,
        "dir_mb": dir_bytes / 1e6,
        "dir_mb_after_stop": int(env["dir_bytes_after_stop"]) / 1e6,
        "bytes_per_sample": dir_bytes / written if written else None,
        "query_median_ms": statistics.median(queries) if queries else None,
        "query_max_ms": max(queries) if queries else None,
        "query_runs": len(queries),
        "query_series": env.get("query_series"),
        "query_step_s": env.get("query_step_s"),
        "rules": env.get("rules"),
        "rule_eval_median_ms": statistics.median(evals) if evals else None,
        "rule_eval_max_ms": max(evals) if evals else None,
    }


def print_history(figures, query):
    """The history run's own figures (its RSS and /metrics are in the main
    table, next to the --no-history run)."""
    print()
    if not figures:
        print("kafkascope serve with history: skipped (BENCH_HISTORY=0)")
        return
    print("kafkascope serve with history (its default; data directory in a temporary dir)")
    rows = [
        ("cycles in the history", fmt(figures["cycles"], digits=0)),
        ("samples written (cycles x /metrics samples)", fmt(figures["samples_written"], digits=0)),
        ("data directory (MB)", fmt(figures["dir_mb"], digits=2)),
        ("data directory after shutdown (MB)", fmt(figures["dir_mb_after_stop"], digits=2)),
        ("bytes per sample (directory / samples)", fmt(figures["bytes_per_sample"], digits=2)),
        ("query_range 1 h, median (ms)", fmt(figures["query_median_ms"])),
        ("query_range 1 h, max (ms)", fmt(figures["query_max_ms"])),
    ]
    table(("", "kafkascope +history"), rows)
    print(f"cycles counted over {figures['seconds']:.0f} s after the first snapshot; "
          "a young store holds its samples in the write-ahead log, unsealed and uncompressed, "
          "so bytes per sample here is far above the sealed figure of the store bench below")
    print(f"query_range: {query}, 1 h ending now, step {figures['query_step_s']} s, "
          f"{figures['query_runs']} runs, {figures['query_series']} series returned")


def store_lines(path):
    """store_bench's output in order: (figure, value, target) for a figure
    row, a plain string for any other line; None when it was not run."""
    if not os.path.exists(path):
        return None
    lines = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            match = STORE_ROW.match(line)
            if match:
                lines.append((match["figure"], float(match["value"]), match["target"]))
            elif line:
                lines.append(line)
    return lines


def store_verdict(figure, value):
    if "samples/s" in figure:
        return verdict(value >= STORE_INGEST_MIN)
    if "bytes/sample" in figure:
        return verdict(value <= STORE_BYTES_PER_SAMPLE_MAX)
    if figure.startswith("query"):
        return verdict(value <= STORE_QUERY_MAX_MS)
    return "-"


def print_store(path):
    """store_bench's figures against the targets, its other lines (sizes,
    parenthesised details) kept under the figure they follow."""
    lines = store_lines(path)
    print()
    if lines is None:
        print("store bench: skipped (BENCH_SKIP_STORE=1)")
        return
    print("store bench (kafkascope-store's store_bench, simulated time, one thread)")
    digits = {"samples/s": 0, "bytes/sample": 3, "ms": 2, "MiB": 0}
    shown = []
    for line in lines:
        if isinstance(line, str):
            if line.startswith("store bench:"):
                print(f"size: {line.removeprefix('store bench: ')}")
            else:
                shown.append(line)
            continue
        figure, value, target = line
        places = next((d for unit, d in digits.items() if unit in figure), 2)
        shown.append((figure, fmt(value, digits=places), target, store_verdict(figure, value)))
    rows = [r for r in shown if isinstance(r, tuple)]
    headers = ("figure", "store", "target", "result")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in shown:
        if isinstance(r, str):
            print(r)
        else:
            print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]))
