"""The JSON files of a run directory as frozen pydantic models: one way to read and write.

A file written by an older or newer rubench (its "schema" is not the one this
version knows) gets an error saying so, not a KeyError three modules later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bench import __version__
from bench.errors import RubenchError
from bench.files import write_atomic


class Record(BaseModel):
    """A frozen part of a run-directory file: unknown keys are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


Model = TypeVar("Model", bound=BaseModel)


def read_record(path: Path, model: type[Model], schema: int) -> Model:
    """`path` parsed as `model`; a clear error when it is missing, not JSON, of another
    schema version, or not what the model describes (every field at fault, one per line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubenchError(f"{path}: missing (every run directory has one)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RubenchError(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise RubenchError(f"{path}: expected a JSON object, found {type(data).__name__}")
    found = data.get("schema", 1)
    if found != schema:
        newer = isinstance(found, int) and found > schema
        raise RubenchError(
            f"{path}: schema {found!r}, written by {'a newer' if newer else 'another'} rubench; "
            f"rubench {__version__} reads schema {schema}"
            + (": upgrade rubench to read it" if newer else "")
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RubenchError(describe(path, error)) from None


def describe(path: Path, error: ValidationError) -> str:
    """pydantic's errors as "file: field.path: message" lines."""
    lines = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{path}: {where}: {problem['msg']}")
    return "\n".join(lines)


def write_record(path: Path, record: BaseModel) -> Path:
    """Indented JSON, atomically; NaN never reaches the file (JSON has none)."""
    text = json.dumps(record.model_dump(mode="json", by_alias=True), indent=2, allow_nan=False)
    return write_atomic(path, text + "\n")
