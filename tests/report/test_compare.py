"""A run comparison folds the judged figures of each operation into one verdict; reports
name the client that produced the figures and warn when compared runs used different ones."""

from __future__ import annotations

import numpy as np
import pytest

from bench.report import write_comparison_report, write_run_report
from bench.report.comparison import FAILED_CALLS, MIXED, compare_runs
from bench.rundata import load_run
from bench.rundata.compare import BETTER, NOISE, WORSE
from bench.rundata.info import ClientInfo

from .run_dirs import make_run, requests_frame, spread


def test_run_comparison_folds_figures_into_one_verdict(tmp_path):
    rng = np.random.default_rng(3)

    def run(name, read_scale, query_ru):
        reads = requests_frame(
            3000, latency_ms=4 * read_scale * rng.lognormal(0, 0.3, 3000), timestamp=spread(3000)
        )
        queries = requests_frame(
            3000,
            operation="query_x",
            kind="query",
            latency_ms=8 * rng.lognormal(0, 0.3, 3000) / read_scale,
            ru=query_ru,
            timestamp=spread(3000),
        )
        return load_run(make_run(tmp_path / name, [reads, queries]))

    comparisons = compare_runs(run("a", 1.0, 3.0), run("b", 1.5, 2.5))
    assert comparisons["point_read"].verdict == WORSE
    assert comparisons["point_read"].deltas["RU mean"].verdict == NOISE
    assert comparisons["query_x"].verdict == BETTER  # faster and cheaper
    assert comparisons["query_x"].deltas["RU mean"].absolute == pytest.approx(-0.5)
    mixed = compare_runs(run("c", 1.0, 3.0), run("d", 1.5, 3.5))["query_x"]
    assert mixed.verdict == MIXED  # faster but dearer


def test_an_operation_whose_calls_failed_is_not_judged(tmp_path):
    """A query that failed every call (1 RU, fast) against one that works: not "worse"."""
    failing = requests_frame(
        3000, operation="q", kind="query", status=400, outcome="error", timestamp=spread(3000)
    )
    working = requests_frame(3000, operation="q", kind="query", ru=20.0, timestamp=spread(3000))
    before = load_run(make_run(tmp_path / "before", [failing]))
    after = load_run(make_run(tmp_path / "after", [working]))
    comparison = compare_runs(before, after)["q"]
    assert comparison.verdict == FAILED_CALLS
    assert comparison.deltas["RU mean"].absolute == pytest.approx(19.0)  # still shown
    html = write_comparison_report([before, after], tmp_path / "c.html").read_text()
    assert "not judged: over 1% of calls failed in a run" in html
    assert ">worse<" not in html


def test_reports_name_the_client_and_warn_when_runs_used_different_ones(tmp_path):
    frame = requests_frame(300, timestamp=spread(300))
    sdk = load_run(make_run(tmp_path / "sdk", [frame]))
    fast_client = ClientInfo(kind="fast", sdk_fallback=("query_x",))
    fast = load_run(make_run(tmp_path / "fast", [frame], client=fast_client))
    single = write_run_report(fast).read_text()
    assert "figures by the fast gateway client (rubench); query_x through the SDK" in single
    assert "figures by the azure-cosmos SDK" in write_run_report(sdk).read_text()
    mixed = write_comparison_report([sdk, fast], tmp_path / "mixed.html").read_text()
    assert "request charges compare, latencies do not" in mixed
    same = write_comparison_report([sdk, sdk], tmp_path / "same.html").read_text()
    assert "latencies do not" not in same
