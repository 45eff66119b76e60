"""Run directories with known answers, built row by row for the report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.perf.synthetic_run import (
    DEFAULT_OPERATIONS,
    STARTED_AT,
    requests_frame,
    run_info,
    write_run_directory,
)

__all__ = ["STARTED_AT", "make_run", "requests_frame", "spread"]


def make_run(directory: Path, parts: list[Any], *, ledger: dict | None = None, **info: Any) -> Path:
    """A run directory of the given frames (one part each) and a run.json whose fields
    `info` overrides (60 s, no warm-up, 4,000 RU/s by default)."""
    document = run_info(
        "known", DEFAULT_OPERATIONS, duration_s=60.0, physical_partitions=1, provisioned_rus=4000
    )
    return write_run_directory(directory, document.updated(**info), parts, ledger=ledger)


def spread(rows: int, seconds: float = 60.0) -> np.ndarray:
    """Timestamps spread evenly over the first `seconds` of the run."""
    return STARTED_AT + np.arange(rows) * (seconds / rows)
