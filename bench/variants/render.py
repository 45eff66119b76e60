"""Showing a comparison of variants: a terminal table and one HTML page.

Both lead with what decides a design: per operation, each variant's RU, latency,
throttling and fan-out against the first variant (the baseline); then the
indexing trade-offs in words (`bench.variants.tradeoffs`), then partition heat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.formatting import MISSING
from bench.pages import render_page
from bench.rundata import OperationStats
from bench.texttable import text_table
from bench.variants.figures import FAILING, VariantFigures, best_variant


@dataclass(frozen=True)
class Verdict:
    """One operation under one variant, against the baseline's same operation."""

    operation: str
    variant: str
    stats: OperationStats
    baseline: OperationStats | None  # None for the baseline itself

    @property
    def ru_change(self) -> float | None:
        """None for the baseline, and when either side failed calls (an error's RU)."""
        if self.baseline is None or not self.baseline.ru.mean or self.failing:
            return None
        return self.stats.ru.mean / self.baseline.ru.mean - 1

    @property
    def failing(self) -> bool:
        rates = [self.stats.error_rate, self.baseline.error_rate if self.baseline else 0.0]
        return max(rates) > FAILING

    @property
    def word(self) -> str:
        """cheaper / dearer / same RU (within 2%), "more 429s" when 429s rose; failed calls
        first, as they make the RU incomparable."""
        if self.stats.error_rate > FAILING:
            return f"{self.stats.error_rate:.0%} of calls failed"
        if self.baseline is None:
            return "baseline"
        if self.failing:
            return f"works; {self.baseline.error_rate:.0%} failed in the baseline"
        change = self.ru_change or 0.0
        word = "cheaper" if change < -0.02 else "dearer" if change > 0.02 else "same RU"
        if self.baseline and self.stats.throttle_rate > self.baseline.throttle_rate + 0.01:
            word += ", more 429s"
        return word


def verdicts(variants: Sequence[VariantFigures]) -> list[Verdict]:
    """Per operation, per variant, in operation then variant order."""
    base = variants[0].operations
    return [
        Verdict(name, v.variant, op, None if index == 0 else base.get(name))
        for name in operation_names(variants)
        for index, v in enumerate(variants)
        if (op := v.operations.get(name)) is not None
    ]


def findings(variants: Sequence[VariantFigures]) -> list[str]:
    """Plain sentences: per variant its skew, 429s and fan-out; then which is cheapest."""
    sentences = []
    for variant in variants:
        if variant.ru_per_request is None:
            sentences.append(
                f"{variant.variant}: the run made no call, so its figures are unknown."
            )
            continue
        hottest = max(variant.partitions, key=lambda p: p.share, default=None)
        heat = (
            f"hottest partition {hottest.partition} takes {hottest.share:.0%} of the RU "
            f"over {len(variant.partitions)} partitions (skew {variant.skew or 1.0:.2f})"
            if hottest
            else "no per-partition data"
        )
        reach = [
            _query_reach(name, op, len(variant.partitions))
            for name, op in variant.operations.items()
            if op.kind == "query"
        ]
        sentences.append(
            f"{variant.variant}: {variant.ru_per_request:.2f} RU per request, "
            f"{variant.throttle_rate:.1%} of requests throttled, {heat}"
            + (f"; {', '.join(reach)}" if reach else "")
            + "."
        )
    if len(variants) > 1:
        best = best_variant(variants)
        failing = [
            f"{v.variant} ({', '.join(v.failing_operations)} failed)"
            for v in variants
            if v.failing_operations
        ]
        left_out = f"; not named, as failed calls cost an error's RU: {', '.join(failing)}"
        if best is not None and best.ru_per_request is not None:
            sentences.append(
                f"Cheapest without heavy throttling: {best.variant} "
                f"({best.ru_per_request:.2f} RU per request)" + (left_out if failing else "") + "."
            )
        elif failing:
            sentences.append(f"No variant is named cheapest{left_out}.")
    return sentences


def _figure(value: float | None, style: str) -> str:
    """A figure, or MISSING when it is unknown (the run made no call, no partition data)."""
    return MISSING if value is None else style.format(value)


def _query_reach(name: str, op: OperationStats, partitions: int) -> str:
    """How far a query reaches: one partition, or how many it fans out to."""
    if op.partitions_touched_mean is None or op.partitions_touched_max is None:
        return f"{name}: fan-out not reported"  # no response named its partition
    if op.partitions_touched_max <= 1:
        return f"{name} stays in one partition"
    of = f" of {partitions}" if partitions else ""
    return f"{name} fans out to {op.partitions_touched_mean:.1f}{of} partitions on average"


def render_text(variants: Sequence[VariantFigures], tradeoffs: Sequence[str] = ()) -> str:
    """Findings first; the console ends with every variant's RU per operation side by side."""
    summary = text_table(
        ["variant", "settings", "requests", "RU/request", "throttled", "partitions", "skew"],
        [
            [
                v.variant,
                v.settings,
                f"{v.requests:,}",
                _figure(v.ru_per_request, "{:.2f}"),
                _figure(v.throttle_rate, "{:.1%}"),
                str(len(v.partitions)),
                _figure(v.skew, "{:.2f}"),
            ]
            for v in variants
        ],
        numeric_from=2,
    )
    details = text_table(
        ["operation", "variant", "p50 ms", "p99 ms", "throttled", "fan-out", "verdict"],
        [
            [
                verdict.operation,
                verdict.variant,
                f"{verdict.stats.latency_ms.p50:.1f}",
                f"{verdict.stats.latency_ms.p99:.1f}",
                f"{verdict.stats.throttle_rate:.1%}",
                _fan_out(verdict.stats),
                verdict.word,
            ]
            for verdict in verdicts(variants)
        ],
        numeric_from=2,
    )
    side_by_side = text_table(
        ["RU mean per operation", *(v.variant for v in variants)],
        [
            [name, *(_ru(v.operations.get(name)) for v in variants)]
            for name in operation_names(variants)
        ],
    )
    failing = any(op.error_rate > FAILING for v in variants for op in v.operations.values())
    note = [f"* over {FAILING:.0%} of calls failed: that mean is partly an error's RU"]
    return "\n".join(
        [summary, "", details, "", *findings(variants), *tradeoffs, "", side_by_side]
        + (note if failing else [])
    )


def _ru(op: OperationStats | None) -> str:
    if op is None:
        return "-"
    return f"{op.ru.mean:.2f}" + ("*" if op.error_rate > FAILING else "")


def _fan_out(op: OperationStats) -> str:
    return "-" if op.partitions_touched_mean is None else f"{op.partitions_touched_mean:.1f}"


def render_html(
    variants: Sequence[VariantFigures],
    title: str,
    run_reports: Mapping[str, str],
    runs_comparison: str | None = None,
    tradeoffs: Sequence[str] = (),
) -> str:
    """The page; `run_reports` maps a variant to the href of its own run report,
    `runs_comparison` is the href of the report's side-by-side comparison."""
    return render_page(
        "compare.html.j2",
        title=title,
        variants=variants,
        verdicts=verdicts(variants),
        findings=findings(variants),
        tradeoffs=tradeoffs,
        run_reports=run_reports,
        runs_comparison=runs_comparison,
    )


def operation_names(variants: Sequence[VariantFigures]) -> list[str]:
    names: list[str] = []
    for variant in variants:
        names += [name for name in variant.operations if name not in names]
    return names
