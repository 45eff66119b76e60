"""What a key comparison shows per design, taken from each run's `bench.rundata` summary.

Partition heat is each physical partition's share of the RU; the skew figure
is the hottest partition's RU over the mean partition's (1.0 = perfectly
even, N = all the load on one of N partitions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.capacity.measure import operation_costs, partition_rows
from bench.keydesign.designs import KeyDesign


@dataclass(frozen=True)
class OperationFigures:
    name: str
    kind: str
    count: int
    ru_mean: float
    ru_p95: float
    latency_p50_ms: float
    latency_p99_ms: float
    throttle_rate: float  # share of requests that met at least one 429
    fan_out_mean: float  # physical partitions a request touched
    fan_out_max: int


@dataclass(frozen=True)
class PartitionHeat:
    partition: str
    ru: float
    share: float
    throttled: int


@dataclass(frozen=True)
class DesignFigures:
    design: str
    run_dir: str
    requests: int
    ru_total: float
    throttled_requests: int
    operations: tuple[OperationFigures, ...]
    partitions: tuple[PartitionHeat, ...]

    @property
    def skew(self) -> float:
        """Hottest partition's RU / mean partition RU."""
        if not self.partitions:
            return 1.0
        return max(p.share for p in self.partitions) * len(self.partitions)

    @property
    def throttle_rate(self) -> float:
        return self.throttled_requests / self.requests if self.requests else 0.0

    @property
    def ru_per_request(self) -> float:
        return self.ru_total / self.requests if self.requests else 0.0


HEAVY_THROTTLING = 0.05  # above 1-5% of requests throttled is no longer healthy


def best_design(designs: Sequence[DesignFigures]) -> DesignFigures:
    """The cheapest design per request among those not heavily throttled."""
    return min(designs, key=lambda d: (d.throttle_rate > HEAVY_THROTTLING, d.ru_per_request))


def design_figures(design: KeyDesign, run_dir: Path) -> DesignFigures:
    from bench.rundata import load_run, summarize

    return figures_from_summary(design.label, str(run_dir), summarize(load_run(run_dir)))


def figures_from_summary(design: str, run_dir: str, summary: dict[str, Any]) -> DesignFigures:
    operations = tuple(
        OperationFigures(
            name=name,
            **operation_costs(stats),
            latency_p50_ms=stats["latency_ms"]["p50"] or 0.0,
            latency_p99_ms=stats["latency_ms"]["p99"] or 0.0,
            throttle_rate=stats["throttle_rate"],
            fan_out_mean=stats["partitions_touched"]["mean"] or 0.0,
            fan_out_max=int(stats["partitions_touched"]["max"] or 0),
        )
        for name, stats in summary["operations"].items()
    )
    rows = partition_rows(summary)
    total_ru = sum(float(row["ru"] or 0.0) for row in rows)
    partitions = tuple(
        PartitionHeat(
            partition=str(row["partition"]),
            ru=float(row["ru"] or 0.0),
            share=float(row["ru"] or 0.0) / total_ru if total_ru else 0.0,
            throttled=int(row["throttled"] or 0),
        )
        for row in rows
    )
    return DesignFigures(
        design=design,
        run_dir=run_dir,
        requests=sum(op.count for op in operations),
        ru_total=sum(op.ru_mean * op.count for op in operations),
        throttled_requests=round(sum(op.throttle_rate * op.count for op in operations)),
        operations=operations,
        partitions=partitions,
    )
