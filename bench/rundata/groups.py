"""Grouping request rows by operation (or any code) with numpy, for exact quantiles.

Example::

    groups = Groups.of(frame["operation"])
    [np.quantile(s, 0.99) for s in groups.slices(frame["latency_ms"].to_numpy())]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOTAL_KEY = "__total__"


class Groups:
    """Rows grouped by an integer code: one stable sort, then each group is a slice.

    Columns are gathered one at a time, so grouping ten million rows costs one
    column's worth of extra memory, not a copy of the frame.
    """

    def __init__(self, codes: np.ndarray, names: list[str]) -> None:
        self.names = names
        self.codes = codes
        self.order: np.ndarray | None = np.argsort(codes, kind="stable")
        self.bounds = np.searchsorted(codes[self.order], np.arange(len(names) + 1))

    @classmethod
    def of(cls, labels: pd.Series) -> Groups:
        """Groups by the values of a (categorical) column, in category order."""
        labels = labels.astype("category")
        return cls(labels.cat.codes.to_numpy(), [str(c) for c in labels.cat.categories])

    @classmethod
    def single(cls, rows: int) -> Groups:
        """Every row in one group named TOTAL_KEY (no sort needed)."""
        groups = cls.__new__(cls)
        groups.names, groups.codes, groups.order = [TOTAL_KEY], np.zeros(rows, np.int8), None
        groups.bounds = np.array([0, rows])
        return groups

    def slices(self, values: np.ndarray) -> list[np.ndarray]:
        grouped = values if self.order is None else values[self.order]
        return [grouped[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)]

    def counts_by(self, other_codes: np.ndarray, n_other: int) -> np.ndarray:
        """A groups x other-codes count table (e.g. outcomes per operation)."""
        flat = self.codes.astype(np.int64) * n_other + other_codes
        table = np.bincount(flat, minlength=len(self.names) * n_other)
        return table.reshape(len(self.names), n_other)


def quantiles_by(frame: pd.DataFrame, column: str, quantiles: dict[str, float]) -> dict[str, dict]:
    """{operation: {name: exact quantile}} of one column, e.g. RU p5..p95 for box plots."""
    groups = Groups.of(frame["operation"])
    result = {}
    for name, values in zip(
        groups.names, groups.slices(frame[column].to_numpy(float)), strict=True
    ):
        if len(values):
            qs = np.quantile(values, list(quantiles.values()))
            result[str(name)] = {key: float(q) for key, q in zip(quantiles, qs, strict=True)}
    return result


def values_by(frame: pd.DataFrame, column: str) -> dict[str, np.ndarray]:
    """{operation: that operation's values of one column} (each a copy, in row order)."""
    groups = Groups.of(frame["operation"])
    slices = groups.slices(frame[column].to_numpy(float))
    return {name: values for name, values in zip(groups.names, slices, strict=True) if len(values)}
