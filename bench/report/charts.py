"""The report's charts, for one run or several overlaid (the first is the baseline).

Each function takes `ChartRun`s, whose heavy parts (time buckets, RU
quantiles) are computed once from the rows, and returns inline SVG. Plans and
key comparisons can call them with their own runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from markupsafe import Markup

from bench.formatting import number
from bench.report.findings import hot_partitions
from bench.report.svg import (
    HOT,
    WARN,
    Bars,
    Line,
    Reference,
    RowSeries,
    bar_chart,
    box_plot,
    color,
    line_chart,
    percentile_ladder,
)
from bench.rundata import Run
from bench.rundata.groups import quantiles_by
from bench.rundata.series import operation_rates, time_series
from bench.rundata.summary import LATENCY_QUANTILES

PAIR_WIDTH = 480  # charts shown two abreast
RU_BOX_QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


@dataclass
class ChartRun:
    """One run as the charts see it: label, colour, summary, lazily bucketed rows."""

    label: str
    run: Run
    summary: dict[str, Any]
    index: int = 0
    color: str = field(init=False)

    def __post_init__(self) -> None:
        self.color = color(self.index)

    @cached_property
    def series(self) -> pd.DataFrame:
        return time_series(self.run.requests, self.run.window)

    @cached_property
    def ru_distribution(self) -> dict[str, dict[str, float]]:
        quantiles = quantiles_by(self.run.requests, "ru", RU_BOX_QUANTILES)
        for name, figures in quantiles.items():
            figures["max"] = self.summary["operations"][name]["ru"]["max"]
        return quantiles


def operation_order(runs: Sequence[ChartRun]) -> list[str]:
    """Operations as the workload declares them, then any others by call count."""
    order: list[str] = []
    for item in runs:
        declared = list((item.run.info.get("operations") or {}).keys())
        measured = sorted(
            item.summary["operations"], key=lambda n: -item.summary["operations"][n]["count"]
        )
        for name in [*declared, *measured]:
            if name in item.summary["operations"] and name not in order:
                order.append(name)
    return order


def latency_chart(runs: Sequence[ChartRun]) -> Markup:
    rows = operation_order(runs)
    series = [
        RowSeries(
            item.label,
            {
                name: {q: stats["latency_ms"][q] for q in [*LATENCY_QUANTILES, "max"]}
                for name, stats in item.summary["operations"].items()
            },
            item.color,
        )
        for item in runs
    ]
    return percentile_ladder("Latency percentiles per operation", rows, series, unit="ms")


def ru_chart(runs: Sequence[ChartRun]) -> Markup:
    series = [RowSeries(item.label, item.ru_distribution, item.color) for item in runs]
    return box_plot("Request charge per operation", operation_order(runs), series, unit="RU")


def throughput_chart(runs: Sequence[ChartRun]) -> Markup:
    """One run: requests/s per operation. Several: total requests/s per run."""
    if len(runs) == 1:
        item = runs[0]
        rates = operation_rates(item.run.requests, item.run.window)
        lines = [
            Line(name, list(rates.index), list(rates[name]), color(i))
            for i, name in enumerate(rates.columns)
        ]
    else:
        lines = [_line(item, "requests_per_s") for item in runs]
    return line_chart("Throughput over time", lines, x_label="seconds", y_label="requests/s")


def ru_rate_chart(runs: Sequence[ChartRun]) -> Markup:
    """RU/s over time against the (baseline's) provisioned RU/s."""
    provisioned = runs[0].run.provisioned_rus
    reference = (
        Reference(provisioned, f"provisioned {number(provisioned)} RU/s") if provisioned else None
    )
    lines = [_line(item, "ru_per_s") for item in runs]
    return line_chart(
        "RU/s over time", lines, x_label="seconds", y_label="RU/s", reference=reference
    )


def failures_chart(runs: Sequence[ChartRun]) -> Markup:
    """429 answers per second (solid) and failed calls per second (dashed)."""
    lines = []
    for item in runs:
        one = len(runs) == 1
        suffix = "" if one else f" · {item.label}"
        lines.append(_line(item, "throttled_per_s", f"429s/s{suffix}", HOT if one else None))
        lines.append(
            _line(item, "errors_per_s", f"failed calls/s{suffix}", WARN if one else None, True)
        )
    return line_chart("429s and errors over time", lines, x_label="seconds", y_label="per second")


def partition_charts(runs: Sequence[ChartRun]) -> list[Markup]:
    """RU per physical partition and 429s per partition; hot partitions stand out."""
    ids: list[str] = []
    for item in runs:
        ids += [
            str(r["partition"]) for r in _partition_rows(item) if str(r["partition"]) not in ids
        ]
    charts = []
    for figure, title, unit in (
        ("ru", "RU per physical partition", "RU"),
        ("throttled", "429s per physical partition", "429 answers"),
    ):
        bars = []
        for item in runs:
            by_id = {str(r["partition"]): r.get(figure) or 0.0 for r in _partition_rows(item)}
            bars.append(Bars(item.label, [by_id.get(pid, 0.0) for pid in ids], item.color))
        hot = list(hot_partitions(runs[0].summary))
        charts.append(bar_chart(title, ids, bars, y_label=unit, highlight=hot, width=PAIR_WIDTH))
    return charts


def _partition_rows(item: ChartRun) -> list[dict[str, Any]]:
    return (item.summary.get("partitions") or {}).get("rows") or []


def _line(
    item: ChartRun,
    column: str,
    label: str | None = None,
    line_color: str | None = None,
    dashed: bool = False,
) -> Line:
    series = item.series
    return Line(
        label or item.label,
        list(series["t"]),
        list(series[column]),
        line_color or item.color,
        dashed=dashed,
    )
