"""Provisioned throughput: per-physical-partition RU budgets and 429 throttling.

INTERFACE STUB: the RU-model work (issue 4) owns this module. The storage
keeps one `PartitionBudget` per physical partition; the HTTP layer calls
`admit` before executing a request on a partition and `debit` after it with
the request's charge (a partition may go into debt; it refills every second).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Throughput:
    """How a container (or shared-throughput database) is provisioned."""

    manual_rus: int | None = None  # manual RU/s
    autoscale_max_rus: int | None = None  # autoscale Tmax (scales 10%..100%)

    @property
    def serverless(self) -> bool:
        return self.manual_rus is None and self.autoscale_max_rus is None


class PartitionBudget:
    """One physical partition's per-second RU budget (placeholder: never throttles)."""

    def __init__(self, rus_per_second: float | None) -> None:
        self.rus_per_second = rus_per_second

    def admit(self, now: float) -> int | None:
        """None when the request may run, else the retry-after in milliseconds (-> 429/3200)."""
        return None

    def debit(self, request_units: float, now: float) -> None:
        """Spend `request_units` that a request on this partition was charged."""


def partitions_at_creation(throughput: Throughput) -> int:
    """Physical partitions a new container starts with (manual ceil(RU/s / 6000),
    autoscale ceil(max / 10000), serverless 1)."""
    if throughput.manual_rus is not None:
        return max(1, -(-throughput.manual_rus // 6000))
    if throughput.autoscale_max_rus is not None:
        return max(1, -(-throughput.autoscale_max_rus // 10000))
    return 1


def partitions_required(throughput: Throughput, current: int) -> int:
    """Partitions needed after a throughput change: at most 10,000 RU/s per partition;
    partitions are never merged away."""
    top = throughput.manual_rus or throughput.autoscale_max_rus or 0
    return max(current, -(-top // 10000))
