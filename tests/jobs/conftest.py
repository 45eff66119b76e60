"""Fixtures for the job tests: running `rubench` in-process, and synthetic run directories
(docs/run-directory.md) with known answers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.cli import main
from bench.rundata.schema import REQUEST_SCHEMA

DEFAULTS: dict[str, Any] = {
    "latency_ms": 5.0,
    "status": 200,
    "substatus": 0,
    "outcome": "ok",
    "bytes": 1000,
    "item_count": 1,
    "pk_range": "0",
    "partitions": 1,
    "attempts": 1,
    "throttled": 0,
    "throttle_wait_ms": 0.0,
    "retrieved_docs": math.nan,
    "output_docs": math.nan,
    "index_hit_ratio": math.nan,
    "worker": "test:1",
}


def _requests(operation: str, kind: str, count: int, ru: float, **columns: Any) -> list[dict]:
    """`count` rows of one operation charging `ru` each; a list value in `columns` cycles."""
    rows = []
    for number in range(count):
        row = {"operation": operation, "kind": kind, "ru": ru}
        for name, value in columns.items():
            row[name] = value[number % len(value)] if isinstance(value, list) else value
        rows.append(row)
    return rows


def _write_run(
    directory: Path,
    rows: list[dict],
    *,
    name: str = "synthetic",
    duration_s: float = 100.0,
    physical_partitions: int = 1,
    ledger: dict[str, dict[str, float]] | None = None,
) -> Path:
    """A run directory holding `rows` spread evenly over `duration_s` seconds."""
    started = 1_763_900_000.0
    (directory / "requests").mkdir(parents=True)
    full = []
    for number, row in enumerate(rows):
        values = {**DEFAULTS, "timestamp": started + duration_s * number / max(len(rows), 1)}
        values.update(row)
        full.append(values)
    table = pa.Table.from_pylist(full, schema=REQUEST_SCHEMA)
    pq.write_table(table, directory / "requests" / "part-000000.parquet")
    info = {
        "name": name,
        "rubench_version": "0.1.0",
        "started_at": started,
        "ended_at": started + duration_s,
        "status": "completed",
        "users": 10,
        "duration_s": duration_s,
        "processes": 1,
        "target": {"kind": "local", "host": "127.0.0.1:0", "auth": "key"},
        "container": {
            "database": "rubench",
            "container": "products",
            "partition_key": {"paths": ["/categoryId"], "kind": "Hash"},
            "throughput": {"mode": "manual", "rus": 4000},
            "physical_partitions": physical_partitions,
        },
        "operations": {},
        "warmup_s": 0,
    }
    (directory / "run.json").write_text(json.dumps(info), encoding="utf-8")
    if ledger is not None:
        document = {"partitions": ledger}
        (directory / "partitions.json").write_text(json.dumps(document), encoding="utf-8")
    return directory


def _rubench(*argv: str | Path) -> int:
    return main([str(arg) for arg in argv])


@pytest.fixture
def rubench():
    """`rubench(*argv)` runs the CLI in-process and returns its exit code."""
    return _rubench


@pytest.fixture
def rows():
    """`rows(operation, kind, count, ru, **columns)` builds request rows."""
    return _requests


@pytest.fixture
def write_run():
    """`write_run(directory, rows, **run)` writes a run directory and returns it."""
    return _write_run
