"""DuckDB over a run's parquet parts: every figure of the summary is a query that streams
the parts, so a day-long run (100 million rows) never sits in memory.

Two views name the rows every figure reads:

- `requests`: every row of every part (`partition_key` and `index_metrics` are "" where
  a part lacks them, a missing charge counts 0 RU, `in_window` says whether it is after
  the warm-up, `part` names the row's file);
- `calls`: the workload's calls in the measured window (no warm-up, no metadata rows).

Every query aggregates as it streams (counts, sums, small histograms); none holds a
column of the run, so memory stays flat whatever the row count (percentiles:
bench/rundata/quantiles.py).

Example::

    with open_rows(run_dir, window_start=info.window_start) as rows:
        rows.query("SELECT operation, count(*) FROM calls GROUP BY operation")
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from bench.errors import RubenchError
from bench.rundata.outcome import FAILED_OUTCOMES
from bench.rundata.reading import OPTIONAL_COLUMNS, check_part, part_files
from bench.rundata.schema import (
    INDEX_METRICS_COLUMN,
    METADATA_KIND,
    PARTITION_KEY_COLUMN,
    REQUEST_SCHEMA,
)

MEMORY_LIMIT = "1200MB"  # DuckDB's buffers and hash tables; beyond it, it spills to disk
THREADS = 2
SPILL_DIRECTORY = Path(tempfile.gettempdir()) / "rubench-duckdb"  # not the user's folder

# SQL: is this row's outcome a failure (the one list lives in outcome.py)
FAILED_SQL = "outcome IN ({})".format(", ".join(f"'{o.value}'" for o in sorted(FAILED_OUTCOMES)))

# Every figure rests on these; NaN or infinity in one is damage, never a measurement.
NUMBERS = ("timestamp", "latency_ms", "ru")
NOT_FINITE_SQL = "NOT (" + " AND ".join(f"isfinite({n})" for n in NUMBERS) + ")"

_TEXT = {n for n in REQUEST_SCHEMA.names if pa.types.is_string(REQUEST_SCHEMA.field(n).type)}


class Rows:
    """An open DuckDB connection whose `requests` and `calls` views read one run's parts."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, parts: list[Path]) -> None:
        self.connection = connection
        self.parts = parts

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """All result rows as tuples; a broken part is named, not a DuckDB traceback."""
        try:
            return self.connection.execute(sql).fetchall()
        except duckdb.Error as error:
            raise self._failure(error) from error

    def arrow(self, sql: str) -> pa.Table:
        try:
            return self.connection.sql(sql).to_arrow_table()
        except duckdb.Error as error:
            raise self._failure(error) from error

    def check_finite(self) -> None:
        """An error naming the first part with a NaN or infinite timestamp, latency or
        charge (a scan of its own: call it when a sum came out not finite)."""
        found = self.connection.execute(
            f"SELECT part, count(*) FROM requests WHERE {NOT_FINITE_SQL} "
            "GROUP BY part ORDER BY part LIMIT 1"
        ).fetchall()
        if found:
            part, count = found[0]
            raise RubenchError(
                f"{part or _folder(self.parts)}: {count:,} row(s) whose "
                f"{', '.join(NUMBERS[:-1])} or {NUMBERS[-1]} is not a finite number "
                "(NaN or infinity); rubench never writes one, so the part is damaged or "
                "from another writer"
            )

    def _failure(self, error: duckdb.Error) -> RubenchError:
        """The part with a value no figure can rest on, else DuckDB's message on one line."""
        with suppress(duckdb.Error):
            self.check_finite()
        message = " ".join(str(error).split())
        return RubenchError(f"{_folder(self.parts)}: cannot read the request parts ({message})")


@contextmanager
def open_rows(run_dir: str | Path, *, window_start: float | None) -> Iterator[Rows]:
    """The run's rows as DuckDB views; `window_start` None: every row is in the window."""
    parts = part_files(run_dir)
    optional = check_parts(parts)
    connection = duckdb.connect(
        config={
            "threads": THREADS,
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(SPILL_DIRECTORY),
        }
    )
    try:
        connection.execute("SET enable_progress_bar = false")
        if parts:
            files = ", ".join(_quote(str(p)) for p in parts)
            source = (
                f"read_parquet([{files}], union_by_name = true, "
                "filename = true, file_row_number = true)"
            )
            identity, part = "filename, file_row_number", "filename"
        else:
            connection.register("empty_parts", _empty_table())
            source, identity, part = "empty_parts", "0, 0", "''"
        extra = ", ".join(
            f"coalesce({name}, '') AS {name}" if name in optional else f"'' AS {name}"
            for name in OPTIONAL_COLUMNS
        )
        start = "TRUE" if window_start is None else f"timestamp >= {float(window_start)!r}"
        columns = ", ".join(
            f"coalesce({n}, '') AS {n}" if n in _TEXT else n
            for n in REQUEST_SCHEMA.names
            if n != "ru"
        )
        connection.execute(
            f"CREATE VIEW requests AS SELECT {columns}, coalesce(ru, 0.0) AS ru, "
            f"{extra}, ({start}) AS in_window, "
            f"hash({identity}) AS row_hash, {part} AS part FROM {source}"
        )
        connection.execute(
            "CREATE VIEW calls AS SELECT * FROM requests "
            f"WHERE in_window AND kind <> '{METADATA_KIND}'"
        )
        yield Rows(connection, parts)
    finally:
        connection.close()


def check_parts(parts: list[Path]) -> set[str]:
    """Every part has the schema's columns in a readable type (from the footers alone);
    returns the optional columns (OPTIONAL_COLUMNS) that some part has."""
    columns = [*REQUEST_SCHEMA.names, *OPTIONAL_COLUMNS]
    present = set().union(*(check_part(path, columns).names for path in parts))
    return present & set(OPTIONAL_COLUMNS)


def _empty_table() -> pa.Table:
    schema = REQUEST_SCHEMA
    for name in (PARTITION_KEY_COLUMN, INDEX_METRICS_COLUMN):
        schema = schema.append(pa.field(name, pa.string()))
    return schema.empty_table()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _folder(parts: list[Path]) -> Path | str:
    return parts[0].parent if parts else "requests"
