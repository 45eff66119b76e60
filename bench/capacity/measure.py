"""Planning from a loaded run: what a plan needs, read from its summary."""

from __future__ import annotations

from pathlib import Path

from bench.capacity.mix import choose_mix
from bench.capacity.plan import CapacityPlan, MeasuredRun, build_plan, ru_per_request
from bench.capacity.prices import PriceTable
from bench.errors import RubenchError
from bench.report.trust import missing_rows, no_calls, unusable_charges
from bench.rundata import Run


def measure_run(run: Run) -> MeasuredRun:
    """The run's operations and RU per physical partition, or an error when its charges
    cannot feed a plan. The ledger books container-level requests (reading the container,
    its key ranges) under partition "": no physical partition, so left out."""
    summary = run.summary
    if not summary.operations:
        raise RubenchError(f"{run.directory}: {no_calls(summary)}, so there is nothing to plan")
    problem = missing_rows(run) or unusable_charges(summary)
    if problem:
        raise RubenchError(f"{run.directory}: {problem}; no plan from it")
    return MeasuredRun(
        name=run.name,
        operations=summary.operations,
        partition_ru={row.partition: row.ru for row in summary.partitions.rows if row.partition},
        partition_key=", ".join(run.info.container.partition_key.paths),
    )


def plan_run(
    run: Run,
    *,
    peak_rate: float,
    mix_file: Path | None,
    headroom: float,
    prices: PriceTable,
) -> tuple[CapacityPlan, float]:
    """The plan for `run` at `peak_rate`, and the mean RU of one request of its mix."""
    measured = measure_run(run)
    mix, mix_source = choose_mix(measured, mix_file)
    plan = build_plan(
        measured,
        peak_rate=peak_rate,
        mix=mix,
        mix_source=mix_source,
        headroom=headroom,
        prices=prices,
    )
    return plan, ru_per_request(measured, mix)
