"""The emulator's own account of what it charged: RU, requests and 429s per container,
physical partition and operation type, served at `GET /_emulator/metrics` so a client
can check that the RU it recorded equals the RU the server charged.

    >>> ledger = Ledger()
    >>> ledger.record(container="dbs/d/colls/c", partition="0", operation="Create",
    ...               request_charge=5.71, status=201)
    >>> ledger.record(container="dbs/d/colls/c", partition="0", operation="Create",
    ...               request_charge=0.0, status=429)
    >>> ledger.snapshot()["containers"]["dbs/d/colls/c"]["operations"]["Create"]
    {'request_charge': 5.71, 'requests': 2, 'throttled': 1}
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass
class _Tally:
    request_charge: float = 0.0
    requests: int = 0
    throttled: int = 0  # 429 answers

    def add(self, other: _Tally) -> None:
        self.request_charge += other.request_charge
        self.requests += other.requests
        self.throttled += other.throttled

    def to_json(self) -> dict[str, Any]:
        # Charges carry 2 decimals; rounding drops the float noise of summing them.
        return {
            "request_charge": round(self.request_charge, 2),
            "requests": self.requests,
            "throttled": self.throttled,
        }


class Ledger:
    """Thread-safe running totals; `snapshot()` is JSON-ready:

    `{"total": T, "containers": {link: {**T, "operations": {op: T},
    "partitions": {range_id: {**T, "operations": {op: T}}}}}}` where T is
    `{"request_charge", "requests", "throttled"}`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)

    def record(
        self,
        *,
        container: str,  # "dbs/{db}/colls/{coll}" (names), "" for account/database requests
        partition: str,  # partition key range id, "" when not partition-scoped
        operation: str,  # Create, Read, Replace, Upsert, Patch, Delete, Query, ReadFeed, Batch, ...
        request_charge: float,
        status: int,
    ) -> None:
        """Count one request (each attempt: a 429 counts as a throttled request)."""
        with self._lock:
            tally = self._tallies[(container, partition, operation)]
            tally.request_charge += request_charge
            tally.requests += 1
            tally.throttled += status == 429

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            tallies = [
                (key, _Tally(t.request_charge, t.requests, t.throttled))
                for key, t in self._tallies.items()
            ]
        total = _Tally()
        containers: dict[str, _Node] = {}
        for (container, partition, operation), tally in sorted(tallies):
            entry = containers.setdefault(container, _Node())
            entry.add(tally, operation)
            entry.partitions.setdefault(partition, _Node()).add(tally, operation)
            total.add(tally)
        return {
            "total": total.to_json(),
            "containers": {link: node.to_json() for link, node in containers.items()},
        }


class _Node:
    """A container's or a partition's totals, with a breakdown by operation."""

    def __init__(self) -> None:
        self.tally = _Tally()
        self.operations: dict[str, _Tally] = defaultdict(_Tally)
        self.partitions: dict[str, _Node] = {}

    def add(self, tally: _Tally, operation: str) -> None:
        self.tally.add(tally)
        self.operations[operation].add(tally)

    def to_json(self) -> dict[str, Any]:
        out = {
            **self.tally.to_json(),
            "operations": {op: t.to_json() for op, t in self.operations.items()},
        }
        if self.partitions:
            out["partitions"] = {pid: node.to_json() for pid, node in self.partitions.items()}
        return out
