"""Plans over a comparison (`rubench plan COMPARISON_DIR`): every variant priced at the same
peak and mix, and the cheapest design that does not throttle named.

All variants are priced with one mix: the `--mix` file, else the baseline's (the first
priced variant's) observed mix over the operations every variant measured, so that a run whose
random task choice drew more of one operation is not priced differently for it.
A design throttles at peak when its busiest physical partition needs more than its even
split of the planned manual RU/s, or more than one partition can serve (`HotPartition`);
among the others the cheapest is the one with the lowest manual monthly cost (autoscale's
cost follows the same RU/s, so the order is the same)::

    plans = plan_comparison(Path("reports/...-variants"), peak_rate=5000, mix_file=None,
                            headroom=0.2, prices=PriceTable())
    cheapest_design(plans)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.capacity.measure import measure_run
from bench.capacity.mix import load_mix
from bench.capacity.plan import CapacityPlan, MeasuredRun, build_plan, observed_mix, ru_per_request
from bench.capacity.prices import PriceTable
from bench.errors import RubenchError
from bench.rundata import load_run
from bench.variants.figures import FAILING
from bench.variants.manifest import VariantEntry, read_manifest


@dataclass(frozen=True)
class DesignPlan:
    variant: str
    settings: str
    run_dir: Path
    plan: CapacityPlan
    ru_per_request: float  # of the mix the plan is for

    @property
    def throttles(self) -> bool:
        hot = self.plan.hot_partition
        return bool(hot and (hot.over_partition_max or hot.over_even_split))


@dataclass(frozen=True)
class Unpriced:
    """A variant whose run cannot feed a plan (e.g. every call of an operation failed)."""

    variant: str
    settings: str
    run_dir: Path
    problem: str


def plan_comparison(
    directory: Path,
    *,
    peak_rate: float,
    mix_file: Path | None,
    headroom: float,
    prices: PriceTable,
) -> tuple[list[DesignPlan], list[Unpriced]]:
    """One plan per variant of the comparison in `directory`, in its order, and the
    variants that could not be priced, with why."""
    measured: list[tuple[VariantEntry, MeasuredRun]] = []
    unpriced = []
    for entry in read_manifest(directory).variants:
        run_dir = Path(directory) / entry.run_dir
        try:
            run = measure_run(load_run(run_dir))
        except RubenchError as error:
            unpriced.append(Unpriced(entry.label, entry.settings, run_dir, str(error)))
            continue
        failing = [name for name, op in run.operations.items() if op.error_rate > FAILING]
        if failing:  # its failed calls charged an error's RU: it would look cheaper
            problem = (
                f"over {FAILING:.0%} of the calls of {', '.join(failing)} failed, so its RU "
                "figures are partly those of errors; no plan from it"
            )
            unpriced.append(Unpriced(entry.label, entry.settings, run_dir, problem))
            continue
        measured.append((entry, run))
    if not measured:
        raise RubenchError(f"{directory}: no variant's run can be priced: {unpriced[0].problem}")
    mix, mix_source = shared_mix([run for _, run in measured], mix_file)
    plans = []
    for entry, run in measured:
        plan = build_plan(
            run,
            peak_rate=peak_rate,
            mix=mix,
            mix_source=mix_source,
            headroom=headroom,
            prices=prices,
        )
        plans.append(
            DesignPlan(
                entry.label, entry.settings, Path(directory) / entry.run_dir, plan,
                ru_per_request(run, mix),
            )
        )  # fmt: skip
    return plans, unpriced


def shared_mix(
    measured: Sequence[MeasuredRun], mix_file: Path | None
) -> tuple[dict[str, float], str]:
    """The mix every variant is priced with, and where it came from: the first priced
    variant's observed mix (the baseline's, unless it could not be priced)."""
    common = set.intersection(*(set(run.operations) for run in measured))
    if mix_file is not None:
        return load_mix(mix_file, common), str(mix_file)
    baseline = measured[0]
    mix = {name: count for name, count in observed_mix(baseline).items() if name in common}
    if not any(mix.values()):
        raise RubenchError(f"the variants measured no operation in common with {baseline.name!r}")
    return mix, f"the observed mix of {baseline.name}"


def cheapest_design(plans: Sequence[DesignPlan]) -> DesignPlan | None:
    """The cheapest design that does not throttle at peak; None when every one does."""
    fitting = [plan for plan in plans if not plan.throttles]
    return min(fitting, key=lambda p: p.plan.costs.manual_monthly, default=None)
