"""The report's charts, for one run or several overlaid (the first is the baseline).

Each function takes `ChartRun`s and returns inline SVG. Everything drawn comes
from the run's summary: the time buckets of `summary.series` and the RU
quantiles of `summary.operations[...].ru`, never from the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
from bench.rundata import Run, RunSummary
from bench.rundata.figures import LATENCY_QUANTILES, RU_QUANTILES

PAIR_WIDTH = 480  # charts shown two abreast


@dataclass(frozen=True)
class ChartRun:
    """One run as the charts see it: its label, colour and summary."""

    label: str
    run: Run
    index: int = 0
    color: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "color", color(self.index))

    @property
    def summary(self) -> RunSummary:
        return self.run.summary

    def ru_distribution(self) -> dict[str, dict[str, float]]:
        """The RU box of each operation: p5, p25, p50, p75, p95 and the max."""
        return {
            name: {q: getattr(stats.ru, q) for q in [*RU_QUANTILES, "max"]}
            for name, stats in self.summary.operations.items()
        }


def chart_runs(runs: Sequence[Run]) -> list[ChartRun]:
    """The runs as charts overlay them, each by its directory name, the first the baseline."""
    return [ChartRun(run.label, run, index) for index, run in enumerate(runs)]


def operation_order(runs: Sequence[ChartRun]) -> list[str]:
    """Operations as the workload declares them, then any others by call count."""
    order: list[str] = []
    for item in runs:
        operations = item.summary.operations
        measured = sorted(operations, key=lambda name: -operations[name].count)
        for name in [*item.run.info.operations, *measured]:
            if name in operations and name not in order:
                order.append(name)
    return order


def latency_chart(runs: Sequence[ChartRun]) -> Markup:
    rows = operation_order(runs)
    series = [
        RowSeries(
            item.label,
            {
                name: {q: stats.latency_ms.quantile(q) for q in LATENCY_QUANTILES}
                | {"max": stats.latency_ms.max}
                for name, stats in item.summary.operations.items()
            },
            item.color,
        )
        for item in runs
    ]
    return percentile_ladder("Latency percentiles per operation", rows, series, unit="ms")


def ru_chart(runs: Sequence[ChartRun]) -> Markup:
    series = [RowSeries(item.label, item.ru_distribution(), item.color) for item in runs]
    return box_plot("Request charge per operation", operation_order(runs), series, unit="RU")


def throughput_chart(runs: Sequence[ChartRun]) -> Markup:
    """One run: requests/s per operation. Several: total requests/s per run."""
    if len(runs) == 1:
        series = runs[0].summary.series
        lines = [
            Line(name, list(series.t), list(rates), color(i))
            for i, (name, rates) in enumerate(series.operations.items())
        ]
    else:
        lines = [_line(item, "requests_per_s") for item in runs]
    return line_chart("Throughput over time", lines, x_label="seconds", y_label="requests/s")


def ru_rate_chart(runs: Sequence[ChartRun]) -> Markup:
    """RU/s over time against the (baseline's) provisioned RU/s."""
    provisioned = runs[0].summary.provisioned_rus
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
        ids += [row.partition for row in item.summary.partitions.rows if row.partition not in ids]
    charts = []
    for figure, title, unit in (
        ("ru", "RU per physical partition", "RU"),
        ("throttled", "429s per physical partition", "429 answers"),
    ):
        bars = []
        for item in runs:
            by_id = {row.partition: getattr(row, figure) for row in item.summary.partitions.rows}
            bars.append(Bars(item.label, [by_id.get(pid, 0.0) for pid in ids], item.color))
        hot = list(hot_partitions(runs[0].summary))
        charts.append(bar_chart(title, ids, bars, y_label=unit, highlight=hot, width=PAIR_WIDTH))
    return charts


def _line(
    item: ChartRun,
    column: str,
    label: str | None = None,
    line_color: str | None = None,
    dashed: bool = False,
) -> Line:
    series = item.summary.series
    return Line(
        label or item.label,
        list(series.t),
        list(getattr(series, column)),
        line_color or item.color,
        dashed=dashed,
    )
