"""The RU cost model: what each request charges.

INTERFACE STUB (placeholder charges from the starting formula in
shared notes); the RU-model work (issue 4) owns this module, calibrates the
coefficients and documents them in one table. The HTTP layer calls these
functions and sends the result as `x-ms-request-charge`.
"""

from __future__ import annotations

from enum import Enum

from bench.emulator.query import QueryMetrics


class WriteKind(str, Enum):
    CREATE = "create"
    REPLACE = "replace"
    UPSERT_CREATE = "upsert_create"
    UPSERT_REPLACE = "upsert_replace"
    PATCH = "patch"
    DELETE = "delete"


def read_charge(size_bytes: int, *, strong: bool = False) -> float:
    """A point read of a document of `size_bytes`; `strong` for Strong/Bounded Staleness."""
    kb = size_bytes / 1024
    return (2 if strong else 1) * max(1.0, 0.909 + 0.0909 * kb)


def write_charge(kind: WriteKind, size_bytes: int, indexed_paths: int) -> float:
    """A write of a document of `size_bytes` whose index holds `indexed_paths` terms."""
    kb = size_bytes / 1024
    create = 5.5 + 0.28 * max(0.0, kb - 1) + 0.27 * indexed_paths
    if kind in (WriteKind.CREATE, WriteKind.UPSERT_CREATE, WriteKind.DELETE):
        return create
    return 2 * create


def query_charge(metrics: QueryMetrics, *, strong: bool = False) -> float:
    """A query page's charge from what the engine did."""
    mb_loaded = metrics.retrieved_document_size / (1024 * 1024)
    base = 2.3 + 2.5 * max(0, metrics.partitions_touched - 1) + 10 * mb_loaded
    return (2 if strong else 1) * base


def failed_request_charge(status: int) -> float:
    """What a failed request costs (the service charges 400 and 412; 429 is free)."""
    return 1.0 if status in (400, 412) else 0.0
