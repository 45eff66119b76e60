"""The request recorder: a Locust request-event listener that writes every call as a row
of `requests/part-*.parquet` (docs/run-directory.md) as the run goes.

Each process writes its own parts (named by host and pid), a new complete Parquet file
every `flush_seconds` or `max_rows`, so a crash or Ctrl-C loses at most the last
interval. Workers write into the master's run directory when they can reach it, else
ship their rows with their regular reports and the master writes them
(`write_columns`; see `bench.harness.distributed`)::

    recorder = RequestRecorder(run_dir)
    environment.events.request.add_listener(recorder.on_request)
    ...
    recorder.close()
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bench.files import write_atomic
from bench.harness.calls import CallRecord
from bench.rundata.schema import INDEX_METRICS_COLUMN, PARTITION_KEY_COLUMN, REQUEST_SCHEMA

log = logging.getLogger(__name__)
SCHEMA = REQUEST_SCHEMA.append(pa.field(PARTITION_KEY_COLUMN, pa.string())).append(
    pa.field(INDEX_METRICS_COLUMN, pa.string())
)


class RequestRecorder:
    """Buffers CallRecords from request events and flushes them as Parquet parts."""

    def __init__(
        self, run_dir: Path, *, flush_seconds: float = 2.0, max_rows: int = 50_000
    ) -> None:
        self.directory = Path(run_dir) / "requests"
        self.flush_seconds = flush_seconds
        self.max_rows = max_rows
        self.rows: list[CallRecord] = []
        self.recorded = 0  # rows this process recorded (written or shipped): the row check
        self.written = 0
        self._parts: dict[str, int] = {}  # next part number per file stem
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self.stem = part_stem(f"{socket.gethostname()}:{os.getpid()}")

    def on_request(self, context: Any = None, **_: Any) -> None:
        """Locust `request` listener; ignores requests that are not rubench calls."""
        record = context.get("rubench") if isinstance(context, dict) else None
        if record is None:
            return
        self.rows.append(record)
        self.recorded += 1
        if len(self.rows) >= self.max_rows:
            self.flush()

    def move_to(self, run_dir: Path) -> None:
        """Write the next parts into another run directory (a worker's, into its master's)."""
        self.directory = Path(run_dir) / "requests"

    def drain(self) -> list[CallRecord]:
        """Take the buffered rows (a remote worker ships them to the master instead)."""
        rows, self.rows = self.rows, []
        self._last_flush = time.monotonic()
        return rows

    def flush_if_due(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one complete part."""
        rows = self.drain()
        if rows:
            self.write_columns(to_columns(rows), self.stem)

    def write_columns(self, columns: dict[str, list[Any]], stem: str) -> None:
        """Write rows given as columns (this process's, or a remote worker's) as one part,
        atomically renamed into place so readers never see half a file."""
        rows = len(columns[SCHEMA.names[0]])
        if not rows:
            return
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            number = self._parts.get(stem, 0)
            self._parts[stem] = number + 1
            name = f"{stem}-{number:06d}.parquet"
            part = pa.BufferOutputStream()
            pq.write_table(pa.Table.from_pydict(columns, schema=SCHEMA), part)
            write_atomic(self.directory / name, part.getvalue().to_pybytes())
            self.written += rows

    def close(self) -> None:
        self.flush()

    def flush_forever(self, writing: Callable[[], bool] = lambda: True) -> None:
        """Flush when due, for the life of the process (a greenlet's body); `writing` says
        whether this process writes its rows at all now (a worker may ship them instead)."""
        while True:
            time.sleep(self.flush_seconds / 4)  # gevent's sleep once Locust has patched
            try:
                if writing():
                    self.flush_if_due()
            except Exception:  # a full disk must not kill the load; logged, then retried
                log.exception("rubench: writing request rows failed")


def part_stem(worker: str) -> str:
    """`part-<host>-<pid>`: parts from different processes and machines never collide."""
    return "part-" + re.sub(r"[^A-Za-z0-9_.-]", "-", worker)


def to_columns(records: list[CallRecord]) -> dict[str, list[Any]]:
    """Rows as msgpack-friendly columns in the schema's order."""
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for record in records:
        for name in REQUEST_SCHEMA.names:
            columns[name].append(getattr(record, name))
        columns[PARTITION_KEY_COLUMN].append(
            "" if record.partition_key is None else json.dumps(record.partition_key)
        )
        columns[INDEX_METRICS_COLUMN].append(record.index_metrics)
    return columns
