"""The consumer-health part of the benchmark report (used by report.py):
kafkascope's requests per cycle by API, static and with moving consumers;
the share of the cycle spent reading record timestamps; and kafkascope's lag
in seconds against klag-exporter's message mode, values and cost.
"""

import datetime
import statistics

RECORD_TIMESTAMPS = "record_timestamps"


def fmt(value, unit="", digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def count(value):
    """A request count: whole numbers without decimals, medians of an even
    number of cycles with one."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def utc(seconds):
    if seconds is None:
        return "n/a"
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def table(headers, rows):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join([str(r[0]).ljust(widths[0])]
                        + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]))


def record_timestamps_line(label, ms, share):
    return f"{label} {fmt(ms)} ms ({fmt(100 * share)}% of the cycle)"


def print_requests(cycle, moving, mover):
    """Requests per cycle by API: the first cycle, the median steady cycle
    and, when measured, the median cycle with moving consumers."""
    brokers = cycle["snapshot"]["brokers"] or 1
    columns = [("first cycle", cycle["first_cycle_requests"]),
               ("steady, median", cycle["requests_median"])]
    if moving:
        columns.append(("moving, median", moving["requests_median"]))
    apis = sorted({api for _, requests in columns for api in requests})
    rows = [[f"{api} (lag seconds)" if api == "Fetch" else api]
            + [count(requests.get(api, 0)) for _, requests in columns] for api in apis]
    rows.append(["total"] + [count(sum(r.values())) for _, r in columns])
    print()
    print(f"kafkascope requests per cycle by API ({brokers} broker{'s' if brokers != 1 else ''})")
    table(["API"] + [name for name, _ in columns], rows)
    fetch = [f"{count(r.get('Fetch', 0) / brokers)} {name.split(',')[0]}" for name, r in columns]
    print(f"Fetch (lag seconds) per broker: {', '.join(fetch)}")

    first_ms = cycle["first_cycle_collectors_ms"].get(RECORD_TIMESTAMPS)
    parts = [record_timestamps_line("first cycle", first_ms,
                                    cycle["first_cycle_record_timestamps_share"]),
             record_timestamps_line("steady", cycle["collectors"].get(RECORD_TIMESTAMPS, {}).get("median_ms"),
                                    cycle["record_timestamps_share_median"])]
    if moving:
        parts.append(record_timestamps_line(
            "moving", moving["collectors"].get(RECORD_TIMESTAMPS, {}).get("median_ms"),
            moving["record_timestamps_share_median"]))
    print(f"{RECORD_TIMESTAMPS} collector: " + "; ".join(parts))
    if moving:
        print_moving(moving, mover)


def print_moving(moving, mover):
    moved = [m for m in moving["moved_per_cycle"] if m is not None]
    total = moving["snapshot"]["group_partition_offsets"]
    print(f"moving consumers: group-partitions committed anew between cycles: median "
          f"{count(statistics.median(moved)) if moved else 'n/a'} of {total:,} "
          f"({', '.join(str(m) for m in moved)}); cycles {moving['pause_ms']} ms apart")
    if mover:
        print(f"  mover: {mover['group_partition_commits']:,} group-partition commits in "
              f"{mover['elapsed_s']:.0f} s ({mover['commits_per_second']:,.0f}/s), 1/{mover['slices']} "
              f"of the groups every {mover['period_s']:g} s, {mover['records_ahead']} records produced "
              f"ahead per partition; {mover['late_ticks']} late rounds, {mover['failed_groups']} failed "
              "group commits")
        if mover.get("first_failure"):
            print(f"  first failure: {mover['first_failure']}")


def print_lag_seconds(compared, cycle, ks_rss_mb, klag_message):
    """Lag seconds values (kafkascope vs klag-exporter) and what reading
    record timestamps costs each."""
    if not compared:
        return
    ks, msg, rate = compared["kafkascope"], compared["klag_message"], compared["klag_rate"]
    print()
    print("lag seconds on the static cluster, per group-partition (each program's own /metrics)")
    table(["", "kafkascope", "klag (message)", "klag (rate)"], [
        ["group-partitions reported", f"{ks['count']:,}", f"{msg['count']:,}", f"{rate['count']:,}"],
        ["median (s)", fmt(ks["median"]), fmt(msg["median"]), fmt(rate["median"])],
        ["max (s)", fmt(ks["max"]), fmt(msg["max"]), fmt(rate["max"])],
        ["measured at (UTC)", utc(ks["ref"]), utc(msg["ref"]), utc(rate["ref"])],
        ["scraped at (UTC)", utc(ks["scrape"]), utc(msg["scrape"]), utc(rate["scrape"])],
    ])
    print(f"klag (message) - kafkascope, klag's value moved to kafkascope's instant, on "
          f"{compared['common']:,} common group-partitions: median |difference| "
          f"{fmt(compared['median_abs_diff'], digits=3)} s, median {fmt(compared['median_diff'], digits=3)} s, "
          f"max |difference| {fmt(compared['max_abs_diff'], digits=3)} s")

    phases_ms = [p * 1000 for p in msg["phases_s"]]
    ks_rt = cycle["collectors"].get(RECORD_TIMESTAMPS, {}).get("median_ms")
    print()
    print("cost of lag seconds from the record at the committed offset")
    table(["", "kafkascope", "klag (message)"], [
        ["first cycle (ms)", fmt(cycle["first_cycle_ms"]), fmt(klag_message["first"])],
        ["steady cycle, median (ms)", fmt(cycle["cycle_median_ms"]), fmt(klag_message["median"])],
        ["cycles after the first (ms)", ", ".join(f"{c:,.0f}" for c in cycle["cycles_ms"]),
         ", ".join(f"{c:,.0f}" for c in klag_message["rest"] or []) or "n/a"],
        ["timestamp phase, first cycle (ms)",
         fmt(cycle["first_cycle_collectors_ms"].get(RECORD_TIMESTAMPS)),
         fmt(phases_ms[0] if phases_ms else None)],
        ["timestamp phase, steady median (ms)", fmt(ks_rt),
         fmt(statistics.median(phases_ms[1:]) if len(phases_ms) > 1 else None)],
        ["group-partitions with lag seconds", f"{compared['kafkascope']['count']:,}",
         f"{compared['klag_message']['count']:,}"],
        ["peak RSS after /metrics (MB)", fmt(ks_rss_mb), fmt(klag_message["rss_metrics"])],
    ])
    print("timestamp phase: kafkascope's record_timestamps collector; klag's time from its "
          "'Collected offsets' to 'Collection cycle completed' log lines. klag caches a record's "
          "timestamp for cache_ttl (1 min): a cycle within it of the last read costs nothing, "
          "the next one reads every record again.")
