"""Exact percentiles over a run's calls, with linear interpolation as numpy computes them.

Two ways, both exact:

- latency (every value distinct): DuckDB's `quantile_cont`, which holds one
  column's values of one grouping in memory (8 bytes a call: 800 MB for 100
  million), so each grouping is its own scan;
- RU (charges repeat: a point read costs the same every time): one scan counts
  each (operation, charge) pair, and every operation's and the total's
  percentiles are read off the sorted counts, in a few kilobytes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bench.rundata.engine import Rows


def latency_quantiles(
    rows: Rows, quantiles: Mapping[str, float]
) -> dict[str | None, dict[str, float]]:
    """{operation: {name: value}} of `latency_ms`; the key None holds all calls'."""
    wanted = "[" + ", ".join(repr(q) for q in quantiles.values()) + "]"
    result: dict[str | None, dict[str, float]] = {}
    for sql in (
        f"SELECT operation, quantile_cont(latency_ms, {wanted}) FROM calls GROUP BY operation",
        f"SELECT NULL, quantile_cont(latency_ms, {wanted}) FROM calls",
    ):
        for operation, values in rows.query(sql):
            if values is not None:
                result[operation] = dict(zip(quantiles, values, strict=True))
    return result


def charge_quantiles(
    rows: Rows, quantiles: Mapping[str, float]
) -> dict[str | None, dict[str, float]]:
    """{operation: {name: value}} of `ru`, from one scan of (operation, charge) counts;
    the key None holds all calls'."""
    counted = rows.arrow(
        "SELECT operation, ru, count(*) AS n FROM calls GROUP BY ALL ORDER BY operation, ru"
    )
    operations = counted.column("operation").to_numpy(zero_copy_only=False)
    charges = counted.column("ru").to_numpy()
    counts = counted.column("n").to_numpy()
    qs = np.array(list(quantiles.values()))
    result: dict[str | None, dict[str, float]] = {}
    for name in np.unique(operations):
        mine = operations == name
        values = quantiles_of_counts(charges[mine], counts[mine], qs)
        result[str(name)] = dict(zip(quantiles, values.tolist(), strict=True))
    if len(charges):
        order = np.argsort(charges, kind="stable")
        values = quantiles_of_counts(charges[order], counts[order], qs)
        result[None] = dict(zip(quantiles, values.tolist(), strict=True))
    return result


def quantiles_of_counts(values: np.ndarray, counts: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """np.quantile(np.repeat(values, counts), qs) without repeating: `values` sorted
    ascending, `counts` how often each occurs. Same index and interpolation as numpy's
    default ("linear") method, so the results are the same to the last bit."""
    n = int(counts.sum())
    virtual = n * qs + (1 - qs) - 1  # numpy's _compute_virtual_index for alpha = beta = 1
    below = np.clip(np.floor(virtual), 0, n - 1).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    t = virtual - np.floor(virtual)
    ends = np.cumsum(counts)  # rank r (0-based) holds values[first i with ends[i] > r]
    a = values[np.searchsorted(ends, below, side="right")]
    b = values[np.searchsorted(ends, above, side="right")]
    difference = b - a
    return np.where(t >= 0.5, b - difference * (1 - t), a + difference * t)
