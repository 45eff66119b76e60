"""Verdicts from the spread of the samples: noise stays noise, real shifts are caught."""

from __future__ import annotations

import numpy as np
import pytest

from bench.perf.synthetic_run import make_run, requests_frame, spread
from bench.rundata import load_run
from bench.rundata.compare import BETTER, NOISE, TOO_FEW, WORSE, compare_runs, compare_samples


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


def test_means_of_a_constant_charge_over_different_counts_are_the_same():
    """1.02 RU averaged over 1,006 and over 2,279 calls differ in the 16th digit only."""
    base, cand = np.full(1006, 1.02), np.full(2279, 1.02)
    assert base.mean() != cand.mean()  # the floating-point noise this guards against
    delta = compare_samples(
        base, np.linspace(0, 20, 1006), cand, np.linspace(0, 20, 2279), statistic="mean"
    )
    assert delta.verdict == NOISE


def _run(directory, read_scale: float, query_ru: float, seed: int):
    rng = np.random.default_rng(seed)
    reads = requests_frame(
        3000, latency_ms=4 * read_scale * rng.lognormal(0, 0.3, 3000), timestamp=spread(3000)
    )
    queries = requests_frame(
        3000, operation="query_x", kind="query", ru=query_ru, timestamp=spread(3000)
    )
    return load_run(make_run(directory, [reads, queries]))


def test_runs_compare_on_their_exact_summary_figures(tmp_path):
    base, cand = _run(tmp_path / "a", 1.0, 3.0, 1), _run(tmp_path / "b", 1.5, 2.5, 2)
    judged = {"latency p50": ("p50", "latency_ms"), "RU mean": ("mean", "ru")}

    deltas = compare_runs(base, cand, judged)

    latency = deltas["point_read"]["latency p50"]
    assert latency.verdict == WORSE
    assert latency.baseline == base.summary.operations["point_read"].latency_ms.p50
    assert latency.candidate == cand.summary.operations["point_read"].latency_ms.p50
    assert deltas["query_x"]["RU mean"].absolute == pytest.approx(-0.5)
    assert deltas["query_x"]["RU mean"].verdict == BETTER


def test_a_statistic_the_summary_lacks_is_refused(tmp_path):
    run = _run(tmp_path / "a", 1.0, 3.0, 1)
    with pytest.raises(ValueError, match="no p99 of 'ru'"):
        compare_runs(run, run, {"RU p99": ("p99", "ru")})
