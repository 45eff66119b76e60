"""Showing plans over a comparison: a terminal table, a JSON document and one HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.capacity.designs import DesignPlan, Unpriced, cheapest_design
from bench.capacity.render import hot_partition_verdict, plan_as_dict
from bench.pages import render_page
from bench.texttable import text_table

CLOSE_CALL = 0.10  # designs this close in RU per request may differ only by chance


def conclusion(plans: Sequence[DesignPlan], unpriced: Sequence[Unpriced] = ()) -> str:
    peak = plans[0].plan.peak_rate
    best = cheapest_design(plans)
    if best is None:
        return (
            f"Every design throttles at {peak:,.0f} requests/s: its busiest partition needs "
            "more than its share of the planned throughput; spread the load with another key."
        )
    costs = best.plan.costs
    left_out = f" (not priced: {', '.join(u.variant for u in unpriced)})" if unpriced else ""
    close = [
        p.variant
        for p in plans
        if p is not best
        and not p.throttles
        and p.ru_per_request <= best.ru_per_request * (1 + CLOSE_CALL)
    ]
    close_call = (
        f" {', '.join(close)} measured within {CLOSE_CALL:.0%} of its RU per request: "
        "run longer before choosing between them."
        if close
        else ""
    )
    return (
        f"Cheapest design that does not throttle at {peak:,.0f} requests/s: {best.variant} "
        f"({best.settings}): {best.plan.manual_rus:,} RU/s manual, "
        f"{costs.manual_monthly:,.2f} {costs.currency} per month{left_out}.{close_call}"
    )


def render_text(plans: Sequence[DesignPlan], unpriced: Sequence[Unpriced] = ()) -> str:
    currency = plans[0].plan.costs.currency
    table = text_table(
        [
            "variant",
            "settings",
            "RU/request",
            "required RU/s",
            "manual RU/s",
            f"manual {currency}/month",
            "autoscale max",
            f"autoscale {currency}/month at max",
            "at peak",
        ],
        [
            [
                p.variant,
                p.settings,
                f"{p.ru_per_request:.2f}",
                f"{p.plan.required_rus:,.0f}",
                f"{p.plan.manual_rus:,}",
                f"{p.plan.costs.manual_monthly:,.2f}",
                f"{p.plan.autoscale_max_rus:,}",
                f"{p.plan.costs.autoscale_monthly_at_max:,.2f}",
                "throttles" if p.throttles else "fits",
            ]
            for p in plans
        ],
        numeric_from=2,
    )
    problems = [f"{u.variant} ({u.settings}) is not priced: {u.problem}" for u in unpriced]
    return "\n".join([table, *problems, "", conclusion(plans, unpriced)])


def plans_as_dict(plans: Sequence[DesignPlan], unpriced: Sequence[Unpriced] = ()) -> dict[str, Any]:
    best = cheapest_design(plans)
    return {
        "variants": [
            {
                "variant": p.variant,
                "settings": p.settings,
                "run_dir": str(p.run_dir),
                "throttles": p.throttles,
                "plan": plan_as_dict(p.plan, None),
            }
            for p in plans
        ],
        "unpriced": [
            {"variant": u.variant, "settings": u.settings, "problem": u.problem} for u in unpriced
        ],
        "cheapest": best.variant if best else None,
        "conclusion": conclusion(plans, unpriced),
    }


def render_html(plans: Sequence[DesignPlan], title: str, unpriced: Sequence[Unpriced] = ()) -> str:
    return render_page(
        "plans.html.j2",
        title=title,
        plans=plans,
        unpriced=unpriced,
        conclusion=conclusion(plans, unpriced),
        best=cheapest_design(plans),
        verdicts={p.variant: hot_partition_verdict(p.plan.hot_partition) for p in plans},
    )
