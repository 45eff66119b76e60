"""Warnings where a run's numbers cannot be trusted as they stand.

A report that shows a p99.9 from 200 samples, or RU figures from a target
that charges 1 RU for everything, misleads more than it helps; these
warnings sit at the top of the page.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from bench.formatting import duration, ms, percent, ru
from bench.report.findings import WARNING, Finding
from bench.rundata import Run

TAIL_SAMPLES = 10  # a percentile needs this many samples beyond it
HIGH_ERROR_RATE = 0.05
SHORT_WINDOW_S = 30
COLD_START_FACTOR = 1.5  # first tenth of the window this much slower than the rest


def trust_warnings(run: Run, summary: dict[str, Any]) -> list[Finding]:
    """Every reason to doubt this run's figures, in the order a reader should see them."""
    operations = summary.get("operations") or {}
    return [
        *row_check_warnings(run),
        *_status_warnings(run, summary),
        *_provisioning_warnings(run),
        *_phase_warnings(run),
        *_charge_warnings(operations),
        *_unreported_warnings(summary),
        *_warmup_warnings(run),
        *_sample_warnings(operations),
        *(w for name, stats in operations.items() for w in _error_warnings(name, stats)),
    ]


def unusable_charges(summary: dict[str, Any], *, failed_calls: bool = True) -> str | None:
    """Why the run's RU figures cannot feed a plan, a baseline or a check, or None: the
    target does not model request charges (it charged nothing, or the same for every kind
    of call), or (with `failed_calls`) an operation failed every call, so its RU figures
    are those of errors."""
    operations = summary.get("operations") or {}
    warnings = _charge_warnings(operations)
    if warnings:
        return warnings[0].text
    failed = [name for name, stats in operations.items() if (stats.get("error_rate") or 0) >= 1]
    if failed_calls and failed:
        return f"every call of {', '.join(failed)} failed, so its RU figures are those of errors"
    return None


def tail_is_thin(count: int, quantile: float) -> bool:
    """True when fewer than TAIL_SAMPLES samples lie beyond the quantile: the table greys
    such percentiles out."""
    return count * (1 - quantile) < TAIL_SAMPLES


def row_check_warnings(run: Run) -> list[Finding]:
    """The run directory does not hold every call the run counted (rows written elsewhere
    or lost): every figure is short. `rubench report --strict` fails on these."""
    check = run.info.get("rows")
    if not isinstance(check, dict) or not isinstance(check.get("counted"), int):
        return []
    warnings = []
    metadata = 0 if run.metadata is None else len(run.metadata)
    found = len(run.requests) + metadata + run.warmup_rows
    if found != check["counted"]:
        warnings.append(
            Finding(
                "rows-missing",
                f"{check['counted']:,} calls were counted during the run, but the run "
                f"directory holds {found:,} rows: every figure here is computed from an "
                "incomplete record",
                WARNING,
            )
        )
    if check.get("workers_unaccounted"):
        warnings.append(
            Finding(
                "rows-workers",
                "Workers never handed over their last rows: "
                + ", ".join(check["workers_unaccounted"]),
                WARNING,
            )
        )
    return warnings


def _provisioning_warnings(run: Run) -> list[Finding]:
    """Throughput and partitions the target did not confirm, or that differ from the file."""
    container = run.info.get("container") or {}
    throughput = container.get("throughput") or {}
    declared = container.get("workload_throughput") or {}
    warnings = []
    if throughput.get("source") == "workload":
        warnings.append(
            Finding(
                "throughput-unknown",
                "The target did not report the container's throughput: the workload file's "
                f"{_offer(declared)} is unverified, so no share of provisioned RU/s is shown",
                WARNING,
            )
        )
    elif throughput.get("source") == "target" and declared and not _same(throughput, declared):
        warnings.append(
            Finding(
                "throughput-differs",
                f"The container has {_offer(throughput)}, not the {_offer(declared)} the "
                "workload file says (it existed already): figures use the container's",
                WARNING,
            )
        )
    if "physical_partitions" in container and container["physical_partitions"] is None:
        warnings.append(
            Finding(
                "partitions-unknown",
                "The target did not list the container's physical partitions: the partition "
                "count is unknown",
                WARNING,
            )
        )
    changed = container.get("at_end") or {}
    if changed:
        what = "; ".join(
            f"{name.replace('_', ' ')} {_offer(value) if isinstance(value, dict) else value}"
            for name, value in changed.items()
        )
        warnings.append(
            Finding(
                "container-changed",
                f"The container changed during the run; at the end: {what}",
                WARNING,
            )
        )
    return warnings


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return (one.get("mode"), one.get("rus")) == (other.get("mode"), other.get("rus"))


def _offer(throughput: dict[str, Any]) -> str:
    rus = throughput.get("rus")
    mode = throughput.get("mode") or "unknown"
    return f"{rus:,.0f} RU/s ({mode})" if isinstance(rus, int | float) else str(mode)


def _phase_warnings(run: Run) -> list[Finding]:
    """Several starts and stops (Locust's web UI): the window spans the idle time between."""
    phases = [p for p in run.info.get("phases") or [] if isinstance(p, dict)]
    warnings = []
    idle = sum(
        max(0.0, later["started_at"] - earlier["ended_at"])
        for earlier, later in itertools.pairwise(phases)
        if isinstance(earlier.get("ended_at"), int | float) and not later.get("reset")
    )
    if idle >= 1:
        starts = sum(not phase.get("reset") for phase in phases)
        warnings.append(
            Finding(
                "phases-idle",
                f"The test was started {starts} times with {duration(idle)} stopped in between:"
                " rates are averaged over the whole span, idle time included",
                WARNING,
            )
        )
    resets = sum(1 for phase in phases if phase.get("reset"))
    if resets:
        warnings.append(
            Finding(
                "phases-reset",
                f"Statistics were reset {resets} time(s) during the run: Locust's own tables "
                "start at the last reset, these figures cover the whole run",
                WARNING,
            )
        )
    return warnings


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
    # an operation whose every call failed was charged for errors (a 400 query costs what
    # a point read does): it says nothing about whether the target models charges
    served = [stats for stats in operations.values() if (stats.get("error_rate") or 0) < 1]
    kinds = {stats.get("kind") for stats in served}
    constant = {(stats.get("ru") or {}).get(bound) for stats in served for bound in ("min", "max")}
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


def _unreported_warnings(summary: dict[str, Any]) -> list[Finding]:
    """Figures the target did not provide: shown as unknown, said once here."""
    operations = summary.get("operations") or {}
    warnings = []
    blind = [
        name
        for name, stats in operations.items()
        if stats.get("kind") == "query" and _metrics(stats).get("retrieved_docs_mean") is None
    ]
    if blind:
        warnings.append(
            Finding(
                "query-metrics-unknown",
                f"The target sent no usable query metrics for {', '.join(blind)} (none, or "
                "impossible ones such as fewer documents output than returned): documents "
                "read per result and index hit ratio are unknown",
                WARNING,
            )
        )
    partitions = summary.get("partitions") or {}
    if operations and partitions.get("source") == "responses" and not partitions.get("rows"):
        warnings.append(
            Finding(
                "partitions-unnamed",
                "No response named its partition key range: RU per partition, hot "
                "partitions and partitions touched by queries are unknown",
                WARNING,
            )
        )
    return warnings


def _metrics(stats: dict[str, Any]) -> dict[str, Any]:
    return stats.get("query") or {}


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
