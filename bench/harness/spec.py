"""What every table of a workload file shares: the pydantic base (`Spec`: frozen, unknown
keys are errors, values never coerced) and the value types several tables use (names,
files named relative to the workload file). Split from `workload` so that `documents`,
which owns the `[documents]` table, needs nothing from the module that imports it::

    class DocumentsSpec(Spec):
        template: JsonFile | None = None  # read at validation, next to the workload file
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

Name = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$",
        description="a name of letters, digits, '_', '.', '-' (at most 64 characters)",
    ),
]


class Spec(BaseModel):
    """A table of a workload file."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


def read_named_file(value: Any, info: ValidationInfo) -> str:
    """A file named relative to the workload file (the validation context's `directory`)."""
    if not isinstance(value, str):
        raise ValueError("expected a file name, relative to the workload file")
    path = Path((info.context or {}).get("directory", ".")) / value
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read {path} ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({byte_problem(error)})") from None


def read_json_object(value: Any, info: ValidationInfo) -> dict[str, Any]:
    text = read_named_file(value, info)
    try:
        data = json.loads(text, parse_constant=_not_json)
    except ValueError as error:  # JSONDecodeError, or NaN / Infinity (not JSON)
        raise ValueError(f"{value} is not valid JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"{value} is nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object in {value}")
    return data


TextFile = Annotated[str, BeforeValidator(read_named_file)]
JsonFile = Annotated[dict[str, Any], BeforeValidator(read_json_object)]


def byte_problem(error: UnicodeDecodeError) -> str:
    return f"byte 0x{error.object[error.start]:02x} at offset {error.start}"


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON number")
