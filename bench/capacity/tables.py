"""Reading a small user file that holds one table of entries, as JSON or TOML."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from bench.errors import RubenchError


def read_table(path: Path, what: str) -> dict[str, object]:
    """The top-level table of `path`; `what` ("price file", "mix file") names it in errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RubenchError(f"cannot read {what} {path}: {error.strerror}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise RubenchError(f"{what} {path}: use a .json or .toml file")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise RubenchError(f"{what} {path} is not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(data, dict):
        raise RubenchError(f"{what} {path}: expected a table of entries at the top level")
    return data
