"""Planning from a run directory: what a plan needs, taken from `bench.rundata`'s summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.capacity.mix import choose_mix
from bench.capacity.plan import (
    CapacityPlan,
    MeasuredOperation,
    MeasuredRun,
    build_plan,
    ru_per_request,
)
from bench.capacity.prices import PriceTable
from bench.errors import RubenchError


def measure_run(run_dir: Path) -> MeasuredRun:
    from bench.report.trust import unusable_charges
    from bench.rundata import load_run, summarize

    run = load_run(run_dir)
    summary = summarize(run)
    key = (run.info.get("container") or {}).get("partition_key") or {}
    operations = tuple(
        MeasuredOperation(name=name, **operation_costs(stats))
        for name, stats in summary["operations"].items()
    )
    if not operations:
        raise RubenchError(f"{run_dir}: the run recorded no requests, so there is nothing to plan")
    problem = unusable_charges(summary)
    if problem:
        raise RubenchError(f"{run_dir}: {problem}; no plan from it")
    partition_ru = {
        str(row["partition"]): float(row["ru"] or 0.0) for row in partition_rows(summary)
    }
    return MeasuredRun(
        name=summary["run"]["name"],
        operations=operations,
        partition_ru=partition_ru,
        partition_key=", ".join(key.get("paths") or []),
    )


def operation_costs(stats: dict[str, Any]) -> dict[str, Any]:
    """kind, count, ru_mean and ru_p95 of one operation's summary: what plans and key
    comparisons both read (0 RU where the summary has no charge)."""
    return {
        "kind": stats["kind"],
        "count": stats["count"],
        "ru_mean": stats["ru"]["mean"] or 0.0,
        "ru_p95": stats["ru"]["p95"] or 0.0,
    }


def partition_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's per-partition rows for physical partitions only: the ledger books
    container-level requests (reading the container, its key ranges) under partition ""."""
    return [row for row in summary["partitions"]["rows"] if str(row["partition"])]


def plan_run(
    run_dir: Path,
    *,
    peak_rate: float,
    mix_file: Path | None,
    headroom: float,
    prices: PriceTable,
) -> tuple[CapacityPlan, float]:
    """The plan for `run_dir` at `peak_rate`, and the mean RU of one request of its mix."""
    run = measure_run(run_dir)
    mix, mix_source = choose_mix(run, mix_file)
    plan = build_plan(
        run, peak_rate=peak_rate, mix=mix, mix_source=mix_source, headroom=headroom, prices=prices
    )
    return plan, ru_per_request(run, mix)
