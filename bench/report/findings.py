"""Top findings of a run in plain sentences, from its summary (summary.json).

Each finding has a stable `key` ("cost:point_read", "hot-partition:2") so a
comparison can tell which findings appeared, disappeared or changed, and the
capacity planner can reuse the same sentences.

Example::

    for finding in run_findings(summary):
        print(finding.text)  # "point_read: 1.00 RU, p99 4.12 ms"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.formatting import compact, ms, number, percent, ru
from bench.rundata import OperationStats, RunSummary
from bench.rundata.figures import Charges, Latency, PartitionRow

INFO, NOTICE, WARNING = "info", "notice", "warning"
SEVERITY_ORDER = {WARNING: 0, NOTICE: 1, INFO: 2}

PARTITION_THROTTLE_SHARE = 0.01  # a partition answering 429 to >= 1% of its requests
HOT_PARTITION_FACTOR = 1.5  # RU share above 1.5x an even spread
TOP_CONSUMER_SHARE = 0.5
CAPACITY_SHARE = 0.8  # sustained RU/s at 80% of provisioned
READ_AMPLIFICATION = 10  # documents read per document returned
LOW_INDEX_HIT = 0.5
NOTABLE_ERROR_RATE = 0.01


@dataclass(frozen=True)
class Finding:
    """One plain sentence about a run; `key` identifies it across runs."""

    key: str
    text: str
    severity: str = INFO
    operation: str | None = None


def run_findings(summary: RunSummary) -> list[Finding]:
    """Every finding for a run, most important first."""
    findings = [
        *_partition_findings(summary),
        *_capacity_findings(summary),
        *_consumer_findings(summary),
    ]
    for name, stats in summary.operations.items():
        findings += _operation_findings(name, stats)
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def changed_findings(
    baseline: Sequence[Finding], candidate: Sequence[Finding], unchanged_operations: set[str]
) -> list[tuple[str, Finding | None, Finding | None]]:
    """(change, before, after) for findings that appeared, disappeared or changed.

    A finding about an operation whose figures are within noise is not a change
    even when its sentence carries slightly different numbers.
    """
    before = {f.key: f for f in baseline}
    after = {f.key: f for f in candidate}
    changes: list[tuple[str, Finding | None, Finding | None]] = []
    for key, finding in after.items():
        if key not in before:
            changes.append(("new", None, finding))
        elif finding.text != before[key].text and finding.operation not in unchanged_operations:
            changes.append(("changed", before[key], finding))
    changes += [("gone", finding, None) for key, finding in before.items() if key not in after]
    return changes


def _operation_findings(name: str, stats: OperationStats) -> list[Finding]:
    charge = stats.ru
    cost = _cost_sentence(name, charge, stats.latency_ms)
    findings = [Finding(f"cost:{name}", cost, operation=name)]
    touched = stats.partitions_touched_mean or 1
    if stats.kind == "query" and touched > 1:
        findings.append(
            Finding(
                f"fan-out:{name}",
                f"{name} is cross-partition and touches {compact(touched)} partitions in "
                f"{compact(stats.requests_per_call or touched)} requests per call (one "
                "or more per partition, each charged about 2.5 RU or more, plus the 400/1004 "
                f"when the SDK merges the results): {ru(charge.mean)}",
                NOTICE,
                name,
            )
        )
    retrieved, output = stats.query.retrieved_docs_mean, stats.query.output_docs_mean
    hit = stats.query.index_hit_ratio_mean
    if retrieved and (
        (output and retrieved / output >= READ_AMPLIFICATION)
        or (hit is not None and hit < LOW_INDEX_HIT)
    ):
        findings.append(
            Finding(
                f"scan:{name}",
                f"{name} reads {number(retrieved)} documents to return {number(output or 0)}"
                + (f" (index hit ratio {hit:.2f})" if hit is not None else "")
                + ": an index or a partition-key filter would cut its RU",
                NOTICE,
                name,
            )
        )
    failures = {
        status: count / stats.count
        for status, count in stats.failures_by_status.items()
        if status != 429
    }
    if failures:
        detail = ", ".join(f"{_status_name(s)}: {percent(r)}" for s, r in failures.items())
        share = sum(failures.values())
        findings.append(
            Finding(
                f"errors:{name}",
                f"{name} failed {percent(share)} of calls ({detail})",
                WARNING if share >= NOTABLE_ERROR_RATE else NOTICE,
                name,
            )
        )
    return findings


def _cost_sentence(name: str, charge: Charges, latency: Latency) -> str:
    """ "point_read: 1.00 RU, p99 4.12 ms"; a varying charge also shows its p95."""
    varies = charge.min != charge.max
    cost = f"{ru(charge.mean)} on average (p95 {ru(charge.p95)})" if varies else ru(charge.mean)
    return f"{name}: {cost}, p99 {ms(latency.p99)}"


def hot_partitions(summary: RunSummary) -> dict[str, float]:
    """{partition: RU share} of partitions above HOT_PARTITION_FACTOR times an even spread."""
    partitions = summary.partitions
    if len(partitions.rows) < 2 or not partitions.ru_total:
        return {}
    even = 1 / len(partitions.rows)
    return {
        p: share for p, share in partitions.shares().items() if share > HOT_PARTITION_FACTOR * even
    }


def _partition_findings(summary: RunSummary) -> list[Finding]:
    rows = summary.partitions.rows
    hot = hot_partitions(summary)
    findings = []
    for row in sorted(rows, key=_throttle_share, reverse=True):
        pid, share = row.partition, _throttle_share(row)
        hot_key = f": hot key '{row.hot_key}'" if row.hot_key else ""
        if share >= PARTITION_THROTTLE_SHARE:
            findings.append(
                Finding(
                    f"throttled-partition:{pid}",
                    f"Partition {pid} throttled {percent(share)} of its requests "
                    f"({number(row.throttled)} of {number(row.requests)})"
                    f"{hot_key}",
                    WARNING,
                )
            )
        if pid in hot:
            findings.append(
                Finding(
                    f"hot-partition:{pid}",
                    f"Partition {pid} served {percent(hot[pid])} of the RU; an even spread over "
                    f"{len(rows)} partitions would be {percent(1 / len(rows))} each{hot_key}",
                    WARNING,
                )
            )
    return findings


def _throttle_share(row: PartitionRow) -> float:
    """The share of a partition's requests it answered with 429."""
    return row.throttled / row.requests if row.requests else 0.0


def _capacity_findings(summary: RunSummary) -> list[Finding]:
    totals = summary.totals
    if totals is None:
        return []
    findings = []
    provisioned = summary.provisioned_rus
    consumed = totals.ru_per_s
    if provisioned and consumed is not None:
        share = consumed / provisioned
        findings.append(
            Finding(
                "capacity",
                f"The run consumed {number(consumed)} RU/s on average, {percent(share)} of the "
                f"{number(provisioned)} RU/s provisioned (busiest second "
                f"{number(summary.peaks.ru_per_s)} RU)",
                NOTICE if share >= CAPACITY_SHARE else INFO,
            )
        )
    if totals.throttle_rate:
        findings.append(
            Finding(
                "throttling",
                f"{percent(totals.throttle_rate)} of requests met at least one 429 "
                f"({number(totals.throttled_attempts)} throttled attempts, "
                f"{percent(totals.final_throttle_rate)} still throttled after the SDK's "
                "retries); the retries' waits are in the latencies",
                WARNING,
            )
        )
    return findings


def ru_shares(summary: RunSummary) -> dict[str, float]:
    """Each operation's share of the operations' RU (all 0 when nothing was charged)."""
    total = summary.totals.ru.total if summary.totals else 0.0
    return {name: s.ru.total / total if total else 0.0 for name, s in summary.operations.items()}


def _consumer_findings(summary: RunSummary) -> list[Finding]:
    if len(summary.operations) < 2 or summary.totals is None:
        return []
    name, share = max(ru_shares(summary).items(), key=lambda item: item[1])
    if share < TOP_CONSUMER_SHARE:
        return []
    stats = summary.operations[name]
    return [
        Finding(
            "top-consumer",
            f"{name} uses {percent(share)} of all RU ({number(stats.ru_per_s)} RU/s) "
            f"for {percent(stats.count / summary.totals.count)} of the calls",
            NOTICE,
            name,
        )
    ]


def _status_name(status: int) -> str:
    return "no response" if status == 0 else str(status)
