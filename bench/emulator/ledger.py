"""The emulator's own account of what it charged: RU, requests and 429s per container,
physical partition and operation type, served at `GET /_emulator/metrics`.

INTERFACE STUB: the RU-model work (issue 4) owns this module.
"""

from __future__ import annotations

from typing import Any


class Ledger:
    """Thread-safe running totals; `snapshot()` is JSON-ready."""

    def record(
        self,
        *,
        container: str,  # "dbs/{db}/colls/{coll}" (names), "" for account/database requests
        partition: str,  # partition key range id, "" when not partition-scoped
        operation: str,  # Create, Read, Replace, Upsert, Patch, Delete, Query, ReadFeed, Batch, ...
        request_charge: float,
        status: int,
    ) -> None:
        """Count one request."""

    def snapshot(self) -> dict[str, Any]:
        return {"containers": {}}
