"""Verdicts from the spread of the samples: noise stays noise, real shifts are caught."""

from __future__ import annotations

import numpy as np
import pytest

from bench.report.comparison import MIXED, compare_runs
from bench.rundata import load_run
from bench.rundata.compare import BETTER, NOISE, TOO_FEW, WORSE, compare_samples

from .run_dirs import make_run, requests_frame, spread


def latencies(seed: int, n: int = 5000, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 5.0 * scale * rng.lognormal(0, 0.5, n), np.sort(rng.uniform(0, 60, n))


@pytest.mark.parametrize("statistic", ["p50", "p99", "mean"])
def test_two_samples_of_one_distribution_are_within_noise(statistic):
    delta = compare_samples(*latencies(1), *latencies(2), statistic=statistic)
    assert delta.verdict == NOISE
    assert delta.ci_low < delta.absolute < delta.ci_high


def test_a_twenty_percent_slowdown_is_worse_and_a_speedup_better():
    base = latencies(1)
    slower = compare_samples(*base, *latencies(2, scale=1.2), statistic="p50")
    faster = compare_samples(*base, *latencies(2, scale=0.8), statistic="p50")
    assert slower.verdict == WORSE
    assert slower.relative == pytest.approx(0.2, abs=0.05)
    assert 0 < slower.ci_low < slower.absolute < slower.ci_high
    assert faster.verdict == BETTER


def test_constant_charges_compare_exactly():
    times = np.linspace(0, 60, 500)
    same = compare_samples(np.full(500, 1.0), times, np.full(500, 1.0), times, statistic="mean")
    dearer = compare_samples(np.full(500, 1.0), times, np.full(500, 1.05), times, statistic="mean")
    assert (same.verdict, same.ci_low, same.ci_high) == (NOISE, 0.0, 0.0)
    assert dearer.verdict == WORSE
    assert dearer.absolute == pytest.approx(0.05)
    assert dearer.relative == pytest.approx(0.05)


def test_one_slow_episode_is_not_mistaken_for_a_shift():
    """Requests in one slow stretch are correlated: blocks keep them from counting as
    thousands of independent witnesses."""
    rng = np.random.default_rng(5)
    times = np.linspace(0, 60, 6000)
    base = 5.0 * rng.lognormal(0, 0.3, 6000)
    candidate = 5.0 * rng.lognormal(0, 0.3, 6000)
    candidate[(times > 20) & (times < 24)] *= 3  # a 4-second stall
    assert compare_samples(base, times, candidate, times, statistic="mean").verdict == NOISE


def test_too_few_samples_for_a_tail_get_no_verdict():
    delta = compare_samples(*latencies(1, n=300), *latencies(2, n=300), statistic="p99")
    assert delta.verdict == TOO_FEW


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


def test_means_of_a_constant_charge_over_different_counts_are_the_same():
    """1.02 RU averaged over 1,006 and over 2,279 calls differ in the 16th digit only."""
    base, cand = np.full(1006, 1.02), np.full(2279, 1.02)
    assert base.mean() != cand.mean()  # the floating-point noise this guards against
    delta = compare_samples(
        base, np.linspace(0, 20, 1006), cand, np.linspace(0, 20, 2279), statistic="mean"
    )
    assert delta.verdict == NOISE
