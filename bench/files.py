"""Writing files so a reader never sees half of one, and naming run directories.

Every file rubench leaves (run.json, summaries, reports, request parts, baselines)
is written under a temporary name in the same folder and renamed over the
target: a crash or Ctrl-C leaves the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bench.errors import RubenchError

REPORTS_FOLDER = Path("reports")


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8) to `path` through a temporary file and a rename."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        temporary.write_bytes(payload)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_output(path: str | Path, data: str | bytes) -> Path:
    """What a command produces (pages, baselines, CI files): the folder is made, the file
    written atomically, and a path that cannot be written is a one-line error."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, data)
    except OSError as error:
        raise RubenchError(f"{path}: cannot write it ({error.strerror or error})") from None


def timestamped_directory(name: str, at: datetime | None = None) -> Path:
    """`reports/<YYYYmmdd-HHMMSS>-<name>`: runs and reports sort by when they were made."""
    stamp = (at or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return REPORTS_FOLDER / f"{stamp}-{name}"
