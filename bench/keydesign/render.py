"""Showing a key comparison: a terminal table, a JSON document and one HTML page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.keydesign.figures import DesignFigures, OperationFigures, best_design
from bench.pages import render_page
from bench.texttable import text_table


def findings(designs: Sequence[DesignFigures]) -> list[str]:
    """Plain sentences: per design its skew, 429s and fan-out; then which design is cheapest."""
    sentences = []
    for design in designs:
        hottest = max(design.partitions, key=lambda p: p.share, default=None)
        heat = (
            f"hottest partition {hottest.partition} takes {hottest.share:.0%} of the RU "
            f"over {len(design.partitions)} partitions (skew {design.skew:.2f})"
            if hottest
            else "no per-partition data"
        )
        reach = [
            _query_reach(op, len(design.partitions))
            for op in design.operations
            if op.kind == "query"
        ]
        sentences.append(
            f"{design.design}: {design.ru_per_request:.2f} RU per request, "
            f"{design.throttle_rate:.1%} of requests throttled, {heat}"
            + (f"; {', '.join(reach)}" if reach else "")
            + "."
        )
    if len(designs) > 1:
        best = best_design(designs)
        sentences.append(
            f"Cheapest without heavy throttling: {best.design} "
            f"({best.ru_per_request:.2f} RU per request)."
        )
    return sentences


def _query_reach(op: OperationFigures, partitions: int) -> str:
    """How far a query reaches: one partition, or how many it fans out to."""
    if op.fan_out_mean <= 0:  # the target did not say
        return f"{op.name}: fan-out not reported"
    if op.fan_out_max <= 1:
        return f"{op.name} stays in one partition"
    of = f" of {partitions}" if partitions else ""
    return f"{op.name} fans out to {op.fan_out_mean:.1f}{of} partitions on average"


def render_text(designs: Sequence[DesignFigures]) -> str:
    summary = text_table(
        ["design", "requests", "RU/request", "throttled", "partitions", "skew"],
        [
            [
                d.design,
                f"{d.requests:,}",
                f"{d.ru_per_request:.2f}",
                f"{d.throttle_rate:.1%}",
                str(len(d.partitions)),
                f"{d.skew:.2f}",
            ]
            for d in designs
        ],
    )
    operation_rows = [
        [
            op.name,
            d.design,
            f"{op.ru_mean:.2f}",
            f"{op.latency_p50_ms:.1f}",
            f"{op.latency_p99_ms:.1f}",
            f"{op.throttle_rate:.1%}",
            f"{op.fan_out_mean:.1f}" if op.fan_out_mean else "-",
        ]
        for op_name in _operation_names(designs)
        for d in designs
        for op in d.operations
        if op.name == op_name
    ]
    operations = text_table(
        ["operation", "design", "RU mean", "p50 ms", "p99 ms", "throttled", "fan-out"],
        operation_rows,
        numeric_from=2,
    )
    return "\n".join([summary, "", operations, "", *findings(designs)])


def render_html(
    designs: Sequence[DesignFigures],
    title: str,
    run_reports: Mapping[str, str],
    runs_comparison: str | None = None,
) -> str:
    """The page; `run_reports` maps a design to the href of its own run report,
    `runs_comparison` is the href of the report's side-by-side comparison."""
    return render_page(
        "compare.html.j2",
        title=title,
        designs=designs,
        operation_names=_operation_names(designs),
        findings=findings(designs),
        run_reports=run_reports,
        runs_comparison=runs_comparison,
    )


def _operation_names(designs: Sequence[DesignFigures]) -> list[str]:
    names: list[str] = []
    for design in designs:
        names += [op.name for op in design.operations if op.name not in names]
    return names
