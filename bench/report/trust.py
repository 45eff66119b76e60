"""Warnings where a run's numbers cannot be trusted as they stand.

A report that shows a p99.9 from 200 samples, or RU figures from a target
that charges 1 RU for everything, misleads more than it helps; these
warnings sit at the top of the page.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from bench.formatting import duration, ms, percent, ru
from bench.report.findings import WARNING, Finding
from bench.rundata import OperationStats, Run, RunInfo, RunSummary
from bench.rundata.info import Throughput
from bench.rundata.reading import part_rows

TAIL_SAMPLES = 10  # a percentile needs this many samples beyond it
HIGH_ERROR_RATE = 0.05
SHORT_WINDOW_S = 30
COLD_START_FACTOR = 1.5  # first tenth of the window this much slower than the rest


def trust_warnings(run: Run) -> list[Finding]:
    """Every reason to doubt this run's figures, in the order a reader should see them."""
    info, summary = run.info, run.summary
    operations = summary.operations
    return [
        *row_check_warnings(run),
        *_status_warnings(info, summary),
        *_provisioning_warnings(info),
        *_phase_warnings(info),
        *_charge_warnings(operations),
        *_unreported_warnings(summary),
        *_warmup_warnings(info, summary),
        *_sample_warnings(operations),
        *(w for name, stats in operations.items() for w in _error_warnings(name, stats)),
    ]


def client_warnings(baseline: Run, candidate: Run) -> list[Finding]:
    """Runs measured through different clients: RU compare, latencies do not (the SDK's
    own overhead is in one and not the other)."""
    ours, theirs = candidate.info.client, baseline.info.client
    if ours.kind == theirs.kind:
        return []
    return [
        Finding(
            "client",
            f"Figures by {ours.describe()}, the baseline's by {theirs.describe()}: request "
            "charges compare, latencies do not (the SDK's own overhead is in one only).",
            WARNING,
        )
    ]


FAILING = 0.01  # above 1% of an operation's calls failed: its RU and latency are partly errors'


def unusable_charges(summary: RunSummary, *, failed_calls: bool = True) -> str | None:
    """Why the run's RU figures cannot feed a plan, a baseline or a check, or None: the
    target does not model request charges (it charged nothing, or the same for every kind
    of call), or (with `failed_calls`) an operation failed every call, so its RU figures
    are those of errors."""
    operations = summary.operations
    warnings = _charge_warnings(operations)
    if warnings:
        return warnings[0].text
    failed = [name for name, stats in operations.items() if stats.error_rate >= 1]
    if failed_calls and failed:
        return f"every call of {', '.join(failed)} failed, so its RU figures are those of errors"
    return None


def no_calls(summary: RunSummary) -> str:
    """Why a summary holds no call, in words a user can act on (the rows may all be in
    the warm-up, or be the SDK's own requests)."""
    rows = summary.rows
    if rows.warmup:
        return (
            f"the run made no call after its {duration(summary.window.warmup_s)} warm-up "
            f"({rows.warmup:,} rows fell in it)"
        )
    if rows.metadata:
        return f"the run made no call, only {rows.metadata:,} requests the SDK made on its own"
    return "the run recorded no requests"


def missing_rows(run: Run) -> str | None:
    """Why the run's figures are short, or None: its directory holds fewer rows than the
    run counted (a part deleted or never written), so a plan, baseline or check from it
    would rest on part of the run."""
    return next((w.text for w in row_check_warnings(run) if w.key == "rows-missing"), None)


def tail_is_thin(count: int, quantile: float) -> bool:
    """True when fewer than TAIL_SAMPLES samples lie beyond the quantile: the table greys
    such percentiles out."""
    return count * (1 - quantile) < TAIL_SAMPLES


def row_check_warnings(run: Run) -> list[Finding]:
    """The run directory does not hold exactly the calls the run counted: rows written
    elsewhere or lost (every figure is short), or rows no process of the run counted (the
    figures cannot be checked). `rubench report --strict` fails on these. The rows are
    counted in the parts as they are now (their footers), not taken from the summary."""
    check = run.info.rows
    if check is None:
        return []
    warnings = []
    found = part_rows(run.directory)
    if found != check.counted:
        meaning = (
            "every figure here is computed from an incomplete record"
            if found < check.counted
            else "rows no process of the run counted (a process's last count never reached "
            "the master, or parts were added later), so the figures cannot be checked "
            "against the run"
        )
        warnings.append(
            Finding(
                "rows-missing" if found < check.counted else "rows-uncounted",
                f"{check.counted:,} calls were counted during the run, but the run "
                f"directory holds {found:,} rows ({abs(found - check.counted):,} "
                f"{'fewer' if found < check.counted else 'more'}): {meaning}",
                WARNING,
            )
        )
    if check.workers_unaccounted:
        warnings.append(
            Finding(
                "rows-workers",
                "Workers never handed over their last rows: "
                + ", ".join(check.workers_unaccounted),
                WARNING,
            )
        )
    return warnings


def _provisioning_warnings(info: RunInfo) -> list[Finding]:
    """Throughput and partitions the target did not confirm, or that differ from the file."""
    container = info.container
    throughput, declared = container.throughput, container.workload_throughput
    warnings = []
    if throughput.source == "workload":
        warnings.append(
            Finding(
                "throughput-unknown",
                "The target did not report the container's throughput: the workload file's "
                f"{_offer(declared)} is unverified, so no share of provisioned RU/s is shown",
                WARNING,
            )
        )
    elif throughput.source == "target" and not _same(throughput, declared):
        warnings.append(
            Finding(
                "throughput-differs",
                f"The container has {_offer(throughput)}, not the {_offer(declared)} the "
                "workload file says (it existed already): figures use the container's",
                WARNING,
            )
        )
    if container.physical_partitions is None:
        warnings.append(
            Finding(
                "partitions-unknown",
                "The target did not list the container's physical partitions: the partition "
                "count is unknown",
                WARNING,
            )
        )
    changed = container.at_end
    if changed is not None:
        what = "; ".join(
            f"{name} {value}"
            for name, value in (
                ("throughput", changed.throughput and _offer(changed.throughput)),
                ("physical partitions", changed.physical_partitions),
            )
            if value is not None
        )
        warnings.append(
            Finding(
                "container-changed",
                f"The container changed during the run; at the end: {what}",
                WARNING,
            )
        )
    return warnings


def _same(one: Throughput, other: Throughput) -> bool:
    return (one.mode, one.rus) == (other.mode, other.rus)


def _offer(throughput: Throughput) -> str:
    rus = throughput.rus
    return f"{rus:,.0f} RU/s ({throughput.mode})" if rus is not None else throughput.mode


def _phase_warnings(info: RunInfo) -> list[Finding]:
    """Several starts and stops (Locust's web UI): the window spans the idle time between."""
    phases = info.phases
    warnings = []
    idle = sum(
        max(0.0, later.started_at - earlier.ended_at)
        for earlier, later in itertools.pairwise(phases)
        if earlier.ended_at is not None and not later.reset
    )
    if idle >= 1:
        starts = sum(not phase.reset for phase in phases)
        warnings.append(
            Finding(
                "phases-idle",
                f"The test was started {starts} times with {duration(idle)} stopped in between:"
                " rates are averaged over the whole span, idle time included",
                WARNING,
            )
        )
    resets = sum(1 for phase in phases if phase.reset)
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


def _status_warnings(info: RunInfo, summary: RunSummary) -> list[Finding]:
    warnings = []
    window_s = summary.window.duration_s
    if info.status != "completed":
        reason = info.status_reason
        marked = f"{info.status} ({reason})" if reason else info.status
        warnings.append(
            Finding(
                "status",
                f"The run is marked {marked}: its figures cover "
                f"{duration(window_s)} and may stop mid-way",
                WARNING,
            )
        )
    if summary.totals is None or not summary.totals.count:
        reason = no_calls(summary)
        warnings.append(Finding("empty", reason[0].upper() + reason[1:], WARNING))
    elif window_s < SHORT_WINDOW_S:
        warnings.append(
            Finding(
                "short",
                f"The measured window is only {duration(window_s)}: "
                "rates and tail latencies may not have settled",
                WARNING,
            )
        )
    return warnings


def _charge_warnings(operations: Mapping[str, OperationStats]) -> list[Finding]:
    """A target that charges nothing, or the same for every kind of call, does not model RU."""
    if not operations:
        return []
    if all(stats.ru.max == 0 for stats in operations.values()):
        return [
            Finding(
                "no-charge",
                "The target reported no request charge: RU figures are all zero",
                WARNING,
            )
        ]
    # an operation whose every call failed was charged for errors (a 400 query costs what
    # a point read does): it says nothing about whether the target models charges
    served = [stats for stats in operations.values() if stats.error_rate < 1]
    kinds = {stats.kind for stats in served}
    constant = {bound for stats in served for bound in (stats.ru.min, stats.ru.max)}
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


def _unreported_warnings(summary: RunSummary) -> list[Finding]:
    """Figures the target did not provide: shown as unknown, said once here."""
    operations = summary.operations
    warnings = []
    blind = [
        name
        for name, stats in operations.items()
        if stats.kind == "query" and stats.query.retrieved_docs_mean is None
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
    partitions = summary.partitions
    if operations and partitions.source == "responses" and not partitions.rows:
        warnings.append(
            Finding(
                "partitions-unnamed",
                "No response named its partition key range: RU per partition, hot "
                "partitions and partitions touched by queries are unknown",
                WARNING,
            )
        )
    return warnings


def _warmup_warnings(info: RunInfo, summary: RunSummary) -> list[Finding]:
    warnings = []
    users, spawn_rate, warmup_s = info.users, info.spawn_rate, info.warmup_s
    if users is not None and spawn_rate:
        ramp_s = users / spawn_rate
        if ramp_s >= 1 and warmup_s < ramp_s:
            warnings.append(
                Finding(
                    "warmup-ramp",
                    f"Users were still starting during the first {duration(ramp_s)} "
                    f"({users:g} users at {spawn_rate:g}/s) and the figures include that ramp "
                    f"({duration(warmup_s)} of warm-up left out): raise --spawn-rate or run "
                    "longer so it weighs less",
                    WARNING,
                )
            )
    cold = summary.cold_start
    if cold is not None and cold.rest_p50_ms > 0:
        first, rest = cold.first_p50_ms, cold.rest_p50_ms
        if first > COLD_START_FACTOR * rest:
            warnings.append(
                Finding(
                    "warmup-cold",
                    f"The first tenth of the run was {first / rest:.1f}x slower than the "
                    f"rest (p50 {ms(first)} against {ms(rest)}): a cold start is included",
                    WARNING,
                )
            )
    return warnings


def _sample_warnings(operations: Mapping[str, OperationStats]) -> list[Finding]:
    """One warning naming every operation whose tail percentiles rest on too few calls."""
    thin = {name: stats.count for name, stats in operations.items()}
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


def _error_warnings(name: str, stats: OperationStats) -> list[Finding]:
    error_rate = stats.error_rate
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
