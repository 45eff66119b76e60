"""Comparing a run's figures with a baseline: which operations got costlier or started scanning.

An operation fails when more of its calls failed than in the baseline (a
failed call's charge says nothing about the operation's cost), when its RU per
request (median or p95) grew by more than the tolerance, or, for a query, when
it reads more documents per result or finds fewer of them through the index
than the tolerance allows: the signs of a query that lost its index and scans.
Like k6 thresholds, the outcome decides the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bench.errors import RubenchError
from bench.regression.figures import BaselineOperation, RunFigures


class Verdict(StrEnum):
    OK = "ok"
    COSTLIER = "costlier"
    SCANNING = "scanning"
    FAILING = "failing"  # more of its calls failed than in the baseline
    MISSING = "missing"  # in the baseline, not in the run: the gate cannot vouch for it
    NEW = "new"  # in the run only: reported, never fails

    @property
    def fails(self) -> bool:
        return self in (Verdict.COSTLIER, Verdict.SCANNING, Verdict.FAILING, Verdict.MISSING)


@dataclass(frozen=True)
class OperationCheck:
    name: str
    baseline: BaselineOperation | None
    current: BaselineOperation | None
    verdict: Verdict
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class CheckResult:
    baseline: RunFigures
    current: RunFigures
    tolerance: float
    operations: tuple[OperationCheck, ...]

    @property
    def failed(self) -> tuple[OperationCheck, ...]:
        return tuple(check for check in self.operations if check.verdict.fails)

    @property
    def passed(self) -> bool:
        return not self.failed


def check(baseline: RunFigures, current: RunFigures, tolerance: float) -> CheckResult:
    if not baseline.operations.keys() & current.operations.keys():
        raise RubenchError(
            f"{current.source}: none of its operations ({', '.join(current.operations)}) is in "
            f"baseline {baseline.source} ({', '.join(baseline.operations)}); the baseline comes "
            f"from another workload ({baseline.name!r}, this run is {current.name!r})"
        )
    names = list(baseline.operations) + [
        n for n in current.operations if n not in baseline.operations
    ]
    return CheckResult(
        baseline=baseline,
        current=current,
        tolerance=tolerance,
        operations=tuple(
            _check_operation(
                name, baseline.operations.get(name), current.operations.get(name), tolerance
            )
            for name in names
        ),
    )


def _check_operation(
    name: str, before: BaselineOperation | None, after: BaselineOperation | None, tolerance: float
) -> OperationCheck:
    if before is None:
        return OperationCheck(name, None, after, Verdict.NEW, ("not in the baseline",))
    if after is None:
        return OperationCheck(name, before, None, Verdict.MISSING, ("not run",))
    if after.error_rate > before.error_rate:
        reason = f"{after.error_rate:.0%} of calls failed (baseline {before.error_rate:.0%})"
        return OperationCheck(name, before, after, Verdict.FAILING, (reason,))
    scanning = _scan_reasons(before, after, tolerance)
    costlier = [
        f"RU {label} {old:.2f} -> {new:.2f} ({_change(old, new)})"
        for label, old, new in (
            ("p50", before.ru_p50, after.ru_p50),
            ("p95", before.ru_p95, after.ru_p95),
        )
        if grew(old, new, tolerance)
    ]
    if scanning:
        verdict = Verdict.SCANNING
    elif costlier:
        verdict = Verdict.COSTLIER
    else:
        verdict = Verdict.OK
    return OperationCheck(name, before, after, verdict, tuple(scanning + costlier))


def _scan_reasons(
    before: BaselineOperation, after: BaselineOperation, tolerance: float
) -> list[str]:
    reasons = []
    old_ratio, new_ratio = before.retrieved_per_output, after.retrieved_per_output
    if old_ratio is not None and new_ratio is not None and grew(old_ratio, new_ratio, tolerance):
        reasons.append(f"reads {new_ratio:.1f} documents per result (was {old_ratio:.1f})")
    old_hit, new_hit = before.index_hit_ratio, after.index_hit_ratio
    if old_hit is not None and new_hit is not None and new_hit < old_hit * (1 - tolerance):
        reasons.append(f"index hit ratio {old_hit:.2f} -> {new_hit:.2f}")
    return reasons


def grew(old: float, new: float, tolerance: float) -> bool:
    """`new` exceeds `old` by more than `tolerance` (a fraction of `old`)."""
    return new > old * (1 + tolerance) + 1e-9


def _change(old: float, new: float) -> str:
    return f"{(new - old) / old:+.0%}" if old else "new cost"
