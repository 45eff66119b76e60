"""Findings and trust warnings read as plain sentences with the right numbers."""

from __future__ import annotations

import numpy as np

from bench.report.findings import Finding, changed_findings, run_findings
from bench.report.trust import trust_warnings
from bench.rundata import load_run

from .run_dirs import make_run, requests_frame, spread

LEDGER = {
    "container": "dbs/rubench/colls/products",
    "partitions": {
        "0": {"request_charge": 8000.0, "requests": 1000, "throttled": 0},
        "1": {"request_charge": 8000.0, "requests": 1000, "throttled": 0},
        "2": {"request_charge": 20000.0, "requests": 1000, "throttled": 120},
        "3": {"request_charge": 8000.0, "requests": 1000, "throttled": 0},
    },
}


def texts(findings: list[Finding]) -> list[str]:
    return [f.text for f in findings]


def test_the_issue_examples(tmp_path):
    hot = np.arange(2000) % 2 == 0
    reads = requests_frame(
        2000,
        latency_ms=4.1,
        pk_range=np.where(hot, "2", "0"),
        partition_key=np.where(hot, '"cat-7"', '"cat-1"'),  # JSON, as the recorder writes
        timestamp=spread(2000),
    )
    queries = requests_frame(
        2000,
        operation="query_by_price",
        kind="query",
        latency_ms=12.0,
        ru=10.8,
        partitions=4,
        attempts=5,  # the 1004 and one per partition
        pk_range="0,1,2,3",
        timestamp=spread(2000),
    )
    run = load_run(make_run(tmp_path / "run", [reads, queries], ledger=LEDGER))
    found = texts(run_findings(run.summary))

    assert "point_read: 1.00 RU, p99 4.10 ms" in found
    assert (
        "query_by_price is cross-partition and touches 4 partitions in 5 requests per call "
        "(one or more per partition, each charged about 2.5 RU or more, plus the 400/1004 "
        "when the SDK merges the results): 10.80 RU"
    ) in found
    throttled = "Partition 2 throttled 12.0% of its requests (120 of 1,000): hot key 'cat-7'"
    assert throttled in found
    assert any(t.startswith("Partition 2 served 45.5% of the RU") for t in found)
    assert any(t.startswith("query_by_price uses 91.5% of all RU") for t in found)
    # Warnings come first.
    assert found.index(throttled) < found.index("point_read: 1.00 RU, p99 4.10 ms")


def test_a_varying_charge_shows_its_spread(tmp_path):
    frame = requests_frame(
        100, operation="q", kind="query", ru=np.linspace(2, 4, 100), latency_ms=3.0
    )
    found = texts(run_findings(load_run(make_run(tmp_path / "run", [frame])).summary))
    assert "q: 3.00 RU on average (p95 3.90 RU), p99 3.00 ms" in found


def warning_keys(run_dir) -> set[str]:
    run = load_run(run_dir)
    return {w.key for w in trust_warnings(run)}


def test_a_constant_charge_for_every_kind_is_flagged(tmp_path):
    reads = requests_frame(2000, timestamp=spread(2000))
    queries = requests_frame(2000, operation="q", kind="query", timestamp=spread(2000))
    assert "constant-charge" in warning_keys(make_run(tmp_path / "run", [reads, queries]))


def test_few_samples_high_errors_and_ramp_up_are_flagged(tmp_path):
    outcome = np.where(np.arange(50) < 10, "error", "ok")
    frame = requests_frame(50, outcome=outcome, status=np.where(outcome == "ok", 200, 503))
    keys = warning_keys(make_run(tmp_path / "run", [frame], users=20, spawn_rate=10, warmup_s=0))
    assert {"samples", "error-rate:point_read", "warmup-ramp"} <= keys


def test_a_healthy_run_has_no_warnings(tmp_path):
    rng = np.random.default_rng(1)
    frame = requests_frame(5000, latency_ms=rng.lognormal(1, 0.2, 5000), timestamp=spread(5000))
    run_dir = make_run(tmp_path / "run", [frame], users=20, spawn_rate=10, warmup_s=5)
    assert warning_keys(run_dir) == set()


def test_a_cold_start_is_flagged(tmp_path):
    times = spread(5000)
    latency = np.where(times < times[0] + 6, 20.0, 4.0)
    frame = requests_frame(5000, latency_ms=latency, timestamp=times)
    assert "warmup-cold" in warning_keys(make_run(tmp_path / "run", [frame], warmup_s=0))


def test_changed_findings_ignore_operations_within_noise():
    before = [Finding("cost:a", "a: 1.00 RU, p99 4.10 ms", operation="a"),
              Finding("cost:b", "b: 2.00 RU, p99 5.00 ms", operation="b"),
              Finding("hot-partition:2", "Partition 2 served 60% of the RU")]  # fmt: skip
    after = [Finding("cost:a", "a: 1.00 RU, p99 4.20 ms", operation="a"),
             Finding("cost:b", "b: 3.00 RU, p99 5.00 ms", operation="b"),
             Finding("throttling", "5% of requests met at least one 429")]  # fmt: skip
    changes = changed_findings(before, after, unchanged_operations={"a"})
    assert [(kind, (old or new).key) for kind, old, new in changes] == [
        ("changed", "cost:b"),
        ("new", "throttling"),
        ("gone", "hot-partition:2"),
    ]
