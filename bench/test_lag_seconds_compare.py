#!/usr/bin/env python3
"""Tests of lag_seconds_compare: parsing both programs' /metrics, finding
klag-exporter's reference instant in its log, and aligning the values.

Run: python3 -m unittest bench/test_lag_seconds_compare.py
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lag_seconds_compare as compare  # noqa: E402

KAFKASCOPE_METRICS = """\
# TYPE kafkascope_consumergroup_lag_seconds gauge
kafkascope_consumergroup_lag_seconds{cluster="bench",consumergroup="g1",topic="t",partition="0",source="record_timestamp"} 100.5
kafkascope_consumergroup_lag_seconds{cluster="bench",consumergroup="g1",topic="t",partition="1",source="record_timestamp"} 40
kafkascope_consumergroup_lag_seconds_total_not_this{cluster="bench"} 7
kafkascope_collection_last_success_timestamp_seconds{cluster="bench"} 1000.25
"""

KLAG_LOG = """\
2026-11-23T10:00:00.000000Z DEBUG x: Collected offsets cluster=bench groups=1
2026-11-23T10:00:02.500000Z DEBUG x: Collection cycle completed cluster=bench elapsed_ms=2600
2026-11-23T10:01:00.000000Z DEBUG x: Collected offsets cluster=bench groups=1
2026-11-23T10:01:03.000000Z DEBUG x: Collection cycle completed cluster=bench elapsed_ms=3100
"""


class LagSecondsCompareTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_samples_reads_one_metric_with_its_labels(self):
        path = self.write("m.prom", KAFKASCOPE_METRICS)
        got = compare.samples(path, compare.KS_LAG)
        self.assertEqual(
            got,
            [
                ({"cluster": "bench", "consumergroup": "g1", "topic": "t", "partition": "0",
                  "source": "record_timestamp"}, 100.5),
                ({"cluster": "bench", "consumergroup": "g1", "topic": "t", "partition": "1",
                  "source": "record_timestamp"}, 40.0),
            ],
        )
        self.assertEqual(compare.samples(path, compare.KS_REF), [({"cluster": "bench"}, 1000.25)])

    def test_klag_reference_is_the_collected_offsets_line_of_the_last_cycle_before_the_scrape(self):
        path = self.write("klag.log", KLAG_LOG)
        first_collected = compare.log_time(KLAG_LOG.splitlines()[0])
        # Scraped between the two cycles' completions: the first cycle's figures.
        ref, phase = compare.klag_reference(path, first_collected + 30)
        self.assertEqual(ref, first_collected)
        self.assertAlmostEqual(phase, 2.5)
        ref, phase = compare.klag_reference(path, first_collected + 120)
        self.assertEqual(ref, first_collected + 60)
        self.assertAlmostEqual(phase, 3.0)
        self.assertEqual(compare.klag_reference(path, first_collected - 1), (None, None))
        self.assertEqual(
            [round(p, 3) for p in compare.klag_timestamp_phases(path)], [2.5, 3.0])

    def test_aligned_differences_move_klag_to_kafkascope_instant(self):
        ks = {("g", "t", "0"): 100.0, ("g", "t", "1"): 50.0, ("h", "t", "0"): 1.0}
        # klag measured 30 s later: the same records look 30 s older.
        klag = {("g", "t", "0"): 130.002, ("g", "t", "1"): 80.0}
        diffs = sorted(compare.aligned_differences(ks, 1000.0, klag, 1030.0))
        self.assertEqual(len(diffs), 2)
        self.assertAlmostEqual(diffs[0], 0.0)
        self.assertAlmostEqual(diffs[1], 0.002)
        self.assertEqual(compare.aligned_differences(ks, None, klag, 1030.0), [])


if __name__ == "__main__":
    unittest.main()
