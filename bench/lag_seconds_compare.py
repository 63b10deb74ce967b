"""Compares the lag in seconds kafkascope and klag-exporter report for the
same group-partitions, from one /metrics answer of each (used by report.py).

Lag in seconds grows with wall time, and the two programs were scraped
minutes apart, so raw values are not comparable. Each value is an age
measured at a reference instant of its program:

- kafkascope: the start of the cycle that produced the figures, which it
  exports as kafkascope_collection_last_success_timestamp_seconds;
- klag-exporter: the "now" it takes right after reading offsets and before
  fetching timestamps (its debug log line "Collected offsets" is written
  just before), for the last cycle that completed before the scrape. Its
  kafka_lag_exporter_last_update_timestamp_seconds is later by the whole
  timestamp phase and only whole seconds, so it is not used.

klag's value is moved to kafkascope's instant (value - (klag_ref - ks_ref))
and compared there: both read the timestamp of the same record, so the
aligned difference should be close to zero.
"""

import datetime
import os
import re
import statistics

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

KS_LAG = "kafkascope_consumergroup_lag_seconds"
KS_REF = "kafkascope_collection_last_success_timestamp_seconds"
KLAG_LAG = "kafka_consumergroup_group_lag_seconds"


def samples(path, name):
    """(labels dict, value) of every sample of metric `name` in a
    Prometheus text file."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if not line.startswith(name):
                continue
            match = SAMPLE.match(line)
            if not match or match.group(1) != name:
                continue
            try:
                value = float(match.group(3))
            except ValueError:
                continue
            out.append((dict(LABEL.findall(match.group(2) or "")), value))
    return out


def read_time(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return float(f.read().strip())


def kafkascope_lags(work):
    """{(group, topic, partition): seconds}, reference instant, scrape time."""
    prom = os.path.join(work, "serve-lag.prom")
    lags = {(l["consumergroup"], l["topic"], l["partition"]): v for l, v in samples(prom, KS_LAG)}
    refs = [v for _, v in samples(prom, KS_REF)]
    return lags, (refs[0] if refs else None), read_time(os.path.join(work, "serve-lag.time"))


def log_time(line):
    """The Unix time at the start of a klag-exporter log line, or None."""
    stamp = line.split(" ", 1)[0]
    try:
        return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def klag_reference(log_path, scrape_time):
    """klag's "now" for the figures a scrape at `scrape_time` saw, and how
    long that cycle's timestamp phase took (seconds), from its log."""
    collected = ref = phase = None
    if not os.path.exists(log_path) or scrape_time is None:
        return None, None
    with open(log_path) as f:
        for line in f:
            at = log_time(line)
            if at is None or at > scrape_time:
                continue
            if "Collected offsets" in line:
                collected = at
            elif "Collection cycle completed" in line and collected is not None:
                ref, phase = collected, at - collected
    return ref, phase


def klag_timestamp_phases(log_path):
    """Per completed cycle, in order, the seconds from klag's "Collected
    offsets" to "Collection cycle completed": its time-lag phase."""
    phases, collected = [], None
    if not os.path.exists(log_path):
        return phases
    with open(log_path) as f:
        for line in f:
            at = log_time(line)
            if at is None:
                continue
            if "Collected offsets" in line:
                collected = at
            elif "Collection cycle completed" in line and collected is not None:
                phases.append(at - collected)
                collected = None
    return phases


def klag_lags(work, name):
    prom = os.path.join(work, f"{name}-lag.prom")
    lags = {(l["group"], l["topic"], l["partition"]): v for l, v in samples(prom, KLAG_LAG)}
    scrape = read_time(os.path.join(work, f"{name}-lag.time"))
    ref, phase = klag_reference(os.path.join(work, f"{name}-cycles.log"), scrape)
    return lags, ref, scrape, phase


def summary(lags):
    values = list(lags.values())
    return {
        "count": len(values),
        "median": statistics.median(values) if values else None,
        "max": max(values) if values else None,
    }


def aligned_differences(ks, ks_ref, klag, klag_ref):
    """klag - kafkascope on the common group-partitions, klag's value moved
    to kafkascope's reference instant."""
    if ks_ref is None or klag_ref is None:
        return []
    shift = klag_ref - ks_ref
    return [klag[key] - shift - ks[key] for key in ks.keys() & klag.keys()]


def compare(work):
    """Everything report.py prints about lag seconds; None without klag's
    message-mode answer."""
    ks, ks_ref, ks_scrape = kafkascope_lags(work)
    message = klag_lags(work, "klag-message")
    if not os.path.exists(os.path.join(work, "klag-message-lag.prom")):
        return None
    rate = klag_lags(work, "klag")
    diffs = aligned_differences(ks, ks_ref, message[0], message[1])
    return {
        "kafkascope": {**summary(ks), "ref": ks_ref, "scrape": ks_scrape},
        "klag_message": {**summary(message[0]), "ref": message[1], "scrape": message[2],
                         "phases_s": klag_timestamp_phases(
                             os.path.join(work, "klag-message-cycles.log"))},
        "klag_rate": {**summary(rate[0]), "ref": rate[1], "scrape": rate[2]},
        "common": len(diffs),
        "median_abs_diff": statistics.median(abs(d) for d in diffs) if diffs else None,
        "median_diff": statistics.median(diffs) if diffs else None,
        "max_abs_diff": max(abs(d) for d in diffs) if diffs else None,
    }
