"""Writing what a command produces (pages, baselines, CI files) in one way: the folder is
made, the file replaced whole, and a path that cannot be written is a one-line error."""

from __future__ import annotations

from pathlib import Path

from bench.errors import RubenchError


def write_output(path: Path, content: str | bytes) -> Path:
    """Write `content` to `path` through a temporary file, so a reader never sees half a page."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError as error:
        raise RubenchError(f"{path}: cannot write it ({error.strerror or error})") from None
    return path
