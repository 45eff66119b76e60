"""Reading a run's request rows into pandas, for the few callers that need rows.

Only the columns asked for are read, and text columns arrive as categoricals
straight from Parquet dictionaries, so ten million rows stay a few hundred MB.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.errors import RubenchError
from bench.rundata.schema import (
    ANALYSIS_COLUMNS,
    CATEGORICAL_COLUMNS,
    INDEX_METRICS_COLUMN,
    PARTITION_KEY_COLUMN,
    REQUEST_SCHEMA,
)

OPTIONAL_COLUMNS = (PARTITION_KEY_COLUMN, INDEX_METRICS_COLUMN)


def run_directory(run_dir: str | Path) -> Path:
    """The run directory as a Path, or a clear error when it is not one."""
    path = Path(run_dir)
    if not path.is_dir():
        raise RubenchError(f"{path}: not a run directory (it does not exist or is not a folder)")
    return path


def part_files(run_dir: str | Path) -> list[Path]:
    """The request parts in write order (their names are zero-padded sequence numbers)."""
    return sorted((run_directory(run_dir) / "requests").glob("part-*.parquet"))


def part_rows(run_dir: str | Path) -> int:
    """How many rows the parts hold (from their footers, nothing else read)."""
    return sum(pq.ParquetFile(path).metadata.num_rows for path in part_files(run_dir))


def load_requests(
    run_dir: str | Path,
    columns: Iterable[str] | None = ANALYSIS_COLUMNS,
    *,
    since: float | None = None,
) -> pd.DataFrame:
    """All request rows of a run (every parquet part), text columns as categoricals.

    `columns=None` reads every column of the schema. The optional
    `partition_key` column is added when a part has it ("" in parts without).
    `since` keeps only rows whose timestamp is at or after it (warm-up left out).
    Rows are copied part by part into preallocated arrays, so the peak memory is
    the final frame plus one part, never two copies of the run.
    """
    wanted = list(REQUEST_SCHEMA.names if columns is None else columns)
    unknown = [c for c in wanted if c not in REQUEST_SCHEMA.names and c not in OPTIONAL_COLUMNS]
    if unknown:
        raise ValueError(f"unknown request columns {unknown}; known: {REQUEST_SCHEMA.names}")
    parts = [_PartInfo.of(path, wanted, since) for path in part_files(run_dir)]
    present = [c for c in wanted if c not in OPTIONAL_COLUMNS or any(c in p.columns for p in parts)]
    builder = _FrameBuilder(present, sum(p.rows for p in parts))
    for part in parts:
        builder.append(part.path, _read_part(part, present, since))
    return builder.frame()


def check_part(path: Path, columns: Iterable[str]) -> pa.Schema:
    """The part's schema, once its footer shows each of `columns` present (optional ones
    may be absent) in a type that reads as the schema's; else an error naming the part."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise RubenchError(f"{path}: not a readable Parquet part ({error})") from error
    missing = [c for c in columns if c not in schema.names and c not in OPTIONAL_COLUMNS]
    if missing:
        raise RubenchError(
            f"{path}: missing request column(s) {', '.join(missing)} "
            "(see docs/run-directory.md for the schema)"
        )
    for name in columns:
        if name not in schema.names:
            continue
        found, expected = schema.field(name).type, _field(name).type
        if pa.types.is_dictionary(found):
            found = found.value_type
        if not _compatible(found, expected):
            raise RubenchError(
                f"{path}: column {name!r} is {found}, expected {expected} "
                "(see docs/run-directory.md for the schema)"
            )
    return schema


def _compatible(found: pa.DataType, expected: pa.DataType) -> bool:
    """Another writer's wider integers or large strings are fine; text for a number is not."""
    if pa.types.is_null(found):
        return True
    if pa.types.is_string(expected):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    if pa.types.is_integer(expected):
        return pa.types.is_integer(found)
    return pa.types.is_integer(found) or pa.types.is_floating(found)


class _PartInfo:
    """A part's path, row count and columns, checked against the schema before reading."""

    def __init__(self, path: Path, rows: int, columns: set[str]) -> None:
        self.path, self.rows, self.columns = path, rows, columns

    @classmethod
    def of(cls, path: Path, wanted: list[str], since: float | None) -> _PartInfo:
        """Counting the rows kept reads the timestamp column alone when `since` is set."""
        columns = set(check_part(path, wanted).names)
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
            if since is not None:
                timestamps = pq.read_table(path, columns=["timestamp"]).column("timestamp")
                rows = pc.sum(pc.greater_equal(timestamps, since)).as_py() or 0
        except (OSError, pa.ArrowException) as error:
            raise RubenchError(f"{path}: not a readable Parquet part ({error})") from error
        return cls(path, rows, columns)


def _read_part(part: _PartInfo, columns: list[str], since: float | None) -> pa.Table:
    readable = [c for c in columns if c in part.columns]
    try:
        table = pq.read_table(
            part.path,
            columns=readable,
            read_dictionary=[c for c in readable if c in CATEGORICAL_COLUMNS],
            filters=None if since is None else [("timestamp", ">=", since)],
        )
    except (OSError, pa.ArrowException) as error:
        raise RubenchError(f"{part.path}: not a readable Parquet part ({error})") from error
    for name in columns:
        if name not in part.columns:  # an optional column this part lacks
            table = table.append_column(name, pa.array([""] * table.num_rows).dictionary_encode())
    return table


class _FrameBuilder:
    """Preallocated numpy columns filled part by part; text as global category codes."""

    def __init__(self, columns: list[str], rows: int) -> None:
        self.rows, self.offset = rows, 0
        self.arrays: dict[str, np.ndarray] = {}
        self.categories: dict[str, dict[str, int]] = {}
        for name in columns:
            if name in CATEGORICAL_COLUMNS:
                self.arrays[name] = np.empty(rows, np.int32)
                self.categories[name] = {}
            else:
                self.arrays[name] = np.empty(rows, _field(name).type.to_pandas_dtype())

    def append(self, path: Path, table: pa.Table) -> None:
        end = self.offset + table.num_rows
        for name, target in self.arrays.items():
            column = table.column(name).combine_chunks()
            try:
                if name in self.categories:
                    target[self.offset : end] = self._codes(name, column)
                else:
                    target[self.offset : end] = _numeric(column, _field(name).type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError) as error:
                raise RubenchError(
                    f"{path}: column {name!r} cannot be read as {_field(name).type} ({error})"
                ) from error
        self.offset = end

    def _codes(self, name: str, column: pa.Array) -> np.ndarray:
        if not pa.types.is_dictionary(column.type) or column.null_count:
            column = column.cast(pa.string()).fill_null("").dictionary_encode()
        known = self.categories[name]
        values = column.dictionary.cast(pa.string()).to_pylist()
        mapping = np.array([known.setdefault(v, len(known)) for v in values], np.int32)
        return mapping[column.indices.to_numpy(zero_copy_only=False)]

    def frame(self) -> pd.DataFrame:
        columns = {
            name: pd.Categorical.from_codes(array, list(self.categories[name]))
            if name in self.categories
            else array
            for name, array in self.arrays.items()
        }
        return pd.DataFrame(columns, copy=False)  # copy=False keeps one block per column


def _field(name: str) -> pa.Field:
    return (
        REQUEST_SCHEMA.field(name) if name in REQUEST_SCHEMA.names else pa.field(name, pa.string())
    )


def _numeric(column: pa.Array, target: pa.DataType) -> np.ndarray:
    if column.type != target:
        column = column.cast(target)
    if column.null_count and not pa.types.is_floating(target):
        column = column.fill_null(0)
    return column.to_numpy(zero_copy_only=False)
