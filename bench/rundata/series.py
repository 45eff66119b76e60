"""Time-bucketed series of a run: requests, RU, 429s and errors per bucket.

Charts never see raw rows: a ten-million-row run becomes a few hundred
buckets here, and the bucket width is chosen from the window so a chart has
about `MAX_POINTS` points whatever the run length.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.rundata.run import Window

MAX_POINTS = 300


def bucket_width(window: Window, max_points: int = MAX_POINTS) -> float:
    """Whole seconds, at least 1, so at most `max_points` buckets cover the window."""
    return float(max(1, math.ceil(window.duration_s / max_points)))


def bucket_index(frame: pd.DataFrame, window: Window, width_s: float) -> np.ndarray:
    """The bucket number of each row, counted from the window start."""
    offsets = frame["timestamp"].to_numpy() - window.start
    return np.floor(offsets / width_s).astype(np.int64)


def time_series(frame: pd.DataFrame, window: Window, width_s: float | None = None) -> pd.DataFrame:
    """Per bucket: start second `t`, `requests_per_s`, `ru_per_s`, `throttled_per_s`
    (429 answers, retried or not) and `errors_per_s` (final errors and final 429s).

    Empty buckets are present as zeros, so gaps in the load show as dips.
    """
    width = width_s or bucket_width(window)
    n_buckets = max(1, math.ceil(window.duration_s / width))
    index = bucket_index(frame, window, width)
    inside = (index >= 0) & (index < n_buckets)
    index = index[inside]
    failed = frame["outcome"].isin(("error", "throttled")).to_numpy()[inside]

    def per_second(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=n_buckets)[:n_buckets] / width

    return pd.DataFrame(
        {
            "t": np.arange(n_buckets) * width,
            "requests_per_s": per_second(None),
            "ru_per_s": per_second(frame["ru"].to_numpy(dtype=float, na_value=0.0)[inside]),
            "throttled_per_s": per_second(frame["throttled"].to_numpy(dtype=float)[inside]),
            "errors_per_s": per_second(failed.astype(float)),
        }
    )


def operation_rates(
    frame: pd.DataFrame, window: Window, width_s: float | None = None
) -> pd.DataFrame:
    """Requests per second for each operation (columns) per bucket (rows, index `t`)."""
    width = width_s or bucket_width(window)
    n_buckets = max(1, math.ceil(window.duration_s / width))
    index = bucket_index(frame, window, width)
    inside = (index >= 0) & (index < n_buckets)
    operations = frame["operation"].astype("category")
    codes = operations.cat.codes.to_numpy().astype(np.int64)[inside]
    n_ops = len(operations.cat.categories)
    counts = np.bincount(codes * n_buckets + index[inside], minlength=n_ops * n_buckets)
    table = counts.reshape(n_ops, n_buckets).T / width
    result = pd.DataFrame(table, columns=list(operations.cat.categories))
    result.index = pd.Index(np.arange(n_buckets) * width, name="t")
    return result.loc[:, result.sum() > 0]
