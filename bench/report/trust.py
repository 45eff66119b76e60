"""Warnings where a run's numbers cannot be trusted as they stand.

A report that shows a p99.9 from 200 samples, or RU figures from a target
that charges 1 RU for everything, misleads more than it helps; these
warnings sit at the top of the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.report.findings import WARNING, Finding
from bench.report.formatting import duration, ms, percent, ru
from bench.rundata import Run

TAIL_SAMPLES = 10  # a percentile needs this many samples beyond it
HIGH_ERROR_RATE = 0.05
SHORT_WINDOW_S = 30
COLD_START_FACTOR = 1.5  # first tenth of the window this much slower than the rest


def trust_warnings(run: Run, summary: dict[str, Any]) -> list[Finding]:
    """Every reason to doubt this run's figures, in the order a reader should see them."""
    operations = summary.get("operations") or {}
    return [
        *_status_warnings(run, summary),
        *_charge_warnings(operations),
        *_warmup_warnings(run),
        *_sample_warnings(operations),
        *(w for name, stats in operations.items() for w in _error_warnings(name, stats)),
    ]


def tail_is_thin(count: int, quantile: float) -> bool:
    """True when fewer than TAIL_SAMPLES samples lie beyond the quantile: the table greys
    such percentiles out."""
    return count * (1 - quantile) < TAIL_SAMPLES


def _status_warnings(run: Run, summary: dict[str, Any]) -> list[Finding]:
    warnings = []
    status = run.info.get("status")
    if status and status != "completed":
        reason = run.info.get("status_reason")
        marked = f"{status} ({reason})" if reason else status
        warnings.append(
            Finding(
                "status",
                f"The run is marked {marked}: its figures cover "
                f"{duration(summary['window']['duration_s'])} and may stop mid-way",
                WARNING,
            )
        )
    if not (summary.get("totals") or {}).get("count"):
        warnings.append(Finding("empty", "The run recorded no requests", WARNING))
    elif summary["window"]["duration_s"] < SHORT_WINDOW_S:
        warnings.append(
            Finding(
                "short",
                f"The measured window is only {duration(summary['window']['duration_s'])}: "
                "rates and tail latencies may not have settled",
                WARNING,
            )
        )
    return warnings


def _charge_warnings(operations: dict[str, Any]) -> list[Finding]:
    """A target that charges nothing, or the same for every kind of call, does not model RU."""
    charges = [stats.get("ru") or {} for stats in operations.values()]
    if not charges:
        return []
    if all((c.get("max") or 0) == 0 for c in charges):
        return [
            Finding(
                "no-charge",
                "The target reported no request charge: RU figures are all zero",
                WARNING,
            )
        ]
    kinds = {stats.get("kind") for stats in operations.values()}
    constant = {c.get("min") for c in charges} | {c.get("max") for c in charges}
    if len(kinds) > 1 and len(constant) == 1:
        return [
            Finding(
                "constant-charge",
                f"Every request was charged exactly {ru(constant.pop())}, whatever its kind: "
                "the target does not model request charges, so the RU figures say nothing "
                "about Cosmos DB",
                WARNING,
            )
        ]
    return []


def _warmup_warnings(run: Run) -> list[Finding]:
    warnings = []
    users, spawn_rate = run.info.get("users"), run.info.get("spawn_rate")
    if isinstance(users, int | float) and isinstance(spawn_rate, int | float) and spawn_rate > 0:
        ramp_s = users / spawn_rate
        if ramp_s >= 1 and run.warmup_s < ramp_s:
            warnings.append(
                Finding(
                    "warmup-ramp",
                    f"Users were still starting during the first {duration(ramp_s)} "
                    f"({users:g} users at {spawn_rate:g}/s) and the figures include that ramp "
                    f"({duration(run.warmup_s)} of warm-up left out): raise --spawn-rate or run "
                    "longer so it weighs less",
                    WARNING,
                )
            )
    frame = run.requests
    window = run.window
    if len(frame) >= 200 and window.duration_s > 0:
        latency = frame["latency_ms"].to_numpy()
        early = frame["timestamp"].to_numpy() < window.start + window.duration_s / 10
        if early.sum() >= 20 and (~early).sum() >= 20:
            first, rest = np.median(latency[early]), np.median(latency[~early])
            if rest > 0 and first > COLD_START_FACTOR * rest:
                warnings.append(
                    Finding(
                        "warmup-cold",
                        f"The first tenth of the run was {first / rest:.1f}x slower than the "
                        f"rest (p50 {ms(first)} against {ms(rest)}): a cold start is included",
                        WARNING,
                    )
                )
    return warnings


def _sample_warnings(operations: dict[str, Any]) -> list[Finding]:
    """One warning naming every operation whose tail percentiles rest on too few calls."""
    thin = {name: stats.get("count") or 0 for name, stats in operations.items()}
    thin = {name: count for name, count in thin.items() if tail_is_thin(count, 0.99)}
    if not thin:
        return []
    listed = ", ".join(f"{name} ({count:,})" for name, count in thin.items())
    return [
        Finding(
            "samples",
            f"Too few calls for tail latencies: {listed}. A p99 needs 1,000 calls and a "
            f"p99.9 {TAIL_SAMPLES * 1000:,} to rest on {TAIL_SAMPLES} slower calls; "
            "run longer or with more users",
            WARNING,
        )
    ]


def _error_warnings(name: str, stats: dict[str, Any]) -> list[Finding]:
    error_rate = stats.get("error_rate") or 0
    if error_rate < HIGH_ERROR_RATE:
        return []
    return [
        Finding(
            f"error-rate:{name}",
            f"{name}: {percent(error_rate)} of calls failed, so its latency and RU figures "
            "mix failures with successes",
            WARNING,
            name,
        )
    ]
