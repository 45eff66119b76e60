"""From measured RU per operation to the throughput, partitions and cost a traffic level needs.

Pure arithmetic on what a run measured (no I/O), so every figure a plan shows
can be checked by hand:

- RU/s of an operation at peak = peak rate x its share of the mix x its mean RU;
  the mean (not a percentile) because provisioned RU/s is spent as a sum.
- manual RU/s = required x (1 + headroom), rounded up to 100, at least 400;
  autoscale max = the same rounded up to 1000, at least 1000.
- physical partitions: at most 10,000 RU/s each, so ceil(RU/s / 10,000); a new
  manual container starts with ceil(RU/s / 6,000).
- the busiest partition keeps its measured excess over an even split (hot keys
  stay together) at the planned partition count, the larger of the two above
  (see `planned_share`); above
  10,000 RU/s no provisioning helps, above its even split of the provisioned
  RU/s it throttles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bench.capacity.prices import PriceTable
from bench.rundata import OperationStats

PARTITION_MAX_RUS = 10_000
PARTITION_RUS_AT_CREATION = 6_000
MANUAL_MIN_RUS, MANUAL_STEP = 400, 100
AUTOSCALE_MIN_RUS, AUTOSCALE_STEP = 1_000, 1_000
AUTOSCALE_FLOOR = 0.1  # autoscale bills at least 10% of its max every hour
BILLING_STEP = 100  # throughput is billed per 100 RU/s


@dataclass(frozen=True)
class MeasuredRun:
    """What a plan needs from a run directory."""

    name: str
    operations: Mapping[str, OperationStats]
    partition_ru: Mapping[str, float]  # RU charged per physical partition (range id)
    partition_key: str = ""  # the run's container design, e.g. "/categoryId"


@dataclass(frozen=True)
class OperationLoad:
    name: str
    kind: str
    share: float  # of the requests at peak
    rate: float  # requests/s at peak
    ru_mean: float
    ru_p95: float
    rus: float  # RU/s at peak


@dataclass(frozen=True)
class HotPartition:
    """The physical partition that took the most RU in the run, scaled to the peak."""

    partition: str
    share: float  # of the run's RU
    run_partitions: int
    planned_partitions: int  # what the plan judges it on
    rus_at_peak: float  # its estimated RU/s at peak on the planned partitions
    even_split_rus: float  # provisioned RU/s / planned partitions: what each can spend
    over_partition_max: bool  # > 10,000 RU/s: no throughput setting can serve it
    over_even_split: bool  # > provisioned / partitions: it throttles at the planned RU/s

    @property
    def skew_known(self) -> bool:
        """A run on one physical partition says nothing about how keys spread."""
        return self.run_partitions > 1


@dataclass(frozen=True)
class Costs:
    currency: str
    manual_monthly: float
    autoscale_monthly_at_max: float  # every hour reaching the autoscale max
    autoscale_monthly_at_floor: float  # every hour idle (10% of max)


@dataclass(frozen=True)
class CapacityPlan:
    run_name: str
    peak_rate: float
    headroom: float
    mix_source: str
    operations: tuple[OperationLoad, ...]
    required_rus: float
    manual_rus: int
    autoscale_max_rus: int
    partitions: int  # physical partitions the manual RU/s needs (10,000 RU/s each)
    partitions_at_creation: int  # a new manual container at that RU/s
    autoscale_partitions: int
    hot_partition: HotPartition | None
    costs: Costs
    prices: PriceTable
    partition_key: str = ""


def round_up(value: float, step: int, minimum: int) -> int:
    """`value` up to a whole `step`, at least `minimum`; float noise (67680.0000001) is
    rounded away first so it does not cost a whole extra step."""
    return max(minimum, math.ceil(round(value, 6) / step) * step)


def manual_rus_for(required_rus: float, headroom: float) -> int:
    return round_up(required_rus * (1 + headroom), MANUAL_STEP, MANUAL_MIN_RUS)


def autoscale_max_for(required_rus: float, headroom: float) -> int:
    return round_up(required_rus * (1 + headroom), AUTOSCALE_STEP, AUTOSCALE_MIN_RUS)


def hourly_cost(rus: float, price_per_100_rus_hour: float, prices: PriceTable) -> float:
    return rus / 100 * price_per_100_rus_hour * prices.regions


def ru_per_request(run: MeasuredRun, mix: Mapping[str, float]) -> float:
    """Mean RU of one request drawn from `mix` (weights normalised)."""
    total = sum(mix.values())
    return sum(weight / total * run.operations[name].ru.mean for name, weight in mix.items())


def observed_mix(run: MeasuredRun) -> dict[str, float]:
    """The run's own mix: each operation's share of the requests it made."""
    return {name: float(stats.count) for name, stats in run.operations.items()}


def build_plan(
    run: MeasuredRun,
    *,
    peak_rate: float,
    mix: Mapping[str, float],
    mix_source: str,
    headroom: float,
    prices: PriceTable,
) -> CapacityPlan:
    """The plan for `peak_rate` requests/s spread over operations by `mix` (name -> weight)."""
    total_weight = sum(mix.values())
    loads = tuple(
        OperationLoad(
            name=name,
            kind=run.operations[name].kind,
            share=weight / total_weight,
            rate=peak_rate * weight / total_weight,
            ru_mean=run.operations[name].ru.mean,
            ru_p95=run.operations[name].ru.p95,
            rus=peak_rate * weight / total_weight * run.operations[name].ru.mean,
        )
        for name, weight in mix.items()
    )
    required = sum(load.rus for load in loads)
    manual = manual_rus_for(required, headroom)
    autoscale_max = autoscale_max_for(required, headroom)
    partitions = max(1, math.ceil(manual / PARTITION_MAX_RUS))
    partitions_at_creation = max(1, math.ceil(manual / PARTITION_RUS_AT_CREATION))
    hours = prices.hours_per_month
    costs = Costs(
        currency=prices.currency,
        manual_monthly=hourly_cost(manual, prices.manual_per_100_rus_hour, prices) * hours,
        autoscale_monthly_at_max=hourly_cost(
            autoscale_max, prices.autoscale_per_100_rus_hour, prices
        )
        * hours,
        autoscale_monthly_at_floor=hourly_cost(
            autoscale_max * AUTOSCALE_FLOOR, prices.autoscale_per_100_rus_hour, prices
        )
        * hours,
    )
    return CapacityPlan(
        run_name=run.name,
        peak_rate=peak_rate,
        headroom=headroom,
        mix_source=mix_source,
        operations=loads,
        required_rus=required,
        manual_rus=manual,
        autoscale_max_rus=autoscale_max,
        partitions=partitions,
        partitions_at_creation=partitions_at_creation,
        autoscale_partitions=max(1, math.ceil(autoscale_max / PARTITION_MAX_RUS)),
        # Judged on the larger count: a container created at this RU/s has more partitions,
        # each with a smaller share of the RU/s, while a hot key's load stays on one of them.
        hot_partition=_hot_partition(
            run.partition_ru, required, manual, max(partitions, partitions_at_creation)
        ),
        costs=costs,
        prices=prices,
        partition_key=run.partition_key,
    )


def planned_share(run_share: float, run_partitions: int, planned_partitions: int) -> float:
    """The busiest partition's share of the RU once the container has `planned_partitions`.

    Its excess over an even split in the run comes from hot keys, which stay
    together on one partition; the even part spreads over the planned partitions.
    With fewer partitions than the run, partitions merge and the share cannot fall.
    """
    if planned_partitions <= run_partitions:
        return max(run_share, 1 / planned_partitions)
    return min(1.0, run_share - 1 / run_partitions + 1 / planned_partitions)


def _hot_partition(
    partition_ru: Mapping[str, float], required: float, manual: int, partitions: int
) -> HotPartition | None:
    total = sum(partition_ru.values())
    if total <= 0:
        return None
    busiest = max(partition_ru, key=lambda pk_range: partition_ru[pk_range])
    share = partition_ru[busiest] / total
    skew_known = len(partition_ru) > 1
    rus_at_peak = required * (
        planned_share(share, len(partition_ru), partitions) if skew_known else 1 / partitions
    )
    return HotPartition(
        partition=busiest,
        share=share,
        run_partitions=len(partition_ru),
        planned_partitions=partitions,
        rus_at_peak=rus_at_peak,
        even_split_rus=manual / partitions,
        over_partition_max=skew_known and rus_at_peak > PARTITION_MAX_RUS,
        over_even_split=skew_known and rus_at_peak > manual / partitions * 1.000001,
    )
