"""The index table of a report: per query operation, the indexes its calls used and the
ones the target suggested (from the sampled calls' index metrics), with the documents
retrieved per result and the index-hit ratio of every call that reported query metrics.

An ORDER BY on several paths without its composite index gets 400 and no index metrics:
the index it needs comes from the ORDER BY itself (bench.advise.queries).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.advise.queries import describe, needed_order_by_composite, workload_queries
from bench.rundata import OperationStats, Run
from bench.rundata.figures import IndexUse

INDEX_NOTE = (
    "Indexes used and suggested are what the target said on the calls that asked for index "
    "metrics (the first [run] index_metrics_sample calls of each query operation in each "
    'process; the service documents an overhead for them); "unknown" when it sent none. '
    "Documents retrieved per result and the index-hit ratio are means over every call that "
    "reported query metrics. rubench advise RUN_DIR writes a policy with these indexes."
)


@dataclass(frozen=True)
class IndexRow:
    operation: str
    run: str  # the run's label (comparisons list one row per run)
    sampled: str  # "2 of 2 sampled calls reported", "not sampled", ...
    utilized: tuple[str, ...]
    potential: tuple[str, ...]
    retrieved_per_result: float | None
    index_hit_ratio: float | None


def index_rows(run: Run) -> list[IndexRow]:
    """One row per query operation of the run, in name order."""
    queries = workload_queries(run.workload_text)
    rows = []
    for name, stats in sorted(run.summary.operations.items()):
        if stats.kind != "query":
            continue
        potential = _potential(stats)
        if name in queries and (needed := needed_order_by_composite(queries[name], stats)):
            rejected = stats.failures_by_status.get(400, 0)
            potential += (
                f"composite ({describe(needed)}): its ORDER BY needs it "
                f"(the target answered 400 on {rejected} calls)",
            )
        rows.append(
            IndexRow(
                operation=name,
                run=run.label,
                sampled=_sampled(stats),
                utilized=_utilized(stats),
                potential=potential,
                retrieved_per_result=stats.query.retrieved_per_output,
                index_hit_ratio=stats.query.index_hit_ratio_mean,
            )
        )
    return rows


def _sampled(stats: OperationStats) -> str:
    indexes = stats.query.indexes
    if indexes is None:
        return "no call asked for index metrics"
    if not indexes.reported_calls:
        return f"unknown: the target sent no index metrics ({indexes.sampled_calls} calls asked)"
    return f"{indexes.reported_calls} of {indexes.sampled_calls} sampled calls reported"


def _utilized(stats: OperationStats) -> tuple[str, ...]:
    indexes = stats.query.indexes
    if indexes is None:
        return ()
    return tuple(
        _use(kind, use)
        for kind, uses in (
            ("single", indexes.utilized_single),
            ("composite", indexes.utilized_composite),
        )
        for use in uses
    )


def _potential(stats: OperationStats) -> tuple[str, ...]:
    indexes = stats.query.indexes
    if indexes is None:
        return ()
    return tuple(
        _use(kind, use) + (f", {use.impact} impact" if use.impact else "")
        for kind, uses in (
            ("single", indexes.potential_single),
            ("composite", indexes.potential_composite),
        )
        for use in uses
    )


def _use(kind: str, use: IndexUse) -> str:
    return f"{kind} ({', '.join(use.paths)}): {use.calls} calls"
