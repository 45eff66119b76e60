"""Fixtures for the job tests: running `rubench` in-process, and synthetic run directories
(docs/run-directory.md) with known answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bench.cli import main
from bench.perf import synthetic_run
from bench.rundata.ledger import PartitionLedger, PartitionTally

# Job tests read RU and partitions; latency and size only need to be plausible.
DEFAULTS: dict[str, Any] = {**synthetic_run.DEFAULTS, "latency_ms": 5.0, "bytes": 1000}


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
    ledger: dict[str, PartitionTally] | None = None,
) -> Path:
    """A run directory holding `rows` spread evenly over `duration_s` seconds."""
    started = synthetic_run.STARTED_AT
    full = [
        {**DEFAULTS, "timestamp": started + duration_s * number / max(len(rows), 1), **row}
        for number, row in enumerate(rows)
    ]
    info = synthetic_run.run_info(
        name,
        (),
        duration_s=duration_s,
        physical_partitions=physical_partitions,
        provisioned_rus=4000,
    )
    return synthetic_run.write_run_directory(
        directory,
        info,
        [pd.DataFrame(full)],
        ledger=PartitionLedger(container=info.container.link, partitions=ledger)
        if ledger is not None
        else None,
    )


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
