"""Is run B better or worse than run A for one operation, beyond the noise?

Requests of one run are not independent (a slow second slows every request
in it), so the confidence interval comes from a block bootstrap: each run is
cut into time blocks, blocks are resampled with replacement and the statistic
recomputed. The verdict is "better" or "worse" only when the whole 95%
interval of the difference lies on one side of zero; no fixed threshold (only
floating-point noise, a billionth of the value, counts as zero: two runs of a
constant 1.02 RU charge have means that differ in the 16th digit).

The statistics compared are the summary's exact full-run figures; the rows
only measure the wobble. `compare_runs` draws at most `SAMPLE_SIZE` calls per
operation and run (bench/rundata/samples.py, uniformly over the window), so
the interval of a 100-million-row run comes from a 100,000-call sample: a
slightly wider, never a narrower, interval than the full rows would give, and
centred on the exact difference.

Example::

    deltas = compare_runs(load_run(a), load_run(b), {"latency p99": ("p99", "latency_ms")})
    deltas["point_read"]["latency p99"].verdict  # "worse", .ci_low, .ci_high in milliseconds
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bench.rundata.figures import OperationStats
from bench.rundata.run import Run
from bench.rundata.samples import SAMPLE_SIZE, operation_samples

BLOCKS = 30  # time blocks per run
MIN_BLOCKS = 8  # fewer non-empty blocks: resample single requests instead
SAMPLES_PER_RUN = 3000  # values kept per run and bootstrap replicate
REPLICATES = 400
CONFIDENCE = 0.95
FLOAT_NOISE = 1e-9  # relative difference below which two values are the same
# Below this many samples a statistic is left unjudged: p99 needs 10 values beyond it.
MIN_SAMPLES = {"p50": 20, "mean": 20, "p95": 200, "p99": 1000}
STATISTICS = {"p50": 0.5, "p95": 0.95, "p99": 0.99}

BETTER, WORSE, NOISE, TOO_FEW = "better", "worse", "within noise", "too few samples"

# The figures a comparison judges: label -> (statistic, column).
JUDGED = {"latency p50": ("p50", "latency_ms"), "latency p99": ("p99", "latency_ms"),
          "RU mean": ("mean", "ru")}  # fmt: skip


@dataclass(frozen=True)
class Delta:
    """Candidate minus baseline for one statistic, with its bootstrap interval."""

    statistic: str
    baseline: float
    candidate: float
    ci_low: float
    ci_high: float
    verdict: str

    @property
    def absolute(self) -> float:
        return self.candidate - self.baseline

    @property
    def relative(self) -> float | None:
        return self.absolute / self.baseline if self.baseline else None


def compare_runs(
    baseline: Run, candidate: Run, judged: Mapping[str, tuple[str, str]] = JUDGED
) -> dict[str, dict[str, Delta]]:
    """{operation: {label: Delta}} for every operation both runs made; `judged` maps a
    label to (statistic, column), e.g. {"RU mean": ("mean", "ru")}."""
    columns = sorted({column for _, column in judged.values()})
    base_samples = operation_samples(baseline.directory, columns, size=SAMPLE_SIZE)
    cand_samples = operation_samples(candidate.directory, columns, size=SAMPLE_SIZE)
    result = {}
    for operation, base in base_samples.items():
        cand = cand_samples.get(operation)
        if cand is None:
            continue
        base_stats = baseline.summary.operations[operation]
        cand_stats = candidate.summary.operations[operation]
        result[operation] = {
            label: compare_samples(
                base[column],
                base["timestamp"],
                cand[column],
                cand["timestamp"],
                statistic=statistic,
                exact=(
                    exact_statistic(base_stats, column, statistic),
                    exact_statistic(cand_stats, column, statistic),
                ),
            )
            for label, (statistic, column) in judged.items()
        }
    return result


def exact_statistic(stats: OperationStats, column: str, statistic: str) -> float:
    """The full run's figure from its summary: "mean" or a percentile of latency or RU."""
    figures = {"latency_ms": stats.latency_ms, "ru": stats.ru}.get(column)
    value = getattr(figures, statistic, None) if figures is not None else None
    if value is None:
        raise ValueError(f"the summary has no {statistic} of {column!r} to compare")
    return float(value)


def compare_samples(
    baseline: np.ndarray,
    baseline_times: np.ndarray,
    candidate: np.ndarray,
    candidate_times: np.ndarray,
    *,
    statistic: str,
    exact: tuple[float, float] | None = None,
    lower_is_better: bool = True,
    seed: int = 0,
) -> Delta:
    """Compare one statistic ("p50", "p95", "p99" or "mean") of two samples; `exact` gives
    the full runs' values (the samples' own are used without it)."""
    rng = np.random.default_rng(seed)
    if exact is None:
        base_value, cand_value = _statistic(baseline, statistic), _statistic(candidate, statistic)
    else:
        base_value, cand_value = exact
    needed = MIN_SAMPLES[statistic]
    if min(len(baseline), len(candidate)) < needed:
        return Delta(statistic, base_value, cand_value, np.nan, np.nan, TOO_FEW)
    base_boot = _bootstrap(baseline, baseline_times, statistic, rng)
    cand_boot = _bootstrap(candidate, candidate_times, statistic, rng)
    differences = cand_boot - base_boot
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    # The interval is centred on the exact difference of the full runs.
    shift = (cand_value - base_value) - float(np.median(differences))
    low, high = float(low + shift), float(high + shift)
    noise = FLOAT_NOISE * max(abs(base_value), abs(cand_value))
    if low > noise:
        verdict = WORSE if lower_is_better else BETTER
    elif high < -noise:
        verdict = BETTER if lower_is_better else WORSE
    else:
        verdict = NOISE
    return Delta(statistic, base_value, cand_value, low, high, verdict)


def _statistic(values: np.ndarray, statistic: str, axis: int | None = None) -> np.ndarray:
    if not np.size(values):
        return np.float64(np.nan)
    if statistic == "mean":
        return np.mean(values, axis=axis)
    return np.quantile(values, STATISTICS[statistic], axis=axis)


def _bootstrap(
    values: np.ndarray, times: np.ndarray, statistic: str, rng: np.random.Generator
) -> np.ndarray:
    """REPLICATES values of the statistic, each from resampled time blocks."""
    blocks = _time_blocks(values, times, rng)
    picks = rng.integers(0, len(blocks), size=(REPLICATES, len(blocks)))
    replicates = blocks[picks].reshape(REPLICATES, -1)
    return _statistic(replicates, statistic, axis=1)


def _time_blocks(values: np.ndarray, times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A (blocks x per-block) matrix: each non-empty time block subsampled with
    replacement to the same size. Too few blocks: one request per block."""
    values = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=float)
    span = float(times.max() - times.min()) if len(times) else 0.0
    block_of = (
        np.minimum(((times - times.min()) / span * BLOCKS).astype(np.int64), BLOCKS - 1)
        if span > 0
        else np.zeros(len(values), dtype=np.int64)
    )
    order = np.argsort(block_of, kind="stable")
    counts = np.bincount(block_of, minlength=BLOCKS)
    non_empty = counts[counts > 0]
    if len(non_empty) < MIN_BLOCKS:
        return rng.choice(values, size=(min(len(values), SAMPLES_PER_RUN), 1))
    per_block = max(1, SAMPLES_PER_RUN // len(non_empty))
    starts = np.concatenate(([0], np.cumsum(counts)))[:-1][counts > 0]
    offsets = (rng.random((len(non_empty), per_block)) * non_empty[:, None]).astype(np.int64)
    return values[order][starts[:, None] + offsets]
