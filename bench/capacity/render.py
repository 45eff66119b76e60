"""Showing a capacity plan: a terminal summary, a JSON document and a self-contained HTML page."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bench.capacity.plan import PARTITION_MAX_RUS, CapacityPlan, HotPartition
from bench.capacity.profile import ProfileReplay
from bench.pages import render_page
from bench.texttable import text_table


def plan_as_dict(plan: CapacityPlan, replay: ProfileReplay | None) -> dict[str, Any]:
    document = dataclasses.asdict(plan)
    document["hot_partition_verdict"] = hot_partition_verdict(plan.hot_partition)
    document["profile"] = dataclasses.asdict(replay) if replay else None
    if replay:
        document["profile"]["cheaper"] = replay.cheaper
    return document


def hot_partition_verdict(hot: HotPartition | None) -> str:
    """One sentence on the busiest partition at peak."""
    if hot is None:
        return "The run recorded no per-partition RU, so partition skew is unknown."
    if not hot.skew_known:
        return (
            "The run used one physical partition, so it cannot show how the keys spread; "
            "rerun on a container with several partitions to see skew."
        )
    sentence = (
        f"Partition {hot.partition} took {hot.share:.1%} of the run's RU "
        f"({hot.run_partitions} partitions, {1 / hot.run_partitions:.1%} each if even): "
        f"about {hot.rus_at_peak:,.0f} RU/s at peak on the busiest of "
        f"{hot.planned_partitions} planned partitions, "
        f"which gets {hot.even_split_rus:,.0f} RU/s of the provisioned throughput"
    )
    if hot.over_partition_max:
        return (
            f"{sentence}, OVER the {PARTITION_MAX_RUS:,} RU/s one physical partition can serve: "
            "no throughput setting fixes this, the partition key must spread the load."
        )
    if hot.over_even_split:
        return f"{sentence}: it will throttle."
    spare = 1 - hot.rus_at_peak / hot.even_split_rus if hot.even_split_rus else 0.0
    return f"{sentence}: within it ({spare:.0%} to spare)."


def plan_source(plan: CapacityPlan) -> str:
    """The run a plan comes from, with its partition-key design when known."""
    key = f" (partition key {plan.partition_key})" if plan.partition_key else ""
    return f"{plan.run_name!r}{key}"


def partitions_sentence(plan: CapacityPlan) -> str:
    """How many physical partitions manual throughput implies, and why two numbers."""
    at_creation = (
        f"; a new container created at this throughput starts with {plan.partitions_at_creation}"
        if plan.partitions_at_creation != plan.partitions
        else ""
    )
    return (
        f"at least {plan.partitions} physical partition(s) "
        f"({PARTITION_MAX_RUS:,} RU/s each at most){at_creation}"
    )


def render_text(plan: CapacityPlan, replay: ProfileReplay | None) -> str:
    money = _money(plan.costs.currency)
    rows = [
        [
            load.name,
            load.kind,
            f"{load.share:.1%}",
            f"{load.rate:,.0f}",
            f"{load.ru_mean:,.2f}",
            f"{load.ru_p95:,.2f}",
            f"{load.rus:,.0f}",
        ]
        for load in plan.operations
    ]
    rows.append(
        ["total", "", "100.0%", f"{plan.peak_rate:,.0f}", "", "", f"{plan.required_rus:,.0f}"]
    )
    prices = plan.prices
    lines = [
        f"Capacity plan from run {plan_source(plan)}: {plan.peak_rate:,.0f} requests/s at peak, "
        f"mix: {plan.mix_source}, headroom {plan.headroom:.0%}",
        "",
        text_table(
            ["operation", "kind", "share", "req/s", "RU mean", "RU p95", "RU/s"],
            rows,
            numeric_from=2,
        ),
        "",
        f"Required at peak:   {plan.required_rus:,.0f} RU/s",
        f"Manual throughput:  {plan.manual_rus:,} RU/s -> {partitions_sentence(plan)}",
        f"Autoscale max:      {plan.autoscale_max_rus:,} RU/s -> {plan.autoscale_partitions} "
        "physical partition(s)",
        f"Busiest partition:  {hot_partition_verdict(plan.hot_partition)}",
        f"Monthly cost ({prices.currency}, {prices.hours_per_month:g} h, {prices.regions} "
        f"region(s)): manual {money(plan.costs.manual_monthly)}; autoscale "
        f"{money(plan.costs.autoscale_monthly_at_max)} if every hour reaches the max, "
        f"{money(plan.costs.autoscale_monthly_at_floor)} if idle",
        f"Prices from: {prices.source}",
    ]
    if replay:
        lines += ["", *render_replay_text(replay, money)]
    return "\n".join(lines)


def render_replay_text(replay: ProfileReplay, money: Callable[[float], str]) -> list[str]:
    rows = [
        [
            hour.label,
            f"{hour.rate:,.0f}",
            f"{hour.required_rus:,.0f}",
            f"{hour.autoscale_billed_rus:,}",
            money(hour.manual_cost),
            money(hour.autoscale_cost),
        ]
        for hour in replay.hours
    ]
    rows.append(["total", "", "", "", money(replay.manual_total), money(replay.autoscale_total)])
    return [
        f"Traffic profile {replay.source}: {len(replay.hours)} hour(s); manual "
        f"{replay.manual_rus:,} RU/s all day vs autoscale max {replay.autoscale_max_rus:,} RU/s",
        "",
        text_table(
            ["hour", "req/s", "RU/s needed", "autoscale billed RU/s", "manual", "autoscale"], rows
        ),
        "",
        f"Cheaper for this profile: {replay.cheaper} "
        f"(saves {money(abs(replay.manual_total - replay.autoscale_total))})",
    ]


def render_html(plan: CapacityPlan, replay: ProfileReplay | None) -> str:
    return render_page(
        "plan.html.j2",
        title=f"Capacity plan: {plan.peak_rate:,.0f} requests/s",
        plan=plan,
        replay=replay,
        verdict=hot_partition_verdict(plan.hot_partition),
        source=plan_source(plan),
        partitions=partitions_sentence(plan),
        money=_money(plan.costs.currency),
        partition_max=PARTITION_MAX_RUS,
    )


def _money(currency: str) -> Callable[[float], str]:
    def money(amount: float) -> str:
        return f"{amount:,.2f} {currency}"

    return money
