"""Per-operation comparison of a candidate run against the baseline run.

Verdicts come from `bench.rundata.compare` (the summaries' exact figures, with a
block-bootstrap interval from bounded samples of the rows); this module decides
which figures get one and folds them into a verdict per operation that a CI
check can also use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.report.trust import FAILING
from bench.rundata import OperationStats, Run
from bench.rundata import compare as judge
from bench.rundata.compare import BETTER, NOISE, TOO_FEW, WORSE, Delta

MIXED = "mixed"
FAILED_CALLS = "calls failed"  # over FAILING of an operation's calls failed in either run


@dataclass(frozen=True)
class Figure:
    """A row of the side-by-side table: how to read it from an operation's summary."""

    label: str
    read: Callable[[OperationStats], float | None]
    filter: str  # jinja filter that formats it
    unit: str = ""


FIGURES = (
    Figure("calls", lambda s: s.count, "number"),
    Figure("rate", lambda s: s.rate_per_s, "rate", "/s"),
    *(
        Figure(f"latency {q}", lambda s, q=q: s.latency_ms.quantile(q), "ms", "ms")
        for q in ("p50", "p90", "p95", "p99", "p99.9", "max")
    ),
    Figure("RU mean", lambda s: s.ru.mean, "ru", "RU"),
    Figure("RU p50", lambda s: s.ru.p50, "ru", "RU"),
    Figure("RU p95", lambda s: s.ru.p95, "ru", "RU"),
    Figure("RU max", lambda s: s.ru.max, "ru", "RU"),
    Figure("RU total", lambda s: s.ru.total, "number", "RU"),
    Figure("RU/s", lambda s: s.ru_per_s, "rate", "RU/s"),
    Figure("throttled", lambda s: s.throttle_rate, "percent"),
    Figure("errors", lambda s: s.error_rate, "percent"),
    # A key design that makes a query fan out shows here: one request per partition, more RU.
    Figure("partitions per call", lambda s: s.partitions_touched_mean, "sig"),
    Figure("requests per call", lambda s: s.requests_per_call, "sig"),
)


@dataclass(frozen=True)
class OperationComparison:
    """A candidate's deltas for one operation against the baseline."""

    operation: str
    deltas: dict[str, Delta]  # by the label of bench.rundata.compare.JUDGED

    @property
    def verdict(self) -> str:
        """worse / better / mixed / within noise / too few samples / calls failed, over the
        judged figures."""
        verdicts = {d.verdict for d in self.deltas.values()}
        if FAILED_CALLS in verdicts:
            return FAILED_CALLS
        if verdicts <= {TOO_FEW}:
            return TOO_FEW
        if WORSE in verdicts and BETTER in verdicts:
            return MIXED
        if WORSE in verdicts:
            return WORSE
        if BETTER in verdicts:
            return BETTER
        return NOISE


def compare_runs(baseline: Run, candidate: Run) -> dict[str, OperationComparison]:
    """Judged deltas for every operation both runs made. An operation whose calls failed
    (over FAILING, in either run) is not judged: a failed call's RU and latency are an
    error's, so a query that fails fast would look cheaper and faster than one that works."""
    comparisons = {}
    for operation, deltas in judge.compare_runs(baseline, candidate).items():
        rates = (
            baseline.summary.operations[operation].error_rate,
            candidate.summary.operations[operation].error_rate,
        )
        if max(rates) > FAILING:
            deltas = {label: replace(d, verdict=FAILED_CALLS) for label, d in deltas.items()}
        comparisons[operation] = OperationComparison(operation, deltas)
    return comparisons
