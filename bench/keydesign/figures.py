"""What a key comparison shows per design: each run's summary, and the partition heat.

Partition heat is each physical partition's share of the RU; the skew figure
is the hottest partition's RU over the mean partition's (1.0 = perfectly
even, N = all the load on one of N partitions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.keydesign.designs import KeyDesign
from bench.rundata import OperationStats, Run, RunSummary
from bench.rundata.figures import PartitionRow

HEAVY_THROTTLING = 0.05  # above 1-5% of requests throttled is no longer healthy


@dataclass(frozen=True)
class PartitionHeat:
    partition: str
    share: float  # of the RU charged to physical partitions
    throttled: float  # 429 answers


@dataclass(frozen=True)
class DesignFigures:
    """One design's run: its figures are the summary's (nothing rebuilt from rounded ones)."""

    design: str
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


def best_design(designs: Sequence[DesignFigures]) -> DesignFigures | None:
    """The cheapest design per request among those not heavily throttled; a design whose
    run made no call is never the best (None when no run made one)."""
    measured = [d for d in designs if d.ru_per_request is not None]
    return min(
        measured,
        key=lambda d: ((d.throttle_rate or 0.0) > HEAVY_THROTTLING, d.ru_per_request or 0.0),
        default=None,
    )


def design_figures(design: KeyDesign, run: Run) -> DesignFigures:
    return DesignFigures(design.label, str(run.directory), run.summary)
