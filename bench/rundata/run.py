"""One run directory in memory: what ran (run.json), the request rows and the ledger.

Example::

    run = load_run("reports/20261123-101500-catalog")
    run.window.duration_s, run.provisioned_rus, len(run.requests)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.rundata.reading import load_requests, read_json, read_text, run_directory
from bench.rundata.schema import ANALYSIS_COLUMNS


@dataclass(frozen=True)
class Window:
    """The measured span: after warm-up, up to the end of the run (Unix seconds)."""

    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return max(self.end - self.start, 0.0)


@dataclass(frozen=True)
class Run:
    """A loaded run directory; `info` is run.json, `ledger` is partitions.json (or None)."""

    directory: Path
    info: dict[str, Any]
    requests: pd.DataFrame
    ledger: dict[str, Any] | None
    workload_text: str | None

    @property
    def name(self) -> str:
        return str(self.info.get("name") or self.directory.name)

    @property
    def label(self) -> str:
        """How comparisons name this run: the directory, which is unique per run."""
        return self.directory.name

    @property
    def warmup_s(self) -> float:
        return float(self.info.get("warmup_s") or 0.0)

    @property
    def provisioned_rus(self) -> float | None:
        """Provisioned RU/s (the autoscale maximum), None for serverless or unknown."""
        throughput = (self.info.get("container") or {}).get("throughput") or {}
        rus = throughput.get("rus")
        if throughput.get("mode") == "serverless" or not isinstance(rus, int | float):
            return None
        return float(rus)

    @property
    def window(self) -> Window:
        """Started_at + warm-up to ended_at; falls back to the rows when run.json lacks times."""
        frame = self.requests
        started = self.info.get("started_at")
        if not isinstance(started, int | float):
            started = float(frame["timestamp"].min()) if len(frame) else 0.0
        ended = self.info.get("ended_at")
        if not isinstance(ended, int | float):
            if len(frame):
                ended = float((frame["timestamp"] + frame["latency_ms"] / 1000.0).max())
            else:
                ended = started
        return Window(start=float(started) + self.warmup_s, end=float(ended))

    def measured(self) -> pd.DataFrame:
        """Rows that started inside the window (warm-up rows left out)."""
        if not self.warmup_s:
            return self.requests
        return self.requests[self.requests["timestamp"] >= self.window.start]


def load_run(run_dir: str | Path, columns: Iterable[str] | None = ANALYSIS_COLUMNS) -> Run:
    """run.json (required), the request rows, partitions.json and workload.toml (optional)."""
    directory = run_directory(run_dir)
    return Run(
        directory=directory,
        info=read_json(directory / "run.json", required=True) or {},
        requests=load_requests(directory, columns),
        ledger=read_json(directory / "partitions.json", required=False),
        workload_text=read_text(directory / "workload.toml"),
    )
