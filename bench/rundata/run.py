"""One run directory in memory: what ran (run.json), the request rows and the ledger.

Example::

    run = load_run("reports/20261123-101500-catalog")
    run.window.duration_s, run.provisioned_rus, len(run.requests)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from bench.rundata.reading import load_requests, part_rows, read_json, read_text, run_directory
from bench.rundata.schema import ANALYSIS_COLUMNS, METADATA_KIND


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
    """A loaded run directory: `info` is run.json, `ledger` is partitions.json (or None),
    `requests` the workload's rows of the measured window (`warmup_rows` were left out),
    `metadata` the rows of requests the SDK made on its own (charged, but no operation)."""

    directory: Path
    info: dict[str, Any]
    requests: pd.DataFrame
    ledger: dict[str, Any] | None
    workload_text: str | None
    warmup_rows: int = 0
    metadata: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return str(self.info.get("name") or self.directory.name)

    @property
    def label(self) -> str:
        """How comparisons name this run: the directory, which is unique per run."""
        return self.directory.name

    @property
    def warmup_s(self) -> float:
        return _warmup_s(self.info)

    @property
    def provisioned_rus(self) -> float | None:
        """Provisioned RU/s (the autoscale maximum), None for serverless or unknown."""
        throughput = (self.info.get("container") or {}).get("throughput") or {}
        rus = throughput.get("rus")
        if throughput.get("mode") == "serverless" or not isinstance(rus, int | float):
            return None
        return float(rus)

    @cached_property
    def window(self) -> Window:
        """started_at + warm-up to ended_at; from the rows when run.json lacks the times."""
        frame = self.requests
        start = _window_start(self.info)
        if start is None:
            start = float(frame["timestamp"].min()) if len(frame) else 0.0
        ended = self.info.get("ended_at")
        if not isinstance(ended, int | float):
            if len(frame):
                ended = float((frame["timestamp"] + frame["latency_ms"] / 1000.0).max())
            else:
                ended = start
        return Window(start=start, end=float(ended))


def load_run(run_dir: str | Path, columns: Iterable[str] | None = ANALYSIS_COLUMNS) -> Run:
    """run.json (required), the request rows after warm-up, partitions.json and
    workload.toml (optional). Warm-up rows are skipped while reading, never loaded."""
    directory = run_directory(run_dir)
    info = read_json(directory / "run.json", required=True) or {}
    start = _window_start(info)
    requests = load_requests(directory, columns, since=start)
    warmup_rows = part_rows(directory) - len(requests) if start else 0
    requests, metadata = _split_metadata(requests)
    return Run(
        directory=directory,
        info=info,
        requests=requests,
        metadata=metadata,
        ledger=read_json(directory / "partitions.json", required=False),
        workload_text=read_text(directory / "workload.toml"),
        warmup_rows=warmup_rows,
    )


def _warmup_s(info: dict[str, Any]) -> float:
    warmup = info.get("warmup_s")
    return float(warmup) if isinstance(warmup, int | float) else 0.0


def _window_start(info: dict[str, Any]) -> float | None:
    started = info.get("started_at")
    return float(started) + _warmup_s(info) if isinstance(started, int | float) else None


def _split_metadata(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(the workload's rows, the SDK's metadata rows): every figure of an operation, a
    chart or a partition reads the first; only the RU total adds the second."""
    if "kind" not in frame:
        return frame, None
    is_metadata = (frame["kind"] == METADATA_KIND).to_numpy()
    if not is_metadata.any():
        return frame, frame.iloc[:0]
    return _compact(frame[~is_metadata]), _compact(frame[is_metadata])


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.remove_unused_categories()
    return frame
