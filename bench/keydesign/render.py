"""Showing a key comparison: a terminal table, a JSON document and one HTML page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.formatting import number, percent
from bench.keydesign.figures import DesignFigures, best_design
from bench.pages import render_page
from bench.rundata import OperationStats
from bench.texttable import text_table


def findings(designs: Sequence[DesignFigures]) -> list[str]:
    """Plain sentences: per design its skew, 429s and fan-out; then which design is cheapest."""
    sentences = []
    for design in designs:
        hottest = max(design.partitions, key=lambda p: p.share, default=None)
        heat = (
            f"hottest partition {hottest.partition} takes {hottest.share:.0%} of the RU "
            f"over {len(design.partitions)} partitions (skew {number(design.skew, 2)})"
            if hottest
            else "no per-partition data"
        )
        reach = [
            _query_reach(name, op, len(design.partitions))
            for name, op in design.operations.items()
            if op.kind == "query"
        ]
        if design.ru_per_request is None:
            sentences.append(f"{design.design}: the run made no call, so its figures are unknown.")
            continue
        sentences.append(
            f"{design.design}: {design.ru_per_request:.2f} RU per request, "
            f"{design.throttle_rate:.1%} of requests throttled, {heat}"
            + (f"; {', '.join(reach)}" if reach else "")
            + "."
        )
    if len(designs) > 1:
        best = best_design(designs)
        if best is not None:
            sentences.append(
                f"Cheapest without heavy throttling: {best.design} "
                f"({number(best.ru_per_request, 2)} RU per request)."
            )
    return sentences


def _query_reach(name: str, op: OperationStats, partitions: int) -> str:
    """How far a query reaches: one partition, or how many it fans out to."""
    if op.partitions_touched_mean is None or op.partitions_touched_max is None:
        return f"{name}: fan-out not reported"  # no response named its partition
    if op.partitions_touched_max <= 1:
        return f"{name} stays in one partition"
    of = f" of {partitions}" if partitions else ""
    return f"{name} fans out to {op.partitions_touched_mean:.1f}{of} partitions on average"


def render_text(designs: Sequence[DesignFigures]) -> str:
    summary = text_table(
        ["design", "requests", "RU/request", "throttled", "partitions", "skew"],
        [
            [
                d.design,
                f"{d.requests:,}",
                number(d.ru_per_request, 2),
                percent(d.throttle_rate),
                str(len(d.partitions)),
                number(d.skew, 2),
            ]
            for d in designs
        ],
    )
    operation_rows = [
        [
            name,
            d.design,
            f"{op.ru.mean:.2f}",
            f"{op.latency_ms.p50:.1f}",
            f"{op.latency_ms.p99:.1f}",
            f"{op.throttle_rate:.1%}",
            "-" if op.partitions_touched_mean is None else f"{op.partitions_touched_mean:.1f}",
        ]
        for name in _operation_names(designs)
        for d in designs
        if (op := d.operations.get(name)) is not None
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
        names += [name for name in design.operations if name not in names]
    return names
