"""What a comparison shows per variant: each run's summary, and the partition heat.

Partition heat is each physical partition's share of the RU; the skew figure
is the hottest partition's RU over the mean partition's (1.0 = perfectly
even, N = all the load on one of N partitions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.report.trust import FAILING
from bench.rundata import OperationStats, Run, RunSummary
from bench.rundata.figures import PartitionRow
from bench.variants.spec import Variant

HEAVY_THROTTLING = 0.05  # above 1-5% of requests throttled is no longer healthy


@dataclass(frozen=True)
class PartitionHeat:
    partition: str
    share: float  # of the RU charged to physical partitions
    throttled: float  # 429 answers


@dataclass(frozen=True)
class VariantFigures:
    """One variant's run: its figures are the summary's (nothing rebuilt from rounded ones)."""

    variant: str  # its label
    settings: str  # what it changes, as the command line wrote it
    run_dir: str
    summary: RunSummary

    @property
    def operations(self) -> dict[str, OperationStats]:
        return self.summary.operations

    @property
    def requests(self) -> int:
        return self.summary.rows.operations

    @property
    def throttled_requests(self) -> int:
        """Calls that met at least one 429."""
        return self.summary.totals.throttled_calls if self.summary.totals else 0

    @property
    def throttle_rate(self) -> float | None:
        """None: the run made no call (unknown, not 0%)."""
        return self.summary.totals.throttle_rate if self.summary.totals else None

    @property
    def ru_per_request(self) -> float | None:
        """None: the run made no call (unknown, not free)."""
        return self.summary.totals.ru.mean if self.summary.totals else None

    @property
    def failing_operations(self) -> list[str]:
        """Operations whose RU figures are partly errors' (over FAILING of calls failed)."""
        return [name for name, op in self.operations.items() if op.error_rate > FAILING]

    @property
    def partitions(self) -> tuple[PartitionHeat, ...]:
        """Physical partitions only: the ledger books container-level requests under ""."""
        rows: list[PartitionRow] = [row for row in self.summary.partitions.rows if row.partition]
        total = sum(row.ru for row in rows)
        return tuple(
            PartitionHeat(row.partition, row.ru / total if total else 0.0, row.throttled)
            for row in rows
        )

    @property
    def skew(self) -> float | None:
        """Hottest partition's RU / mean partition RU; None without per-partition data."""
        partitions = self.partitions
        if not partitions:
            return None
        return max(p.share for p in partitions) * len(partitions)


def best_variant(variants: Sequence[VariantFigures]) -> VariantFigures | None:
    """The cheapest variant per request among those not heavily throttled, or None. A
    variant whose run made no call is never the best, nor one with a failing operation: a
    failed call's RU is an error's, so it looks cheap for doing less work."""
    measured = [v for v in variants if v.ru_per_request is not None and not v.failing_operations]
    return min(
        measured,
        key=lambda v: ((v.throttle_rate or 0.0) > HEAVY_THROTTLING, v.ru_per_request or 0.0),
        default=None,
    )


def variant_figures(variant: Variant, run: Run) -> VariantFigures:
    return VariantFigures(variant.label, variant.settings, str(run.directory), run.summary)
