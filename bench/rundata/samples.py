"""Bounded uniform random samples of each operation's calls, for the block bootstrap.

A comparison needs rows only to estimate how much a statistic wobbles
(bench/rundata/compare.py); the statistic itself comes exact from the summary.
So each operation contributes at most `SAMPLE_SIZE` calls of the measured
window, drawn uniformly (by a hash of each row's part and position: the same
run always gives the same sample), whatever the run's length.

Example::

    samples = operation_samples(run_dir, ["latency_ms", "ru"])
    samples["point_read"]["latency_ms"], samples["point_read"]["timestamp"]
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa

from bench.rundata.engine import open_rows
from bench.rundata.info import read_run_info
from bench.rundata.reading import run_directory
from bench.rundata.schema import REQUEST_SCHEMA

SAMPLE_SIZE = 100_000  # calls per operation: bootstrap replicates draw 3,000 of them
_OVERDRAW = 1.1  # draw a little more than needed, then trim exactly to SAMPLE_SIZE
_HASHES = 2**64


def operation_samples(
    run_dir: str | Path, columns: Iterable[str], *, size: int = SAMPLE_SIZE, seed: int = 0
) -> dict[str, dict[str, np.ndarray]]:
    """{operation: {column: values}} of at most `size` calls each (every call when it made
    fewer), always with `timestamp`; rows after the warm-up, no metadata rows."""
    wanted = list(dict.fromkeys(["timestamp", *columns]))
    unknown = [c for c in wanted if c not in REQUEST_SCHEMA.names]
    if unknown:
        raise ValueError(f"unknown request columns {unknown}; known: {REQUEST_SCHEMA.names}")
    directory = run_directory(run_dir)
    info = read_run_info(directory)
    rng = np.random.default_rng(seed)
    with open_rows(directory, window_start=info.window_start) as rows:
        counts = dict(rows.query("SELECT operation, count(*) FROM calls GROUP BY operation"))
        below = [min(_HASHES - 1, int(_HASHES * size * _OVERDRAW / n)) for n in counts.values()]
        rows.connection.register(
            "sample_rates",
            pa.table({"operation": list(counts), "below": pa.array(below, pa.uint64())}),
        )
        table = rows.arrow(
            f"SELECT operation, {', '.join(wanted)} FROM calls JOIN sample_rates "
            "USING (operation) WHERE row_hash < below ORDER BY operation, timestamp"
        )
    samples: dict[str, dict[str, np.ndarray]] = {}
    operations = table.column("operation").to_numpy(zero_copy_only=False)
    for name in sorted(counts):
        picked = np.flatnonzero(operations == name)
        if len(picked) > size:
            picked = np.sort(rng.choice(picked, size=size, replace=False))
        samples[name] = {
            column: table.column(column).take(pa.array(picked)).to_numpy(zero_copy_only=False)
            for column in wanted
        }
    return samples
