"""Exact percentiles over a run's calls, in little memory, interpolated as numpy does.

Holding 100 million latencies to sort them takes 800 MB per grouping, so neither
numpy nor DuckDB's `quantile_cont` fits a day-long run into 2 GB. Instead:

- latency, two scans. The first counts calls per (operation, first tenth of the
  window or not, bucket), a bucket being 1/1024 of a doubling of latency, with
  each bucket's smallest and largest value. Every percentile of every operation,
  of all calls and of the cold-start halves is then a known rank inside one
  bucket; the second scan fetches only the values of those few buckets (~0.07%
  wide: thousands of calls, not millions) and picks the ranks exactly. Bucket
  bounds are checked against the values (a bucket overlapping or touching the next
  is merged with it), so the result never rests on `log2` rounding;
- RU, one scan: charges repeat (a point read costs the same every time), so the
  count of each (operation, charge) pair gives every percentile directly.

Both interpolate between the two order statistics exactly as numpy's default
("linear") method does, so the results equal `np.quantile` on all the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from bench.rundata.engine import Rows

BUCKETS_PER_DOUBLING = 1024
_BUCKET = (
    f"CASE WHEN latency_ms > 0 THEN floor(log2(latency_ms) * {BUCKETS_PER_DOUBLING})::INTEGER "
    "ELSE -2147483648 END"  # zero (and anything not positive) below every positive value
)

Quantiles = dict[str, float]
Scope = tuple[str | None, bool | None]  # (an operation or all, first tenth / the rest / both)


@dataclass(frozen=True)
class LatencyFigures:
    """Latency percentiles per operation and over all calls, and the cold-start halves."""

    operations: dict[str, Quantiles]
    total: Quantiles | None  # None: no call
    first_tenth: tuple[int, float] | None  # (calls, median) of the window's first tenth
    rest: tuple[int, float] | None  # (calls, median) of the other nine tenths


def latency_figures(rows: Rows, quantiles: Mapping[str, float], cut: float) -> LatencyFigures:
    """Exact latency percentiles; the window's first tenth is the calls before `cut`."""
    histogram = rows.arrow(
        f"SELECT operation, timestamp < {cut!r} AS early, {_BUCKET} AS bucket, count(*) AS n, "
        "min(latency_ms) AS low, max(latency_ms) AS high FROM calls GROUP BY ALL"
    ).to_pandas()
    qs = np.array(list(quantiles.values()))
    wanted: dict[Scope, np.ndarray] = {
        **{(str(name), None): qs for name in sorted(histogram["operation"].unique())},
        (None, None): qs,
        (None, True): np.array([0.5]),
        (None, False): np.array([0.5]),
    }
    blocks = {
        scope: _Blocks(histogram[_mask(histogram, scope)])
        for scope in wanted
        if _mask(histogram, scope).any()
    }
    picker = _RankPicker(rows, cut, blocks, wanted)
    found = {
        scope: interpolate(b.count, wanted[scope], partial(picker.value, scope))
        for scope, b in blocks.items()
    }

    def named(scope: Scope) -> Quantiles | None:
        if scope not in found:
            return None
        return dict(zip(quantiles, found[scope].tolist(), strict=True))

    def half(scope: Scope) -> tuple[int, float] | None:
        return (blocks[scope].count, float(found[scope][0])) if scope in found else None

    return LatencyFigures(
        operations={
            operation: named((operation, None)) for operation, _ in found if operation is not None
        },
        total=named((None, None)),
        first_tenth=half((None, True)),
        rest=half((None, False)),
    )


def _mask(frame: pd.DataFrame, scope: Scope) -> np.ndarray:
    operation, early = scope
    mask = np.ones(len(frame), dtype=bool)
    if operation is not None:
        mask &= (frame["operation"] == operation).to_numpy()
    if early is not None:
        mask &= (frame["early"] == early).to_numpy()
    return mask


def _ranks(n: int, qs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numpy's "linear" method: the two ranks each quantile lies between, and how far."""
    virtual = (n - 1) * qs  # numpy's virtual index for "linear"
    below = np.minimum(np.floor(virtual), n - 1).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    return below, above, virtual - np.floor(virtual)


def interpolate(n: int, qs: np.ndarray, value_at: Callable[[int], float]) -> np.ndarray:
    """numpy's "linear" quantiles of n sorted values, given the value at each rank: the
    same arithmetic as np.quantile, so the same result to the last bit."""
    below, above, t = _ranks(n, qs)
    a = np.array([value_at(int(rank)) for rank in below])
    b = np.array([value_at(int(rank)) for rank in above])
    difference = b - a
    return np.where(t >= 0.5, b - difference * (1 - t), a + difference * t)


class _Blocks:
    """One scope's buckets as ordered blocks: every value of a block lies below every value
    of the next (buckets whose value ranges overlap or touch are merged into one block), so
    a block's values are exactly the scope's values between its low and high."""

    def __init__(self, histogram: pd.DataFrame) -> None:
        buckets = histogram.groupby("bucket").agg(
            n=("n", "sum"), low=("low", "min"), high=("high", "max")
        )
        high_so_far = np.maximum.accumulate(buckets["high"].to_numpy())
        starts = np.ones(len(buckets), dtype=bool)
        starts[1:] = buckets["low"].to_numpy()[1:] > high_so_far[:-1]
        block = np.cumsum(starts) - 1
        grouped = buckets.groupby(block)
        self.n = grouped["n"].sum().to_numpy()
        self.low = grouped["low"].min().to_numpy()
        self.high = grouped["high"].max().to_numpy()
        self.ends = np.cumsum(self.n)
        self.count = int(self.ends[-1])

    def locate(self, rank: int) -> tuple[int, int]:
        """(block, position inside it) of the value of 0-based `rank`."""
        block = int(np.searchsorted(self.ends, rank, side="right"))
        return block, rank - int(self.ends[block] - self.n[block])

    def known(self, rank: int) -> float | None:
        """The value of `rank` when the block's bounds give it (its first or last value,
        or a block of one value); None when the block's values must be read."""
        block, position = self.locate(rank)
        if position == 0 or self.low[block] == self.high[block]:
            return float(self.low[block])
        if position == self.n[block] - 1:
            return float(self.high[block])
        return None


class _RankPicker:
    """Values of ranks inside blocks, from one scan reading only the needed blocks' values
    (a range test per row: cheaper than the bucket's log2)."""

    def __init__(
        self,
        rows: Rows,
        cut: float,
        blocks: dict[Scope, _Blocks],
        wanted: dict[Scope, np.ndarray],
    ) -> None:
        self.blocks = blocks
        needed: set[tuple[float, float]] = set()
        for scope, b in blocks.items():
            for rank in np.concatenate(_ranks(b.count, wanted[scope])[:2]):
                if b.known(int(rank)) is None:
                    block = b.locate(int(rank))[0]
                    needed.add((float(b.low[block]), float(b.high[block])))
        self.values = pd.DataFrame({"operation": [], "early": [], "latency_ms": []})
        if needed:
            ranges = " OR ".join(f"latency_ms BETWEEN {a!r} AND {b!r}" for a, b in sorted(needed))
            self.values = rows.arrow(
                f"SELECT operation, timestamp < {cut!r} AS early, latency_ms FROM calls "
                f"WHERE {ranges}"
            ).to_pandas()
        self.sorted: dict[tuple[Scope, int], np.ndarray] = {}

    def value(self, scope: Scope, rank: int) -> float:
        b = self.blocks[scope]
        known = b.known(rank)
        if known is not None:
            return known
        block, position = b.locate(rank)
        if (scope, block) not in self.sorted:
            latency = self.values["latency_ms"]
            mine = _mask(self.values, scope) & latency.between(b.low[block], b.high[block])
            self.sorted[scope, block] = np.sort(latency[mine].to_numpy())
        return float(self.sorted[scope, block][position])


def charge_quantiles(rows: Rows, quantiles: Mapping[str, float]) -> dict[str | None, Quantiles]:
    """{operation: {name: value}} of `ru`, from one scan of (operation, charge) counts;
    the key None holds all calls'."""
    counted = rows.arrow(
        "SELECT operation, ru, count(*) AS n FROM calls GROUP BY ALL ORDER BY operation, ru"
    )
    operations = counted.column("operation").to_numpy(zero_copy_only=False)
    charges = counted.column("ru").to_numpy()
    counts = counted.column("n").to_numpy()
    qs = np.array(list(quantiles.values()))
    result: dict[str | None, Quantiles] = {}
    for name in np.unique(operations):
        mine = operations == name
        values = _quantiles_of_counts(charges[mine], counts[mine], qs)
        result[str(name)] = dict(zip(quantiles, values.tolist(), strict=True))
    if len(charges):
        order = np.argsort(charges, kind="stable")
        values = _quantiles_of_counts(charges[order], counts[order], qs)
        result[None] = dict(zip(quantiles, values.tolist(), strict=True))
    return result


def _quantiles_of_counts(values: np.ndarray, counts: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """np.quantile(np.repeat(values, counts), qs) without repeating (`values` ascending)."""
    ends = np.cumsum(counts)  # rank r holds values[the first i with ends[i] > r]
    return interpolate(
        int(ends[-1]), qs, lambda rank: values[np.searchsorted(ends, rank, side="right")]
    )
