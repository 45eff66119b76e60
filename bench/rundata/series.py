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


def bucket_seconds(window: Window, width_s: float) -> np.ndarray:
    """How long each bucket really is: whole buckets, then the window's remainder when it
    covers at least half a bucket (a sliver would turn two calls into a false peak)."""
    whole, remainder = divmod(window.duration_s, width_s)
    seconds = [width_s] * int(whole)
    if not seconds:
        seconds = [window.duration_s or width_s]
    elif remainder >= width_s / 2:
        seconds.append(remainder)
    return np.array(seconds)


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
    seconds = bucket_seconds(window, width)
    n_buckets = len(seconds)
    index = bucket_index(frame, window, width)
    inside = (index >= 0) & (index < n_buckets)
    index = index[inside]
    failed = frame["outcome"].isin(("error", "throttled")).to_numpy()[inside]

    def per_second(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=n_buckets)[:n_buckets] / seconds

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
    seconds = bucket_seconds(window, width)
    n_buckets = len(seconds)
    index = bucket_index(frame, window, width)
    inside = (index >= 0) & (index < n_buckets)
    operations = frame["operation"].astype("category")
    codes = operations.cat.codes.to_numpy().astype(np.int64)[inside]
    n_ops = len(operations.cat.categories)
    counts = np.bincount(codes * n_buckets + index[inside], minlength=n_ops * n_buckets)
    table = counts.reshape(n_ops, n_buckets).T / seconds[:, None]
    result = pd.DataFrame(table, columns=list(operations.cat.categories))
    result.index = pd.Index(np.arange(n_buckets) * width, name="t")
    return result.loc[:, result.sum() > 0]
